"""The booking service's FastAPI application."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import FastAPI

from services.booking import api, handlers
from services.booking.api import fhir
from services.booking.clients.formulary import FormularyClient
from services.booking.clients.records import RecordsClient
from services.booking.settings import Settings
from shared.http import ServiceClient
from shared.service import ServiceSpec, build_app

MIGRATIONS = Path(__file__).parent / "migrations"


@contextlib.asynccontextmanager
async def service_clients(app: FastAPI) -> AsyncIterator[None]:
    """The clients of the services booking calls (records, formulary), one each."""
    settings: Settings = app.state.settings
    app.state.records = ServiceClient(
        settings.records_url, name="records", timeout=settings.records_timeout_seconds
    )
    app.state.formulary = ServiceClient(
        settings.formulary_url, name="formulary", timeout=settings.formulary_timeout_seconds
    )
    app.state.records_client = RecordsClient(app.state.records)
    app.state.formulary_client = FormularyClient(app.state.formulary)
    try:
        yield
    finally:
        await app.state.records.close()
        await app.state.formulary.close()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = build_app(
        ServiceSpec(
            settings=settings,
            title="MesoCare booking",
            description=(
                "Clinics, practitioners, availability, appointments and the treatment "
                "session lifecycle."
            ),
            migrations=MIGRATIONS,
            routers=api.routers,
            prefix=api.PREFIX,
            handlers=handlers.HANDLERS,
            resources=[service_clients],
            unversioned=[fhir.router],  # FHIR's paths are its own, not a version of booking's
        )
    )
    return app
