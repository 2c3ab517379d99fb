"""The staff console in headless Chromium: Debian's build driven by Playwright, the gateway
under a real uvicorn server in front of all four real services."""

from __future__ import annotations

import asyncio
import importlib
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from uuid import UUID, uuid4

import httpx
import pytest

from devstack.ports import free_port
from devstack.seed import Seeder
from devstack.sms_sink import SmsSink, start_sms_sink
from devstack.smtp_sink import MailSink, start_sink
from services.formulary.seeding import seed_demo_catalog
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
    """The network's Paris clinic."""
    receptionist: str
    """Email of a receptionist of `network` (password PASSWORD)."""
    accounts: dict[str, str]
    """Email of one account per role (password PASSWORD)."""
    booking: RunningService
    records: RunningService
    formulary: RunningService
    notifications: RunningService
    mail: MailSink
    sms: SmsSink


def chromium_installed() -> bool:
    return Path(CHROMIUM).exists()


@pytest.fixture(autouse=True)
def patient_expectations() -> Iterator[None]:
    """A page may wait on several services at once: on a busy 2-core machine that can take
    longer than Playwright's default 5 s."""
    from playwright.async_api import expect

    expect.set_options(timeout=20_000)
    yield
    expect.set_options(timeout=None)


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
    parts: Parts, records: RunningService, formulary: RunningService
) -> AsyncIterator[Console]:
    """The whole system behind a real gateway: records and formulary, a booking that asks them
    (its own database), a notifications service sending to a real SMTP sink and the SMS sink
    (its own database), and a fresh network loaded with the demo clinics, practitioners, hours,
    treatment types, prices, patients and formulary catalog. Staff accounts: one per role."""
    platform = parts.platform()
    mail_controller, mail = start_sink(free_port())
    sms = start_sms_sink(free_port())
    try:
        async with (
            served(records.app) as records_url,
            served(formulary.app) as formulary_url,
            _service(
                "booking",
                platform,
                service="booking_console",
                records_url=records_url,
                formulary_url=formulary_url,
            ) as booking,
            served(booking.app) as booking_url,
            _service(
                "notifications",
                platform,
                service="notifications_console",
                smtp_port=mail_controller.port,
                sms_url=sms.url,
                worker_poll_seconds=0.1,
            ) as notifications,
            served(notifications.app) as notifications_url,
        ):
            urls = {
                "booking": booking_url,
                "records": records_url,
                "formulary": formulary_url,
                "notifications": notifications_url,
            }
            settings = service_settings(
                "gateway", platform, **{f"{name}_url": url for name, url in urls.items()}
            )
            async with running_service(settings) as gateway, served(gateway.app) as url:
                network = uuid4()
                await _load_network(network, platform, urls, formulary)
                admin = bearer(platform, network, "network_admin")
                clinics = (await booking.client.get("/v1/clinics", headers=admin)).json()["items"]
                clinic = next(c for c in clinics if c["timezone"] == "Europe/Paris")
                accounts = {}
                for role, name in ROLES.items():
                    email = f"{role.replace('_', '-')}-{uuid4().hex[:8]}@clinic.example"
                    staff = await gateway.client.post(
                        "/v1/staff",
                        json={
                            "email": email,
                            "display_name": name,
                            "password": PASSWORD,
                            "roles": [role],
                            "clinic_ids": [] if role == "network_admin" else [clinic["id"]],
                        },
                        headers=admin,
                    )
                    assert staff.status_code == 201, staff.text
                    accounts[role] = email
                yield Console(
                    url=url,
                    gateway=gateway,
                    network=network,
                    clinic=clinic,
                    receptionist=accounts["receptionist"],
                    accounts=accounts,
                    booking=booking,
                    records=records,
                    formulary=formulary,
                    notifications=notifications,
                    mail=mail,
                    sms=sms.sink,
                )
    finally:
        sms.stop()
        mail_controller.stop()


ROLES = {
    "receptionist": "Rita Reception",
    "practitioner": "Dr Claire Moreau",
    "clinic_manager": "Manon Manager",
    "network_admin": "Ada Admin",
}
"""One staff account per role; their emails are in `Console.accounts` (password PASSWORD)."""


@asynccontextmanager
async def _service(
    module: str, platform: object, **overrides: object
) -> AsyncIterator[RunningService]:
    """A service app under another service name (its own database and consumer group)."""
    settings = importlib.import_module(f"services.{module}.settings").Settings(
        platform=platform, relay_poll_seconds=0.5, **overrides
    )
    app = importlib.import_module(f"services.{module}.app").create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url=f"http://{module}") as client:
            yield RunningService(app, client, settings)


async def _load_network(
    network: UUID, platform: object, urls: dict[str, str], formulary: RunningService
) -> None:
    """The demo network's data, under `network`: the same loaders `make run` uses."""
    async with formulary.pool.acquire() as conn, conn.transaction():
        await seed_demo_catalog(conn, network, date.today())
    seeder = Seeder(urls=urls, platform=platform, network_id=network, say=lambda _: None)
    # The seeder is synchronous; the services it calls run on this event loop.
    await asyncio.to_thread(seeder.run)


CSP_WATCH = """
document.addEventListener('securitypolicyviolation', (e) => window.reportCspViolation(
  `${location.pathname}: ${e.effectiveDirective} blocked ${e.blockedURI || 'inline'}`
  + ` (${e.sourceFile || ''}:${e.lineNumber || 0}) ${e.sample || ''}`), true);
"""
"""Reports every Content-Security-Policy violation of every document of a context, before any
of the page's own markup is parsed (an init script, which the page's policy does not govern)."""


@dataclass
class CspWatch:
    """The CSP violations a context's pages reported, by event and in the browser's console."""

    violations: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    async def attach(self, context) -> None:  # type: ignore[no-untyped-def]
        await context.expose_binding(
            "reportCspViolation", lambda _source, text: self.violations.append(text)
        )
        await context.add_init_script(CSP_WATCH)
        context.on("console", self._console)

    def _console(self, message) -> None:  # type: ignore[no-untyped-def]
        if message.type == "error" and "Content Security Policy" in message.text:
            self.console_errors.append(message.text)

    def reported(self) -> list[str]:
        return self.violations + self.console_errors


@pytest.fixture
def csp_watch() -> CspWatch:
    """What the test's `page` reports of the Content-Security-Policy."""
    return CspWatch()


@pytest.fixture
async def page(chromium, console: Console, csp_watch: CspWatch) -> AsyncIterator[object]:  # type: ignore[no-untyped-def]
    """A fresh browser context (no cookies) at tablet-or-laptop size. Chromium enforces the
    console's Content-Security-Policy; any violation on any page the test visits fails it."""
    context = await chromium.new_context(
        base_url=console.url, viewport={"width": 1280, "height": 800}
    )
    await csp_watch.attach(context)
    page = await context.new_page()
    try:
        yield page
    finally:
        await context.close()
    assert csp_watch.reported() == [], "Content-Security-Policy violations"


async def screenshot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


SERIOUS = frozenset({"serious", "critical"})


async def axe_violations(page) -> list[str]:  # type: ignore[no-untyped-def]
    """The serious and critical accessibility violations axe-core finds on the page as it is
    (WCAG 2.0 to 2.2, levels A and AA): one line each, the rule and the elements it names."""
    from axe_playwright_python.async_playwright import Axe

    results = await Axe().run(
        page,
        options={
            "resultTypes": ["violations"],
            "runOnly": {
                "type": "tag",
                "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"],
            },
        },
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(str(n["target"]) for n in v["nodes"])
        for v in results.response["violations"]
        if v.get("impact") in SERIOUS
    ]
