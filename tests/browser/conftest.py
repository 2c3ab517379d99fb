"""The staff console in headless Chromium: Debian's build driven by Playwright, the gateway
under a real uvicorn server in front of the real booking and records services."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID, uuid4

import pytest

from devstack.ports import free_port
from tests.integration.gateway.serving import served
from tests.support import Parts, RunningService, bearer, running_service, service_settings

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PASSWORD = "a-long-enough-password"


@dataclass
class Console:
    url: str
    gateway: RunningService
    network: UUID
    clinic: dict
    receptionist: str
    """Email of a receptionist of `network` (password PASSWORD)."""


def chromium_installed() -> bool:
    return Path(CHROMIUM).exists()


@pytest.fixture(scope="session")
async def chromium() -> AsyncIterator[object]:
    if not chromium_installed():
        pytest.fail(
            f"The browser tests need Debian's Chromium at {CHROMIUM}: run `make test` as root, "
            "or `apt-get update && apt-get install -y chromium`."
        )
    from playwright.async_api import async_playwright

    home = tempfile.mkdtemp(prefix="mesocare-chromium-home-")
    playwright = await async_playwright().start()
    browser = await playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS,
        env={**os.environ, "HOME": home},
    )
    try:
        yield browser
    finally:
        await browser.close()
        await playwright.stop()
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
async def console(
    parts: Parts, booking: RunningService, records: RunningService
) -> AsyncIterator[Console]:
    async with served(booking.app) as booking_url, served(records.app) as records_url:
        settings = service_settings(
            "gateway",
            parts.platform(),
            booking_url=booking_url,
            records_url=records_url,
            formulary_url=f"http://127.0.0.1:{free_port()}",
            notifications_url=f"http://127.0.0.1:{free_port()}",
        )
        async with running_service(settings) as gateway, served(gateway.app) as url:
            network = uuid4()
            platform = gateway.settings.platform
            clinic = await booking.client.post(
                "/v1/clinics",
                json={
                    "name": "Lyon Presqu'île",
                    "address": "1 rue de la République, Lyon",
                    "timezone": "Europe/Paris",
                    "currency": "EUR",
                },
                headers=bearer(platform, network, "network_admin"),
            )
            assert clinic.status_code == 201, clinic.text
            receptionist = f"reception-{uuid4().hex[:8]}@clinic.example"
            staff = await gateway.client.post(
                "/v1/staff",
                json={
                    "email": receptionist,
                    "display_name": "Rita Reception",
                    "password": PASSWORD,
                    "roles": ["receptionist"],
                },
                headers=bearer(platform, network, "network_admin"),
            )
            assert staff.status_code == 201, staff.text
            yield Console(url, gateway, network, clinic.json(), receptionist)


@pytest.fixture
async def page(chromium, console: Console) -> AsyncIterator[object]:  # type: ignore[no-untyped-def]
    """A fresh browser context (no cookies) at tablet-or-laptop size."""
    context = await chromium.new_context(
        base_url=console.url, viewport={"width": 1280, "height": 800}
    )
    page = await context.new_page()
    try:
        yield page
    finally:
        await context.close()


async def screenshot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
