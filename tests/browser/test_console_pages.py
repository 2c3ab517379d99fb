"""The console's pages over real data: a booked appointment on the clinic day, free slots on
the Book page (booking and records are the real services behind the gateway)."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import PASSWORD, Console, screenshot
from tests.browser.test_console_day import at, column
from tests.support import bearer, eventually

pytestmark = pytest.mark.browser


async def booked_consultation(console: Console) -> dict[str, Any]:
    """A consultation tomorrow at 10:00 at the console's clinic, with all it needs."""
    booking, records = console.booking, console.records
    admin = bearer(booking.settings.platform, console.network, "network_admin")
    clinic_id = console.clinic["id"]

    async def created(path: str, body: dict[str, Any], client=booking.client) -> dict[str, Any]:  # type: ignore[no-untyped-def]
        response = await client.post(path, json=body, headers=admin)
        assert response.status_code == 201, response.text
        return response.json()

    room = await created(f"/v1/clinics/{clinic_id}/rooms", {"name": f"Room {uuid4().hex[:4]}"})
    practitioner = await created(
        "/v1/practitioners",
        {
            "name": f"Dr Léa Martin {uuid4().hex[:4]}",
            "licence_number": f"RPPS-{uuid4().hex[:8]}",
            "licence_expires_on": (date.today() + timedelta(days=365)).isoformat(),
            "clinic_ids": [clinic_id],
            "indications": ["skin_rejuvenation"],
        },
    )
    hours = await booking.client.put(
        f"/v1/practitioners/{practitioner['id']}/clinics/{clinic_id}/working-hours",
        json={"hours": [{"weekday": d, "start": "08:00", "end": "19:00"} for d in range(7)]},
        headers=admin,
    )
    assert hours.status_code == 200, hours.text
    consultation = await created(
        "/v1/treatment-types",
        {
            "name": f"Skin consultation {uuid4().hex[:4]}",
            "kind": "consultation",
            "indication": "skin_rejuvenation",
            "areas": ["face"],
        },
    )
    patient = await created(
        "/v1/patients",
        {
            "given_name": "Inès",
            "family_name": "Moreau",
            "email": f"ines-{uuid4().hex[:6]}@example.test",
        },
        client=records.client,
    )
    paris = ZoneInfo("Europe/Paris")
    day = datetime.now(paris).date() + timedelta(days=1)
    start = datetime.combine(day, time(10, 0), paris)

    async def book() -> dict[str, Any] | None:
        # Booking learns the patient from records' PatientRegistered event.
        response = await booking.client.post(
            "/v1/appointments",
            json={
                "clinic_id": clinic_id,
                "room_id": room["id"],
                "practitioner_id": practitioner["id"],
                "patient_id": patient["id"],
                "treatment_type_id": consultation["id"],
                "start": start.isoformat(),
            },
            headers=admin,
        )
        return response.json() if response.status_code == 201 else None

    appointment = await eventually(book, within=30, interval=0.5)
    return {
        "appointment": appointment,
        "practitioner": practitioner,
        "treatment_type": consultation,
        "day": day,
    }


async def sign_in(page: Page, console: Console) -> None:
    await page.goto("/console/login")
    await page.get_by_label("Email").fill(console.receptionist)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page).to_have_url(re.compile(r"/console/day$"))


async def test_the_clinic_day_shows_a_booked_appointment_in_local_time(
    page: Page, console: Console
) -> None:
    booked = await booked_consultation(console)
    await sign_in(page, console)

    await page.get_by_label("Clinic", exact=True).select_option(console.clinic["id"])
    await page.get_by_label("Day", exact=True).fill(booked["day"].isoformat())
    await page.get_by_role("button", name="Show day").click()

    # In the practitioner's column, in the 10:00 row of the clinic's wall clock.
    cell = at(await column(page, booked["practitioner"]["name"]), "10:00")
    await expect(cell).to_contain_text("10:00 to")
    await expect(cell).to_contain_text(booked["treatment_type"]["name"])
    await expect(cell).to_contain_text("booked")
    await expect(cell).to_contain_text("Moreau, Inès")
    await screenshot(page, "clinic-day-with-appointment")

    # The Book page finds free slots for the same day, around the booked one.
    await page.get_by_role("link", name="Book").click()
    await page.get_by_label("Clinic", exact=True).select_option(console.clinic["id"])
    await page.get_by_label("Treatment type").select_option(booked["treatment_type"]["id"])
    await page.get_by_label("Day", exact=True).fill(booked["day"].isoformat())
    await page.get_by_role("button", name="Find free slots").click()

    # The booked practitioner's own slots (other tests share the clinic and its day): free at
    # 08:00 and 11:00, not at 10:00, where the consultation is.
    slots = page.get_by_test_id("free-slots")
    theirs = slots.locator(".slot-group").filter(
        has=page.get_by_role("heading", name=booked["practitioner"]["name"])
    )
    await expect(theirs.get_by_text(re.compile(r"^08:00 to"))).to_have_count(1)
    await expect(theirs.get_by_text(re.compile(r"^11:00 to"))).to_have_count(1)
    await expect(theirs.get_by_text(re.compile(r"^10:00 to"))).to_have_count(0)
    await screenshot(page, "book-free-slots")


async def test_a_day_typed_wrong_is_named_next_to_the_field(page: Page, console: Console) -> None:
    await sign_in(page, console)

    await page.goto(f"/console/day?clinic_id={console.clinic['id']}&date=tomorrow")

    await expect(page.locator("#f-date-error")).to_have_text("Enter a day as YYYY-MM-DD.")
    await screenshot(page, "clinic-day-bad-date")
