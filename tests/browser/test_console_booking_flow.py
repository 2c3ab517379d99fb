"""Booking that does not fight the user, in a real browser: for a new patient the Book page
says a consultation is needed before it lists any slot and offers to book it; the consultation
and the first treatment of the patient's plan are then booked back to back (the Book page filled
in from the plan, the booking sent with it). The practitioner's start of the treatment is
refused while the consultation is open, with the reason on the page (and said before the
click); once the consultation is completed the session starts with a blend made for the
treatment, and the completion form has each ingredient's only valid lot filled in."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import Console, screenshot
from tests.browser.test_console_patients import sign_out
from tests.browser.test_console_visits import (
    _demo_blends,
    _formulary_knows,
    claires_slots,
    demo_ids,
    headers,
    new_patient,
    next_weekday,
)
from tests.browser.test_console_webhooks import accessible, follow, sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

TREATMENT = "Face and neck revitalisation"
CONSULTATION = "Consultation: skin rejuvenation"


async def plan_for(console: Console, patient: dict, treatment_type_id: str) -> dict[str, Any]:
    """A course of four sessions a fortnight apart at the Paris clinic, as the consultation
    agrees it."""
    made = await console.booking.client.post(
        "/v1/treatment-plans",
        json={
            "patient_id": patient["id"],
            "treatment_type_id": treatment_type_id,
            "clinic_id": console.clinic["id"],
            "sessions_planned": 4,
            "interval_days": 14,
        },
        headers=headers(console, "receptionist"),
    )
    assert made.status_code == 201, made.text
    plan: dict[str, Any] = made.json()
    return plan


async def complete_by_api(console: Console, appointment_id: str) -> None:
    for action, body in (("check-in", None), ("start", {}), ("complete", {"notes": "Assessed."})):
        done = await console.booking.client.post(
            f"/v1/appointments/{appointment_id}/{action}",
            json=body,
            headers=headers(console, "practitioner"),
        )
        assert done.status_code == 200, done.text


async def only_lot_of(console: Console, code: str) -> str:
    """The one lot of `code` the clinic may use today (the demo stock has one per ingredient)."""
    found = await console.formulary.client.get(
        "/v1/lots",
        params={"ingredient_code": code, "status": "active"},
        headers=headers(console, "practitioner"),
    )
    usable = [lot for lot in found.json()["items"] if not lot["expired"]]
    assert len(usable) == 1, usable
    number: str = usable[0]["lot_number"]
    return number


def appointment_id(page: Page) -> str:
    found = re.search(r"/console/appointments/([0-9a-f-]+)", page.url)
    assert found, page.url
    return found[1]


async def test_consultation_and_first_treatment_back_to_back_and_the_start_waits(
    page: Page, console: Console
) -> None:
    patient = await new_patient(console)
    ids = await demo_ids(console)
    treatment_type = ids["types"][TREATMENT]
    plan = await plan_for(console, patient, treatment_type["id"])
    # Far enough ahead that the other tests of the run leave Dr Moreau's day free.
    day = next_weekday(after_days=45).isoformat()
    await sign_in_as(page, console, "receptionist")

    # 1. A treatment for a patient with no consultation: said before any slot is listed.
    await page.goto(
        f"/console/book?patient_id={patient['id']}&clinic_id={console.clinic['id']}"
        f"&treatment_type_id={treatment_type['id']}&date={day}"
    )
    explained = page.get_by_test_id("book-ineligible")
    await expect(explained).to_contain_text(
        "This patient needs a consultation for skin rejuvenation first"
    )
    await expect(page.get_by_test_id("free-slots")).to_have_count(0)
    await accessible(page)
    await screenshot(page, "book-consultation-first")

    # 2. The consultation it offers is booked on that day.
    await follow(page, explained.get_by_role("link", name=f"Book the consultation: {CONSULTATION}"))
    await expect(page.get_by_label("Treatment type")).to_have_value(
        ids["types"][CONSULTATION]["id"]
    )
    await follow(page, claires_slots(page).get_by_role("button").first)
    await expect(page.get_by_test_id("done")).to_have_text("Appointment booked.")
    consultation = appointment_id(page)

    # 3. Straight on, the first session of the plan: the Book page fills in the patient and
    # the treatment from the plan, lists only the slots after the consultation, and books it
    # as part of the plan.
    await page.goto(f"/console/book?treatment_plan_id={plan['id']}&date={day}")
    await expect(page.get_by_test_id("book-patient")).to_contain_text(patient["family_name"])
    await expect(page.get_by_label("Treatment type")).to_have_value(treatment_type["id"])
    await expect(page.get_by_test_id("book-plan")).to_contain_text("skin rejuvenation")
    await expect(page.get_by_test_id("book-after-consultation")).to_contain_text(
        re.compile(r"\d{2}:\d{2} CES?T")
    )
    await accessible(page)
    await screenshot(page, "book-from-plan")
    await follow(page, claires_slots(page).get_by_role("button").first)
    await expect(page.get_by_test_id("done")).to_have_text("Appointment booked.")
    treatment = appointment_id(page)
    booked = await console.booking.client.get(
        f"/v1/appointments/{treatment}", headers=headers(console, "receptionist")
    )
    assert booked.json()["treatment_plan_id"] == plan["id"]

    # 4. The practitioner cannot start it while the consultation is open, and is told why,
    # before the click and after it.
    await sign_out(page)
    await sign_in_as(page, console, "practitioner")
    await page.goto(f"/console/appointments/{treatment}")
    await follow(page, page.get_by_role("button", name="Check in"))
    gate = page.get_by_test_id("start-gate")
    await expect(gate).to_contain_text("consultation for skin rejuvenation is completed")
    await expect(
        gate.get_by_role("link", name=re.compile("Open the consultation"))
    ).to_have_attribute("href", f"/console/appointments/{consultation}")
    blends = await _demo_blends(console)
    made_for = page.locator('#f-blend_id optgroup[label="Made for this treatment"] option')
    await expect(made_for).to_have_text([re.compile("^Revitalising face")])
    await page.get_by_label("Blend").select_option(blends["Revitalising face"]["id"])
    await follow(page, page.get_by_role("button", name="Run the safety check and start"))
    await expect(page.get_by_role("alert")).to_contain_text(
        "the patient's consultation for skin rejuvenation must be completed first"
    )
    await expect(page.get_by_test_id("appointment-status")).to_have_text("checked in")
    await accessible(page)
    await screenshot(page, "start-waits-for-consultation")

    # 5. Once the consultation is completed the session starts, and each ingredient of the
    # blend with one valid lot in stock has it filled in.
    await complete_by_api(console, consultation)
    await _formulary_knows(console, patient, blends["Revitalising face"], "ok")
    await page.goto(f"/console/appointments/{treatment}")
    await expect(page.get_by_test_id("start-gate")).to_have_count(0)
    await page.get_by_label("Blend").select_option(blends["Revitalising face"]["id"])
    await follow(page, page.get_by_role("button", name="Run the safety check and start"))
    await expect(page.get_by_test_id("appointment-status")).to_have_text("in progress")
    silicon = page.get_by_test_id("ingredient-organic_silicon")
    await expect(silicon.get_by_label(re.compile("^Lot of "))).to_have_value(
        await only_lot_of(console, "organic_silicon")
    )
    await accessible(page)
    await screenshot(page, "complete-with-the-only-lot")
