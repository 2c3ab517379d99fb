"""Admin: Staff and Integration clients in a real browser. A network admin opens the Admin area,
adds a practitioner's account (a short password and an email already taken are named next to
their fields), and the new person signs in with it in another browser; the admin changes their
roles (the person's next page has them), resets their password (their session ends, the new one
signs them in), deactivates the account after a confirmation (the person is signed out and
cannot sign in again), and is told plainly that the network's only admin cannot be deactivated.
An integration client is registered (at tablet width, never scrolling sideways), its secret
shown once, and gets a token with it at `POST /auth/token` until it is deactivated. A
receptionist has no Admin entry and is refused at the addresses; a clinic manager's Admin area
has only the setup, which opens."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from uuid import uuid4

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from tests.browser.conftest import PASSWORD, Console, screenshot
from tests.browser.test_console_keyboard_and_widths import NO_SIDEWAYS_SCROLLING, TABLET
from tests.browser.test_console_webhooks import accessible, follow, sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

NEW_PASSWORD = "another-long-password"


@asynccontextmanager
async def another_browser(chromium: Browser, console: Console) -> AsyncIterator[Page]:
    """A page of a second browser (its own cookies): the new staff member's."""
    context = await chromium.new_context(
        base_url=console.url, viewport={"width": 1280, "height": 800}
    )
    try:
        yield await context.new_page()
    finally:
        await context.close()


async def sign_in_with(page: Page, email: str, password: str) -> None:
    await page.goto("/console/login")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(password)
    await follow(page, page.get_by_role("button", name="Sign in"))


async def client_token(console: Console, client_id: str, secret: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=console.url) as http:
        return await http.post(
            "/auth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
        )


class TestAnAdminsStaff:
    async def test_a_new_practitioner_signs_in_changes_role_and_password_and_is_deactivated(
        self, page: Page, console: Console, chromium: Browser
    ) -> None:
        email = f"claire-{uuid4().hex[:8]}@clinic.example"
        name = f"Dr Claire Test {uuid4().hex[:4]}"
        await sign_in_as(page, console, "network_admin")
        nav = page.get_by_role("navigation", name="Main")
        await follow(page, nav.get_by_role("link", name="Admin"))
        await expect(page.get_by_role("heading", level=1)).to_have_text("Admin")
        await expect(nav.get_by_role("link", name="Admin")).to_have_attribute(
            "aria-current", "page"
        )
        sections = page.get_by_test_id("admin-sections")
        for section in ("Staff", "Integration clients", "Clinics and rooms", "Webhooks"):
            await expect(sections.get_by_role("link", name=section, exact=True)).to_be_visible()
        await accessible(page)
        await screenshot(page, "admin-index")

        await follow(page, sections.get_by_role("link", name="Staff", exact=True))
        await expect(page.get_by_role("heading", level=1)).to_have_text("Staff")
        listed = page.get_by_test_id("staff")
        await expect(listed.get_by_role("row").filter(has_text="Ada Admin")).to_contain_text(
            "Network admin"
        )
        await accessible(page)
        await screenshot(page, "admin-staff")

        # Adding: the gateway's refusals next to their fields, the form kept.
        await follow(page, page.get_by_role("link", name="Add a staff member"))
        await page.get_by_label("Email").fill(email)
        await page.get_by_label("Name", exact=True).fill(name)
        await page.get_by_label("First password").fill("too-short")
        roles = page.get_by_role("group", name="Roles")
        await roles.get_by_label("Practitioner").check()
        clinics = page.get_by_role("group", name="Clinics")
        await clinics.get_by_label(console.clinic["name"], exact=True).check()
        await follow(page, page.get_by_role("button", name="Add the staff member"))
        await expect(page.locator("#f-password-error")).to_have_text(
            "A password needs at least 12 characters."
        )
        await expect(page.get_by_label("Email")).to_have_value(email)
        await expect(roles.get_by_label("Practitioner")).to_be_checked()
        await accessible(page)
        await screenshot(page, "admin-staff-add-refused")

        await page.get_by_label("Email").fill(console.accounts["receptionist"])
        await page.get_by_label("First password").fill(PASSWORD)
        await follow(page, page.get_by_role("button", name="Add the staff member"))
        await expect(page.locator("#f-email-error")).to_have_text(
            "This email already has an account."
        )

        await page.get_by_label("Email").fill(email)
        await page.get_by_label("First password").fill(PASSWORD)
        await follow(page, page.get_by_role("button", name="Add the staff member"))
        await expect(page.get_by_role("heading", level=1)).to_have_text(name)
        await expect(page.get_by_test_id("done")).to_contain_text("The account is added")
        await expect(page.get_by_test_id("person-roles")).to_have_text("Practitioner")
        await expect(page.get_by_test_id("person")).to_contain_text(console.clinic["name"])
        await accessible(page)
        await screenshot(page, "admin-staff-member")

        async with another_browser(chromium, console) as theirs:
            await sign_in_with(theirs, email, PASSWORD)
            await expect(theirs).to_have_url(re.compile(r"/console/day$"))
            await expect(theirs.get_by_test_id("signed-in-as")).to_have_text(name)
            their_nav = theirs.get_by_role("navigation", name="Main")
            await expect(their_nav.get_by_role("link", name="Admin")).to_have_count(0)

            # New roles: the person's next page has them.
            roles = page.get_by_role("group", name="Roles")
            await roles.get_by_label("Receptionist").check()
            await follow(page, page.get_by_role("button", name="Save the changes"))
            await expect(page.get_by_test_id("done")).to_contain_text("The changes are saved")
            await expect(page.get_by_test_id("person-roles")).to_have_text(
                "Practitioner, Receptionist"
            )
            await theirs.reload()
            await expect(theirs.locator(".who .roles")).to_have_text("practitioner, receptionist")

            # A password reset ends their session; the new password signs them in.
            await page.get_by_label("New password").fill(NEW_PASSWORD)
            await follow(page, page.get_by_role("button", name="Reset the password"))
            await expect(page.get_by_test_id("done")).to_contain_text("The password is reset")
            await theirs.reload()
            await expect(theirs).to_have_url(re.compile(r"/console/login"))
            await sign_in_with(theirs, email, NEW_PASSWORD)
            await expect(theirs.get_by_test_id("signed-in-as")).to_have_text(name)

            # Deactivating asks first; then the person is out and cannot come back.
            await follow(page, page.get_by_role("link", name="Deactivate…"))
            await follow(page, page.get_by_role("button", name="Deactivate the account"))
            await expect(page.locator("#f-confirm-error")).to_have_text(
                "Confirm that this account is to be deactivated."
            )
            await accessible(page)
            await screenshot(page, "admin-staff-deactivate")
            await page.get_by_label("I confirm that this account is to be deactivated").check()
            await follow(page, page.get_by_role("button", name="Deactivate the account"))
            await expect(page.get_by_test_id("done")).to_contain_text("deactivated")
            await expect(page.get_by_test_id("account-state")).to_have_text("Deactivated")
            await expect(page.get_by_role("button", name="Reactivate the account")).to_be_visible()

            await theirs.reload()
            await expect(theirs).to_have_url(re.compile(r"/console/login"))
            await sign_in_with(theirs, email, NEW_PASSWORD)
            await expect(theirs.get_by_test_id("login-error")).to_contain_text(
                "This account is deactivated."
            )

        # The network's only admin: the gateway's refusal, said plainly.
        await page.goto("/console/admin/staff")
        row = page.get_by_test_id("staff").get_by_role("row").filter(has_text="Ada Admin")
        await follow(page, row.get_by_role("link", name="Ada Admin"))
        await follow(page, page.get_by_role("link", name="Deactivate…"))
        await page.get_by_label("I confirm that this account is to be deactivated").check()
        await follow(page, page.get_by_role("button", name="Deactivate the account"))
        await expect(page.get_by_role("alert")).to_contain_text(
            "This change would leave your network without an active network admin."
        )
        await accessible(page)
        await screenshot(page, "admin-staff-last-admin")
        await follow(page, page.get_by_role("link", name="Keep it active"))
        await expect(page.get_by_test_id("account-state")).to_have_text("Active")


class TestAnAdminsIntegrationClient:
    async def test_shows_its_secret_once_which_gets_tokens_until_it_is_deactivated(
        self, page: Page, console: Console
    ) -> None:
        name = f"Chain CRM {uuid4().hex[:6]}"
        await page.set_viewport_size(TABLET)
        await sign_in_as(page, console, "network_admin")
        await page.goto("/console/admin")
        await follow(page, page.get_by_role("link", name="Integration clients"))
        await expect(page.get_by_role("heading", level=1)).to_have_text("Integration clients")
        assert await page.evaluate(NO_SIDEWAYS_SCROLLING)

        await follow(page, page.get_by_role("button", name="Register the client"))
        await expect(page.locator("#f-name-error")).to_have_text(
            "Enter a name saying whose system this is."
        )
        await accessible(page)
        await page.get_by_label("Name", exact=True).fill(name)
        await (
            page.get_by_role("group", name="Roles it acts with")
            .get_by_label("Receptionist")
            .check()
        )
        await screenshot(page, "admin-clients")
        await follow(page, page.get_by_role("button", name="Register the client"))

        await expect(page.get_by_role("heading", level=1)).to_have_text(
            "Integration client registered"
        )
        await expect(page.get_by_text("it is shown only on this page")).to_be_visible()
        client_id = await page.get_by_label("Client id").input_value()
        secret = await page.get_by_label("Client secret").input_value()
        assert client_id and len(secret) >= 32
        assert await page.evaluate(NO_SIDEWAYS_SCROLLING)
        await accessible(page)
        await screenshot(page, "admin-client-secret")

        token = await client_token(console, client_id, secret)
        assert token.status_code == 200, token.text
        body: dict[str, Any] = token.json()
        assert set(body["scope"].split()) == {"integration", "receptionist"}

        # Listed, active, and nowhere again its secret.
        await follow(page, page.get_by_role("link", name="Back to integration clients"))
        row = page.get_by_test_id("clients").get_by_role("row").filter(has_text=name)
        await expect(row).to_contain_text(client_id)
        await expect(row.get_by_test_id("account-state")).to_have_text("Active")
        assert secret not in await page.content()

        await follow(page, row.get_by_role("link", name=name))
        await follow(page, page.get_by_role("link", name="Deactivate…"))
        await page.get_by_label("I confirm that this client is to be deactivated").check()
        await accessible(page)
        await follow(page, page.get_by_role("button", name="Deactivate the client"))
        await expect(page.get_by_test_id("done")).to_contain_text("The client is deactivated")
        await expect(page.get_by_test_id("account-state")).to_have_text("Deactivated")
        await accessible(page)
        await screenshot(page, "admin-client-deactivated")
        refused = await client_token(console, client_id, secret)
        assert refused.status_code == 401, refused.text

        await follow(page, page.get_by_role("button", name="Reactivate the client"))
        await expect(page.get_by_test_id("account-state")).to_have_text("Active")
        assert (await client_token(console, client_id, secret)).status_code == 200


class TestOtherRoles:
    async def test_a_receptionist_has_no_admin_a_clinic_manager_only_the_setup(
        self, page: Page, console: Console
    ) -> None:
        await sign_in_as(page, console, "receptionist")
        nav = page.get_by_role("navigation", name="Main")
        await expect(nav.get_by_role("link", name="Messages")).to_be_visible()
        await expect(nav.get_by_role("link", name="Admin")).to_have_count(0)
        for address, refusal in [
            ("/console/admin/staff", "Only network admins manage staff accounts."),
            ("/console/admin/clients", "Only network admins manage integration clients."),
            ("/console/admin", "The Admin area is for network admins and clinic managers."),
        ]:
            response = await page.goto(address)
            assert response is not None and response.status == 403
            await expect(page.get_by_test_id("refused")).to_have_text(refusal)
        await accessible(page)
        await screenshot(page, "admin-refused-receptionist")

        await page.get_by_role("button", name="Sign out").click()
        await expect(page).to_have_url(re.compile(r"/console/login"))
        await sign_in_as(page, console, "clinic_manager")
        await follow(page, nav.get_by_role("link", name="Admin"))
        sections = page.get_by_test_id("admin-sections").get_by_role("heading")
        await expect(sections).to_have_text(
            [
                "Clinics and rooms",
                "Practitioners, hours and time off",
                "Treatment types and prices",
            ]
        )
        await follow(page, page.get_by_role("link", name="Clinics and rooms"))
        await expect(page).to_have_url(re.compile(r"/console/admin/clinics$"))
        await expect(nav.get_by_role("link", name="Admin")).to_have_attribute(
            "aria-current", "true"
        )
        response = await page.goto("/console/admin/staff")
        assert response is not None and response.status == 403
