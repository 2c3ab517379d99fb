"""A notifications service of its own for these tests: a clock the tests move, a real SMTP sink
(aiosmtpd) and the local SMS sink, against the session's real PostgreSQL and broker.

It runs as service `notifications_it`: its own database and consumer group, so it consumes every
event of the session beside (not instead of) the shared `notifications` fixture.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import httpx
import pytest

from devstack.ports import free_port
from devstack.sms_sink import SmsSinkServer, start_sms_sink
from devstack.smtp_sink import start_sink
from services.notifications.app import create_app
from services.notifications.clock import ManualClock
from services.notifications.settings import Settings
from tests.integration.notifications.helpers import MailServer, Stage
from tests.support import Parts

START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
"""Where the tests' clock starts; tests only ever move it forward."""


@pytest.fixture(scope="package")
def mail_server() -> Iterator[MailServer]:
    port = free_port()
    controller, sink = start_sink(port)
    yield MailServer(port, sink)
    controller.stop()


@pytest.fixture(scope="package")
def sms_server() -> Iterator[SmsSinkServer]:
    server = start_sms_sink(free_port())
    yield server
    server.stop()


@pytest.fixture(scope="package")
async def stage(
    parts: Parts, mail_server: MailServer, sms_server: SmsSinkServer
) -> AsyncIterator[Stage]:
    clock = ManualClock(START)
    settings = Settings(
        platform=parts.platform(),
        service="notifications_it",
        relay_poll_seconds=0.5,
        smtp_port=mail_server.port,
        sms_url=sms_server.url,
        worker_poll_seconds=0.1,
        max_attempts=3,
        reminder_lead_hours=24,
        webhook_poll_seconds=0.1,
        webhook_timeout_seconds=2.0,
    )
    app = create_app(settings, clock=clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://notifications") as c:
            yield Stage(
                app=app,
                client=c,
                settings=settings,
                clock=clock,
                mail=mail_server.sink,
                sms=sms_server.sink,
                parts=parts,
            )
