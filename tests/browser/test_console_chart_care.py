"""Care on the chart in a real browser: from a completed session's page a practitioner reports
a nodule (a future onset is named next to its field), and the chart lists it with the session
and its lots; a treatment plan made through booking's API shows its progress, when the next
session is due, and a "Book next session" link that carries the plan to the Book page. The
report is corrected and sent from the keyboard at tablet width; the front desk sees the plans
but is offered no report."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import Console, screenshot
from tests.browser.test_console_catalogue import completed_with, received_lot
from tests.browser.test_console_keyboard_and_widths import NO_SIDEWAYS_SCROLLING, TABLET, tab_to
from tests.browser.test_console_visits import headers, new_patient
from tests.browser.test_console_webhooks import accessible, follow, sign_in_as
from tests.support import eventually

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

TREATMENT = "Face and neck revitalisation"


async def planned(console: Console, patient: dict[str, Any]) -> dict[str, Any]:
    """A course of three sessions two weeks apart, then maintenance every 90 days, at the
    Paris clinic, through booking's API."""
    booking = console.booking.client
    types = (
        await booking.get("/v1/treatment-types?limit=200", headers=headers(console, "practitioner"))
    ).json()
    face = next(t for t in types["items"] if t["name"] == TREATMENT)

    async def made() -> dict[str, Any] | None:
        # Booking learns the patient from records' PatientRegistered event.
        response = await booking.post(
            "/v1/treatment-plans",
            json={
                "patient_id": patient["id"],
                "treatment_type_id": face["id"],
                "clinic_id": console.clinic["id"],
                "sessions_planned": 3,
                "interval_days": 14,
                "maintenance_interval_days": 90,
            },
            headers=headers(console, "practitioner"),
        )
        return response.json() if response.status_code == 201 else None

    plan: dict[str, Any] = await eventually(made, within=30, interval=0.5)
    return plan


async def completed_session(console: Console, patient: dict[str, Any]) -> dict[str, Any]:
    """The patient's face-and-neck treatment, started and completed with a fresh lot of
    glutathione through booking's API, once records' treatment history has it."""
    lot = await received_lot(console, "glutathione")
    appointment = await completed_with(console, patient, lot)

    async def in_the_history() -> bool | None:
        response = await console.records.client.get(
            f"/v1/patients/{patient['id']}/treatments", headers=headers(console, "practitioner")
        )
        items = response.json()["items"]
        return any(t["appointment_id"] == appointment["id"] for t in items) or None

    await eventually(in_the_history, within=60, interval=0.5)
    return {"appointment": appointment, "lot": lot["lot_number"]}


def typed(moment: datetime) -> str:
    """A local time as a datetime-local field takes it."""
    return f"{moment:%Y-%m-%dT%H:%M}"


async def test_a_nodule_reported_after_a_session_and_the_plan_to_book_the_next_one(
    page: Page, console: Console
) -> None:
    patient = await new_patient(console)
    plan = await planned(console, patient)
    session = await completed_session(console, patient)
    appointment, lot = session["appointment"], session["lot"]
    paris = ZoneInfo(console.clinic["timezone"])

    await sign_in_as(page, console, "practitioner")
    await page.goto(f"/console/appointments/{appointment['id']}")
    await follow(page, page.get_by_role("link", name="Report an adverse event after this session"))
    await expect(page.get_by_role("heading", name="Report an adverse event")).to_be_visible()
    # What will be recorded with the report: the session's lot.
    await expect(page.get_by_test_id("adverse-lots")).to_have_text(lot)
    await expect(page.get_by_test_id("adverse-session")).to_contain_text(TREATMENT)
    onset = page.get_by_label("When it began")
    await expect(
        page.get_by_text(re.compile(r"Local date and time in Europe/Paris"))
    ).to_be_visible()
    await accessible(page)
    await screenshot(page, "adverse-event-form")

    await page.get_by_label("Kind of event").select_option(label="Nodule formation")
    await page.get_by_label("Severity").select_option(label="Moderate")
    await onset.fill(typed(datetime.now(paris) + timedelta(days=1)))
    await page.get_by_label("What happened").fill("A small firm lump at one injection point.")
    await follow(page, page.get_by_role("button", name="Report the adverse event"))
    # records' refusal, next to its field; the rest of the form as typed.
    await expect(page.locator("#f-onset-error")).to_have_text("The onset is in the future.")
    await expect(onset).to_have_attribute("aria-invalid", "true")
    await expect(page.get_by_label("What happened")).to_have_value(
        "A small firm lump at one injection point."
    )
    await accessible(page)
    await screenshot(page, "adverse-event-future-onset")

    # Corrected and sent from the keyboard, at tablet width.
    await page.set_viewport_size(TABLET)
    assert await page.evaluate(NO_SIDEWAYS_SCROLLING)
    began = (datetime.now(paris) - timedelta(hours=2)).replace(second=0, microsecond=0)
    await onset.fill(typed(began))
    await tab_to(page, "el.textContent.trim() === 'Report the adverse event'", limit=15)
    async with page.expect_navigation(timeout=60_000):
        await page.keyboard.press("Enter")
    await expect(page).to_have_url(re.compile(f"/console/patients/{patient['id']}"))
    await expect(page.get_by_role("status")).to_contain_text("The adverse event is reported")
    row = page.get_by_test_id("adverse-events").get_by_role("row").nth(1)
    await expect(row).to_contain_text("Nodule formation")
    await expect(row).to_contain_text("moderate")
    await expect(row).to_contain_text(f"{began:%d %b %Y, %H:%M} {began.tzname()}")
    await expect(row).to_contain_text(lot)
    await expect(row.get_by_role("link", name=re.compile(TREATMENT))).to_have_attribute(
        "href", f"/console/appointments/{appointment['id']}"
    )

    # The plan: one of three sessions done, the next due two weeks after it, bookable.
    due = date.fromisoformat(plan_now(plan, await plans_of(console, patient)))
    card = page.get_by_test_id("treatment-plan")
    await expect(card).to_contain_text(TREATMENT)
    await expect(card).to_contain_text("1 of 3 sessions completed")
    await expect(card).to_contain_text(f"{due:%A %d %B %Y}")
    await expect(card).to_contain_text("a session)")
    book = card.get_by_role("link", name="Book next session")
    href = await book.get_attribute("href")
    assert href is not None and urlsplit(href).path == "/console/book"
    assert parse_qs(urlsplit(href).query) == {
        "patient_id": [patient["id"]],
        "clinic_id": [console.clinic["id"]],
        "treatment_type_id": [plan["treatment_type_id"]],
        "treatment_plan_id": [plan["id"]],
        "date": [due.isoformat()],
    }
    assert await page.evaluate(NO_SIDEWAYS_SCROLLING)
    await accessible(page)
    await screenshot(page, "chart-adverse-events-and-plans")


async def plans_of(console: Console, patient: dict[str, Any]) -> list[dict[str, Any]]:
    response = await console.booking.client.get(
        "/v1/treatment-plans",
        params={"patient_id": patient["id"]},
        headers=headers(console, "practitioner"),
    )
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


def plan_now(plan: dict[str, Any], plans: list[dict[str, Any]]) -> str:
    """The plan's next due date as booking says it now (after the session)."""
    now = next(p for p in plans if p["id"] == plan["id"])
    assert now["progress"]["completed"] == 1, now
    due: str = now["next_session_due"]
    return due


async def test_the_front_desk_sees_the_plans_but_reports_no_adverse_event(
    page: Page, console: Console
) -> None:
    patient = await new_patient(console)
    plan = await planned(console, patient)

    await sign_in_as(page, console, "receptionist")
    await page.goto(f"/console/patients/{patient['id']}")
    card = page.get_by_test_id("treatment-plan")
    await expect(card).to_contain_text(TREATMENT)
    await expect(card).to_contain_text("0 of 3 sessions completed")
    await expect(card).to_contain_text("Then maintenance every 90 days")
    # Booking dates a plan from its latest completed session: none yet, so the first session
    # is booked on any day.
    await expect(card).to_contain_text("Not dated yet")
    await expect(card.get_by_role("link", name="Book next session")).to_have_count(0)
    first = await card.get_by_role("link", name="Book the first session").get_attribute("href")
    assert first is not None
    assert parse_qs(urlsplit(first).query) == {
        "patient_id": [patient["id"]],
        "clinic_id": [console.clinic["id"]],
        "treatment_type_id": [plan["treatment_type_id"]],
        "treatment_plan_id": [plan["id"]],
    }
    await expect(page.get_by_role("link", name="Report an adverse event")).to_have_count(0)
    await accessible(page)

    await page.goto(f"/console/patients/{patient['id']}/adverse-events/new")
    await expect(page.get_by_role("heading", name="For practitioners")).to_be_visible()
    await expect(page.get_by_text("Only practitioners report adverse events")).to_be_visible()
