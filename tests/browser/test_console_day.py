"""The Clinic day as a calendar: a column per practitioner of the clinic, the time down the side
on the clinic's wall clock, each appointment in its practitioner's column; switching to the
New York clinic shows its practitioners and its day (the real booking and records behind the
gateway, the demo network's clinics)."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Locator, Page, expect

from tests.browser.conftest import Console, screenshot
from tests.browser.test_console_visits import (
    CLAIRE,
    PARIS,
    headers,
    new_patient,
    next_weekday,
    sign_in,
)
from tests.support import eventually

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

NEW_YORK = ZoneInfo("America/New_York")
LUCIA = "Dr Lucía Romero"
ETHAN = "Dr Ethan Brooks"
# Far enough ahead that the other browser tests of the session book other days.
AHEAD = 9


async def booked(
    console: Console, clinic: dict[str, Any], practitioner: str, patient: dict, start: datetime
) -> dict[str, Any]:
    """A skin rejuvenation consultation with `practitioner` at `clinic`, in a free room."""
    booking = console.booking.client
    admin = headers(console, "network_admin")
    staffed = await booking.get(
        "/v1/practitioners", params={"clinic_id": clinic["id"]}, headers=admin
    )
    who = next(p for p in staffed.json()["items"] if p["name"] == practitioner)
    rooms = (await booking.get(f"/v1/clinics/{clinic['id']}/rooms", headers=admin)).json()
    types = (await booking.get("/v1/treatment-types?limit=200", headers=admin)).json()["items"]
    consultation = next(t for t in types if t["name"] == "Consultation: skin rejuvenation")

    async def book() -> dict[str, Any] | None:
        for room in rooms["items"] if isinstance(rooms, dict) else rooms:
            response = await booking.post(
                "/v1/appointments",
                json={
                    "clinic_id": clinic["id"],
                    "room_id": room["id"],
                    "practitioner_id": who["id"],
                    "patient_id": patient["id"],
                    "treatment_type_id": consultation["id"],
                    "start": start.isoformat(),
                },
                headers=headers(console, "receptionist"),
            )
            if response.status_code == 201:
                return response.json()
        return None

    return await eventually(book, within=30, interval=0.5)


async def clinic_named(console: Console, timezone: str) -> dict[str, Any]:
    clinics = await console.booking.client.get(
        "/v1/clinics", headers=headers(console, "network_admin")
    )
    return next(c for c in clinics.json()["items"] if c["timezone"] == timezone)


async def column(page: Page, practitioner: str) -> Locator:
    """The cells of `practitioner`'s column: those whose headers name its column header."""
    calendar = page.get_by_test_id("day-calendar")
    header = calendar.get_by_role("columnheader", name=practitioner, exact=True)
    await expect(header).to_be_visible()
    return calendar.locator(f'td[headers~="{await header.get_attribute("id")}"]')


def at(cells: Locator, clock: str) -> Locator:
    """The cell of this column in the row of `clock` (HH:MM on the clinic's wall clock)."""
    return cells.and_(cells.page.locator(f'td[headers~="t-{clock.replace(":", "")}"]'))


async def test_each_appointment_is_in_its_practitioners_column_at_its_local_time(
    page: Page, console: Console
) -> None:
    day = next_weekday(after_days=AHEAD)
    claires, lucias = await new_patient(console), await new_patient(console)
    with_claire = await booked(
        console, console.clinic, CLAIRE, claires, datetime.combine(day, time(10, 0), PARIS)
    )
    await booked(console, console.clinic, LUCIA, lucias, datetime.combine(day, time(11, 30), PARIS))
    await sign_in(page, console.receptionist)

    # The day opens on the receptionist's clinic; choosing the day shows its calendar.
    await expect(page.get_by_label("Clinic", exact=True)).to_have_value(console.clinic["id"])
    await page.get_by_label("Day", exact=True).fill(day.isoformat())
    await page.get_by_role("button", name="Show day").click()
    await expect(page.get_by_role("heading", level=2)).to_contain_text("Europe/Paris")
    # The times down the side name their zone in their column's heading.
    await expect(
        page.get_by_test_id("day-calendar").get_by_role("columnheader").first
    ).to_have_text(re.compile(r"^Time \(CES?T\)$"))

    claire, lucia = await column(page, CLAIRE), await column(page, LUCIA)
    ten = at(claire, "10:00")
    await expect(ten).to_contain_text(f"{claires['family_name']}, Amélie")
    await expect(ten).to_contain_text("Consultation: skin rejuvenation")
    await expect(ten).to_contain_text("booked")
    await expect(claire.filter(has_text=lucias["family_name"])).to_have_count(0)
    half_past_eleven = at(lucia, "11:30")
    await expect(half_past_eleven).to_contain_text(f"{lucias['family_name']}, Amélie")
    await expect(lucia.filter(has_text=claires["family_name"])).to_have_count(0)
    # Lunch is outside the demo working hours.
    await expect(at(claire, "13:00")).to_contain_text("Not working")
    await screenshot(page, "clinic-day-calendar")

    await ten.get_by_role("link", name=re.compile(r"^10:00 to \d\d:\d\d CES?T$")).click()
    await expect(page).to_have_url(re.compile(f"/console/appointments/{with_claire['id']}$"))
    await expect(page.get_by_test_id("appointment-facts")).to_contain_text(CLAIRE)

    # Back to the day, the day after is one step away and empty.
    await page.get_by_role("link", name="Back to the clinic day").click()
    await page.get_by_role("link", name="Next day").click()
    await expect(page.get_by_label("Day", exact=True)).to_have_value(
        (day + timedelta(days=1)).isoformat()
    )
    await expect(page.get_by_test_id("day-calendar")).not_to_contain_text(claires["family_name"])


async def test_switching_to_the_new_york_clinic_shows_its_practitioners_and_its_day(
    page: Page, console: Console
) -> None:
    new_york = await clinic_named(console, "America/New_York")
    day = next_weekday(after_days=AHEAD)
    patient = await new_patient(console)
    await booked(console, new_york, ETHAN, patient, datetime.combine(day, time(9, 30), NEW_YORK))
    await sign_in(page, console.accounts["network_admin"])

    await page.get_by_label("Clinic", exact=True).select_option(label=new_york["name"])
    await page.get_by_label("Day", exact=True).fill(day.isoformat())
    await page.get_by_role("button", name="Show day").click()

    await expect(page.get_by_role("heading", level=2)).to_contain_text(
        f"{new_york['name']} · {day.strftime('%A %d %B %Y')}"
    )
    await expect(page.get_by_role("heading", level=2)).to_contain_text("America/New_York")
    calendar = page.get_by_test_id("day-calendar")
    await expect(calendar.get_by_role("columnheader")).to_have_text(
        [re.compile(r"^Time \(E[SD]T\)$"), ETHAN]
    )
    # 09:30 in New York, on New York's wall clock (15:30 in Paris).
    ethan = await column(page, ETHAN)
    await expect(at(ethan, "09:30")).to_contain_text(f"{patient['family_name']}, Amélie")
    await expect(calendar).not_to_contain_text(CLAIRE)
    await screenshot(page, "clinic-day-new-york")

    # Back to Paris: its practitioners again.
    await page.get_by_label("Clinic", exact=True).select_option(console.clinic["id"])
    await page.get_by_role("button", name="Show day").click()
    await expect(calendar.get_by_role("columnheader", name=CLAIRE, exact=True)).to_be_visible()
    await expect(calendar.get_by_role("columnheader", name=ETHAN)).to_have_count(0)


async def test_the_calendar_fits_a_tablet_scrolling_only_inside_itself(
    page: Page, console: Console
) -> None:
    day = next_weekday(after_days=AHEAD)
    await page.set_viewport_size({"width": 768, "height": 1024})
    await sign_in(page, console.receptionist)

    await page.goto(f"/console/day?clinic_id={console.clinic['id']}&date={day.isoformat()}")

    await expect(page.get_by_test_id("day-calendar")).to_be_visible()
    assert await page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    await screenshot(page, "clinic-day-calendar-tablet")
