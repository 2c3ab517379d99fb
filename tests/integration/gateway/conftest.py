"""The gateway's real app (pool, migrations) against the session's PostgreSQL and broker."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from devstack.ports import free_port
from tests.support import Parts, RunningService, running_service, service_settings


@pytest.fixture(scope="session")
async def gateway(parts: Parts) -> AsyncIterator[RunningService]:
    # No service behind it: these tests are about the gateway's own endpoints (the proxy tests
    # build their own gateway), and the local ports may belong to a running stack.
    nowhere = {
        f"{name}_url": f"http://127.0.0.1:{free_port()}"
        for name in ("booking", "records", "formulary", "notifications")
    }
    settings = service_settings("gateway", parts.platform(), **nowhere)
    async with running_service(settings) as svc:
        yield svc
