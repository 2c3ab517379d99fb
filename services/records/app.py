"""The records service's FastAPI application."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.records import api, handlers
from services.records.settings import Settings
from shared.service import ServiceSpec, build_app

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: Settings | None = None) -> FastAPI:
    return build_app(
        ServiceSpec(
            settings=settings or Settings(),
            title="MesoCare records",
            description=(
                "The patient chart: contact, consents, safety profile, treatment "
                "history, adverse events and the audit log."
            ),
            migrations=MIGRATIONS,
            routers=api.routers,
            prefix=api.PREFIX,
            unversioned=api.unversioned,
            handlers=handlers.HANDLERS,
            # History: the runtime login may insert and read, never rewrite (the triggers
            # refuse it too, but only for rows the statement can see).
            append_only=("audit_log", "consents"),
        )
    )
