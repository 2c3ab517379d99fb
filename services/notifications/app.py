"""The notifications service's FastAPI application: the shared lifespan plus the dispatcher."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import FastAPI

from services.notifications import api
from services.notifications.clock import Clock, SystemClock
from services.notifications.handlers import Handlers
from services.notifications.settings import Settings
from services.notifications.webhook_sender import delivering
from services.notifications.worker import Dispatcher
from shared.service import ServiceSpec, build_app, finish

MIGRATIONS = Path(__file__).parent / "migrations"


@contextlib.asynccontextmanager
async def dispatching(app: FastAPI, settings: Settings, clock: Clock) -> AsyncIterator[None]:
    """The sender of due messages; it stops before the platform closes the pool."""
    dispatcher = Dispatcher(app.state.database, settings, clock)
    app.state.dispatcher = dispatcher
    tasks = (
        [asyncio.create_task(dispatcher.run(), name="notifications-dispatcher")]
        if settings.worker_enabled
        else []
    )
    try:
        yield
    finally:
        await dispatcher.stop()
        await finish(tasks, grace=10)
        await dispatcher.close()


def create_app(settings: Settings | None = None, *, clock: Clock | None = None) -> FastAPI:
    """The app; `clock` lets tests move time (quiet hours, reminders, retries)."""
    settings = settings or Settings()
    clock = clock or SystemClock()
    app = build_app(
        ServiceSpec(
            settings=settings,
            title="MesoCare notifications",
            description=(
                "Confirmations, reminders, aftercare, follow-ups and alerts over email and SMS; "
                "signed webhooks to a network's own systems."
            ),
            migrations=MIGRATIONS,
            routers=api.routers,
            prefix=api.PREFIX,
            handlers=Handlers(settings, clock).registry(),
            resources=[
                lambda app: dispatching(app, settings, clock),
                lambda app: delivering(app, settings, clock),
            ],
        )
    )
    app.state.clock = clock
    return app
