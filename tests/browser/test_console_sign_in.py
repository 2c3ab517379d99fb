"""Signing in and out of the staff console in a real browser, and CSRF refusals."""

from __future__ import annotations

import re
from uuid import uuid4

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import PASSWORD, Console, screenshot
from tests.support import bearer

pytestmark = pytest.mark.browser


async def sign_in(page: Page, console: Console, email: str, password: str) -> None:
    await page.goto("/console/login")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Sign in").click()


class TestSigningIn:
    async def test_by_keyboard_alone_lands_on_the_clinic_day(
        self, page: Page, console: Console
    ) -> None:
        await page.goto("/")
        await expect(page).to_have_url(re.compile(r"/console/login\?next=/console/day$"))
        await screenshot(page, "login")

        await page.keyboard.type(console.receptionist)  # the email field has the focus
        await page.keyboard.press("Tab")
        await page.keyboard.type(PASSWORD)
        await page.keyboard.press("Enter")

        await expect(page).to_have_url(re.compile(r"/console/day$"))
        await expect(page.get_by_role("heading", name="Clinic day")).to_be_visible()
        await expect(page.get_by_test_id("signed-in-as")).to_have_text("Rita Reception")
        # The receptionist's own clinic is chosen, and its (empty) day shown.
        await expect(page.get_by_label("Clinic", exact=True)).to_have_value(console.clinic["id"])
        await expect(
            page.get_by_text("No appointments at this clinic on this day.")
        ).to_be_visible()
        await screenshot(page, "clinic-day")

    async def test_every_page_of_the_navigation_opens(self, page: Page, console: Console) -> None:
        await sign_in(page, console, console.receptionist, PASSWORD)
        await expect(page).to_have_url(re.compile(r"/console/day$"))

        for label, slug, heading in [
            ("Book", "book", "Book an appointment"),
            ("Patients", "patients", "Patients"),
            ("Formulary", "formulary", "Formulary"),
            ("Messages", "messages", "Messages"),
            ("Clinic day", "day", "Clinic day"),
        ]:
            await (
                page.get_by_role("navigation", name="Main").get_by_role("link", name=label).click()
            )
            await expect(page).to_have_url(re.compile(f"/console/{slug}$"))
            await expect(page.get_by_role("heading", level=1)).to_have_text(heading)
            # In the navigation: a page may have its own link with the same word ("Older messages").
            nav = page.get_by_role("navigation", name="Main")
            await expect(nav.get_by_role("link", name=label)).to_have_attribute(
                "aria-current", "page"
            )
            await screenshot(page, f"nav-{slug}")

    async def test_the_clinic_day_fits_a_tablet_without_sideways_scrolling(
        self, page: Page, console: Console
    ) -> None:
        await page.set_viewport_size({"width": 768, "height": 1024})
        await sign_in(page, console, console.receptionist, PASSWORD)
        await expect(page).to_have_url(re.compile(r"/console/day$"))

        width = await page.evaluate("document.documentElement.scrollWidth")

        assert width <= 768
        await expect(page.get_by_role("button", name="Sign out")).to_be_visible()
        await screenshot(page, "clinic-day-tablet")

    async def test_a_patient_registered_in_records_is_found_by_name(
        self, page: Page, console: Console
    ) -> None:
        family = f"Durand{uuid4().hex[:6]}"
        created = await console.records.client.post(
            "/v1/patients",
            json={
                "given_name": "Camille",
                "family_name": family,
                "email": f"{family}@example.test",
            },
            headers=bearer(console.records.settings.platform, console.network, "receptionist"),
        )
        assert created.status_code == 201, created.text
        await sign_in(page, console, console.receptionist, PASSWORD)

        await page.get_by_role("link", name="Patients").click()
        await page.get_by_label("Name, email or phone").fill(family)
        await page.get_by_role("button", name="Search").click()

        results = page.get_by_test_id("patient-results")
        await expect(results).to_contain_text(f"{family}, Camille")
        await expect(results).to_contain_text(f"{family}@example.test")
        await screenshot(page, "patients-search")

    async def test_a_wrong_password_is_refused_with_a_readable_message(
        self, page: Page, console: Console
    ) -> None:
        await sign_in(page, console, console.receptionist, "not-my-password")

        await expect(page.get_by_test_id("login-error")).to_have_text(
            "The email or password is not correct."
        )
        await expect(page).to_have_url(re.compile(r"/console/login"))
        await expect(page.get_by_label("Email")).to_have_value(console.receptionist)
        await expect(page.get_by_label("Password")).to_be_focused()
        await screenshot(page, "login-wrong-password")
        cookies = {c["name"] for c in await page.context.cookies()}
        assert console.gateway.settings.session_cookie not in cookies

    async def test_after_five_wrong_passwords_even_the_right_one_waits(
        self, page: Page, console: Console
    ) -> None:
        # An account of its own: the throttle counts failures per account and address (and per
        # account), never per address alone, so the other tests here sign in from 127.0.0.1.
        email = f"throttled-{uuid4().hex[:8]}@clinic.example"
        created = await console.gateway.client.post(
            "/v1/staff",
            json={
                "email": email,
                "display_name": "Theo Throttled",
                "password": PASSWORD,
                "roles": ["receptionist"],
                "clinic_ids": [console.clinic["id"]],
            },
            headers=bearer(console.gateway.settings.platform, console.network, "network_admin"),
        )
        assert created.status_code == 201, created.text
        limit = console.gateway.settings.login_free_failures_per_address
        for _ in range(limit):
            await sign_in(page, console, email, "not-my-password")
            await expect(page.get_by_test_id("login-error")).to_have_text(
                "The email or password is not correct."
            )

        async with page.expect_response(
            lambda r: r.request.method == "POST" and "/console/login" in r.url
        ) as answered:
            await sign_in(page, console, email, PASSWORD)

        response = await answered.value
        assert response.status == 429
        assert int(response.headers["retry-after"]) > 0
        await expect(page.get_by_test_id("login-error")).to_have_text(
            re.compile(r"^Too many failed sign-in attempts\. Try again in about \d+ minutes?\.$")
        )
        await expect(page.get_by_label("Email")).to_have_value(email)
        await expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
        await screenshot(page, "login-throttled")

    async def test_empty_fields_are_named_next_to_them(self, page: Page, console: Console) -> None:
        await page.goto("/console/login")
        await page.get_by_role("button", name="Sign in").click()

        await expect(page.locator("#f-email-error")).to_have_text("Enter your email.")
        await expect(page.locator("#f-password-error")).to_have_text("Enter your password.")
        await expect(page.get_by_label("Email")).to_have_attribute("aria-invalid", "true")
        await screenshot(page, "login-empty-fields")

    async def test_the_session_cookie_is_httponly_and_samesite(
        self, page: Page, console: Console
    ) -> None:
        await sign_in(page, console, console.receptionist, PASSWORD)
        await expect(page).to_have_url(re.compile(r"/console/day$"))

        [session] = [
            c
            for c in await page.context.cookies()
            if c["name"] == console.gateway.settings.session_cookie
        ]
        assert session["httpOnly"] is True
        assert session["sameSite"] == "Lax"
        assert await page.evaluate("document.cookie") == ""


class TestCsrf:
    async def test_a_form_post_without_the_token_is_refused(
        self, page: Page, console: Console
    ) -> None:
        await sign_in(page, console, console.receptionist, PASSWORD)
        await expect(page).to_have_url(re.compile(r"/console/day$"))

        # A form as another site would build it: same action, no CSRF token.
        await page.evaluate(
            """() => {
                const form = document.createElement('form');
                form.method = 'post';
                form.action = '/console/logout';
                document.body.appendChild(form);
                form.submit();
            }"""
        )

        await expect(page.get_by_test_id("refused")).to_contain_text("could not be accepted")
        await screenshot(page, "csrf-refused")
        # Nothing happened: the session is still there.
        await page.goto("/console/day")
        await expect(page.get_by_role("heading", name="Clinic day")).to_be_visible()

    async def test_a_post_with_a_forged_token_is_a_403(self, page: Page, console: Console) -> None:
        await sign_in(page, console, console.receptionist, PASSWORD)
        await expect(page).to_have_url(re.compile(r"/console/day$"))

        forged = await page.request.post(
            "/console/logout", form={"csrf_token": "forged"}, max_redirects=0
        )

        assert forged.status == 403

    async def test_a_sign_in_post_without_the_login_token_is_refused(
        self, page: Page, console: Console
    ) -> None:
        response = await page.request.post(
            "/console/login",
            form={"email": console.receptionist, "password": PASSWORD},
            max_redirects=0,
        )

        assert response.status == 403
        assert console.gateway.settings.session_cookie not in {
            c["name"] for c in await page.context.cookies()
        }


class TestSigningOut:
    async def test_sign_out_ends_the_session(self, page: Page, console: Console) -> None:
        await sign_in(page, console, console.receptionist, PASSWORD)
        await expect(page).to_have_url(re.compile(r"/console/day$"))
        [before] = [
            c["value"]
            for c in await page.context.cookies()
            if c["name"] == console.gateway.settings.session_cookie
        ]

        await page.get_by_role("button", name="Sign out").click()

        await expect(page.get_by_role("status")).to_have_text("You have signed out.")
        await screenshot(page, "signed-out")
        names = {c["name"] for c in await page.context.cookies()}
        assert console.gateway.settings.session_cookie not in names
        await page.goto("/console/patients")
        await expect(page).to_have_url(re.compile(r"/console/login\?next=/console/patients$"))
        # The old cookie, replayed, opens nothing either: the session is gone server-side.
        await page.context.add_cookies(
            [
                {
                    "name": console.gateway.settings.session_cookie,
                    "value": before,
                    "url": console.url,
                }
            ]
        )
        await page.goto("/console/day")
        await expect(page).to_have_url(re.compile(r"/console/login"))
