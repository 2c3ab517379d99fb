"""The gateway service's FastAPI application."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.gateway import api, handlers
from services.gateway.settings import Settings
from shared.service import ServiceSpec, build_app

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: Settings | None = None) -> FastAPI:
    return build_app(
        ServiceSpec(
            settings=settings or Settings(),
            title="MesoCare gateway",
            description="The front door: staff console, tokens and the integration API.",
            migrations=MIGRATIONS,
            routers=[api.router],
            handlers=handlers.HANDLERS,
        )
    )
