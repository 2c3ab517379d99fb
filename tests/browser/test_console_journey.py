"""The main journey through the console, end to end against the real services: a receptionist
registers a patient who declares an allergy and books a consultation, which the practitioner
holds on the session page, and then a treatment; the practitioner's first blend contains the
allergen and is blocked with the reason; another blend, made for another indication, starts
once the practitioner acknowledges that caution with a reason; the session is completed with
lots; the aftercare email appears in the patient's messages (sent through the real SMTP sink),
and the chart shows the session with its lots and an adverse event reported after it. axe-core
finds nothing serious on the appointment page in each of its states, nor on the chart."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from uuid import uuid4

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import Console, axe_violations, screenshot
from tests.browser.test_console_patients import COMPOSITAE, sign_in_as, sign_out
from tests.browser.test_console_visits import (
    CLAIRE,
    PARIS,
    _demo_blends,
    _formulary_knows_the_allergy,
    acknowledge_the_mismatch,
    claires_slots,
    headers,
    next_weekday,
    use_lots_in_stock,
)
from tests.support import eventually

pytestmark = [pytest.mark.browser, pytest.mark.timeout(400)]


async def book_from_the_chart(page: Page, console: Console, treatment: str, day: str) -> str:
    """From the patient's chart: Book → treatment and day → Dr Moreau's first slot. Returns
    the appointment page's path."""
    await page.get_by_role("link", name="Book an appointment").click()
    await page.get_by_label("Clinic", exact=True).select_option(console.clinic["id"])
    await page.get_by_label("Treatment type").select_option(label=treatment)
    await page.get_by_label("Day", exact=True).fill(day)
    await page.get_by_role("button", name="Find free slots").click()
    await claires_slots(page).get_by_role("button").first.click()
    await expect(page.get_by_test_id("done")).to_have_text("Appointment booked.")
    await expect(page.get_by_test_id("appointment-facts")).to_contain_text(CLAIRE)
    await accessible(page)
    return page.url.split(console.url, 1)[1].split("?")[0]


async def accessible(page: Page) -> None:
    assert await axe_violations(page) == [], "axe-core: serious or critical violations"


async def test_register_book_block_start_complete_and_the_aftercare_goes_out(
    page: Page, console: Console
) -> None:
    family = f"Garnier{uuid4().hex[:6]}"
    # 1. The receptionist registers the patient, who declares a Compositae allergy.
    await sign_in_as(page, console, "receptionist")
    await page.get_by_role("link", name="Patients").click()
    await page.get_by_role("link", name="Register a patient").click()
    await page.get_by_label("Given name").fill("Inès")
    await page.get_by_label("Family name").fill(family)
    await page.get_by_label("Date of birth").fill("1987-02-14")
    await page.get_by_label("Email").fill(f"{family.lower()}@example.test")
    await page.get_by_label("The patient consents to treatment").check()
    allergy = page.get_by_role("group", name="Allergy 1")
    await allergy.get_by_label("Allergen").select_option(label=COMPOSITAE)
    await allergy.get_by_label("Reaction").fill("hives")
    await allergy.get_by_label("Severity").select_option(label="Moderate")
    await page.get_by_role("button", name="Register patient").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"{family}, Inès")
    chart = page.url.split(console.url, 1)[1].split("?")[0]
    patient_id = chart.rsplit("/", 1)[1]

    # 2. ...and books the consultation from the chart.
    consultation_day = next_weekday()
    consultation = await book_from_the_chart(
        page, console, "Consultation: skin rejuvenation", consultation_day.isoformat()
    )
    await screenshot(page, "journey-consultation-booked")

    # The practitioner holds the consultation (nothing is injected: no blend, no safety check)
    # before a treatment can be booked.
    await sign_out(page)
    await sign_in_as(page, console, "practitioner")
    await page.goto(consultation)
    await page.get_by_role("button", name="Check in").click()
    await expect(page.get_by_test_id("appointment-status")).to_have_text("checked in")
    await expect(page.get_by_label("Blend")).to_have_count(0)
    await accessible(page)
    await page.get_by_role("button", name="Start the consultation").click()
    await expect(page.get_by_test_id("done")).to_have_text("Session started.")
    await expect(page.get_by_test_id("appointment-status")).to_have_text("in progress")
    await accessible(page)
    await page.get_by_label("Notes").fill("Assessed; plan agreed.")
    await page.get_by_role("button", name="Complete the session").click()
    await expect(page.get_by_test_id("done")).to_have_text("Session completed.")
    await expect(page.get_by_test_id("appointment-status")).to_have_text("completed")
    await expect(page.get_by_test_id("session-record")).to_contain_text("Assessed; plan agreed.")
    await accessible(page)

    # 3. The receptionist books the treatment.
    await sign_out(page)
    await sign_in_as(page, console, "receptionist")
    await page.goto(chart)
    treatment_day = next_weekday(
        after_days=(consultation_day - datetime.now(PARIS).date()).days + 1
    )
    assert treatment_day - consultation_day >= timedelta(days=1)
    treatment = await book_from_the_chart(
        page, console, "Face and neck revitalisation", treatment_day.isoformat()
    )
    await expect(page.get_by_test_id("appointment-facts")).to_contain_text(CLAIRE)

    # 4. The practitioner starts it with a blend containing chamomile: blocked, with the reason.
    blends = await _demo_blends(console)
    await _formulary_knows_the_allergy(console, {"id": patient_id}, blends["Revitalising face"])
    await sign_out(page)
    await sign_in_as(page, console, "practitioner")
    await page.goto(treatment)
    await page.get_by_role("button", name="Check in").click()
    await expect(page.get_by_test_id("appointment-status")).to_have_text("checked in")
    await accessible(page)  # the start form
    await page.get_by_label("Blend").select_option(blends["Revitalising face"]["id"])
    await page.get_by_role("button", name="Run the safety check and start").click()
    verdict = page.get_by_test_id("cross-check")
    await expect(verdict.get_by_role("heading")).to_have_text("Safety check: blocked")
    await expect(verdict.get_by_role("row").filter(has_text="Chamomile")).to_contain_text(
        f"Allergy: {COMPOSITAE}"
    )
    await expect(page.get_by_test_id("appointment-status")).to_have_text("checked in")
    await accessible(page)
    await screenshot(page, "journey-blocked")

    # 5. Another blend has no allergen, but is made for pigmentation: a caution the
    # practitioner weighs and acknowledges with a reason; the session then starts and is
    # completed with lots from the clinic's stock.
    await page.get_by_label("Blend").select_option(blends["Even tone"]["id"])
    await page.get_by_role("button", name="Run the safety check and start").click()
    await expect(verdict.get_by_role("heading")).to_have_text("Safety check: caution")
    await expect(
        verdict.get_by_role("row").filter(has_text="Blend made for another indication")
    ).to_contain_text("Caution")
    await accessible(page)  # the acknowledgement form
    await acknowledge_the_mismatch(page)
    await expect(page.get_by_test_id("appointment-status")).to_have_text("in progress")
    await use_lots_in_stock(page)
    await accessible(page)  # the completion form
    await page.get_by_label("The area was cleaned and disinfected").check()
    await page.get_by_label("Technique").fill("nappage")
    await page.get_by_label("Depth (mm)").fill("1.5")
    await page.get_by_label("Number of injections").fill("40")
    await page.get_by_role("button", name="Complete the session").click()
    await expect(page.get_by_test_id("appointment-status")).to_have_text("completed")
    await expect(page.get_by_test_id("administered")).to_contain_text(re.compile(r"DEMO-\d{3}"))
    await accessible(page)
    lot_numbers = (
        await page.get_by_test_id("administered").locator("tbody td:nth-child(2)").all_inner_texts()
    )
    treatment_id = treatment.rsplit("/", 1)[1]

    # 6. The aftercare email is sent, and the chart's messages show it.
    async def aftercare_mail() -> bool | None:
        return (
            any(
                f"{family.lower()}@example.test" in str(m["to"])
                and "aftercare" in str(m["subject"])
                for m in console.mail.messages
            )
            or None
        )

    await eventually(aftercare_mail, within=60, interval=0.5)
    await page.goto(chart)
    messages = page.get_by_test_id("patient-messages")
    # (The consultation's completion also sent one: the newest row is the treatment's.)
    await expect(messages.get_by_role("row").filter(has_text="aftercare").first).to_contain_text(
        "sent"
    )

    # 7. The chart's treatment history has the session with each lot (records builds it from
    # SessionCompleted), and the bruising the practitioner then reports is among its adverse
    # events, with the session's lots.
    session = page.get_by_test_id("treatments").get_by_role("row").filter(has_text="Even tone")

    async def in_the_chart() -> bool | None:
        await page.reload()
        return await session.count() == 1 or None

    await eventually(in_the_chart, within=60, interval=1)
    await expect(session).to_contain_text("Face and neck revitalisation")
    await expect(session).to_contain_text(CLAIRE)
    for lot in lot_numbers:
        await expect(session).to_contain_text(f"lot {lot}")
    reported = await console.records.client.post(
        f"/v1/patients/{patient_id}/adverse-events",
        json={
            "kind": "bruising",
            "severity": "mild",
            "onset_at": (datetime.now(PARIS) - timedelta(minutes=30)).isoformat(),
            "description": "Small bruises on the left cheek",
            "appointment_id": treatment_id,
        },
        headers=headers(console, "practitioner"),
    )
    assert reported.status_code == 201, reported.text

    await page.reload()
    bruising = page.get_by_test_id("adverse-events").get_by_role("row").filter(has_text="bruising")
    await expect(bruising).to_contain_text("Small bruises on the left cheek")
    await expect(bruising).to_contain_text("mild")
    await expect(bruising).to_contain_text(lot_numbers[0])
    await accessible(page)
    await screenshot(page, "journey-aftercare-in-chart")
