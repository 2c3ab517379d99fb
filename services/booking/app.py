"""The booking service's FastAPI application."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.booking import api, handlers
from services.booking.settings import Settings
from shared.service import ServiceSpec, build_app

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: Settings | None = None) -> FastAPI:
    return build_app(
        ServiceSpec(
            settings=settings or Settings(),
            title="MesoCare booking",
            description=(
                "Clinics, practitioners, availability, appointments and the treatment "
                "session lifecycle."
            ),
            migrations=MIGRATIONS,
            routers=[api.router],
            handlers=handlers.HANDLERS,
        )
    )
