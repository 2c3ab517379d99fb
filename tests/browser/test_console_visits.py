"""Booking and the session page in a real browser: a receptionist books through the Book page
and checks the patient in; a taken slot is told plainly; a practitioner's start is blocked by
the cross-check for a compositae-allergic patient, starts with another blend and completes
with the lots used (booking, records and formulary are the real services behind the gateway)."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import PASSWORD, Console, screenshot
from tests.support import bearer, eventually

# The first test of a session also starts the whole system (conftest's `console`), which on
# the shared 2-core machine can take most of the default 120 s.
pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

PARIS = ZoneInfo("Europe/Paris")


CLAIRE = "Dr Claire Moreau"


def next_weekday(after_days: int = 1) -> date:
    """A Monday-to-Friday at least `after_days` ahead in Paris: the demo hours are open."""
    day = datetime.now(PARIS).date() + timedelta(days=after_days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def weekdays_from(first: date, count: int) -> list[date]:
    """`count` Monday-to-Fridays, `first` (a weekday) and the ones after it."""
    days = [first]
    while len(days) < count:
        day = days[-1] + timedelta(days=1)
        while day.weekday() >= 5:
            day += timedelta(days=1)
        days.append(day)
    return days


def headers(console: Console, role: str) -> dict[str, str]:
    return bearer(console.booking.settings.platform, console.network, role)


async def new_patient(
    console: Console, *, allergies: list[dict[str, Any]] | None = None, **profile: Any
) -> dict:
    """A patient registered in records, with a recorded safety profile (`profile`: its other
    fields, e.g. `medications`)."""
    records = console.records.client
    practitioner = headers(console, "practitioner")
    family = f"Durand-{uuid4().hex[:6]}"
    created = await records.post(
        "/v1/patients",
        json={
            "given_name": "Amélie",
            "family_name": family,
            "email": f"amelie-{uuid4().hex[:6]}@example.test",
        },
        headers=practitioner,
    )
    assert created.status_code == 201, created.text
    patient = created.json()
    profile_url = f"/v1/patients/{patient['id']}/safety-profile"
    current = await records.get(profile_url, headers=practitioner)
    assert current.status_code == 200, current.text
    recorded = await records.put(
        profile_url,
        json={"allergies": allergies or [], "conditions": [], "medications": [], **profile},
        headers={**practitioner, "If-Match": current.headers["etag"]},
    )
    assert recorded.status_code == 200, recorded.text
    return patient


async def demo_ids(console: Console) -> dict[str, Any]:
    """Dr Claire Moreau, a room of the Paris clinic and the demo treatment types by name."""
    booking = console.booking.client
    admin = headers(console, "network_admin")
    clinic_id = console.clinic["id"]
    staffed = (await booking.get(f"/v1/practitioners?clinic_id={clinic_id}", headers=admin)).json()
    rooms = (await booking.get(f"/v1/clinics/{clinic_id}/rooms", headers=admin)).json()
    types = (await booking.get("/v1/treatment-types?limit=200", headers=admin)).json()
    return {
        "claire": next(p for p in staffed["items"] if p["name"] == CLAIRE),
        "rooms": [r["id"] for r in (rooms["items"] if isinstance(rooms, dict) else rooms)],
        "types": {t["name"]: t for t in types["items"]},
    }


async def book_by_api(
    console: Console, ids: dict[str, Any], patient: dict, type_name: str, start: datetime
) -> dict[str, Any]:
    """An appointment with Dr Claire Moreau, in whichever room is free."""
    for room in ids["rooms"]:
        response = await console.booking.client.post(
            "/v1/appointments",
            json={
                "clinic_id": console.clinic["id"],
                "room_id": room,
                "practitioner_id": ids["claire"]["id"],
                "patient_id": patient["id"],
                "treatment_type_id": ids["types"][type_name]["id"],
                "start": start.isoformat(),
            },
            headers=headers(console, "receptionist"),
        )
        if response.status_code == 201:
            return response.json()
    raise AssertionError(f"could not book {type_name} at {start}: {response.text}")


TREATMENT_TIMES = (time(10, 0), time(11, 0), time(14, 0), time(16, 0), time(12, 0), time(9, 0))


async def first_free(
    console: Console, ids: dict[str, Any], patient: dict, type_name: str, starts: list[datetime]
) -> dict[str, Any]:
    """`type_name` with Dr Claire Moreau at the first of `starts` she is free (the browser tests
    of a run share the demo network and her calendar)."""
    refusals = []
    for start in starts:
        try:
            return await book_by_api(console, ids, patient, type_name, start)
        except AssertionError as refused:
            refusals.append(str(refused))
    raise AssertionError(f"Dr Moreau has no free time for {type_name}: {refusals[-3:]}")


async def book_first_free(
    console: Console, ids: dict[str, Any], patient: dict, type_name: str, day: date
) -> dict[str, Any]:
    """`type_name` on `day` at the first of TREATMENT_TIMES Dr Moreau is free, else on one of
    the weekdays after it."""
    starts = [
        datetime.combine(d, at, PARIS) for d in weekdays_from(day, 4) for at in TREATMENT_TIMES
    ]
    return await first_free(console, ids, patient, type_name, starts)


async def completed_consultation(console: Console, ids: dict[str, Any], patient: dict) -> None:
    """A skin rejuvenation consultation, held and completed (a treatment needs one first)."""
    booking = console.booking.client
    # Other tests of the run book Dr Moreau's next days: her first free time for it, as
    # availability offers it, two months ahead, days no test looks at (a completed
    # consultation counts whenever it was booked for).
    kind = ids["types"]["Consultation: skin rejuvenation"]
    first = next_weekday(after_days=60)
    offered = await booking.get(
        "/v1/availability",
        params={
            "clinic_id": console.clinic["id"],
            "treatment_type_id": kind["id"],
            "practitioner_id": ids["claire"]["id"],
            "from": first.isoformat(),
            "to": (first + timedelta(days=30)).isoformat(),
        },
        headers=headers(console, "receptionist"),
    )
    assert offered.status_code == 200, offered.text
    slots = offered.json()["slots"]
    assert slots, "Dr Moreau has no free time for a consultation in the next 30 days"
    starts = [datetime.fromisoformat(slot["start"]) for slot in slots[:3]]
    consultation = await first_free(
        console, ids, patient, "Consultation: skin rejuvenation", starts
    )
    practitioner = headers(console, "practitioner")
    for action, body in (("check-in", None), ("start", {}), ("complete", {"notes": "Assessed."})):
        response = await booking.post(
            f"/v1/appointments/{consultation['id']}/{action}", json=body, headers=practitioner
        )
        assert response.status_code == 200, response.text


async def treatment_for(console: Console, patient: dict, *, after_days: int) -> dict[str, Any]:
    """A face-and-neck treatment for `patient` with Dr Moreau, about `after_days` ahead, after a
    consultation held and completed (a treatment needs one first)."""
    ids = await demo_ids(console)
    await completed_consultation(console, ids, patient)
    return await book_first_free(
        console, ids, patient, "Face and neck revitalisation", next_weekday(after_days=after_days)
    )


async def sign_in(page: Page, email: str) -> None:
    await page.goto("/console/login")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page).to_have_url(re.compile(r"/console/day$"))


INDICATION_REASON = "Pigmentation spots are what the patient wants treated today"


async def acknowledge_the_mismatch(page: Page) -> str:
    """Answer the start's caution (the blend is made for another indication): tick the box,
    give the reason, start."""
    await page.get_by_label("I have weighed each finding above and the session goes ahead").check()
    await page.get_by_label("Why the session goes ahead").fill(INDICATION_REASON)
    await page.get_by_role("button", name="Start with this acknowledgement").click()
    return INDICATION_REASON


async def use_lots_in_stock(page: Page) -> list[str]:
    """Each planned ingredient's lot: the first the completion form suggests from stock."""
    rows = page.locator("[data-planned]")
    await expect(rows.first).to_be_visible()
    used = []
    for n in range(await rows.count()):
        row = rows.nth(n)
        lot = await row.locator("datalist option").first.get_attribute("value")
        assert lot, "the form suggests no lot in stock"
        await row.get_by_label(re.compile("^Lot of ")).fill(lot)
        used.append(lot)
    return used


def claires_slots(page: Page):  # type: ignore[no-untyped-def]
    return (
        page.get_by_test_id("free-slots")
        .locator(".slot-group")
        .filter(has=page.get_by_role("heading", name=CLAIRE))
    )


class TestBookingThroughTheBookPage:
    async def test_a_receptionist_books_a_consultation_sees_it_on_the_day_and_checks_in(
        self, page: Page, console: Console
    ) -> None:
        patient = await new_patient(console)
        day = next_weekday()
        await sign_in(page, console.receptionist)

        await page.get_by_role("link", name="Book").click()
        await page.get_by_label("Patient").fill(patient["family_name"])
        await page.get_by_label("Clinic", exact=True).select_option(console.clinic["id"])
        await page.get_by_label("Treatment type").select_option(
            label="Consultation: skin rejuvenation"
        )
        await page.get_by_label("Day", exact=True).fill(day.isoformat())
        await page.get_by_role("button", name="Find free slots").click()

        # The search lists the match; choosing it keeps clinic, treatment and day.
        await page.get_by_role("link", name=f"Book for Amélie {patient['family_name']}").click()
        await expect(page.get_by_test_id("book-patient")).to_contain_text(
            f"{patient['family_name']}, Amélie"
        )
        slot = claires_slots(page).get_by_role("button").first
        await expect(slot).to_be_visible()
        await screenshot(page, "book-slots")
        label = (await slot.inner_text()).strip()
        assert re.fullmatch(r"\d\d:\d\d to \d\d:\d\d CES?T", label), label
        await slot.click()

        await expect(page).to_have_url(
            re.compile(r"/console/appointments/[0-9a-f-]+\?done=booked$")
        )
        await expect(page.get_by_test_id("done")).to_have_text("Appointment booked.")
        facts = page.get_by_test_id("appointment-facts")
        await expect(facts).to_contain_text(f"{patient['family_name']}, Amélie")
        await expect(facts).to_contain_text(label)
        await expect(facts).to_contain_text("Europe/Paris")
        await expect(facts).to_contain_text(CLAIRE)
        await expect(facts).to_contain_text("Consultation")
        await expect(page.get_by_test_id("appointment-status")).to_have_text("booked")
        await expect(
            facts.get_by_role("link", name=f"{patient['family_name']}, Amélie")
        ).to_have_attribute("href", f"/console/patients/{patient['id']}")

        # On the clinic day, the appointment links back to its page, where the patient arrives.
        await page.get_by_role("link", name="Back to the clinic day").click()
        booked = (
            page.get_by_test_id("day-calendar")
            .locator(".appt")
            .filter(has_text=patient["family_name"])
        )
        await expect(booked).to_contain_text(label)
        await expect(booked).to_contain_text("booked")
        await booked.get_by_role("link", name=label).click()
        await page.get_by_role("button", name="Check in").click()

        await expect(page.get_by_test_id("done")).to_have_text("The patient is checked in.")
        await expect(page.get_by_test_id("appointment-status")).to_have_text("checked in")
        # A receptionist does not start sessions: that is the practitioner's.
        await expect(page.get_by_text("A practitioner starts the session")).to_be_visible()

    async def test_a_slot_taken_meanwhile_is_told_plainly_with_the_slots_listed_again(
        self, page: Page, console: Console
    ) -> None:
        patient = await new_patient(console)
        ids = await demo_ids(console)
        day = next_weekday(after_days=2)
        await sign_in(page, console.receptionist)
        url = (
            f"/console/book?patient_id={patient['id']}&clinic_id={console.clinic['id']}"
            f"&treatment_type_id={ids['types']['Consultation: hair loss']['id']}"
            f"&date={day.isoformat()}"
        )
        stale = await page.context.new_page()
        await stale.goto(url)
        await page.goto(url)

        first = claires_slots(page).get_by_role("button").first
        label = (await first.inner_text()).strip()
        await first.click()
        await expect(page.get_by_test_id("done")).to_have_text("Appointment booked.")

        # The other tab still offers the slot; booking it again is refused, in plain words.
        await claires_slots(stale).get_by_role("button", name=f"Book {label} with {CLAIRE}").click()
        await expect(stale.get_by_role("alert")).to_contain_text(
            "This slot has just been taken by another booking. Nothing was booked."
        )
        await expect(stale.get_by_test_id("free-slots")).to_be_visible()
        await expect(
            claires_slots(stale).get_by_role("button", name=f"Book {label} with {CLAIRE}")
        ).to_have_count(0)
        await expect(stale.get_by_text("Traceback")).to_have_count(0)


class TestTheSession:
    async def test_a_blocked_blend_is_explained_another_starts_and_the_session_completes(
        self, page: Page, console: Console
    ) -> None:
        patient = await new_patient(
            console, allergies=[{"code": "compositae", "reaction": "hives", "severity": "moderate"}]
        )
        treatment = await treatment_for(console, patient, after_days=3)
        blends = await _demo_blends(console)
        await _formulary_knows_the_allergy(console, patient, blends["Revitalising face"])
        await sign_in(page, console.accounts["practitioner"])
        await page.goto(f"/console/appointments/{treatment['id']}")
        await expect(page.get_by_test_id("appointment-facts")).to_contain_text("380.00 EUR")
        await page.get_by_role("button", name="Check in").click()
        await expect(page.get_by_test_id("appointment-status")).to_have_text("checked in")

        await page.get_by_label("Blend").select_option(blends["Revitalising face"]["id"])
        await page.get_by_role("button", name="Run the safety check and start").click()

        verdict = page.get_by_test_id("cross-check")
        await expect(verdict.get_by_role("heading")).to_have_text("Safety check: blocked")
        chamomile = verdict.get_by_role("row").filter(has_text="Chamomile")
        await expect(chamomile).to_contain_text("Allergy: Asteraceae (Compositae) plant family")
        await expect(chamomile).to_contain_text("Blocks the session")
        await expect(chamomile).to_contain_text("do not inject")
        await expect(page.get_by_test_id("appointment-status")).to_have_text("checked in")
        await screenshot(page, "session-blocked")

        # "Even tone" has no Compositae, but it is made for pigmentation, not for this skin
        # rejuvenation session: a caution, which starts only once acknowledged with a reason.
        await expect(page.get_by_label("Blend")).to_have_value("")
        await page.get_by_label("Blend").select_option(blends["Even tone"]["id"])
        await page.get_by_role("button", name="Run the safety check and start").click()
        await expect(verdict.get_by_role("heading")).to_have_text("Safety check: caution")
        mismatch = verdict.get_by_role("row").filter(has_text="Blend made for another indication")
        await expect(mismatch).to_contain_text("The whole session")
        await expect(mismatch).to_contain_text("Caution")
        await expect(page.get_by_test_id("appointment-status")).to_have_text("checked in")
        reason = await acknowledge_the_mismatch(page)
        await expect(page.get_by_test_id("done")).to_have_text("Session started.")
        await expect(page.get_by_test_id("appointment-status")).to_have_text("in progress")
        recorded = page.get_by_test_id("recorded-check")
        await expect(recorded).to_contain_text("caution")
        await expect(recorded).to_contain_text("Even tone, version 1")
        await expect(recorded).to_contain_text(f"Acknowledged by the practitioner: “{reason}”")

        # Completing with a lot left empty names it next to its field (the form fills in the
        # only valid lot of each ingredient: this one is cleared).
        tranexamic = page.get_by_role("group", name="Tranexamic acid")
        await tranexamic.get_by_label(re.compile("^Lot of ")).fill("")
        await page.get_by_role("button", name="Complete the session").click()
        await expect(page.locator("#f-disinfected-error")).to_have_text(
            "Confirm the area was cleaned and disinfected."
        )
        await expect(tranexamic.locator(".error")).to_have_text(
            "Enter the lot number on the vial used."
        )
        # Each amount is in the ingredient's own unit in the formulary.
        await expect(tranexamic.get_by_label("Unit of Tranexamic acid")).to_have_value("mg")

        await page.get_by_label("The area was cleaned and disinfected").check()
        await page.get_by_label("Antiseptic used").fill("chlorhexidine 0.5%")
        await page.get_by_label("Numbing cream applied").check()
        await use_lots_in_stock(page)
        await page.get_by_label("Technique").fill("nappage")
        await page.get_by_label("Depth (mm)").fill("1.5")
        await page.get_by_label("Number of injections").fill("60")
        await page.get_by_label("Redness").check()
        await page.get_by_role("button", name="Complete the session").click()

        await expect(page.get_by_test_id("done")).to_have_text("Session completed.")
        await expect(page.get_by_test_id("appointment-status")).to_have_text("completed")
        record = page.get_by_test_id("session-record")
        await expect(record).to_contain_text("Even tone, version 1")
        await expect(record).to_contain_text("Redness")
        administered = page.get_by_test_id("administered")
        await expect(administered.get_by_role("row")).to_have_count(5)
        await expect(administered).to_contain_text(re.compile(r"DEMO-\d{3}"))
        await screenshot(page, "session-complete")

    async def test_a_caution_starts_only_with_an_acknowledgement_and_its_reason_is_recorded(
        self, page: Page, console: Console
    ) -> None:
        # An anticoagulant is a caution, not a block (formulary's engine): bruising and bleeding.
        patient = await new_patient(
            console,
            fitzpatrick_skin_type=2,
            medications=[{"name": "Apixaban", "classes": ["anticoagulant"]}],
        )
        treatment = await treatment_for(console, patient, after_days=4)
        blends = await _demo_blends(console)
        await _formulary_knows(console, patient, blends["Even tone"], "caution")
        await sign_in(page, console.accounts["practitioner"])
        await page.goto(f"/console/appointments/{treatment['id']}")
        await page.get_by_role("button", name="Check in").click()
        await page.get_by_label("Blend").select_option(blends["Even tone"]["id"])
        await page.get_by_role("button", name="Run the safety check and start").click()

        verdict = page.get_by_test_id("cross-check")
        await expect(verdict.get_by_role("heading")).to_have_text("Safety check: caution")
        medication = verdict.get_by_role("row").filter(has_text="Medication")
        await expect(medication).to_contain_text("Apixaban")
        await expect(medication).to_contain_text("Caution")
        await expect(medication).to_contain_text("bruising and bleeding")
        await expect(page.get_by_test_id("appointment-status")).to_have_text("checked in")
        await screenshot(page, "session-caution")

        # Ticked but without a reason: refused, the message next to the reason's field.
        confirm = page.get_by_label("I have weighed each finding above and the session goes ahead")
        await confirm.check()
        await page.get_by_role("button", name="Start with this acknowledgement").click()
        await expect(page.locator("#f-ack_reason-error")).to_have_text(
            "Say why the session goes ahead (at least 3 characters)."
        )
        await expect(page.get_by_label("Why the session goes ahead")).to_have_attribute(
            "aria-invalid", "true"
        )
        await expect(page.get_by_test_id("appointment-status")).to_have_text("checked in")
        await expect(page.get_by_test_id("cross-check")).to_be_visible()

        reason = "Discussed bruising risk; patient's doctor agrees, light pressure afterwards"
        await expect(confirm).to_be_checked()
        await page.get_by_label("Why the session goes ahead").fill(reason)
        await page.get_by_role("button", name="Start with this acknowledgement").click()

        await expect(page.get_by_test_id("done")).to_have_text("Session started.")
        await expect(page.get_by_test_id("appointment-status")).to_have_text("in progress")
        recorded = page.get_by_test_id("recorded-check")
        await expect(recorded.get_by_role("heading")).to_have_text(
            "Safety check at the start: caution"
        )
        await expect(recorded).to_contain_text("Apixaban")
        await expect(recorded).to_contain_text(f"Acknowledged by the practitioner: “{reason}”")
        await page.reload()
        await expect(page.get_by_test_id("recorded-check")).to_contain_text(reason)
        await screenshot(page, "session-caution-acknowledged")

    async def test_a_blend_the_safety_check_cannot_find_is_named_next_to_the_blend(
        self, page: Page, console: Console
    ) -> None:
        patient = await new_patient(console, fitzpatrick_skin_type=2)
        treatment = await treatment_for(console, patient, after_days=6)
        await sign_in(page, console.accounts["practitioner"])
        await page.goto(f"/console/appointments/{treatment['id']}")
        await page.get_by_role("button", name="Check in").click()
        # The page offered a blend that formulary no longer knows (as if removed meanwhile).
        gone = str(uuid4())
        await page.get_by_label("Blend").evaluate(
            "(select, id) => { select.options[1].value = id; select.selectedIndex = 1; }", gone
        )
        await page.get_by_role("button", name="Run the safety check and start").click()

        # Booking's refusal, from formulary's answer, next to the field it names.
        await expect(page.locator("#f-blend_id-error")).to_have_text(
            f"No blend {gone} in your network."
        )
        await expect(page.get_by_role("alert")).to_contain_text("Formulary refused the cross-check")
        await expect(page.get_by_label("Blend")).to_have_attribute("aria-invalid", "true")
        await expect(page.get_by_test_id("appointment-status")).to_have_text("checked in")
        await expect(page.get_by_text("Traceback")).to_have_count(0)


async def _demo_blends(console: Console) -> dict[str, dict[str, Any]]:
    practitioner = headers(console, "practitioner")
    blends = (await console.formulary.client.get("/v1/blends", headers=practitioner)).json()
    return {b["name"]: b for b in blends["items"]}


async def _formulary_knows_the_allergy(
    console: Console, patient: dict, revitalising: dict[str, Any]
) -> None:
    await _formulary_knows(console, patient, revitalising, "contraindicated")


async def _formulary_knows(
    console: Console, patient: dict, blend: dict[str, Any], verdict: str
) -> None:
    """Formulary's replica of the safety profile arrives by event: wait until the cross-check
    of `blend` gives `verdict`."""
    practitioner = headers(console, "practitioner")

    async def checked() -> bool | None:
        response = await console.formulary.client.post(
            "/v1/cross-checks",
            json={"patient_id": patient["id"], "blend_id": blend["id"]},
            headers=practitioner,
        )
        return response.json().get("verdict") == verdict or None

    await eventually(checked, within=30, interval=0.3)
