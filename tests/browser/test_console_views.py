"""More views of the calendar in a real browser: the clinic day by room, a practitioner's week
on the clinic's wall clock (its zone named), status in words; an appointment moved from the day
view to a free slot of another day by keyboard, a slot taken meanwhile told plainly; and the
Patients page listing matches as the name is typed, announcing how many. The real booking and
records are behind the gateway, with the demo network."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import Console, axe_violations, screenshot
from tests.browser.test_console_day import at, booked, column
from tests.browser.test_console_keyboard_and_widths import tab_to
from tests.browser.test_console_visits import CLAIRE, PARIS, new_patient, next_weekday, sign_in

PARIS_TIME = re.compile(r"^Time \(CES?T(, then CES?T)?\)$")
"""The heading of the times down the side: it names the zone Paris keeps that day or week."""

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

# Far enough ahead that the other browser tests of the session book other days.
AHEAD = 20


async def accessible(page: Page) -> None:
    assert await axe_violations(page) == [], "axe-core: serious or critical violations"


async def test_an_appointment_shows_by_room_and_in_the_week_and_moves_to_a_free_slot(
    page: Page, console: Console
) -> None:
    day = next_weekday(after_days=AHEAD)
    later = next_weekday(after_days=AHEAD + 1)
    patient, other = await new_patient(console), await new_patient(console)
    name = f"{patient['family_name']}, Amélie"
    appointment = await booked(
        console, console.clinic, CLAIRE, patient, datetime.combine(day, time(10, 0), PARIS)
    )
    await sign_in(page, console.receptionist)
    await page.goto(f"/console/day?clinic_id={console.clinic['id']}&date={day.isoformat()}")

    # The day by practitioner: the status in words, the room named.
    ten = at(await column(page, CLAIRE), "10:00")
    await expect(ten).to_contain_text(name)
    await expect(ten.locator(".status")).to_have_text("Status: booked")

    # By room: the appointment in its room's column, with its practitioner.
    await page.get_by_role("link", name="Day by room").click()
    await expect(page.get_by_role("link", name="Day by room")).to_have_attribute(
        "aria-current", "page"
    )
    rooms = page.get_by_test_id("day-calendar").get_by_role("columnheader")
    # The first column names the zone; then the clinic's rooms (other tests add rooms too).
    await expect(rooms.first).to_have_text(PARIS_TIME)
    await expect(rooms.filter(has_text=re.compile(r"^Salle [12]$"))).to_have_count(2)
    room_id = appointment["room_id"]
    room = page.locator(f'td[headers~="r-{room_id}"][headers~="t-1000"]')
    await expect(room).to_contain_text(name)
    await expect(room).to_contain_text(CLAIRE)
    await expect(room.locator(".status")).to_have_text("Status: booked")
    await accessible(page)
    await screenshot(page, "clinic-day-by-room")

    # The practitioner's week: Monday to Sunday, on Paris's wall clock, the zone named.
    await page.get_by_role("link", name="Day by practitioner").click()
    await page.get_by_role("link", name=f"Week of {CLAIRE}").click()
    monday = day - timedelta(days=day.weekday())
    heading = page.get_by_role("heading", level=2)
    await expect(heading).to_contain_text(f"{CLAIRE} at {console.clinic['name']}")
    await expect(heading).to_contain_text(f"{monday:%A %d %B} to ")
    await expect(heading).to_contain_text("(Europe/Paris)")
    week = page.get_by_test_id("week-calendar")
    days = [f"{monday + timedelta(days=n):%A %d %b}" for n in range(7)]
    await expect(week.get_by_role("columnheader")).to_have_text([PARIS_TIME, *days])
    cell = week.locator(f'td[headers~="d-{day.isoformat()}"][headers~="t-1000"]')
    await expect(cell).to_contain_text(name)
    await expect(
        cell.get_by_role("link", name=re.compile(r"^10:00 to 10:30 CES?T$"))
    ).to_be_visible()
    await expect(cell.locator(".status")).to_have_text("Status: booked")
    await accessible(page)
    await screenshot(page, "practitioner-week")
    await page.get_by_role("link", name="Next week").click()
    await expect(page.get_by_role("heading", level=2)).to_contain_text(
        f"{monday + timedelta(days=7):%A %d %B} to "
    )
    await expect(page.get_by_test_id("week-calendar")).not_to_contain_text(name)

    # Move it from the day view, by keyboard, to the next weekday.
    await page.goto(f"/console/day?clinic_id={console.clinic['id']}&date={day.isoformat()}")
    zone = datetime.combine(day, time(10, 0), PARIS).tzname()
    move = f"Move the appointment of {name} at 10:00 {zone}"
    await tab_to(page, f"el.getAttribute('aria-label') === {move!r}")
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(re.compile(f"/console/appointments/{appointment['id']}/move"))
    await expect(page.get_by_test_id("move-appointment")).to_contain_text(name)
    await page.get_by_label("New day", exact=True).fill(later.isoformat())
    await page.get_by_label("New day", exact=True).press("Enter")
    await expect(page.get_by_role("heading", level=2)).to_contain_text(
        f"{later:%A %d %B %Y} (Europe/Paris)"
    )
    await accessible(page)
    await screenshot(page, "move-appointment")

    # Another booking takes the 14:00 slot meanwhile: told plainly, nothing moved.
    at_two = page.get_by_role("button", name=re.compile(rf"^Move to 14:00 to .*, with {CLAIRE}$"))
    await expect(at_two.first).to_be_visible()
    await booked(console, console.clinic, CLAIRE, other, datetime.combine(later, time(14), PARIS))
    await at_two.first.focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("alert")).to_contain_text(
        "This slot has just been taken by another booking. The appointment was not moved."
    )
    await accessible(page)

    at_three = page.get_by_role("button", name=re.compile(rf"^Move to 15:00 to .*, with {CLAIRE}$"))
    await at_three.first.focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_test_id("moved")).to_contain_text(f"Moved: {name}")
    await expect(page.get_by_label("Day", exact=True)).to_have_value(later.isoformat())
    await expect(at(await column(page, CLAIRE), "15:00")).to_contain_text(name)
    await screenshot(page, "appointment-moved")


async def test_patients_are_listed_as_the_name_is_typed_and_the_count_is_announced(
    page: Page, console: Console
) -> None:
    await sign_in(page, console.receptionist)
    await page.goto("/console/patients")
    await page.evaluate("window.stillThisPage = true")
    count = page.get_by_test_id("patient-count")
    await expect(count).to_have_attribute("aria-live", "polite")

    # Part of a demo patient's name, no Enter: the list follows.
    await page.get_by_label("Name, email or phone").press_sequentially("Marin", delay=40)
    results = page.get_by_test_id("patient-results")
    await expect(results.get_by_role("link", name="Marino, Sofia")).to_be_visible()
    await expect(count).to_have_text(re.compile(r"^\d+ patients? match(es)? “Marin”\.$"))
    assert await page.evaluate("window.stillThisPage === true"), "the page was reloaded"
    await expect(page).to_have_url(re.compile(r"/console/patients\?q=Marin$"))
    await accessible(page)
    await screenshot(page, "patients-search-as-you-type")

    await page.get_by_label("Name, email or phone").press_sequentially("zzq", delay=40)
    await expect(count).to_have_text("No patient matches “Marinzzq”.")
    await expect(results).to_have_count(0)
