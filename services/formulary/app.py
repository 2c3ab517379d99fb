"""The formulary service's FastAPI application."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

from fastapi import FastAPI

from services.formulary import api, handlers
from services.formulary.seeding import seed_demo_catalog
from services.formulary.settings import Settings
from shared.db import Transaction
from shared.service import ServiceSpec, build_app

MIGRATIONS = Path(__file__).parent / "migrations"


async def seed_demo(tx: Transaction, network_id: UUID) -> dict[str, int]:
    return await seed_demo_catalog(tx, network_id, datetime.now(UTC).date())


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
            routers=api.routers,
            prefix=api.PREFIX,
            handlers=handlers.HANDLERS,
            seed_demo=seed_demo,
        )
    )
