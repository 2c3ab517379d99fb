"""The notifications service's FastAPI application."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.notifications import api, handlers
from services.notifications.settings import Settings
from shared.service import ServiceSpec, build_app

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: Settings | None = None) -> FastAPI:
    return build_app(
        ServiceSpec(
            settings=settings or Settings(),
            title="MesoCare notifications",
            description=(
                "Confirmations, reminders, aftercare, follow-ups and alerts over email and SMS."
            ),
            migrations=MIGRATIONS,
            routers=[api.router],
            handlers=handlers.HANDLERS,
        )
    )
