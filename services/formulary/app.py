"""The formulary service's FastAPI application."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.formulary import api, handlers
from services.formulary.settings import Settings
from shared.service import ServiceSpec, build_app

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: Settings | None = None) -> FastAPI:
    return build_app(
        ServiceSpec(
            settings=settings or Settings(),
            title="MesoCare formulary",
            description=(
                "Approved injectable ingredients, blends, lots and recalls, and the "
                "allergy cross-check."
            ),
            migrations=MIGRATIONS,
            routers=[api.router],
            handlers=handlers.HANDLERS,
        )
    )
