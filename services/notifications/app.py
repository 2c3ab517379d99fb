"""The notifications service's FastAPI application: the shared lifespan plus the dispatcher."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import FastAPI

from services.notifications import api, handlers
from services.notifications.clock import Clock, SystemClock
from services.notifications.settings import Settings
from services.notifications.worker import Dispatcher
from shared.service import ServiceSpec, build_app

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: Settings | None = None, *, clock: Clock | None = None) -> FastAPI:
    """The app; `clock` lets tests move time (quiet hours, reminders, retries)."""
    settings = settings or Settings()
    runtime = handlers.Runtime(settings=settings, clock=clock or SystemClock())
    app = build_app(
        ServiceSpec(
            settings=settings,
            title="MesoCare notifications",
            description=(
                "Confirmations, reminders, aftercare, follow-ups and alerts over email and SMS."
            ),
            migrations=MIGRATIONS,
            routers=[api.router],
            handlers=handlers.registry(runtime),
        )
    )
    app.state.clock = runtime.clock
    platform_lifespan = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Inside the platform's lifespan: the pool exists before the dispatcher starts, and the
        # dispatcher stops before the pool closes.
        async with platform_lifespan(app):
            dispatcher = Dispatcher(app.state.pool, runtime)
            app.state.dispatcher = dispatcher
            task = (
                asyncio.create_task(dispatcher.run(), name="notifications-dispatcher")
                if settings.worker_enabled
                else None
            )
            try:
                yield
            finally:
                await dispatcher.stop()
                if task is not None:
                    try:
                        await asyncio.wait_for(task, timeout=10)
                    except TimeoutError:
                        task.cancel()
                        await asyncio.gather(task, return_exceptions=True)
                await dispatcher.close()

    app.router.lifespan_context = lifespan
    return app
