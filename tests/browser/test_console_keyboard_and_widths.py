"""The console by keyboard alone and at tablet width: an appointment booked on the Book page
with Tab, typing, arrow keys, Enter and Space; the Book and Session pages at 768 px without
sideways scrolling of the page, the session checked in, started with an acknowledgement and
completed by keyboard (real booking, records and formulary behind the gateway)."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import Console, screenshot
from tests.browser.test_console_patients import COMPOSITAE
from tests.browser.test_console_visits import (
    CLAIRE,
    INDICATION_REASON,
    _demo_blends,
    _formulary_knows_the_allergy,
    demo_ids,
    new_patient,
    next_weekday,
    sign_in,
    treatment_for,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

TABLET = {"width": 768, "height": 1024}
NO_SIDEWAYS_SCROLLING = (
    "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
)


async def tab_to(page: Page, focused: str, *, limit: int = 80) -> None:
    """Press Tab until `focused` (a JavaScript test of `el`, the focused element) holds."""
    for _ in range(limit):
        await page.keyboard.press("Tab")
        if await page.evaluate(f"(el => Boolean({focused}))(document.activeElement)"):
            return
    raise AssertionError(f"{limit} presses of Tab never reached an element where {focused}")


async def choose_by_arrows(page: Page, text: str, *, limit: int = 40) -> None:
    """On the focused (closed) select, ArrowDown until the option `text` is chosen."""
    for _ in range(limit):
        chosen = await page.evaluate(
            "document.activeElement.selectedOptions[0]?.textContent.trim()"
        )
        if chosen == text:
            return
        await page.keyboard.press("ArrowDown")
    raise AssertionError(f"the arrow keys never reached the option {text!r}")


async def test_an_appointment_is_booked_with_the_keyboard_alone(
    page: Page, console: Console
) -> None:
    patient = await new_patient(console)
    day = next_weekday(after_days=7)
    await sign_in(page, console.receptionist)
    await page.goto("/console/book")

    await tab_to(page, "el.id === 'f-patient'")
    await page.keyboard.type(patient["family_name"])
    await tab_to(page, "el.id === 'f-clinic_id'", limit=1)
    await choose_by_arrows(page, console.clinic["name"])
    await tab_to(page, "el.id === 'f-treatment_type_id'", limit=1)
    await choose_by_arrows(page, "Consultation: skin rejuvenation")
    await tab_to(page, "el.id === 'f-date'", limit=1)
    # A date field takes its parts in the browser's order (en-US: month, day, year).
    await page.keyboard.type(day.strftime("%m%d%Y"))
    await expect(page.get_by_label("Day", exact=True)).to_have_value(day.isoformat())
    await tab_to(page, "el.textContent.trim() === 'Find free slots'")
    await page.keyboard.press("Enter")

    await expect(page.get_by_test_id("patient-matches")).to_be_visible()
    await tab_to(
        page, f"el.getAttribute('aria-label') === 'Book for Amélie {patient['family_name']}'"
    )
    await page.keyboard.press("Enter")

    await expect(page.get_by_test_id("book-patient")).to_contain_text(patient["family_name"])
    await tab_to(page, f"/^Book .* with {CLAIRE}$/.test(el.getAttribute('aria-label') || '')")
    slot = page.locator(":focus")
    label = (await slot.inner_text()).strip()
    # The focus is visible: the console's focus ring, not the browser's default.
    outline = await slot.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline == "solid", outline
    await screenshot(page, "book-keyboard-focus")
    await page.keyboard.press("Space")

    await expect(page.get_by_test_id("done")).to_have_text("Appointment booked.")
    facts = page.get_by_test_id("appointment-facts")
    await expect(facts).to_contain_text(f"{patient['family_name']}, Amélie")
    await expect(facts).to_contain_text(label)
    await expect(facts).to_contain_text(CLAIRE)


async def test_the_book_page_fits_a_tablet(page: Page, console: Console) -> None:
    patient = await new_patient(console)
    ids = await demo_ids(console)
    day = next_weekday(after_days=7)
    await page.set_viewport_size(TABLET)
    await sign_in(page, console.receptionist)

    # A new patient's first appointment: the consultation (a treatment would be explained
    # instead of slots, until one is booked).
    await page.goto(
        f"/console/book?patient_id={patient['id']}&clinic_id={console.clinic['id']}"
        f"&treatment_type_id={ids['types']['Consultation: skin rejuvenation']['id']}"
        f"&date={day.isoformat()}"
    )

    await expect(page.get_by_test_id("free-slots")).to_be_visible()
    assert await page.evaluate(NO_SIDEWAYS_SCROLLING)
    await screenshot(page, "book-tablet")


async def test_the_session_page_fits_a_tablet_at_each_step_and_goes_by_keyboard(
    page: Page, console: Console
) -> None:
    patient = await new_patient(
        console, allergies=[{"code": "compositae", "reaction": "hives", "severity": "moderate"}]
    )
    treatment = await treatment_for(console, patient, after_days=7)
    blends = await _demo_blends(console)
    await _formulary_knows_the_allergy(console, patient, blends["Revitalising face"])
    await page.set_viewport_size(TABLET)
    await sign_in(page, console.accounts["practitioner"])
    await page.goto(f"/console/appointments/{treatment['id']}")
    await tab_to(page, "el.textContent.trim() === 'Check in'")
    await page.keyboard.press("Enter")
    await expect(page.get_by_test_id("appointment-status")).to_have_text("checked in")
    assert await page.evaluate(NO_SIDEWAYS_SCROLLING), "start form"
    await screenshot(page, "session-start-tablet")

    # The findings table of a blocked start.
    await page.get_by_label("Blend").select_option(blends["Revitalising face"]["id"])
    await page.get_by_role("button", name="Run the safety check and start").click()
    await expect(page.get_by_test_id("cross-check")).to_contain_text(f"Allergy: {COMPOSITAE}")
    assert await page.evaluate(NO_SIDEWAYS_SCROLLING), "blocked start"
    await screenshot(page, "session-blocked-tablet")

    # The caution of a blend made for another indication, with its acknowledgement.
    await page.get_by_label("Blend").select_option(blends["Even tone"]["id"])
    await page.get_by_role("button", name="Run the safety check and start").click()
    await expect(page.get_by_test_id("cross-check")).to_contain_text(
        "Blend made for another indication"
    )
    assert await page.evaluate(NO_SIDEWAYS_SCROLLING), "caution"
    # The acknowledgement by keyboard: Space ticks, the reason is typed, Enter starts.
    await tab_to(page, "el.id === 'f-acknowledge'")
    await page.keyboard.press("Space")
    await tab_to(page, "el.id === 'f-ack_reason'", limit=3)
    await page.keyboard.type(INDICATION_REASON)
    await tab_to(page, "el.textContent.trim() === 'Start with this acknowledgement'", limit=3)
    await page.keyboard.press("Enter")

    # The completion form, one lot, amount and unit per ingredient, with the form to change
    # the plan above it.
    await expect(page.get_by_test_id("appointment-status")).to_have_text("in progress")
    await expect(
        page.get_by_text(f"Acknowledged by the practitioner: “{INDICATION_REASON}”")
    ).to_be_visible()
    await expect(page.get_by_test_id("change-plan")).to_be_visible()
    await expect(page.get_by_role("button", name="Complete the session")).to_be_visible()
    assert await page.evaluate(NO_SIDEWAYS_SCROLLING), "completion form"
    await screenshot(page, "session-complete-form-tablet")

    # ...and it is completed by keyboard: each planned ingredient's lot typed from stock.
    await tab_to(page, "el.id === 'f-disinfected'", limit=200)
    await page.keyboard.press("Space")
    await expect(page.get_by_label("The area was cleaned and disinfected")).to_be_checked()
    lots = page.locator("[data-planned] input[list]")
    for n in range(await lots.count()):
        field = await lots.nth(n).get_attribute("id")
        in_stock = lots.nth(n).locator("xpath=following-sibling::datalist/option").first
        await tab_to(page, f"el.id === '{field}'")
        await page.keyboard.type(await in_stock.get_attribute("value") or "")
    await tab_to(page, "el.textContent.trim() === 'Complete the session'", limit=200)
    await page.keyboard.press("Enter")
    await expect(page.get_by_test_id("appointment-status")).to_have_text("completed")
    await expect(page.get_by_test_id("administered")).to_contain_text(re.compile(r"\w+-\w+"))
    assert await page.evaluate(NO_SIDEWAYS_SCROLLING), "completed session"
    await screenshot(page, "session-completed-tablet")
