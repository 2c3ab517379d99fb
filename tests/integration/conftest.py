"""Fixtures the integration tests share beyond the session's parts and plain services."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from devstack.ports import free_port
from tests.integration.booking.helpers import Stage
from tests.support import Parts, RunningService, observer_pool, served, with_own_logins


@pytest.fixture(scope="session")
async def treating(parts: Parts, formulary: RunningService) -> AsyncIterator[Stage]:
    """A booking service that can carry a treatment through: it asks the session's real
    formulary app (served over HTTP) for the cross-checks at start and completion.

    Its own database and consumer group (`booking_treating`); records is not reachable, so its
    patients are the ones put on the broker (`register_patient`)."""
    from services.booking.app import create_app
    from services.booking.settings import Settings

    async with served(formulary.app) as formulary_url:
        settings = await with_own_logins(
            Settings(
                platform=parts.platform(),
                service="booking_treating",
                relay_poll_seconds=0.5,
                records_url=f"http://127.0.0.1:{free_port()}",  # nothing listens there
                formulary_url=formulary_url,
                formulary_timeout_seconds=5.0,
            )
        )
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            observer = await observer_pool(settings)
            transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
            try:
                async with httpx.AsyncClient(
                    transport=transport, base_url="http://booking"
                ) as client:
                    yield Stage(RunningService(app, client, settings, observer), parts)
            finally:
                await observer.close()
