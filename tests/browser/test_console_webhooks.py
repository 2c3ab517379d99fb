"""Admin: Webhooks in a real browser: a network admin adds an endpoint pointing at a loopback
receiver, sees its secret once, pings it and sees the delivery delivered; a URL notifications
forbids is named next to its field; a failed delivery shows the receiver's answer and is sent
again by "Retry"; the endpoint is disabled, enabled, its secret rotated, and deleted after a
confirmation. Other roles have no Webhooks in the Admin area and are refused at its address.

Every delivery the receiver got is verified with the `standardwebhooks` package, as a chain's
receiver would, with the secret the page showed."""

from __future__ import annotations

import re
from typing import Any
from uuid import uuid4

import pytest
from playwright.async_api import Locator, Page, expect
from standardwebhooks import Webhook

from tests.browser.conftest import PASSWORD, Console, axe_violations, screenshot
from tests.browser.test_console_keyboard_and_widths import NO_SIDEWAYS_SCROLLING, TABLET, tab_to
from tests.support import bearer, eventually
from tests.webhook_receiver import Received, receiving

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

PING = "mesocare.webhooks.Ping.v1"
LOT_RECALLED = "mesocare.formulary.LotRecalled.v1"
ZONED_TIME = re.compile(r"\d{2} \w{3} \d{4}, \d{2}:\d{2} (UTC|[A-Z]{3,5}|UTC[+-]\d{2})")
"""A time as the console prints one: always with its zone."""


async def sign_in_as(page: Page, console: Console, role: str) -> None:
    await page.goto("/console/login")
    await page.get_by_label("Email").fill(console.accounts[role])
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page).to_have_url(re.compile(r"/console/day$"))


async def follow(page: Page, target: Locator) -> None:
    """Click and wait for the page it leads to (the services can be slow on a busy machine)."""
    async with page.expect_navigation(timeout=60_000):
        await target.click()


async def accessible(page: Page) -> None:
    assert await axe_violations(page) == [], "axe-core: serious or critical violations"


def admin(console: Console) -> dict[str, str]:
    return bearer(console.notifications.settings.platform, console.network, "network_admin")


def verified(got: Received, secret: str) -> dict[str, Any]:
    """The delivery's body once `standardwebhooks` has checked its signature."""
    payload: dict[str, Any] = Webhook(secret).verify(got.body, got.headers)
    return payload


async def registered(console: Console, url: str) -> dict[str, Any]:
    """An endpoint registered through notifications' API (subscribed to lot recalls only, so
    the test's own deliveries are all it gets)."""
    created = await console.notifications.client.post(
        "/v1/webhook-endpoints",
        json={"url": url, "event_types": [LOT_RECALLED], "description": f"ERP {uuid4().hex[:6]}"},
        headers=admin(console),
    )
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body


async def ping(console: Console, endpoint_id: str) -> None:
    sent = await console.notifications.client.post(
        f"/v1/webhook-endpoints/{endpoint_id}/ping", headers=admin(console)
    )
    assert sent.status_code == 202, sent.text


def delivery_rows(page: Page) -> Locator:
    return page.get_by_test_id("deliveries").locator("tbody tr")


async def reload_until(page: Page, shown: Locator, text: str, *, within: float = 60) -> None:
    """Reload the page until `shown` has `text` (what the sender does is not on the page until
    it is read again)."""

    async def there() -> bool | None:
        await page.reload()
        return text in " ".join(await shown.all_inner_texts()) or None

    await eventually(there, within=within, interval=0.5)


class TestAnAdminsEndpoint:
    async def test_added_shows_its_secret_once_and_a_ping_arrives_signed_with_it(
        self, page: Page, console: Console
    ) -> None:
        description = f"Chain CRM {uuid4().hex[:6]}"
        async with receiving() as receiver:
            await sign_in_as(page, console, "network_admin")
            nav = page.get_by_role("navigation", name="Main")
            await follow(page, nav.get_by_role("link", name="Admin"))
            await follow(page, page.get_by_role("link", name="Webhooks", exact=True))
            await expect(page).to_have_url(re.compile(r"/console/admin/webhooks$"))
            await expect(page.get_by_role("heading", level=1)).to_have_text("Webhooks")
            await expect(nav.get_by_role("link", name="Admin")).to_have_attribute(
                "aria-current", "true"
            )
            events = page.get_by_role("group", name="Events to send")
            await expect(events.get_by_role("group", name="Formulary")).to_be_visible()
            await accessible(page)

            await page.get_by_label("URL", exact=True).fill(receiver.at("/crm"))
            await page.get_by_label("Description").fill(description)
            await events.get_by_label("Lot recalled").check()
            await events.get_by_label("Appointment booked").check()
            await screenshot(page, "webhooks-add")
            await follow(page, page.get_by_role("button", name="Add the endpoint"))

            # The secret, once, with what it is for.
            await expect(page.get_by_role("heading", level=1)).to_have_text("Endpoint added")
            secret = await page.get_by_label("Signing secret", exact=True).input_value()
            assert secret.startswith("whsec_")
            await expect(page.get_by_text("it is shown only on this page")).to_be_visible()
            await expect(page.get_by_text("webhook-signature")).to_be_visible()
            await expect(page.get_by_role("status")).to_contain_text(
                "Appointment booked, Lot recalled"
            )
            await accessible(page)
            await screenshot(page, "webhooks-secret")

            # Listed (with its events and state in words), and nowhere again its secret.
            await follow(page, page.get_by_role("link", name="Back to webhooks"))
            row = page.get_by_test_id("endpoints").get_by_role("row").filter(has_text=description)
            await expect(row).to_contain_text(receiver.at("/crm"))
            await expect(row).to_contain_text("Appointment booked, Lot recalled")
            await expect(row.get_by_test_id("endpoint-state")).to_have_text("Enabled")
            assert secret not in await page.content()
            await screenshot(page, "webhooks-list")

            await follow(page, row.get_by_role("link", name=receiver.at("/crm")))
            await expect(page.get_by_role("heading", level=1)).to_have_text(description)
            assert secret not in await page.content()
            await expect(page.get_by_test_id("no-deliveries")).to_be_visible()

            # A ping: queued, then delivered (the page is read again until it says so).
            await follow(page, page.get_by_role("button", name="Send a ping"))
            await expect(page.get_by_test_id("done")).to_contain_text("A ping is on its way")
            delivered = delivery_rows(page).filter(has_text=PING)
            await reload_until(page, delivered, "Delivered")
            await expect(delivered.get_by_test_id("delivery-state")).to_have_text("Delivered")
            await expect(delivered.get_by_test_id("delivery-attempts")).to_have_text("1")
            await expect(delivered.get_by_test_id("delivery-answer")).to_contain_text("HTTP 204")
            await expect(delivered).to_contain_text(ZONED_TIME)
            await accessible(page)
            await screenshot(page, "webhooks-endpoint-delivered")

            # The receiver got it, signed with the secret the page showed.
            async def pinged() -> list[tuple[Received, dict[str, Any]]] | None:
                events = [(got, verified(got, secret)) for got in receiver.to("/crm")]
                return [(got, e) for got, e in events if e["type"] == PING] or None

            [(got, event)] = await eventually(pinged)
            assert got.headers["webhook-id"] == event["id"]

    async def test_is_disabled_enabled_its_secret_rotated_and_deleted_once_confirmed(
        self, page: Page, console: Console
    ) -> None:
        async with receiving() as receiver:
            endpoint = await registered(console, receiver.at("/erp"))
            await sign_in_as(page, console, "network_admin")
            await page.goto(f"/console/admin/webhooks/{endpoint['id']}")
            state = page.get_by_test_id("endpoint").get_by_test_id("endpoint-state")
            await expect(state).to_have_text("Enabled")

            await follow(page, page.get_by_role("button", name="Disable"))
            await expect(page.get_by_test_id("done")).to_contain_text("The endpoint is disabled")
            await expect(state).to_have_text("Disabled")
            await expect(page.get_by_test_id("endpoint")).to_contain_text(ZONED_TIME)
            await expect(page.get_by_role("button", name="Send a ping")).to_have_count(0)
            await accessible(page)
            await screenshot(page, "webhooks-endpoint-disabled")

            await follow(page, page.get_by_role("button", name="Enable"))
            await expect(page.get_by_test_id("done")).to_contain_text("The endpoint is enabled")
            await expect(state).to_have_text("Enabled")

            # Rotating: the new secret once, and until when the previous one still signs.
            await follow(page, page.get_by_role("button", name="Rotate the secret"))
            await expect(page.get_by_role("heading", level=1)).to_have_text("New signing secret")
            rotated = await page.get_by_label("Signing secret", exact=True).input_value()
            assert rotated.startswith("whsec_") and rotated != endpoint["secret"]
            await expect(page.get_by_test_id("previous-until")).to_contain_text(ZONED_TIME)
            await accessible(page)
            await screenshot(page, "webhooks-secret-rotated")

            # Deleting asks first; unconfirmed, the message is next to the box.
            await follow(page, page.get_by_role("link", name="Go to the endpoint"))
            await follow(page, page.get_by_role("link", name="Delete…"))
            await expect(page.get_by_role("heading", level=1)).to_have_text("Delete this endpoint?")
            await accessible(page)
            await follow(page, page.get_by_role("button", name="Delete the endpoint"))
            confirm = page.get_by_label("I confirm that this endpoint is to be deleted")
            await expect(confirm).to_have_attribute("aria-invalid", "true")
            await expect(page.locator("#f-confirm-error")).to_have_text(
                "Confirm that this endpoint is to be deleted."
            )
            await screenshot(page, "webhooks-delete-unconfirmed")
            await confirm.check()
            await follow(page, page.get_by_role("button", name="Delete the endpoint"))
            await expect(page).to_have_url(re.compile(r"/console/admin/webhooks\?done=deleted$"))
            await expect(page.get_by_test_id("done")).to_contain_text("The endpoint is deleted")
            await expect(page.get_by_text(receiver.at("/erp"))).to_have_count(0)

            gone = await console.notifications.client.get(
                f"/v1/webhook-endpoints/{endpoint['id']}", headers=admin(console)
            )
            assert gone.status_code == 404

    async def test_a_failed_delivery_shows_the_answer_and_retry_sends_it_again(
        self, page: Page, console: Console
    ) -> None:
        async with receiving() as receiver:
            endpoint = await registered(console, receiver.at("/failing"))
            # The sender tries again by itself 5 s after a first failure and 5 min after a
            # second: after two 500s, the next request within the test is Retry's.
            receiver.answer("/failing", 500, 500)
            await ping(console, endpoint["id"])
            await sign_in_as(page, console, "network_admin")
            await page.goto(f"/console/admin/webhooks/{endpoint['id']}")

            attempts = page.get_by_test_id("delivery-attempts")
            await reload_until(page, attempts, "2")
            failed = delivery_rows(page).first
            await expect(failed.get_by_test_id("delivery-state")).to_have_text(
                "Failed, to be retried"
            )
            await expect(failed.get_by_test_id("delivery-answer")).to_contain_text("HTTP 500")
            await expect(failed).to_contain_text(ZONED_TIME)
            assert len(receiver.to("/failing")) == 2
            await accessible(page)
            await screenshot(page, "webhooks-delivery-failed")

            await follow(page, failed.get_by_role("button", name=re.compile(r"^Retry")))
            await expect(page.get_by_test_id("done")).to_contain_text("being sent again")
            third = (await receiver.wait_for("/failing", 3))[2]
            assert verified(third, endpoint["secret"])["type"] == PING
            await reload_until(page, delivery_rows(page), "Delivered")
            await expect(
                delivery_rows(page).first.get_by_test_id("delivery-answer")
            ).to_contain_text("HTTP 204")
            await expect(
                delivery_rows(page).first.get_by_test_id("delivery-attempts")
            ).to_have_text("3")
            await screenshot(page, "webhooks-delivery-retried")

    async def test_deliveries_page_to_the_oldest(self, page: Page, console: Console) -> None:
        async with receiving() as receiver:
            endpoint = await registered(console, receiver.at("/many"))
            for _ in range(26):
                await ping(console, endpoint["id"])
            await sign_in_as(page, console, "network_admin")
            await page.goto(f"/console/admin/webhooks/{endpoint['id']}")
            await expect(delivery_rows(page)).to_have_count(25)

            await follow(page, page.get_by_test_id("older-deliveries"))
            await expect(delivery_rows(page)).to_have_count(1)
            await expect(page.get_by_test_id("older-deliveries")).to_have_count(0)
            await follow(page, page.get_by_role("link", name="Newest deliveries"))
            await expect(delivery_rows(page)).to_have_count(25)


class TestTheAddForm:
    async def test_a_url_notifications_forbids_is_named_next_to_the_url_field(
        self, page: Page, console: Console
    ) -> None:
        await sign_in_as(page, console, "network_admin")
        await page.goto("/console/admin/webhooks")
        url = page.get_by_label("URL", exact=True)
        await url.fill("https://10.0.0.1/x")

        # No event chosen: said next to the events, before notifications is asked.
        await follow(page, page.get_by_role("button", name="Add the endpoint"))
        await expect(page.locator("#f-events-error")).to_have_text(
            "Tick the events to send, or All events."
        )
        await expect(page.locator("#f-url-error")).to_have_count(0)

        await page.get_by_label("All events").check()
        await follow(page, page.get_by_role("button", name="Add the endpoint"))
        await expect(url).to_have_attribute("aria-invalid", "true")
        await expect(url).to_have_value("https://10.0.0.1/x")
        await expect(page.locator("#f-url-error")).to_contain_text("10.0.0.1")
        await expect(page.get_by_label("All events")).to_be_checked()
        await expect(page.locator("#f-events-error")).to_have_count(0)
        await accessible(page)
        await screenshot(page, "webhooks-add-forbidden-url")

        listed = await console.notifications.client.get(
            "/v1/webhook-endpoints", headers=admin(console)
        )
        assert "https://10.0.0.1/x" not in {e["url"] for e in listed.json()}


class TestOtherRoles:
    @pytest.mark.parametrize("role", ["receptionist", "clinic_manager"])
    async def test_have_no_webhooks_in_the_admin_area_and_are_refused_at_the_address(
        self, page: Page, console: Console, role: str
    ) -> None:
        await sign_in_as(page, console, role)
        nav = page.get_by_role("navigation", name="Main")
        await expect(nav.get_by_role("link", name="Messages")).to_be_visible()
        await page.goto("/console/admin")
        await expect(page.get_by_role("heading", level=1)).to_be_visible()
        await expect(page.get_by_role("link", name="Webhooks")).to_have_count(0)

        response = await page.goto("/console/admin/webhooks")
        assert response is not None and response.status == 403
        await expect(page.get_by_test_id("refused")).to_contain_text(
            "Only network admins manage the network's webhooks."
        )
        await screenshot(page, f"webhooks-refused-{role.replace('_', '-')}")


class TestByKeyboardAtTabletWidth:
    async def test_an_endpoint_is_added_and_pinged_with_the_keyboard_alone(
        self, page: Page, console: Console
    ) -> None:
        async with receiving() as receiver:
            await page.set_viewport_size(TABLET)
            await sign_in_as(page, console, "network_admin")
            await page.goto("/console/admin/webhooks")
            assert await page.evaluate(NO_SIDEWAYS_SCROLLING)

            await tab_to(page, "el.id === 'f-url'")
            await page.keyboard.type(receiver.at("/keys"))
            await tab_to(page, "el.id === 'f-description'", limit=1)
            await page.keyboard.type("Typed by keyboard")
            await tab_to(page, f"el.name === 'event_{LOT_RECALLED}'")
            await page.keyboard.press("Space")
            await expect(page.get_by_label("Lot recalled")).to_be_checked()
            await tab_to(page, "el.textContent.trim() === 'Add the endpoint'")
            async with page.expect_navigation(timeout=60_000):
                await page.keyboard.press("Enter")

            await expect(page.get_by_role("heading", level=1)).to_have_text("Endpoint added")
            assert await page.evaluate(NO_SIDEWAYS_SCROLLING)
            await screenshot(page, "webhooks-secret-tablet")
            await tab_to(page, "el.textContent.trim() === 'Go to the endpoint'")
            async with page.expect_navigation(timeout=60_000):
                await page.keyboard.press("Enter")
            await tab_to(page, "el.textContent.trim() === 'Send a ping'")
            async with page.expect_navigation(timeout=60_000):
                await page.keyboard.press("Enter")

            await expect(page.get_by_test_id("done")).to_contain_text("A ping is on its way")
            await reload_until(page, delivery_rows(page), "Delivered")
            assert await page.evaluate(NO_SIDEWAYS_SCROLLING)
            await screenshot(page, "webhooks-endpoint-tablet")
