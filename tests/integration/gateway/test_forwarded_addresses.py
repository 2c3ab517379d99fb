"""Who the client is, for the sign-in throttle: `python -m services.gateway` as it is deployed (its
own process, uvicorn and all), on the session's database, called over TCP from 127.0.0.1.

Without FORWARDED_ALLOW_IPS no peer may name the client — not even 127.0.0.1, which uvicorn
alone would trust — so a new X-Forwarded-For on every guess changes nothing. With the peer as a
configured proxy, the client is the address the proxy adds last to X-Forwarded-For."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import IO
from uuid import uuid4

import httpx
import pytest

from devstack.ports import free_port
from tests.integration.gateway.serving import create_staff
from tests.support import RunningService

PASSWORD = "a-long-enough-password"
FREE = 5
"""GATEWAY_LOGIN_FREE_FAILURES_PER_ADDRESS's default."""


@asynccontextmanager
async def gateway_process(gateway: RunningService, **env: str) -> AsyncIterator[str]:
    """The gateway in its own process with the deployment's environment plus `env`; its URL."""
    port = free_port()
    settings = gateway.settings
    inherited = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MESOCARE_", "GATEWAY_", "OTEL_", "KAFKA_"))
        and k not in ("DATABASE_URL", "FORWARDED_ALLOW_IPS")
    }
    environment = inherited | {
        "MESOCARE_ENV": "test",
        "DATABASE_URL": settings.platform.database_url,
        "KAFKA_BOOTSTRAP_SERVERS": settings.platform.kafka_bootstrap_servers,
        "GATEWAY_DATABASE_URL": settings.dsn(),
        "GATEWAY_MIGRATION_DATABASE_URL": settings.migration_dsn(),
        "GATEWAY_HOST": "127.0.0.1",
        "GATEWAY_PORT": str(port),
        "OTEL_TRACES_EXPORTER": "none",
        **env,
    }
    log = tempfile.TemporaryFile()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services.gateway",
        env=environment,
        stdout=log,
        stderr=asyncio.subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=url, timeout=2) as probe:
            for _ in range(600):
                if process.returncode is not None:
                    pytest.fail(f"the gateway exited while starting:\n{tail(log)}")
                try:
                    if (await probe.get("/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
            else:
                pytest.fail(f"the gateway did not start:\n{tail(log)}")
        yield url
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 20)
            except TimeoutError:
                process.kill()
                await process.wait()
        log.close()


def tail(log: IO[bytes]) -> str:
    log.seek(0)
    return log.read().decode(errors="replace")[-3000:]


async def sign_in(url: str, email: str, password: str, forwarded_for: str | None) -> int:
    """One password grant over TCP from 127.0.0.1, with X-Forwarded-For when given."""
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        response = await client.post(
            "/auth/token",
            data={"grant_type": "password", "username": email, "password": password},
            headers=headers,
        )
    return response.status_code


async def new_account(gateway: RunningService) -> str:
    email = f"forwarded-{uuid4().hex[:10]}@clinic.example"
    await create_staff(gateway, uuid4(), email, password=PASSWORD)
    return email


@pytest.mark.parametrize("proxies", [None, "10.9.8.7"], ids=["none-configured", "another-peer"])
async def test_a_rotating_x_forwarded_for_from_an_untrusted_peer_does_not_reset_the_limit(
    gateway: RunningService, proxies: str | None
) -> None:
    email = await new_account(gateway)
    env = {"FORWARDED_ALLOW_IPS": proxies} if proxies else {}

    async with gateway_process(gateway, **env) as url:
        guesses = [
            await sign_in(url, email, "wrong", forwarded_for=f"203.0.113.{n}")
            for n in range(1, FREE + 1)
        ]
        with_yet_another = await sign_in(url, email, PASSWORD, forwarded_for="203.0.113.99")
        without_one = await sign_in(url, email, PASSWORD, forwarded_for=None)

    assert guesses == [400] * FREE
    assert with_yet_another == 429
    assert without_one == 429


async def test_behind_a_configured_proxy_the_client_is_the_forwarded_address(
    gateway: RunningService,
) -> None:
    email = await new_account(gateway)

    async with gateway_process(gateway, FORWARDED_ALLOW_IPS="127.0.0.1") as url:
        guesses = [
            await sign_in(url, email, "wrong", forwarded_for="198.51.100.7") for _ in range(FREE)
        ]
        from_the_guesser = await sign_in(url, email, PASSWORD, forwarded_for="198.51.100.7")
        # What the guesser wrote itself comes before what the proxy added: only the last counts.
        spoofing = await sign_in(url, email, PASSWORD, forwarded_for="192.0.2.1, 198.51.100.7")
        from_a_colleague = await sign_in(url, email, PASSWORD, forwarded_for="198.51.100.8")
        from_the_proxy_itself = await sign_in(url, email, PASSWORD, forwarded_for=None)

    assert guesses == [400] * FREE
    assert from_the_guesser == 429
    assert spoofing == 429
    assert from_a_colleague == 200
    assert from_the_proxy_itself == 200
