"""The console under its Content-Security-Policy in Chromium: every page answers with the security
headers and reports no violation (the `page` fixture fails any test whose pages report one),
while something inline that is injected into a page is blocked and reported."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Browser, Page, expect

from tests.browser.conftest import Console, CspWatch, screenshot
from tests.browser.test_console_catalogue import booked_with_a_new_patient, sign_in_as
from tests.support import bearer, eventually

# The data of every page is made through the services first; on a busy machine that is slow.
pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

CSP = (
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; "
    "img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


async def every_page(console: Console) -> list[str]:
    """A console address of every page, about real data of the network: a booked appointment,
    its patient, the patient's booking confirmation, a lot."""
    booked = await booked_with_a_new_patient(console)
    patient, appointment, headers = booked["patient"], booked["appointment"], booked["headers"]

    async def a_message() -> dict[str, Any] | None:
        answer = await console.notifications.client.get(
            "/v1/messages", params={"patient_id": patient["id"]}, headers=headers
        )
        items = answer.json()["items"] if answer.status_code == 200 else []
        return items[0] if items else None

    message = await eventually(a_message, within=60, interval=0.5)
    lots = await console.formulary.client.get("/v1/lots", headers=headers)
    lot = lots.json()["items"][0]
    # A webhook endpoint that is never sent anything (subscribed to lot recalls, never pinged).
    endpoint = await console.notifications.client.post(
        "/v1/webhook-endpoints",
        json={
            "url": "http://127.0.0.1:9/never",
            "event_types": ["mesocare.formulary.LotRecalled.v1"],
        },
        headers=bearer(console.notifications.settings.platform, console.network, "network_admin"),
    )
    assert endpoint.status_code == 201, endpoint.text
    webhook = f"/console/admin/webhooks/{endpoint.json()['id']}"
    # A staff account and an integration client of the network, for their Admin pages.
    admin = bearer(console.gateway.settings.platform, console.network, "network_admin")
    people = await console.gateway.client.get("/v1/staff", headers=admin)
    person = f"/console/admin/staff/{people.json()['items'][0]['id']}"
    registered = await console.gateway.client.post(
        "/v1/clients", json={"name": "Headers check"}, headers=admin
    )
    assert registered.status_code == 201, registered.text
    integration = f"/console/admin/clients/{registered.json()['id']}"
    clinic = console.clinic
    day = (
        datetime.fromisoformat(appointment["start"]).astimezone(ZoneInfo(clinic["timezone"])).date()
    )
    return [
        "/console/day",
        f"/console/day?clinic_id={clinic['id']}&date={day.isoformat()}",
        f"/console/day?clinic_id={clinic['id']}&date={day.isoformat()}&by=room",
        f"/console/week?clinic_id={clinic['id']}&date={day.isoformat()}",
        f"/console/appointments/{appointment['id']}/move",
        "/console/book",
        f"/console/book?patient_id={patient['id']}&clinic_id={clinic['id']}"
        f"&treatment_type_id={appointment['treatment_type_id']}&date={day.isoformat()}",
        f"/console/patients?q={patient['family_name']}",
        "/console/patients/new",
        f"/console/patients/{patient['id']}",
        f"/console/patients/{patient['id']}/contact",
        f"/console/patients/{patient['id']}/safety-profile",
        f"/console/appointments/{appointment['id']}",
        "/console/formulary",
        f"/console/formulary/lots/{lot['id']}",
        "/console/messages",
        f"/console/messages/{message['id']}",
        "/console/admin/webhooks",
        webhook,
        f"{webhook}/delete",
        "/console/admin",
        "/console/admin/staff",
        "/console/admin/staff/new",
        person,
        f"{person}/deactivate",
        "/console/admin/clients",
        integration,
        f"{integration}/deactivate",
        "/console/formulary/lots/not-a-lot",  # the refusal page
    ]


async def test_every_page_has_the_headers_and_reports_no_violation(
    page: Page, console: Console, csp_watch: CspWatch
) -> None:
    addresses = await every_page(console)
    login = await page.goto("/console/login")
    assert login is not None
    seen = {"/console/login": login.headers}
    await sign_in_as(page, console, "network_admin")

    for address in addresses:
        response = await page.goto(address)
        assert response is not None, address
        assert response.status < 500, address
        await expect(page.locator("main h1")).to_be_visible()
        seen[address] = response.headers
        assert csp_watch.reported() == [], address

    for address, headers in seen.items():
        assert headers["content-security-policy"] == CSP, address
        assert headers["x-content-type-options"] == "nosniff", address
        assert headers["referrer-policy"] == "no-referrer", address
        assert headers["x-frame-options"] == "DENY", address
        assert "strict-transport-security" not in headers, address  # not production
    # The console's own style sheet is applied under the policy.
    assert await page.evaluate("getComputedStyle(document.body).marginTop") == "0px"


async def test_the_practitioner_s_session_page_reports_no_violation(
    page: Page, console: Console, csp_watch: CspWatch
) -> None:
    booked = await booked_with_a_new_patient(console)
    await sign_in_as(page, console, "practitioner")

    await page.goto(f"/console/appointments/{booked['appointment']['id']}")

    await expect(page.locator("main h1")).to_be_visible()
    assert csp_watch.reported() == []


async def test_an_inline_script_style_or_handler_put_into_a_page_is_blocked_and_reported(
    chromium: Browser, console: Console
) -> None:
    # A context of its own: the `page` fixture would fail this test for the violations.
    context = await chromium.new_context(base_url=console.url)
    watch = CspWatch()
    await watch.attach(context)
    page = await context.new_page()
    try:
        await sign_in_as(page, console, "receptionist")
        assert watch.reported() == []

        await page.evaluate(
            """() => {
                const script = document.createElement('script');
                script.textContent = 'window.injected = true';
                document.body.append(script);
                document.body.setAttribute('style', 'outline: 7px solid red');
                const image = document.createElement('img');
                image.setAttribute('onerror', 'window.injected = true');
                image.src = '/nowhere.png';
                document.body.append(image);
            }"""
        )

        async def three_reported() -> bool:
            return len(watch.violations) >= 3

        await eventually(three_reported, within=10)
        assert await page.evaluate("window.injected") is None
        assert await page.evaluate("getComputedStyle(document.body).outlineWidth") != "7px"
        reported = " ".join(watch.violations)
        for directive in ("script-src-elem", "style-src-attr", "script-src-attr"):
            assert directive in reported
        assert any("Content Security Policy" in e for e in watch.console_errors)
        await screenshot(page, "csp-injected-blocked")
    finally:
        await context.close()


async def test_the_console_cannot_be_framed(chromium: Browser, console: Console) -> None:
    context = await chromium.new_context()
    watch = CspWatch()
    await watch.attach(context)
    page = await context.new_page()
    try:
        await page.set_content(f'<iframe src="{console.url}/console/login"></iframe>')

        async def refused() -> bool:
            return "frame-ancestors" in " ".join(watch.reported())

        await eventually(refused, within=10)
        assert await page.frame_locator("iframe").locator("form").count() == 0
    finally:
        await context.close()
