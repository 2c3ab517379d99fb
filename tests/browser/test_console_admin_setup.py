"""Admin: the clinic setup booking keeps, in a real browser. A Paris clinic manager adds a room,
registers a practitioner, gives them a week at the Paris clinic (an overlapping row is named
next to that row), a time off (in the clinic's zone; another is deleted after a confirmation),
defines a treatment type and prices it (a second price for the same tier is refused in words,
the price is changed instead);
the Book page then offers that practitioner's slots for the new type, around the time off. A
network admin opens a clinic (a timezone booking refuses is named next to its field). A
receptionist is refused at the setup pages."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import Console, screenshot
from tests.browser.test_console_webhooks import accessible, follow, sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]


def next_monday() -> date:
    """A Monday at least two days ahead in Paris (its slots are all still to come)."""
    today = datetime.now(ZoneInfo("Europe/Paris")).date() + timedelta(days=2)
    return today + timedelta(days=(7 - today.weekday()) % 7)


class TestAClinicManagersSetup:
    async def test_a_practitioner_set_up_at_paris_is_offered_on_the_book_page(
        self, page: Page, console: Console
    ) -> None:
        tag = uuid4().hex[:6]
        room, name, treatment = f"Room {tag}", f"Dr Lena Vidal {tag}", f"Glow {tag}"
        monday = next_monday()
        paris = console.clinic
        await sign_in_as(page, console, "clinic_manager")

        # Clinics: the list, then Paris, where a room is added.
        await page.goto("/console/admin/clinics")
        await expect(page.get_by_role("heading", level=1)).to_have_text("Clinics")
        await accessible(page)
        await screenshot(page, "admin-clinics")
        await follow(page, page.get_by_test_id("clinics").get_by_role("link", name=paris["name"]))
        await page.get_by_label("Room name").fill(room)
        await follow(page, page.get_by_role("button", name="Add the room"))
        await expect(page.get_by_test_id("rooms")).to_contain_text(room)
        await page.get_by_label("Room name").fill(room)
        await follow(page, page.get_by_role("button", name="Add the room"))
        await expect(page.locator("#f-room_name-error")).to_contain_text("already has a room")
        await accessible(page)
        await screenshot(page, "admin-clinic")
        await page.get_by_label("Room name").fill(f"Spare {tag}")
        await follow(page, page.get_by_role("button", name="Add the room"))
        await follow(page, page.get_by_role("button", name=f"Delete the room Spare {tag}"))
        await expect(page.get_by_test_id("done")).to_have_text("The room is deleted.")
        await expect(page.get_by_test_id("rooms")).not_to_contain_text(f"Spare {tag}")
        await expect(page.get_by_test_id("rooms")).to_contain_text(room)

        # A practitioner at Paris who treats pigmentation.
        await page.goto("/console/admin/practitioners")
        await page.get_by_label("Name", exact=True).fill(name)
        await page.get_by_label("Licence number").fill(f"RPPS-{tag}")
        await page.get_by_label("Licence expires on").fill("2035-12-31")
        await page.get_by_role("group", name="Clinics").get_by_label(paris["name"]).check()
        await (
            page.get_by_role("group", name="Indications treated")
            .get_by_label("Pigmentation")
            .check()
        )
        await page.get_by_label("Experience tier").select_option("senior")
        await accessible(page)
        await screenshot(page, "admin-practitioners")
        await follow(page, page.get_by_role("button", name="Register the practitioner"))
        await expect(page.get_by_role("heading", level=1)).to_have_text(name)
        await page.get_by_label("Phone (optional)").fill("+33140000099")
        await follow(page, page.get_by_role("button", name="Save the changes"))
        await expect(page.get_by_test_id("done")).to_have_text("The changes are saved.")
        await expect(page.get_by_label("Phone (optional)")).to_have_value("+33140000099")
        await expect(page.get_by_label("Experience tier")).to_have_value("senior")

        # The week: a row overlapping another is named next to it; without it, saved.
        week = page.get_by_test_id("week")
        await expect(
            page.get_by_role("heading", name=f"Working hours at {paris['name']}")
        ).to_be_visible()
        await week.get_by_label("Row 1: day").select_option(label="Monday")
        await week.get_by_label("Row 1: from").fill("09:00")
        await week.get_by_label("Row 1: to").fill("13:00")
        await week.get_by_label("Row 2: day").select_option(label="Monday")
        await week.get_by_label("Row 2: from").fill("12:00")
        await week.get_by_label("Row 2: to").fill("14:00")
        await follow(page, page.get_by_role("button", name="Save the week"))
        rows = week.get_by_test_id("week-row")
        await expect(rows.nth(1).get_by_test_id("row-error")).to_have_text(
            "Working hours 09:00-13:00 and 12:00-14:00 overlap."
        )
        await expect(rows.nth(0).get_by_test_id("row-error")).to_have_count(0)
        await expect(week.get_by_label("Row 2: from")).to_have_attribute("aria-invalid", "true")
        await accessible(page)
        await screenshot(page, "admin-practitioner-overlap")
        await week.get_by_label("Row 2: from").fill("")
        await week.get_by_label("Row 2: to").fill("")
        await follow(page, page.get_by_role("button", name="Save the week"))
        await expect(page.get_by_test_id("done")).to_contain_text("working hours are saved")
        await expect(week.get_by_label("Row 1: from")).to_have_value("09:00")
        await expect(week.get_by_label("Row 2: from")).to_have_value("")

        # Time off, typed in the clinic's zone; a second one deleted after a confirmation.
        for start, end, reason in (("11:00", "12:00", "Training"), ("12:00", "12:30", "Call")):
            await page.get_by_label("From (Europe/Paris)").fill(f"{monday}T{start}")
            await page.get_by_label("To (Europe/Paris)").fill(f"{monday}T{end}")
            await page.get_by_label("Reason").fill(reason)
            await follow(page, page.get_by_role("button", name="Add the time off"))
        off = page.get_by_test_id("time-off")
        training = off.get_by_role("row").filter(has_text="Training")
        await expect(training).to_contain_text(re.compile(r"11:00 CES?T"))
        await accessible(page)
        await screenshot(page, "admin-practitioner")
        call = off.get_by_role("row").filter(has_text="Call")
        await follow(page, call.get_by_role("link", name=re.compile("Delete")))
        await expect(page.get_by_role("heading", level=1)).to_have_text("Delete this time off?")
        await follow(page, page.get_by_role("button", name="Delete the time off"))
        await expect(page.locator("#f-confirm-error")).to_be_visible()
        await accessible(page)
        await page.get_by_label("I confirm that this time off is to be deleted").check()
        await follow(page, page.get_by_role("button", name="Delete the time off"))
        await expect(page.get_by_test_id("done")).to_have_text("The time off is deleted.")
        await expect(off.get_by_role("row").filter(has_text="Call")).to_have_count(0)
        await expect(training).to_be_visible()

        # A treatment type, priced at Paris; the same price again is refused in words.
        await page.goto("/console/admin/treatment-types")
        await page.get_by_label("Name", exact=True).fill(treatment)
        await page.get_by_label("Kind").select_option("treatment")
        await page.get_by_label("Indication").select_option("pigmentation")
        await page.get_by_role("group", name="Areas").get_by_label("Face", exact=True).check()
        await follow(page, page.get_by_role("button", name="Define the treatment type"))
        row = page.get_by_test_id("treatment-types").get_by_role("row").filter(has_text=treatment)
        await expect(row).to_contain_text("45 min")  # the guide's default for the face
        for _ in range(2):
            await page.get_by_label("Clinic").select_option(paris["id"])
            await page.get_by_label("Treatment type", exact=True).select_option(label=treatment)
            await page.get_by_label("Amount").fill("150.00")
            await follow(page, page.get_by_role("button", name="Add the price"))
        await expect(page.locator("#f-tier-error")).to_contain_text("already has a price")
        await expect(row).to_contain_text(f"{paris['name']} · Everyone: 150.00 EUR")
        await accessible(page)
        await screenshot(page, "admin-treatment-types")
        await follow(page, row.get_by_role("link", name=re.compile("^Change the price")))
        await expect(page.get_by_label("New amount (EUR)")).to_have_value("150.00")
        await page.get_by_label("New amount (EUR)").fill("160.5")
        await accessible(page)
        await screenshot(page, "admin-price")
        await follow(page, page.get_by_role("button", name="Change the price"))
        await expect(page.get_by_test_id("done")).to_contain_text("The price is changed")
        await expect(row).to_contain_text(f"{paris['name']} · Everyone: 160.50 EUR")

        # The Book page offers the practitioner's slots for it: within the week, around the
        # time off.
        type_id = (
            await page.get_by_label("Treatment type", exact=True)
            .locator("option", has_text=treatment)
            .get_attribute("value")
        )
        await page.goto(
            f"/console/book?clinic_id={paris['id']}&treatment_type_id={type_id}&date={monday}"
        )
        group = page.locator(".slot-group").filter(
            has=page.get_by_role("heading", name=name, exact=True)
        )
        slots = group.locator(".slot")
        await expect(slots.first).to_have_text(re.compile(r"^09:00 to 09:45 CES?T$"))
        starts = [t.split(" ")[0] for t in await slots.all_inner_texts()]
        assert "10:00" in starts, starts
        blocked = {"10:30", "10:45", "11:00", "11:15", "11:30", "11:45"}
        assert not blocked & set(starts), starts  # the time off


class TestANetworkAdmin:
    async def test_opens_a_clinic_once_booking_accepts_its_timezone(
        self, page: Page, console: Console
    ) -> None:
        name = f"MesoCare Lyon {uuid4().hex[:6]}"
        await sign_in_as(page, console, "network_admin")
        await page.goto("/console/admin/clinics")
        await page.get_by_label("Name", exact=True).fill(name)
        await page.get_by_label("Address").fill("3 place Bellecour, Lyon")
        await page.get_by_label("Timezone").fill("Europe/Lyon")
        await page.get_by_label("Currency").fill("eur")
        await follow(page, page.get_by_role("button", name="Add the clinic"))
        await expect(page.locator("#f-timezone-error")).to_be_visible()
        await expect(page.get_by_label("Address")).to_have_value("3 place Bellecour, Lyon")
        await accessible(page)
        await page.get_by_label("Timezone").fill("Europe/Paris")
        await follow(page, page.get_by_role("button", name="Add the clinic"))
        await expect(page.get_by_role("heading", level=1)).to_have_text(name)
        await expect(page.get_by_test_id("clinic-fixed")).to_contain_text("EUR")
        await page.get_by_label("Slot grid (minutes)").fill("20")
        await follow(page, page.get_by_role("button", name="Save the changes"))
        await expect(page.get_by_test_id("done")).to_have_text("The changes are saved.")
        await expect(page.get_by_label("Slot grid (minutes)")).to_have_value("20")


class TestAReceptionist:
    async def test_is_refused_at_the_setup_pages(self, page: Page, console: Console) -> None:
        await sign_in_as(page, console, "receptionist")
        for path in ("clinics", "practitioners", "treatment-types"):
            response = await page.goto(f"/console/admin/{path}")
            assert response is not None and response.status == 403
            await expect(page.get_by_role("heading", level=1)).to_have_text(
                "For clinic managers and network admins"
            )
            await expect(page.get_by_role("button", name=re.compile("^Add"))).to_have_count(0)
        await accessible(page)
