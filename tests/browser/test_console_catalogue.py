"""The Formulary and Messages pages over the demo network: the catalog and its lots, a lot
recalled by the network admin, and a booking confirmation in the delivery log."""

from __future__ import annotations

import asyncio
import re
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Locator, Page, expect

from services.formulary.usecases import recalls
from shared.events.booking import ClinicRef
from tests.browser.conftest import PASSWORD, Console, axe_violations, screenshot
from tests.browser.test_console_visits import (
    CLAIRE,
    new_patient,
    treatment_for,
)
from tests.integration.formulary.helpers import session_completed
from tests.support import bearer, eventually

# Each page reads several services; on a busy machine a test can take minutes.
pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]


async def sign_in_as(page: Page, console: Console, role: str) -> None:
    await page.goto("/console/login")
    await page.get_by_label("Email").fill(console.accounts[role])
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page).to_have_url(re.compile(r"/console/day$"))


async def follow(page: Page, target: Locator) -> None:
    """Click a link or submit button and wait for the page it leads to (the services behind
    the console can be slow on a busy machine)."""
    async with page.expect_navigation(timeout=60_000):
        await target.click()


def admin(console: Console) -> dict[str, str]:
    return bearer(console.formulary.settings.platform, console.network, "network_admin")


async def received_lot(console: Console, ingredient: str = "hyaluronic_acid") -> dict[str, Any]:
    """A fresh lot of `ingredient`, so that recalling it leaves the demo lots alone."""
    response = await console.formulary.client.post(
        "/v1/lots",
        json={
            "ingredient_code": ingredient,
            "supplier": "Demo Pharma Supply",
            "lot_number": f"{ingredient[:3].upper()}-{uuid4().hex[:8].upper()}",
            "expires_on": (date.today() + timedelta(days=200)).isoformat(),
        },
        headers=admin(console),
    )
    assert response.status_code == 201, response.text
    return response.json()


async def test_the_formulary_lists_the_demo_blends_with_their_ingredients(
    page: Page, console: Console
) -> None:
    await sign_in_as(page, console, "receptionist")

    await follow(page, page.get_by_role("link", name="Formulary"))

    blend = page.get_by_test_id("blends").get_by_role("row").filter(has_text="Revitalising face")
    await expect(blend).to_contain_text("Hyaluronic acid, non-cross-linked 10 mg")
    await expect(blend).to_contain_text("Chamomile (Matricaria) extract 0.5 ml")
    await expect(blend).to_contain_text("skin rejuvenation")
    chamomile = page.get_by_test_id("ingredients").get_by_role("row").filter(has_text="chamomile")
    await expect(chamomile).to_contain_text("Asteraceae (Compositae) plant family")
    await expect(chamomile).to_contain_text("plant extract")
    await expect(chamomile).to_contain_text("approved")
    collagenase = (
        page.get_by_test_id("ingredients").get_by_role("row").filter(has_text="collagenase")
    )
    await expect(collagenase).to_contain_text("withdrawn")
    await screenshot(page, "formulary")

    # At tablet width nothing but the tables' own scrolling is wider than the window.
    await page.set_viewport_size({"width": 800, "height": 900})
    assert await page.evaluate("document.documentElement.scrollWidth") <= 800

    # An ingredient's name narrows everything to it: its blends and its lots.
    await page.get_by_label("Ingredient or blend").fill("caffeine")
    await follow(page, page.get_by_role("button", name="Search"))
    blends = page.get_by_test_id("blends")
    await expect(blends.get_by_role("row").filter(has_text="Body contour")).to_have_count(1)
    await expect(blends.get_by_role("row").filter(has_text="Cellulite drainage")).to_have_count(1)
    await expect(blends).not_to_contain_text("Revitalising face")
    await expect(page.get_by_test_id("lots").locator("tbody tr")).to_have_count(1)


async def test_a_lot_number_finds_the_lot_and_its_status(page: Page, console: Console) -> None:
    await sign_in_as(page, console, "practitioner")
    await page.goto("/console/formulary")

    await page.get_by_label("Lot number").fill("demo-expired")
    await follow(page, page.get_by_role("button", name="Search"))

    lots = page.get_by_test_id("lots")
    await expect(lots.locator("tbody tr")).to_have_count(1)
    row = lots.get_by_role("row").filter(has_text="DEMO-EXPIRED-001")
    await expect(row).to_contain_text("Hyaluronic acid, non-cross-linked")
    await expect(row).to_contain_text("expired")

    await follow(page, row.get_by_role("link", name="DEMO-EXPIRED-001"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("Lot DEMO-EXPIRED-001")
    await expect(page.get_by_test_id("lot-status")).to_have_text("expired")
    # Only a network admin may recall.
    await expect(page.get_by_role("button", name="Recall this lot")).to_have_count(0)


async def test_the_network_admin_recalls_a_lot_with_a_reason(page: Page, console: Console) -> None:
    lot = await received_lot(console)
    await sign_in_as(page, console, "network_admin")
    await page.goto(f"/console/formulary/lots/{lot['id']}")
    await expect(page.get_by_test_id("lot-status")).to_have_text("valid")

    # Without a reason or the confirmation, nothing is recalled and each field says why.
    await follow(page, page.get_by_role("button", name="Recall this lot"))
    await expect(page.locator("#f-reason-error")).to_have_text("Give the reason for the recall.")
    await expect(page.locator("#f-confirm-error")).to_have_text(
        "Confirm that this lot is to be recalled."
    )
    await expect(page.get_by_test_id("lot-status")).to_have_text("valid")
    assert await axe_violations(page) == [], "axe-core: the recall form with its errors"

    reason = "Supplier notice: sterility not assured"
    await page.get_by_label("Reason for the recall").fill(reason)
    await page.get_by_label(f"I confirm that lot {lot['lot_number']} is to be recalled").check()
    await follow(page, page.get_by_role("button", name="Recall this lot"))

    await expect(page.get_by_test_id("recalled-message")).to_be_visible()
    await expect(page.get_by_test_id("lot-status")).to_have_text("recalled")
    await expect(page.get_by_test_id("recall")).to_contain_text(reason)
    await expect(page.get_by_test_id("no-exposures")).to_have_text(
        "No session has recorded this lot."
    )
    await expect(page.get_by_role("button", name="Recall this lot")).to_have_count(0)
    await screenshot(page, "lot-recalled")

    await page.goto(f"/console/formulary?lot={lot['lot_number']}")
    await expect(page.get_by_test_id("lots").get_by_role("row").nth(1)).to_contain_text("recalled")


async def completed_with(
    console: Console, patient: dict[str, Any], lot: dict[str, Any]
) -> dict[str, Any]:
    """`patient`'s treatment with Dr Claire Moreau, checked in, started and completed with `lot`
    (glutathione) through booking's API: the completed appointment as booking answers it."""
    treatment = await treatment_for(console, patient, after_days=5)
    booking = console.booking.client
    practitioner = bearer(console.booking.settings.platform, console.network, "practitioner")
    path = f"/v1/appointments/{treatment['id']}"
    checked_in = await booking.post(f"{path}/check-in", headers=practitioner)
    assert checked_in.status_code == 200, checked_in.text

    async def started() -> bool | None:
        # Until formulary's replica has the patient's profile, the start is refused.
        response = await booking.post(
            f"{path}/start", json={"ingredient_codes": ["glutathione"]}, headers=practitioner
        )
        return response.status_code == 200 or None

    await eventually(started, within=30, interval=0.5)
    completed = await booking.post(
        f"{path}/complete",
        json={
            "preparation": {"disinfection": "chlorhexidine", "numbing_cream": False},
            "ingredients": [
                {
                    "ingredient_code": "glutathione",
                    "ingredient_name": "Glutathione",
                    "lot_number": lot["lot_number"],
                    "amount": "300",
                    "unit": "mg",
                }
            ],
            "technique": "nappage",
        },
        headers=practitioner,
    )
    assert completed.status_code == 200, completed.text
    appointment: dict[str, Any] = completed.json()
    return appointment


async def treated_with(console: Console, lot: dict[str, Any]) -> dict[str, Any]:
    """A new patient whose completed session used `lot` (glutathione), once formulary's lot
    ledger has it."""
    patient = await new_patient(console)
    await completed_with(console, patient, lot)

    async def in_the_ledger() -> bool | None:
        # Formulary's lot ledger is kept from SessionCompleted.
        response = await console.formulary.client.get(
            f"/v1/lots/{lot['id']}/exposures", headers=admin(console)
        )
        return any(e["patient_id"] == patient["id"] for e in response.json()["items"]) or None

    await eventually(in_the_ledger, within=60, interval=0.5)
    return patient


async def test_a_recalled_lot_lists_the_patient_who_received_it(
    page: Page, console: Console
) -> None:
    lot = await received_lot(console, "glutathione")
    patient = await treated_with(console, lot)
    name = f"{patient['family_name']}, Amélie"
    await sign_in_as(page, console, "network_admin")
    await page.goto(f"/console/formulary/lots/{lot['id']}")
    await expect(page.get_by_test_id("exposures")).to_contain_text(name)

    await page.get_by_label("Reason for the recall").fill("Supplier notice: particles in vials")
    await page.get_by_label(f"I confirm that lot {lot['lot_number']} is to be recalled").check()
    await follow(page, page.get_by_role("button", name="Recall this lot"))

    await expect(page.get_by_test_id("lot-status")).to_have_text("recalled")
    await expect(page.get_by_test_id("recall")).to_contain_text("Patients exposed1")
    exposed = page.get_by_test_id("exposures").get_by_role("row").filter(has_text=name)
    await expect(exposed).to_contain_text("MesoCare Demo Paris")
    await expect(exposed).to_contain_text(CLAIRE)
    await expect(exposed).to_contain_text("300 mg")
    # Each exposed patient is sent a recall notice once.
    await expect(exposed).to_contain_text("issued")
    assert await axe_violations(page) == [], "axe-core: a recalled lot and its patients"
    await screenshot(page, "lot-recalled-exposed")
    await exposed.get_by_role("link", name=name).click()
    await expect(page).to_have_url(re.compile(f"/console/patients/{patient['id']}$"))


EXPOSURE = "mesocare.formulary.RecalledLotExposure.v1"


async def many_patients(console: Console, count: int) -> list[dict[str, Any]]:
    """`count` new patients registered in records, a few at a time."""
    headers = bearer(console.records.settings.platform, console.network, "receptionist")
    tag = uuid4().hex[:6]

    async def register(n: int) -> dict[str, Any]:
        created = await console.records.client.post(
            "/v1/patients",
            # No address: the recall notices are skipped at once, not mailed 205 times.
            json={"given_name": f"Exposed{n:03d}", "family_name": f"Lotreceiver-{tag}"},
            headers=headers,
        )
        assert created.status_code == 201, created.text
        return created.json()

    patients: list[dict[str, Any]] = []
    for first in range(0, count, 20):
        batch = range(first, min(first + 20, count))
        patients += await asyncio.gather(*(register(n) for n in batch))
    return patients


async def in_the_ledger(console: Console, lot: dict[str, Any], patients: list[dict]) -> None:
    """Each patient's completed session with `lot` recorded in formulary's lot ledger, through
    the handler its SessionCompleted consumer runs (hundreds of sessions in seconds)."""
    clinic = ClinicRef(
        clinic_id=UUID(console.clinic["id"]),
        name=console.clinic["name"],
        timezone=console.clinic["timezone"],
    )
    async with console.formulary.app.state.database.unit(console.network) as uow:
        for patient in patients:
            event = session_completed(
                console.network, UUID(patient["id"]), [(lot["lot_number"], lot["ingredient_code"])]
            ).model_copy(update={"clinic": clinic})
            assert await recalls.record_session(uow, event, uuid4()) == 1


async def exposed_names(page: Page) -> list[str]:
    """The patients listed on this page of the lot's sessions, each said to be notified."""
    rows = page.get_by_test_id("exposures").locator("tbody tr")
    await expect(rows.first).to_be_visible()
    await expect(rows.filter(has_not_text="issued")).to_have_count(0)
    return await rows.locator("td:first-child").all_inner_texts()


@pytest.mark.timeout(900)
async def test_a_recall_of_a_lot_given_to_more_than_200_patients_shows_every_one(
    page: Page, console: Console
) -> None:
    lot = await received_lot(console, "glutathione")
    patients = await many_patients(console, 205)
    await in_the_ledger(console, lot, patients)
    await sign_in_as(page, console, "network_admin")
    await page.goto(f"/console/formulary/lots/{lot['id']}")
    await page.get_by_label("Reason for the recall").fill("Supplier notice: particles in vials")
    await page.get_by_label(f"I confirm that lot {lot['lot_number']} is to be recalled").check()
    await follow(page, page.get_by_role("button", name="Recall this lot"))
    await expect(page.get_by_test_id("lot-status")).to_have_text("recalled")
    await expect(page.get_by_test_id("recall")).to_contain_text("Patients exposed205")

    # Page after page of sessions, each patient's recall notice issued, to the last one.
    seen = await exposed_names(page)
    await screenshot(page, "lot-recalled-many-exposed")
    while await page.get_by_test_id("later-exposures").count():
        await follow(page, page.get_by_test_id("later-exposures"))
        seen += await exposed_names(page)
    assert sorted(seen) == sorted(f"{p['family_name']}, {p['given_name']}" for p in patients)
    await expect(page.get_by_role("link", name="First sessions")).to_be_visible()

    # Formulary tells every one of them: one RecalledLotExposure per exposed patient.
    told = await console.formulary.pool.fetch(
        "SELECT payload->>'patient_id' AS patient FROM outbox WHERE type = $1 "
        "AND payload->>'lot_id' = $2",
        EXPOSURE,
        lot["id"],
    )
    assert sorted(r["patient"] for r in told) == sorted(p["id"] for p in patients)


async def test_a_receptionist_cannot_recall_a_lot(page: Page, console: Console) -> None:
    lot = await received_lot(console)
    await sign_in_as(page, console, "receptionist")
    await page.goto(f"/console/formulary/lots/{lot['id']}")

    await expect(page.get_by_test_id("lot-status")).to_have_text("valid")
    await expect(page.get_by_role("button", name="Recall this lot")).to_have_count(0)
    await expect(page.get_by_label("Reason for the recall")).to_have_count(0)

    # A recall posted anyway (with this session's form token) is refused by the formulary.
    token = await page.locator("input[name=csrf_token]").first.input_value()
    forged = await page.request.post(
        f"/console/formulary/lots/{lot['id']}/recall",
        form={"csrf_token": token, "reason": "Not my call to make", "confirm": "yes"},
    )
    assert forged.status == 403
    await page.set_content(await forged.text())
    await expect(page.get_by_role("alert")).to_contain_text("Your role does not allow this.")
    await expect(page.get_by_test_id("lot-status")).to_have_text("valid")
    still = await console.formulary.client.get(f"/v1/lots/{lot['id']}", headers=admin(console))
    assert still.json()["status"] == "active"


async def test_an_unknown_lot_or_message_is_a_readable_not_found_page(
    page: Page, console: Console
) -> None:
    await sign_in_as(page, console, "receptionist")

    for path in (
        f"/console/formulary/lots/{uuid4()}",
        "/console/formulary/lots/not-a-lot",
        f"/console/messages/{uuid4()}",
        "/console/messages/12",
    ):
        response = await page.goto(path)
        assert response is not None and response.status == 404, path
        await expect(page.get_by_test_id("refused")).to_contain_text("There is no such")


async def test_message_filters_say_what_they_could_not_find(page: Page, console: Console) -> None:
    headers = bearer(console.records.settings.platform, console.network, "network_admin")
    family = f"Roussel{uuid4().hex[:4]}"
    for given in ("Camille", "Hugo"):
        registered = await console.records.client.post(
            "/v1/patients", json={"given_name": given, "family_name": family}, headers=headers
        )
        assert registered.status_code == 201, registered.text
    await sign_in_as(page, console, "receptionist")

    await page.goto("/console/messages?status=lost")
    await expect(page.locator("#f-status-error")).to_have_text("Choose a status from the list.")

    await page.get_by_label("Patient", exact=True).fill("Nobody-by-this-name")
    await follow(page, page.get_by_role("button", name="Show messages"))
    await expect(page.locator("#f-patient-error")).to_have_text(
        "No patient matches “Nobody-by-this-name”."
    )

    # A name two patients share is a choice between them.
    await page.get_by_label("Patient", exact=True).fill(family)
    await page.get_by_label("Status").select_option("sent")
    await follow(page, page.get_by_role("button", name="Show messages"))
    choices = page.get_by_test_id("patient-choices").get_by_role("link")
    await expect(choices).to_have_text([f"{family}, Camille", f"{family}, Hugo"])
    await follow(page, choices.nth(1))
    await expect(page.get_by_text("No message matches these filters.")).to_be_visible()
    await expect(page.get_by_label("Status")).to_have_value("sent")

    # A name typed in full that only one of the search's partial matches has is that patient.
    blanc = f"Blanc{uuid4().hex[:4]}"
    for given, name in (("Léa", blanc), ("Marc", f"{blanc}hard")):
        registered = await console.records.client.post(
            "/v1/patients", json={"given_name": given, "family_name": name}, headers=headers
        )
        assert registered.status_code == 201, registered.text
    partial = await console.records.client.get("/v1/patients", params={"q": blanc}, headers=headers)
    assert len(partial.json()["items"]) == 2
    await page.get_by_label("Patient", exact=True).fill(blanc)
    await follow(page, page.get_by_role("button", name="Show messages"))
    await expect(page.get_by_test_id("patient-choices")).to_have_count(0)
    await expect(page.get_by_text("No message matches these filters.")).to_be_visible()


async def booked_with_a_new_patient(console: Console) -> dict[str, Any]:
    """A new patient (with an email) booked into a free consultation slot of the console's
    clinic, through records' and booking's APIs."""
    booking = console.booking
    headers = bearer(booking.settings.platform, console.network, "network_admin")
    family = f"Garnier{uuid4().hex[:4]}"
    registered = await console.records.client.post(
        "/v1/patients",
        json={
            "given_name": "Océane",
            "family_name": family,
            "email": f"oceane-{uuid4().hex[:6]}@example.test",
        },
        headers=headers,
    )
    assert registered.status_code == 201, registered.text
    patient = registered.json()
    types = (await booking.client.get("/v1/treatment-types", headers=headers)).json()["items"]
    consultation = next(t for t in types if t["kind"] == "consultation")
    slots: list[dict[str, Any]] = []
    paris = ZoneInfo(console.clinic["timezone"])
    day = datetime.now(paris).date()
    while not slots:
        day += timedelta(days=1)
        free = await booking.client.get(
            "/v1/availability",
            params={
                "clinic_id": console.clinic["id"],
                "treatment_type_id": consultation["id"],
                "from": day.isoformat(),
            },
            headers=headers,
        )
        assert free.status_code == 200, free.text
        slots = free.json()["slots"]
    slot = slots[-1]

    async def book() -> dict[str, Any] | None:
        # Booking learns the patient from records' PatientRegistered event.
        response = await booking.client.post(
            "/v1/appointments",
            json={
                "clinic_id": console.clinic["id"],
                "room_id": slot["room_id"],
                "practitioner_id": slot["practitioner_id"],
                "patient_id": patient["id"],
                "treatment_type_id": consultation["id"],
                "start": slot["start"],
            },
            headers=headers,
        )
        return response.json() if response.status_code == 201 else None

    appointment = await eventually(book, within=30, interval=0.5)
    return {"patient": patient, "appointment": appointment, "headers": headers}


async def test_a_booking_confirmation_shows_in_the_messages_as_sent(
    page: Page, console: Console
) -> None:
    booked = await booked_with_a_new_patient(console)
    patient = booked["patient"]

    async def confirmation_sent() -> dict[str, Any] | None:
        response = await console.notifications.client.get(
            "/v1/messages",
            params={"patient_id": patient["id"], "kind": "appointment_confirmation"},
            headers=booked["headers"],
        )
        items = response.json()["items"] if response.status_code == 200 else []
        return next((m for m in items if m["status"] == "sent"), None)

    await eventually(confirmation_sent, within=60, interval=0.5)
    await sign_in_as(page, console, "receptionist")

    await follow(page, page.get_by_role("link", name="Messages"))
    await page.get_by_label("Patient", exact=True).fill(patient["family_name"])
    await page.get_by_label("Kind").select_option("appointment_confirmation")
    await follow(page, page.get_by_role("button", name="Show messages"))

    rows = page.get_by_test_id("messages").locator("tbody tr")
    await expect(rows).to_have_count(1)
    row = rows.first
    await expect(row).to_contain_text(f"{patient['family_name']}, Océane")
    await expect(row).to_contain_text("appointment confirmation")
    await expect(row).to_contain_text("email")
    await expect(row).to_contain_text("sent")
    await screenshot(page, "messages")

    await follow(page, row.get_by_role("link").first)
    start = datetime.fromisoformat(booked["appointment"]["start"])
    local = start.astimezone(ZoneInfo(console.clinic["timezone"]))
    day = f"{local:%A} {local.day} {local:%B} {local.year}"
    await expect(page.get_by_test_id("message-status")).to_have_text("sent")
    subject = page.get_by_test_id("message-subject")
    await expect(subject).to_contain_text(console.clinic["name"])
    await expect(subject).to_contain_text(f"{day} at {local:%H:%M}")
    await expect(page.get_by_test_id("message-body")).to_contain_text("Océane")
    await expect(page.get_by_test_id("message-body")).to_contain_text(console.clinic["name"])
    attempt = page.get_by_test_id("attempts").locator("tbody tr")
    await expect(attempt).to_have_count(1)
    await expect(attempt).to_contain_text(patient["email"])
    await expect(attempt).to_contain_text("sent")
    await screenshot(page, "message-detail")
