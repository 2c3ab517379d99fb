"""axe-core on every console page, in the states staff see it: empty, filled, with a form's
errors shown, as the front desk, a practitioner and a manager. The appointment page in each
status and the chart with a session on it are checked inside the main journey
(test_console_journey.py), the Webhooks pages in theirs; this walk covers the rest."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import Console, axe_violations
from tests.browser.test_console_patients import registered_patient, sign_in_as, sign_out
from tests.browser.test_console_visits import CLAIRE, claires_slots, demo_ids, next_weekday
from tests.support import eventually

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]


class Findings:
    """axe-core's serious and critical findings, by the page (and state) they were found on:
    the walk goes on past a page with findings, so one run names them all."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.found: dict[str, list[str]] = {}

    async def check(self, name: str) -> None:
        violations = await axe_violations(self.page)
        if violations:
            self.found[name] = violations


async def test_every_page_in_every_state_has_no_serious_axe_finding(
    page: Page, console: Console
) -> None:
    axe = Findings(page)
    patient = await registered_patient(console)
    await registered_patient(console)  # a namesake: the Messages page asks which one
    chart = f"/console/patients/{patient['id']}"

    # Signing in: the form, then its errors.
    await page.goto("/console/login")
    await axe.check("sign-in")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.locator(".error").first).to_be_visible()
    await axe.check("sign-in with errors")

    await sign_in_as(page, console, "practitioner")
    await axe.check("clinic day")
    await page.goto(f"/console/day?clinic_id={console.clinic['id']}&date=tomorrow")
    await expect(page.get_by_label("Day", exact=True)).to_have_attribute("aria-invalid", "true")
    await axe.check("clinic day with an error")

    # Book: a patient looked up, then the slots of a day.
    await page.goto(f"/console/book?patient={patient['family_name']}")
    await expect(page.get_by_role("link", name=re.compile(patient["family_name"]))).to_be_visible()
    await axe.check("book, patient matches")
    ids = await demo_ids(console)
    await page.goto(
        f"/console/book?patient_id={patient['id']}&clinic_id={console.clinic['id']}"
        f"&treatment_type_id={ids['types']['Consultation: skin rejuvenation']['id']}"
        # A day no other test books (they share Dr Moreau's calendar).
        f"&date={next_weekday(after_days=14).isoformat()}"
    )
    await expect(page.get_by_test_id("free-slots")).to_be_visible()
    await axe.check("book, slots listed")
    await claires_slots(page).get_by_role("button").first.click()
    await expect(page.get_by_test_id("done")).to_have_text("Appointment booked.")
    await axe.check("appointment, just booked")
    await page.get_by_role("link", name="Back to the clinic day").click()
    await expect(page.get_by_test_id("day-calendar").locator(".appt").first).to_be_visible()
    await axe.check("clinic day with appointments")
    await page.goto("/console/book?date=someday")
    await expect(page.get_by_label("Day", exact=True)).to_have_attribute("aria-invalid", "true")
    await axe.check("book with an error")

    # Patients: results, registering with errors.
    await page.goto(f"/console/patients?q={patient['family_name']}")
    await expect(page.get_by_test_id("patient-results")).to_be_visible()
    await axe.check("patient search results")
    await page.goto("/console/patients/new")
    await page.get_by_role("button", name="Register patient").click()
    await expect(page.locator(".error").first).to_be_visible()
    await axe.check("register patient with errors")

    # The chart and its two forms, each with an error shown.
    await page.goto(chart)
    await expect(page.get_by_test_id("safety-profile")).to_be_visible()
    await axe.check("chart, practitioner")
    await page.goto(f"{chart}/contact")
    await page.get_by_label("Family name").fill("")
    await page.get_by_role("button", name="Save contact details").click()
    await expect(page.locator(".error").first).to_be_visible()
    await axe.check("patient contact with an error")
    await page.goto(f"{chart}/safety-profile")
    await axe.check("safety profile")
    await page.get_by_role("group", name="Allergy 1").get_by_label("Reaction").fill("rash")
    await page.get_by_role("button", name="Save safety profile").click()
    await expect(page.locator(".error").first).to_be_visible()
    await axe.check("safety profile with an error")

    # Formulary, a lot, messages, a calendar feed.
    await page.goto("/console/formulary")
    await axe.check("formulary")
    await page.locator("a[href^='/console/formulary/lots/']").first.click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Lot")
    await axe.check("lot")
    await page.goto("/console/messages")
    await axe.check("messages")
    await page.goto(f"/console/messages?patient={patient['family_name'][:5]}")
    await expect(page.get_by_test_id("patient-choices")).to_be_visible()
    await axe.check("messages, patient choices")
    # The booking's confirmation, once notifications has it.
    confirmation = page.get_by_test_id("messages").get_by_role("link").first

    async def listed() -> bool | None:
        await page.goto(f"/console/messages?patient={patient['id']}")
        return await confirmation.count() > 0 or None

    await eventually(listed, within=60, interval=0.5)
    await confirmation.click()
    await expect(page.get_by_role("heading", level=1)).to_be_visible()
    await axe.check("message")
    await page.goto("/console/day")
    await page.get_by_role("link", name=f"Calendar feed of {CLAIRE}").click()
    await axe.check("calendar feeds")
    await page.goto("/console/admin/webhooks")
    await expect(page.get_by_role("heading", level=1)).to_be_visible()
    await axe.check("refusal")

    # The chart as a manager, with its audit trail.
    await sign_out(page)
    await sign_in_as(page, console, "clinic_manager")
    await page.goto(chart)
    await expect(page.get_by_test_id("audit-trail")).to_be_visible()
    await axe.check("chart, manager with the audit trail")

    assert axe.found == {}, "axe-core: serious or critical violations"
