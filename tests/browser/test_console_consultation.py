"""The consultation records what it decides, in a real browser against the real services: a
practitioner checks a booked consultation in and starts it, records the medical history and
goals with the agreed indication and areas, the safety profile (skin type, a condition, a
medication; the declared allergy kept), and a treatment plan (booking's refusal of too many
sessions told at the field) whose cost estimate is shown with a link to book its first
session; a stale change of the history is told, with what was typed kept; the consultation
completes as before, and the chart shows what it recorded (the plan in booking, the history
naming the consultation in records)."""

from __future__ import annotations

from datetime import datetime, time
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import Console, axe_violations, screenshot
from tests.browser.test_console_patients import COMPOSITAE, sign_in_as
from tests.browser.test_console_visits import (
    PARIS,
    demo_ids,
    first_free,
    headers,
    new_patient,
    next_weekday,
    weekdays_from,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

HISTORY = "Hypothyroidism, treated for 6 years; no surgery. Non-smoker."
GOALS = "Brighter, more even skin on the face and neck before the summer."
OURS = "Fewer fine lines around the eyes."
THEIRS = "Skin texture on the face first (agreed by phone with Dr Moreau)."
TREATMENT = "Face and neck revitalisation"


async def booked_consultation(console: Console, patient: dict) -> dict:
    """A skin rejuvenation consultation with Dr Moreau, at the first late half hour she is free
    on the coming weekdays (the browser tests of a run share her calendar)."""
    ids = await demo_ids(console)
    late = [time(h, m) for h in (17, 16, 15) for m in (30, 0)]
    starts = [
        datetime.combine(day, at, PARIS)
        for day in weekdays_from(next_weekday(after_days=2), 4)
        for at in late
    ]
    return await first_free(console, ids, patient, "Consultation: skin rejuvenation", starts)


async def someone_else_changes_the_goals(console: Console, patient_id: str) -> None:
    """Another practitioner writes the history meanwhile (through records' API)."""
    records = console.records.client
    practitioner = headers(console, "practitioner")
    url = f"/v1/patients/{patient_id}/medical-history"
    current = await records.get(url, headers=practitioner)
    assert current.status_code == 200, current.text
    body = current.json()
    changed = await records.put(
        url,
        json={
            "medical_history": body["medical_history"],
            "treatment_goals": THEIRS,
            "indications": body["indications"],
            "areas": body["areas"],
        },
        headers={**practitioner, "If-Match": current.headers["etag"]},
    )
    assert changed.status_code == 200, changed.text


async def test_a_consultation_records_history_profile_and_plan_then_completes(
    page: Page, console: Console
) -> None:
    patient = await new_patient(
        console, allergies=[{"code": "compositae", "reaction": "hives", "severity": "moderate"}]
    )
    consultation = await booked_consultation(console, patient)
    await sign_in_as(page, console, "practitioner")
    await page.goto(f"/console/appointments/{consultation['id']}")

    # Booked: nothing to record until the patient is here.
    await expect(page.get_by_test_id("consultation")).to_have_count(0)
    await page.get_by_role("button", name="Check in").click()
    await expect(page.get_by_test_id("appointment-status")).to_have_text("checked in")
    await page.get_by_role("button", name="Start the consultation").click()
    await expect(page.get_by_test_id("appointment-status")).to_have_text("in progress")

    # 1. The medical history and goals, the agreed indication (the consultation's, ticked) and
    # the areas.
    history = page.get_by_test_id("consultation-history")
    await expect(history.get_by_label("Skin rejuvenation")).to_be_checked()
    await history.get_by_label("Medical history and current health status").fill(HISTORY)
    await history.get_by_label("Treatment goals").fill(GOALS)
    await history.get_by_label("Face").check()
    await history.get_by_label("Neck", exact=True).check()
    assert await axe_violations(page) == [], "axe-core: serious or critical violations"
    await screenshot(page, "consultation-in-progress")
    await history.get_by_role("button", name="Record the medical history and goals").click()
    await expect(page.get_by_test_id("done")).to_have_text("Medical history and goals recorded.")
    await expect(history.get_by_label("Treatment goals")).to_have_value(GOALS)

    # 2. The safety profile: the declared allergy is there and stays; skin type, a condition,
    # a medication.
    profile = page.get_by_test_id("consultation-profile")
    await expect(
        profile.get_by_role("group", name="Allergy 1").get_by_label("Allergen")
    ).to_have_value("compositae")
    await profile.get_by_label("Skin type (Fitzpatrick)").select_option(label="III")
    condition = profile.get_by_role("group", name="Condition 1")
    await condition.get_by_label("Condition", exact=True).select_option(label="Thyroid disorder")
    await condition.get_by_label("Note").fill("Hypothyroidism, stable")
    medication = profile.get_by_role("group", name="Medication 1")
    await medication.get_by_label("Medication", exact=True).fill("Levothyroxine")
    await medication.get_by_label("Dose").fill("75 µg daily")
    await medication.get_by_label("Hormonal therapy or contraception").check()
    await profile.get_by_role("button", name="Record the safety profile").click()
    await expect(page.get_by_test_id("done")).to_have_text("Safety profile recorded.")
    await expect(profile.get_by_label("Skin type (Fitzpatrick)")).to_have_value("3")

    # 3. The treatment plan, for a treatment of the agreed indication, with its cost estimate
    # at this clinic's price (380.00 EUR a session) and a link to book its first session.
    plan = page.get_by_test_id("consultation-plan")
    await plan.get_by_label("Treatment", exact=True).select_option(label=TREATMENT)
    # More sessions than booking plans: its refusal is told next to the field, nothing made.
    await plan.get_by_label("Sessions planned").fill("99")
    await plan.get_by_label("Days between sessions").fill("14")
    await plan.get_by_role("button", name="Create the treatment plan").click()
    await expect(page.locator("#f-sessions_planned-error")).to_contain_text("52")
    await expect(plan.get_by_label("Sessions planned")).to_have_attribute("aria-invalid", "true")
    await expect(page.get_by_test_id("treatment-plans")).to_have_count(0)
    await plan.get_by_label("Sessions planned").fill("4")
    await plan.get_by_label("Days between sessions").fill("14")
    await plan.get_by_label("Days between maintenance sessions (optional)").fill("90")
    await plan.get_by_role("button", name="Create the treatment plan").click()
    await expect(page.get_by_test_id("done")).to_have_text(
        "Treatment plan created: its cost estimate is below."
    )
    created = page.get_by_test_id("new-plan")
    await expect(created).to_contain_text(TREATMENT)
    await expect(created).to_contain_text("4 sessions, every 14 days")
    await expect(created).to_contain_text("maintenance every 90 days")
    await expect(created).to_contain_text("EUR for the course")
    estimate = await created.inner_text()
    book = created.get_by_role("link", name=f"Book the first session of {TREATMENT}")
    link = urlsplit(await book.get_attribute("href") or "")
    assert link.path == "/console/book"
    query = {k: v[0] for k, v in parse_qs(link.query).items()}
    assert query["patient_id"] == patient["id"]
    assert query["clinic_id"] == console.clinic["id"]
    await screenshot(page, "consultation-plan")

    # 4. Someone else changed the history meanwhile: the change is refused, said so, and what
    # was typed is still there.
    await someone_else_changes_the_goals(console, patient["id"])
    await history.get_by_label("Treatment goals").fill(OURS)
    await history.get_by_role("button", name="Record the medical history and goals").click()
    stale = history.get_by_test_id("stale")
    await expect(stale).to_contain_text("Someone else changed this")
    await expect(history.get_by_label("Treatment goals")).to_have_value(OURS)
    assert await axe_violations(page) == [], "axe-core: serious or critical violations"
    await stale.get_by_role("link", name="Reload").click()
    await expect(history.get_by_label("Treatment goals")).to_have_value(THEIRS)
    await history.get_by_label("Treatment goals").fill(f"{THEIRS} {OURS}")
    await history.get_by_role("button", name="Record the medical history and goals").click()
    await expect(page.get_by_test_id("done")).to_have_text("Medical history and goals recorded.")

    # 5. The consultation completes as before.
    await page.get_by_label("Notes").fill("Assessed; plan agreed.")
    await page.get_by_role("button", name="Complete the session").click()
    await expect(page.get_by_test_id("done")).to_have_text("Session completed.")
    await expect(page.get_by_test_id("consultation")).to_have_count(0)

    # The chart shows what the consultation recorded...
    await page.goto(f"/console/patients/{patient['id']}")
    recorded = page.get_by_role("region", name="Medical history and goals")
    await expect(recorded).to_contain_text(HISTORY)
    await expect(recorded).to_contain_text(f"{THEIRS} {OURS}")
    await expect(recorded).to_contain_text("skin rejuvenation")
    await expect(recorded).to_contain_text("face, neck")
    safety = page.get_by_test_id("safety-profile")
    await expect(safety).to_contain_text("III")
    await expect(safety.get_by_test_id("allergies")).to_contain_text(COMPOSITAE)
    await expect(safety.get_by_test_id("conditions")).to_contain_text("Thyroid disorder")
    await expect(safety.get_by_test_id("medications")).to_contain_text("Levothyroxine, 75 µg")

    # ...and so do the services: the history names the consultation, booking has the plan.
    clinician = headers(console, "practitioner")
    written = await console.records.client.get(
        f"/v1/patients/{patient['id']}/medical-history", headers=clinician
    )
    assert written.json()["consultation_appointment_id"] == consultation["id"]
    plans = await console.booking.client.get(
        f"/v1/treatment-plans?patient_id={patient['id']}", headers=clinician
    )
    assert plans.status_code == 200, plans.text
    [made] = plans.json()
    assert made["id"] == query["treatment_plan_id"]
    assert query["treatment_type_id"] == made["treatment_type_id"]
    assert (made["sessions_planned"], made["interval_days"]) == (4, 14)
    assert made["maintenance_interval_days"] == 90
    cost = made["cost_estimate"]
    assert cost["course_total"]["amount_minor"] == 4 * cost["price_per_session"]["amount_minor"]
    total, each = (cost[k]["amount_minor"] / 100 for k in ("course_total", "price_per_session"))
    assert f"{total:,.2f} EUR for the course ({each:,.2f} EUR a session)" in estimate
