"""A booking service of its own for these tests (`booking_it`: its own database and consumer
group), against the session's real PostgreSQL and broker, with records and formulary URLs where
nothing listens: the patient replica is fed by PatientRegistered events put on the broker, and
every call that needs formulary or records fails closed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from devstack.ports import free_port
from services.booking.app import create_app
from services.booking.settings import Settings
from tests.integration.booking.helpers import Stage
from tests.support import Parts, RunningService, observer_pool, served, with_own_logins


def nowhere() -> str:
    """A URL where nothing listens."""
    return f"http://127.0.0.1:{free_port()}"


@asynccontextmanager
async def booking_service(parts: Parts, name: str, **overrides: Any) -> AsyncIterator[Stage]:
    """A booking app named `name` (own database and consumer group), served in process."""
    values: dict[str, Any] = {
        "records_url": nowhere(),
        "formulary_url": nowhere(),
        "formulary_timeout_seconds": 1.0,
        "records_timeout_seconds": 1.0,
        "db_pool_max": 20,
    }
    values.update(overrides)
    settings = await with_own_logins(
        Settings(platform=parts.platform(), service=name, relay_poll_seconds=0.5, **values)
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        observer = await observer_pool(settings)
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        try:
            async with httpx.AsyncClient(transport=transport, base_url="http://booking") as client:
                yield Stage(RunningService(app, client, settings, observer), parts)
        finally:
            await observer.close()


@pytest.fixture(scope="package")
async def stage(parts: Parts) -> AsyncIterator[Stage]:
    async with booking_service(parts, "booking_it") as started:
        yield started


@pytest.fixture(scope="package")
async def with_records(parts: Parts, records: RunningService) -> AsyncIterator[Stage]:
    """A booking service that asks the real records app (served over HTTP) about patients."""
    async with (
        served(records.app) as url,
        booking_service(
            parts, "booking_rec", records_url=url, records_timeout_seconds=5.0
        ) as started,
    ):
        yield started


@pytest.fixture(scope="package")
async def with_formulary(parts: Parts, formulary: RunningService) -> AsyncIterator[Stage]:
    """A booking service whose start gate asks the real formulary app (served over HTTP)."""
    async with (
        served(formulary.app) as url,
        booking_service(
            parts, "booking_fx", formulary_url=url, formulary_timeout_seconds=5.0
        ) as started,
    ):
        yield started
