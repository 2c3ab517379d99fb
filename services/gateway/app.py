"""The gateway service's FastAPI application: the shared lifespan plus the proxy's client."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from services.gateway import api, console, handlers
from services.gateway.clients import own_api_client, services_client
from services.gateway.domain.errors import OAuthError, TooManyAttempts
from services.gateway.headers import SecurityHeaders
from services.gateway.seeding import seed_demo_staff
from services.gateway.settings import Settings
from shared.problems import problem_response
from shared.service import ServiceSpec, build_app

MIGRATIONS = Path(__file__).parent / "migrations"


@contextlib.asynccontextmanager
async def proxy_http_client(app: FastAPI) -> AsyncIterator[None]:
    """The one HTTP client for the services, behind the proxy and the console."""
    settings: Settings = app.state.settings
    app.state.proxy = services_client(settings)
    try:
        yield
    finally:
        await app.state.proxy.aclose()


@contextlib.asynccontextmanager
async def own_api(app: FastAPI) -> AsyncIterator[None]:
    """The console's client of the gateway's own API (staff and integration clients)."""
    app.state.own_api = own_api_client(app)
    try:
        yield
    finally:
        await app.state.own_api.aclose()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = build_app(
        ServiceSpec(
            settings=settings,
            title="MesoCare gateway",
            seed_demo=seed_demo_staff,
            description=(
                "The front door: the staff console, `POST /auth/token`, staff and integration "
                "client management, and `/api/<service>/…` routed to the services."
            ),
            migrations=MIGRATIONS,
            routers=[*api.routers, console.router],
            handlers=handlers.HANDLERS,
            resources=[proxy_http_client, own_api],
        )
    )
    console.install(app)

    async def with_headers(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, OAuthError | TooManyAttempts)
        return problem_response(exc.to_problem(request.url.path), exc.headers)

    app.add_exception_handler(OAuthError, with_headers)
    app.add_exception_handler(TooManyAttempts, with_headers)
    # Outermost of the app's layers, so every answer has them (a 413 or a refusal too).
    app.add_middleware(SecurityHeaders, production=settings.platform.env == "production")

    return app
