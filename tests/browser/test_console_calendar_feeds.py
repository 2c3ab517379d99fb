"""A practitioner makes a calendar feed from the console: from the clinic day to the feed's page,
its address shown once to copy, a calendar app reading it through the gateway without a token,
and the feed revoked (the real booking behind the gateway, the demo network's clinics)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import Console, axe_violations, screenshot
from tests.browser.test_console_catalogue import follow
from tests.browser.test_console_visits import CLAIRE, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]


async def read_through_gateway(console: Console, url: str) -> httpx.Response:
    """What a calendar app gets for the feed's address, at this test's gateway (booking's
    public base URL is the default one, where no gateway of this test listens)."""
    async with httpx.AsyncClient(base_url=console.url) as app:
        return await app.get(urlsplit(url).path)


async def test_a_practitioner_makes_copies_and_revokes_a_calendar_feed(
    page: Page, console: Console
) -> None:
    await sign_in(page, console.accounts["practitioner"])
    await follow(page, page.get_by_role("link", name=f"Calendar feed of {CLAIRE}"))
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"Calendar feed of {CLAIRE}")

    await page.get_by_label("Name of the feed (optional)").fill("Phone of the browser test")
    await follow(page, page.get_by_role("button", name="Make a calendar feed"))

    address = page.get_by_label("Feed address")
    await expect(address).to_have_attribute("readonly", "")
    await expect(page.get_by_test_id("made-feed")).to_contain_text("only this once")
    url = await address.input_value()
    assert re.fullmatch(r"https?://[^/]+/api/booking/v1/calendar-feeds/[\w-]{43}\.ics", url)
    assert await axe_violations(page) == [], "axe-core: the feed made, its address shown"
    await screenshot(page, "calendar-feed-made")

    read = await read_through_gateway(console, url)
    assert read.status_code == 200, read.text
    assert read.headers["content-type"].startswith("text/calendar")
    assert "BEGIN:VCALENDAR" in read.text and CLAIRE in read.text

    # The address is not shown again: the list names the feed, without it.
    await page.goto(urlsplit(page.url).path)
    await expect(page.get_by_label("Feed address")).to_have_count(0)
    row = (
        page.get_by_test_id("feeds").get_by_role("row").filter(has_text="Phone of the browser test")
    )
    await expect(row).to_have_count(1)
    assert urlsplit(url).path not in await page.content()

    await follow(page, row.get_by_role("button", name=re.compile(r"^Revoke Phone of the")))
    await expect(page.get_by_test_id("revoked-message")).to_be_visible()
    await expect(
        page.get_by_test_id("feeds").get_by_role("row").filter(has_text="Phone of the browser test")
    ).to_have_count(0)
    assert (await read_through_gateway(console, url)).status_code == 404


async def test_a_too_long_name_is_refused_next_to_its_field(page: Page, console: Console) -> None:
    await sign_in(page, console.accounts["clinic_manager"])
    await follow(page, page.get_by_role("link", name=f"Calendar feed of {CLAIRE}"))
    field = page.get_by_label("Name of the feed (optional)")
    # The field holds at most 100 characters; a longer one can only be sent around the form.
    await field.evaluate("f => f.removeAttribute('maxlength')")
    await field.fill("x" * 101)
    await follow(page, page.get_by_role("button", name="Make a calendar feed"))
    await expect(field).to_have_attribute("aria-invalid", "true")
    await expect(page.get_by_text("Keep the name to at most 100 characters.")).to_be_visible()
    assert await axe_violations(page) == [], "axe-core: the name's error shown"
    await expect(page.get_by_label("Feed address")).to_have_count(0)


async def test_a_receptionist_is_offered_no_calendar_feed(page: Page, console: Console) -> None:
    await sign_in(page, console.receptionist)
    await expect(page.get_by_test_id("day-calendar")).to_be_visible()
    await expect(page.get_by_role("heading", name="Calendar feeds")).to_have_count(0)
    await expect(page.get_by_role("link", name=re.compile("^Calendar feed of"))).to_have_count(0)


async def test_the_feed_page_fits_a_tablet_with_its_address_shown(
    page: Page, console: Console
) -> None:
    await page.set_viewport_size({"width": 768, "height": 1024})
    await sign_in(page, console.accounts["network_admin"])
    await page.goto(f"/console/day?clinic_id={console.clinic['id']}")
    await follow(page, page.get_by_role("link", name=f"Calendar feed of {CLAIRE}"))
    await follow(page, page.get_by_role("button", name="Make a calendar feed"))
    await expect(page.get_by_label("Feed address")).to_be_visible()
    assert await page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    # Keyboard: the address is reachable and selectable for copying.
    await page.get_by_label("Feed address").focus()
    await page.keyboard.press("Control+A")
    selected = await page.evaluate(
        "document.getSelection().toString() || "
        "document.activeElement.value.substring("
        "document.activeElement.selectionStart, "
        "document.activeElement.selectionEnd)"
    )
    assert selected.endswith(".ics")
