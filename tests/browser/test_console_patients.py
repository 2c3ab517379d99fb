"""Patients in the staff console: registering with declared allergies, the chart as each role
sees it, and changes to contact data and the safety profile (real records, formulary, booking
and notifications behind the gateway)."""

from __future__ import annotations

import asyncio
import re
from typing import Any
from uuid import uuid4

import pytest
from playwright.async_api import Locator, Page, expect

from tests.browser.conftest import PASSWORD, Console, screenshot
from tests.support import bearer

pytestmark = pytest.mark.browser

COMPOSITAE = "Asteraceae (Compositae) plant family"


async def sign_in_as(page: Page, console: Console, role: str) -> None:
    await page.goto("/console/login")
    await page.get_by_label("Email").fill(console.accounts[role])
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page).to_have_url(re.compile(r"/console/day$"))


async def sign_out(page: Page) -> None:
    await page.get_by_role("button", name="Sign out").click()
    await expect(page).to_have_url(re.compile(r"/console/login"))


async def registered_patient(console: Console, **fields: Any) -> dict[str, Any]:
    """A patient registered straight in records, as another front desk would."""
    family = f"Morel{uuid4().hex[:6]}"
    body = {
        "given_name": "Inès",
        "family_name": family,
        "email": f"{family.lower()}@example.test",
        "timezone": "Europe/Paris",
        **fields,
    }
    created = await console.records.client.post(
        "/v1/patients",
        json=body,
        headers=bearer(console.records.settings.platform, console.network, "receptionist"),
    )
    assert created.status_code == 201, created.text
    return created.json()


async def fill_names(page: Page, given: str, family: str) -> None:
    await page.get_by_label("Given name").fill(given)
    await page.get_by_label("Family name").fill(family)


async def clinic_named(console: Console, timezone: str) -> dict[str, Any]:
    clinics = await console.booking.client.get(
        "/v1/clinics",
        headers=bearer(console.booking.settings.platform, console.network, "network_admin"),
    )
    return next(c for c in clinics.json()["items"] if c["timezone"] == timezone)


async def adverse_event(
    console: Console, patient: dict[str, Any], clinic: dict[str, Any], onset: str, where: str
) -> None:
    """An adverse event reported at `clinic` with its onset at `onset` (UTC)."""
    reported = await console.records.client.post(
        f"/v1/patients/{patient['id']}/adverse-events",
        json={
            "kind": "bruising",
            "severity": "mild",
            "onset_at": onset,
            "description": f"Bruise {where}",
            "clinic_id": clinic["id"],
        },
        headers=bearer(console.records.settings.platform, console.network, "practitioner"),
    )
    assert reported.status_code == 201, reported.text


async def expect_zoned(trail: Locator, zone: str) -> None:
    """Every time of the audit trail is a date and time in `zone` (a pattern), named."""
    times = trail.locator("tbody tr td:first-child")
    await expect(times.first).to_be_visible()
    for cell in await times.all():
        await expect(cell).to_have_text(re.compile(rf"^\d\d \w{{3}} \d{{4}}, \d\d:\d\d {zone}$"))


class TestRegistering:
    async def test_a_receptionist_registers_a_declared_allergy_a_practitioner_then_sees(
        self, page: Page, console: Console
    ) -> None:
        family = f"Lefebvre{uuid4().hex[:6]}"
        email = f"{family.lower()}@example.test"
        await sign_in_as(page, console, "receptionist")
        await page.get_by_role("link", name="Patients").click()
        await page.get_by_role("link", name="Register a patient").click()

        await expect(page.get_by_role("heading", level=1)).to_have_text("Register a patient")
        # The receptionist's clinic is in Paris: the patient's timezone starts there.
        await expect(page.get_by_label("Timezone")).to_have_value("Europe/Paris")
        await expect(
            page.get_by_label("The patient agrees to receive marketing")
        ).not_to_be_checked()
        await fill_names(page, "Chloé", family)
        await page.get_by_label("Date of birth").fill("1991-06-03")
        await page.get_by_label("Email").fill(email)
        await page.get_by_label("Phone").fill("+33 6 98 76 54 32")
        await page.get_by_label("The patient consents to treatment").check()
        allergy = page.get_by_role("group", name="Allergy 1")
        await allergy.get_by_label("Allergen").select_option(label=COMPOSITAE)
        await allergy.get_by_label("Reaction").fill("hives after arnica gel")
        await allergy.get_by_label("Severity").select_option(label="Severe")
        await screenshot(page, "patient-register")
        await page.get_by_role("button", name="Register patient").click()

        await expect(page).to_have_url(re.compile(r"/console/patients/[0-9a-f-]{36}\?saved=new$"))
        await expect(page.get_by_role("status")).to_have_text("The patient is registered.")
        await expect(page.get_by_role("heading", level=1)).to_have_text(f"{family}, Chloé")
        contact = page.get_by_test_id("patient-contact")
        await expect(contact).to_contain_text(email)
        await expect(contact).to_contain_text("+33698765432")
        await expect(contact).to_contain_text("1991-06-03")
        await expect(page.get_by_test_id("patient-consents")).to_contain_text("Treatment: given")
        await expect(page.get_by_test_id("clinical-note")).to_contain_text("clinicians only")
        await expect(page.get_by_test_id("allergies")).to_have_count(0)
        await expect(page.get_by_role("link", name="Book an appointment")).to_have_attribute(
            "href", re.compile(r"/console/book\?patient_id=[0-9a-f-]{36}$")
        )
        chart_path = page.url.split(console.url, 1)[1].split("?")[0]

        await sign_out(page)
        await sign_in_as(page, console, "practitioner")
        await page.goto(chart_path)

        allergies = page.get_by_test_id("allergies")
        await expect(allergies).to_contain_text(COMPOSITAE)
        await expect(allergies).to_contain_text("hives after arnica gel")
        await expect(allergies).to_contain_text("severe")
        await expect(page.get_by_test_id("safety-profile")).to_contain_text("Version 1")
        await expect(page.get_by_test_id("clinical-note")).to_have_count(0)
        await expect(page.get_by_test_id("audit-trail")).to_have_count(0)
        await screenshot(page, "patient-chart")

    async def test_a_missing_family_name_is_named_next_to_its_field(
        self, page: Page, console: Console
    ) -> None:
        await sign_in_as(page, console, "receptionist")
        await page.goto("/console/patients/new")
        await page.get_by_label("Given name").fill("Lucas")

        await page.get_by_role("button", name="Register patient").click()

        family = page.get_by_label("Family name")
        await expect(family).to_have_attribute("aria-invalid", "true")
        await expect(page.locator("#f-family_name-error")).to_have_text("Enter the family name.")
        await expect(page.get_by_label("Given name")).to_have_value("Lucas")
        await expect(page).to_have_url(re.compile(r"/console/patients/new$"))

    async def test_a_reaction_without_an_allergen_is_named_on_its_row(
        self, page: Page, console: Console
    ) -> None:
        await sign_in_as(page, console, "receptionist")
        await page.goto("/console/patients/new")
        await fill_names(page, "Lucas", f"Roux{uuid4().hex[:6]}")
        await page.get_by_role("group", name="Allergy 1").get_by_label("Reaction").fill("rash")

        await page.get_by_role("button", name="Register patient").click()

        row = page.get_by_role("group", name="Allergy 1")
        await expect(row.get_by_label("Allergen")).to_have_attribute("aria-invalid", "true")
        await expect(row).to_contain_text("Choose what the patient is allergic to.")
        await expect(row.get_by_label("Reaction")).to_have_value("rash")

    async def test_one_more_allergy_row_keeps_what_was_typed(
        self, page: Page, console: Console
    ) -> None:
        await sign_in_as(page, console, "receptionist")
        await page.goto("/console/patients/new")
        await fill_names(page, "Emma", "Petit")
        await (
            page.get_by_role("group", name="Allergy 1")
            .get_by_label("Allergen")
            .select_option(label="Lidocaine")
        )

        await page.get_by_role("button", name="Add one more allergy").click()

        await expect(page.get_by_role("group", name="Allergy 2")).to_be_visible()
        await expect(
            page.get_by_role("group", name="Allergy 1").get_by_label("Allergen")
        ).to_have_value("lidocaine")
        await expect(page.get_by_label("Family name")).to_have_value("Petit")

    async def test_a_duplicate_email_names_the_patient_who_has_it(
        self, page: Page, console: Console
    ) -> None:
        existing = await registered_patient(console)
        await sign_in_as(page, console, "receptionist")
        await page.goto("/console/patients/new")
        await fill_names(page, "Inès", existing["family_name"])
        await page.get_by_label("Email").fill(existing["email"])

        await page.get_by_role("button", name="Register patient").click()

        duplicate = page.get_by_test_id("duplicate-patient")
        await expect(duplicate).to_contain_text(
            "Another patient of your network already has this email address."
        )
        await duplicate.get_by_role("link", name="Open their chart").click()
        await expect(page).to_have_url(re.compile(f"/console/patients/{existing['id']}$"))
        await expect(page.get_by_role("heading", level=1)).to_have_text(
            f"{existing['family_name']}, Inès"
        )

    async def test_sms_without_a_phone_is_refused_by_records_next_to_the_channel(
        self, page: Page, console: Console
    ) -> None:
        # The console checks no channel rule itself: the message is records' own.
        family = f"Roux{uuid4().hex[:6]}"
        await sign_in_as(page, console, "receptionist")
        await page.goto("/console/patients/new")
        await fill_names(page, "Léa", family)
        await page.get_by_label("Email").fill(f"{family.lower()}@example.test")
        await page.get_by_label("Preferred channel").select_option(label="SMS")

        await page.get_by_role("button", name="Register patient").click()

        await expect(page.locator("#f-preferred_channel-error")).to_have_text(
            "The preferred channel is SMS but the patient has no phone number."
        )
        await expect(page.get_by_label("Preferred channel")).to_have_attribute(
            "aria-invalid", "true"
        )
        await expect(page.get_by_label("Family name")).to_have_value(family)
        await expect(page.get_by_text("Traceback")).to_have_count(0)
        await screenshot(page, "patient-register-refused-by-records")

    async def test_the_same_form_sent_twice_registers_one_patient(
        self, page: Page, console: Console
    ) -> None:
        family = f"Garnier{uuid4().hex[:6]}"
        await sign_in_as(page, console, "receptionist")
        await page.goto("/console/patients/new")
        await fill_names(page, "Hugo", family)
        form = page.get_by_role("form", name="Register a patient")
        fields = await form.evaluate(
            "f => Object.fromEntries([...new FormData(f)].filter(([k]) => k !== 'more'))"
        )

        first = await page.request.post("/console/patients/new", form=fields, max_redirects=0)
        second = await page.request.post("/console/patients/new", form=fields, max_redirects=0)

        assert first.status == second.status == 303
        assert first.headers["location"] == second.headers["location"]
        await page.get_by_role("link", name="Patients").click()
        await page.get_by_label("Name, email or phone").fill(family)
        await page.get_by_role("button", name="Search").click()
        await expect(page.get_by_test_id("patient-results").locator("tbody tr")).to_have_count(1)

    async def test_a_staff_member_of_every_clinic_chooses_where_the_patient_registers(
        self, page: Page, console: Console
    ) -> None:
        family = f"Bonnet{uuid4().hex[:6]}"
        # The network admin works for every clinic (Paris and New York): no clinic is assumed.
        await sign_in_as(page, console, "network_admin")
        await page.goto("/console/patients/new")
        clinic = page.get_by_label("Clinic where the patient registers")
        await expect(clinic).to_have_value("")
        for name in ("MesoCare Demo Paris", "MesoCare Demo New York"):
            await expect(clinic.locator("option", has_text=name)).to_have_count(1)
        await fill_names(page, "Léa", family)
        await page.get_by_label("Email").fill(f"{family.lower()}@example.test")

        await page.get_by_role("button", name="Register patient").click()
        await expect(page.locator("#f-clinic_id-error")).to_have_text(
            "Choose the clinic where the patient registers."
        )
        await expect(clinic).to_have_attribute("aria-invalid", "true")
        await screenshot(page, "patient-register-choose-clinic")
        await expect(page.get_by_label("Family name")).to_have_value(family)

        # Chosen, the clinic is the one visited, and its zone is the patient's.
        await clinic.select_option(label=console.clinic["name"])
        await page.get_by_role("button", name="Register patient").click()
        await expect(page.get_by_role("status")).to_have_text("The patient is registered.")
        contact = page.get_by_test_id("patient-contact")
        await expect(contact).to_contain_text(f"Clinics visited{console.clinic['name']}")
        await expect(contact).to_contain_text("TimezoneEurope/Paris")

    async def test_a_receptionist_registers_at_their_own_clinic(
        self, page: Page, console: Console
    ) -> None:
        family = f"Caron{uuid4().hex[:6]}"
        await sign_in_as(page, console, "receptionist")
        await page.goto("/console/patients/new")
        await expect(page.get_by_test_id("registering-clinic")).to_have_text(
            f"Registering at {console.clinic['name']}"
        )
        await expect(page.get_by_label("Clinic where the patient registers")).to_have_count(0)
        await fill_names(page, "Hugo", family)
        await page.get_by_label("Email").fill(f"{family.lower()}@example.test")
        await page.get_by_role("button", name="Register patient").click()

        await expect(page.get_by_role("status")).to_have_text("The patient is registered.")
        await expect(page.get_by_test_id("patient-contact")).to_contain_text(
            f"Clinics visited{console.clinic['name']}"
        )


class TestTheChart:
    async def test_the_audit_trail_is_for_managers_not_for_the_front_desk(
        self, page: Page, console: Console
    ) -> None:
        patient = await registered_patient(console)
        await sign_in_as(page, console, "receptionist")
        await page.goto("/console/patients")
        await page.get_by_label("Name, email or phone").fill(patient["family_name"])
        await page.get_by_role("button", name="Search").click()
        await page.get_by_role("link", name=f"{patient['family_name']}, Inès").click()

        await expect(page.get_by_role("heading", level=1)).to_have_text(
            f"{patient['family_name']}, Inès"
        )
        await expect(page.get_by_role("heading", name="Audit trail")).to_have_count(0)
        await expect(page.get_by_test_id("clinical-note")).to_be_visible()

        await sign_out(page)
        await sign_in_as(page, console, "clinic_manager")
        await page.goto(f"/console/patients/{patient['id']}")

        audit = page.get_by_test_id("audit-trail")
        await expect(audit.get_by_role("heading", name="Audit trail")).to_be_visible()
        # The receptionist's reading of the chart is on it.
        await expect(audit).to_contain_text(console.accounts["receptionist"])
        await expect(audit).to_contain_text("patient.read")
        await expect(page.get_by_test_id("safety-profile")).to_contain_text(
            "No allergies recorded."
        )
        await screenshot(page, "patient-chart-manager")

    async def test_every_time_on_the_chart_names_its_zone_a_clinics_own_where_known(
        self, page: Page, console: Console
    ) -> None:
        patient = await registered_patient(
            console,
            consents=[{"kind": "treatment", "granted": True, "wording_version": "t-1"}],
            quiet_hours_start="21:30:00",
            quiet_hours_end="08:00:00",
        )
        new_york = await clinic_named(console, "America/New_York")
        # One instant of winter, 15:30 UTC, at each clinic.
        await adverse_event(console, patient, console.clinic, "2025-01-15T15:30:00Z", "in Paris")
        await adverse_event(console, patient, new_york, "2025-01-16T15:30:00Z", "in New York")

        # The network admin works for both clinics: a time of no clinic is in UTC, and says so.
        await sign_in_as(page, console, "network_admin")
        await page.goto(f"/console/patients/{patient['id']}")
        events = page.get_by_test_id("adverse-events")
        paris_row = events.get_by_role("row").filter(has_text="in Paris")
        await expect(paris_row).to_contain_text("15 Jan 2025, 16:30 CET")
        new_york_row = events.get_by_role("row").filter(has_text="in New York")
        await expect(new_york_row).to_contain_text("16 Jan 2025, 10:30 EST")
        await expect(page.get_by_test_id("patient-consents")).to_contain_text(
            re.compile(r"Treatment: given \(\d\d \w{3} \d{4}, \d\d:\d\d UTC\)")
        )
        # Quiet hours are the patient's own wall clock, all year: named by the zone's name.
        quiet = page.get_by_test_id("patient-contact").locator("dt:text-is('Quiet hours') + dd")
        await expect(quiet).to_have_text("21:30 to 08:00 (Europe/Paris)")
        await expect_zoned(page.get_by_test_id("audit-trail"), "UTC")
        await screenshot(page, "patient-chart-zones")

        # A Paris clinic manager reads the same trail on Paris's clock, named.
        await sign_out(page)
        await sign_in_as(page, console, "clinic_manager")
        await page.goto(f"/console/patients/{patient['id']}")
        await expect_zoned(page.get_by_test_id("audit-trail"), "CES?T")
        await expect(
            page.get_by_test_id("adverse-events").get_by_role("row").filter(has_text="in New York")
        ).to_contain_text("16 Jan 2025, 10:30 EST")

    async def test_search_results_and_the_audit_trail_page_to_their_end(
        self, page: Page, console: Console
    ) -> None:
        # More namesakes than a page of results (50), and more readings of one chart than a
        # page of its audit trail (50).
        family = f"Pager{uuid4().hex[:6]}"
        namesakes = await asyncio.gather(
            *(
                registered_patient(
                    console, given_name=f"P{n:02d}", family_name=family, email=f"{family}{n}@x.test"
                )
                for n in range(53)
            )
        )
        chart = namesakes[0]["id"]
        front_desk = bearer(console.records.settings.platform, console.network, "receptionist")
        for _ in range(3):
            readings = [
                console.records.client.get(f"/v1/patients/{chart}", headers=front_desk)
                for _ in range(18)
            ]
            assert all(r.status_code == 200 for r in await asyncio.gather(*readings))

        await sign_in_as(page, console, "clinic_manager")
        await page.goto(f"/console/patients?q={family}")
        found: list[str] = []
        more = page.get_by_role("link", name=f"More patients matching “{family}”")
        while True:
            names = page.get_by_test_id("patient-results").locator("tbody tr td:first-child")
            await expect(names.first).to_be_visible()
            found += await names.all_inner_texts()
            if not await more.count():
                break
            await more.click()
            await expect(page.get_by_role("link", name="First matches")).to_be_visible()
        assert sorted(found) == [f"{family}, P{n:02d}" for n in range(53)]

        await page.goto(f"/console/patients/{chart}")
        trail = page.get_by_test_id("audit-trail")
        older = trail.get_by_role("link", name="Older entries")
        actions: list[str] = []
        while True:
            rows = trail.locator("tbody tr td:nth-child(3)")
            await expect(rows.first).to_be_visible()
            actions += await rows.all_inner_texts()
            if not await older.count():
                break
            await older.click()
            await expect(trail.get_by_role("link", name="Newest entries")).to_be_visible()
        # To the end: the registration, the oldest entry, after the 54 readings.
        assert actions[-1] == "patient.create"
        assert actions.count("patient.read") >= 54

    async def test_an_unknown_patient_is_a_readable_not_found_page(
        self, page: Page, console: Console
    ) -> None:
        await sign_in_as(page, console, "receptionist")

        for path in (f"/console/patients/{uuid4()}", "/console/patients/not-an-id"):
            response = await page.goto(path)
            assert response is not None and response.status == 404
            await expect(page.get_by_role("heading", level=1)).to_have_text("No such patient")
            await expect(page.get_by_role("link", name="Find a patient")).to_be_visible()

    async def test_the_chart_fits_800_pixels_without_sideways_scrolling(
        self, page: Page, console: Console
    ) -> None:
        patient = await registered_patient(
            console, declared_allergies=[{"code": "lidocaine", "reaction": "swelling"}]
        )
        await page.set_viewport_size({"width": 800, "height": 1000})
        await sign_in_as(page, console, "practitioner")

        for path in ("", "/safety-profile"):
            await page.goto(f"/console/patients/{patient['id']}{path}")
            width = await page.evaluate("document.documentElement.scrollWidth")
            assert width <= 800, path
        await screenshot(page, "patient-profile-tablet")


class TestChanging:
    async def test_a_receptionist_changes_the_phone_number(
        self, page: Page, console: Console
    ) -> None:
        patient = await registered_patient(console)
        await sign_in_as(page, console, "receptionist")
        await page.goto(f"/console/patients/{patient['id']}")
        await page.get_by_role("link", name="Change contact details").click()

        await page.get_by_label("Phone").fill("+33 6 11 22 33 44")
        await page.get_by_role("button", name="Save contact details").click()

        await expect(page.get_by_role("status")).to_have_text("The contact details are saved.")
        await expect(page.get_by_test_id("patient-contact")).to_contain_text("+33611223344")

    async def test_a_phone_number_records_refuses_is_named_next_to_the_phone(
        self, page: Page, console: Console
    ) -> None:
        # +33 61…: a French mobile range that is in service (parts of +33 69… are not).
        phone = f"+3361{uuid4().int % 10**7:07d}"
        patient = await registered_patient(console, phone=phone)
        await sign_in_as(page, console, "receptionist")
        await page.goto(f"/console/patients/{patient['id']}/contact")

        # A national number without its country code: records asks for E.164.
        await page.get_by_label("Phone").fill("06 98 76 54 32")
        await page.get_by_role("button", name="Save contact details").click()

        error = page.locator("#f-phone-error")
        await expect(error).to_contain_text("international E.164 form, e.g. +33612345678")
        await expect(page.get_by_label("Phone")).to_have_attribute(
            "aria-describedby", "f-phone-error"
        )
        await expect(page.get_by_label("Phone")).to_have_value("06 98 76 54 32")
        await screenshot(page, "patient-contact-refused-by-records")
        await page.goto(f"/console/patients/{patient['id']}")
        await expect(page.get_by_test_id("patient-contact")).to_contain_text(phone)

    async def test_a_practitioner_records_a_medication_and_a_condition(
        self, page: Page, console: Console
    ) -> None:
        patient = await registered_patient(
            console, declared_allergies=[{"code": "compositae", "severity": "mild"}]
        )
        await sign_in_as(page, console, "practitioner")
        await page.goto(f"/console/patients/{patient['id']}")
        await page.get_by_role("link", name="Change the safety profile").click()

        await page.get_by_label("Skin type (Fitzpatrick)").select_option(label="III")
        condition = page.get_by_role("group", name="Condition 1")
        await condition.get_by_label("Condition").select_option(label="Blood coagulation disorder")
        medication = page.get_by_role("group", name="Medication 1")
        await medication.get_by_label("Medication", exact=True).fill("Apixaban")
        await medication.get_by_label("Dose").fill("5 mg twice a day")
        await medication.get_by_label("Anticoagulant").check()
        await page.get_by_role("button", name="Save safety profile").click()

        await expect(page.get_by_role("status")).to_have_text("The safety profile is saved.")
        profile = page.get_by_test_id("safety-profile")
        await expect(profile).to_contain_text("Version 2")
        await expect(profile).to_contain_text(COMPOSITAE)  # the declared allergy stays
        await expect(page.get_by_test_id("conditions")).to_contain_text(
            "Blood coagulation disorder"
        )
        await expect(page.get_by_test_id("medications")).to_contain_text(
            "Apixaban, 5 mg twice a day (anticoagulant)"
        )
        await expect(profile).to_contain_text("III")

    async def test_a_stale_safety_profile_edit_says_someone_else_changed_it(
        self, page: Page, console: Console
    ) -> None:
        patient = await registered_patient(console)
        await sign_in_as(page, console, "practitioner")
        await page.goto(f"/console/patients/{patient['id']}/safety-profile")
        # Meanwhile another practitioner records an allergy.
        other = await console.records.client.put(
            f"/v1/patients/{patient['id']}/safety-profile",
            json={"allergies": [{"code": "lidocaine"}]},
            headers={
                **bearer(console.records.settings.platform, console.network, "practitioner"),
                "If-Match": '"1"',
            },
        )
        assert other.status_code == 200, other.text

        await page.get_by_label("Skin type (Fitzpatrick)").select_option(label="IV")
        await page.get_by_role("button", name="Save safety profile").click()

        stale = page.get_by_test_id("stale")
        await expect(stale).to_contain_text("Someone else changed this patient")
        await stale.get_by_role("link", name="Reload").click()
        await expect(
            page.get_by_role("group", name="Allergy 1").get_by_label("Allergen")
        ).to_have_value("lidocaine")

    async def test_a_receptionist_is_not_offered_the_safety_profile_form(
        self, page: Page, console: Console
    ) -> None:
        patient = await registered_patient(console)
        await sign_in_as(page, console, "receptionist")
        await page.goto(f"/console/patients/{patient['id']}")
        await expect(page.get_by_role("link", name="Change the safety profile")).to_have_count(0)

        response = await page.goto(f"/console/patients/{patient['id']}/safety-profile")

        assert response is not None and response.status == 403
        await expect(page.get_by_test_id("refused")).to_contain_text("Only practitioners")
