"""The safety gate on the session page, as the practitioner meets it (real booking, records,
formulary and notifications behind the gateway):

- a plan changed during the session is checked before injecting: refused when blocked,
  acknowledged when a caution, and then what may be injected;
- a completion recording what no passing check covered (an allergen) is refused with a warning
  and the form as typed, completes only once acknowledged with a reason, and the session, the
  chart and the clinic manager's messages show the deviation;
- formulary away at the start, the change or the completion changes nothing and keeps what was
  typed;
- a unit or a lot formulary refuses is named next to its row."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from playwright.async_api import Page, expect

from devstack.ports import free_port
from services.booking.clients.formulary import FormularyClient
from shared.http import ServiceClient
from tests.browser.conftest import Console, screenshot
from tests.browser.test_console_patients import COMPOSITAE, sign_in_as, sign_out
from tests.browser.test_console_visits import (
    INDICATION_REASON,
    _demo_blends,
    _formulary_knows,
    _formulary_knows_the_allergy,
    acknowledge_the_mismatch,
    headers,
    new_patient,
    sign_in,
    treatment_for,
    use_lots_in_stock,
)
from tests.support import eventually

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

ALLERGIC = [{"code": "compositae", "reaction": "hives", "severity": "moderate"}]


@asynccontextmanager
async def formulary_away(console: Console) -> AsyncIterator[None]:
    """Booking's link to formulary points where nothing listens (the console still reads the
    catalog): every cross-check booking asks for fails, as when formulary is down."""
    app = console.booking.app
    kept = app.state.formulary_client
    nowhere = ServiceClient(f"http://127.0.0.1:{free_port()}", name="formulary", timeout=1.0)
    app.state.formulary_client = FormularyClient(nowhere)
    try:
        yield
    finally:
        app.state.formulary_client = kept
        await nowhere.close()


async def lot_in_stock(console: Console, ingredient_code: str) -> str:
    """A valid lot of the ingredient, as formulary lists them."""
    lots = await console.formulary.client.get(
        "/v1/lots",
        params={"ingredient_code": ingredient_code, "status": "active"},
        headers=headers(console, "practitioner"),
    )
    assert lots.status_code == 200, lots.text
    return next(lot["lot_number"] for lot in lots.json()["items"] if not lot["expired"])


async def started_session(
    page: Page,
    console: Console,
    patient: dict[str, Any],
    *,
    after_days: int,
    blend: str,
    acknowledge: bool = False,
) -> dict[str, Any]:
    """A face-and-neck treatment for `patient`, checked in and started by the practitioner
    with `blend` (answering the caution of a blend for another indication)."""
    treatment = await treatment_for(console, patient, after_days=after_days)
    blends = await _demo_blends(console)
    await sign_in(page, console.accounts["practitioner"])
    await page.goto(f"/console/appointments/{treatment['id']}")
    await page.get_by_role("button", name="Check in").click()
    await page.get_by_label("Blend").select_option(blends[blend]["id"])
    await page.get_by_role("button", name="Run the safety check and start").click()
    if acknowledge:
        await expect(page.get_by_test_id("cross-check")).to_contain_text(
            "Blend made for another indication"
        )
        await acknowledge_the_mismatch(page)
    await expect(page.get_by_test_id("appointment-status")).to_have_text("in progress")
    return treatment


async def fill_the_completion(page: Page) -> list[str]:
    """Preparation, each planned lot from stock, technique, a reaction and notes."""
    await page.get_by_label("The area was cleaned and disinfected").check()
    await page.get_by_label("Antiseptic used").fill("chlorhexidine 0.5%")
    await page.get_by_label("Numbing cream applied").check()
    await page.get_by_label("Numbing cream used").fill("lidocaine 5% cream")
    lots = await use_lots_in_stock(page)
    await page.get_by_label("Technique").fill("nappage")
    await page.get_by_label("Depth (mm)").fill("1.5")
    await page.get_by_label("Number of injections").fill("60")
    await page.get_by_label("Redness").check()
    await page.get_by_label("Notes").fill("Well tolerated.")
    return lots


async def expect_the_completion_as_typed(page: Page, lots: list[str]) -> None:
    await expect(page.get_by_label("The area was cleaned and disinfected")).to_be_checked()
    await expect(page.get_by_label("Antiseptic used")).to_have_value("chlorhexidine 0.5%")
    await expect(page.get_by_label("Numbing cream applied")).to_be_checked()
    await expect(page.get_by_label("Numbing cream used")).to_have_value("lidocaine 5% cream")
    planned = page.locator("[data-planned]")
    await expect(planned).to_have_count(len(lots))
    for n, lot in enumerate(lots):
        await expect(planned.nth(n).get_by_label(re.compile("^Lot of "))).to_have_value(lot)
    await expect(page.get_by_label("Technique")).to_have_value("nappage")
    await expect(page.get_by_label("Depth (mm)")).to_have_value("1.5")
    await expect(page.get_by_label("Number of injections")).to_have_value("60")
    await expect(page.get_by_label("Redness")).to_be_checked()
    await expect(page.get_by_label("Notes")).to_have_value("Well tolerated.")


async def test_a_changed_plan_is_checked_blocked_then_acknowledged_and_becomes_the_plan(
    page: Page, console: Console
) -> None:
    patient = await new_patient(console, allergies=ALLERGIC, fitzpatrick_skin_type=2)
    blends = await _demo_blends(console)
    await _formulary_knows_the_allergy(console, patient, blends["Revitalising face"])
    await started_session(page, console, patient, after_days=8, blend="Even tone", acknowledge=True)
    change = page.get_by_test_id("change-plan")
    # The change form starts from the plan of record.
    await expect(change.get_by_label("Blend")).to_have_value(blends["Even tone"]["id"])
    await expect(change.get_by_label("Face", exact=True)).to_be_checked()
    await expect(change.get_by_label("Décolleté")).not_to_be_checked()

    # 1. Another blend, with chamomile: blocked; nothing changes.
    await change.get_by_label("Blend").select_option(blends["Revitalising face"]["id"])
    await change.get_by_role("button", name="Run the safety check on the changed plan").click()
    verdict = page.get_by_test_id("cross-check")
    await expect(verdict.get_by_role("heading")).to_have_text(
        "Safety check of the changed plan: blocked"
    )
    await expect(verdict).to_contain_text("Do not inject this changed plan")
    chamomile = verdict.get_by_role("row").filter(has_text="Chamomile")
    await expect(chamomile).to_contain_text(f"Allergy: {COMPOSITAE}")
    await expect(chamomile).to_contain_text("Blocks the session")
    recorded = page.get_by_test_id("recorded-check")
    await expect(recorded.get_by_role("heading")).to_have_text("Safety check at the start: caution")
    await expect(recorded).to_contain_text("Even tone")
    await expect(page.get_by_test_id("appointment-status")).to_have_text("in progress")
    await expect(page.get_by_test_id("earlier-checks")).to_have_count(0)
    await screenshot(page, "session-change-blocked")

    # 2. A blend for scars on this skin-rejuvenation face and neck, with its centella lot:
    # three cautions (the indication, the neck it is not made for, a possible cross-reaction
    # of centella with the Compositae allergy), which need the acknowledgement and a reason.
    centella_lot = await lot_in_stock(console, "centella_asiatica")
    await change.get_by_label("Blend").select_option(blends["Scar and stretch mark repair"]["id"])
    await change.get_by_label("Lots to be used").fill(centella_lot)
    await change.get_by_role("button", name="Run the safety check on the changed plan").click()
    await expect(verdict.get_by_role("heading")).to_have_text(
        "Safety check of the changed plan: caution"
    )
    rows = verdict.get_by_role("row")
    await expect(rows.filter(has_text="Blend made for another indication")).to_contain_text(
        "Caution"
    )
    await expect(rows.filter(has_text="Blend not made for this area: Neck")).to_contain_text(
        "Caution"
    )
    await expect(rows.filter(has_text="Centella")).to_contain_text("Cross-reactivity")
    await expect(change.get_by_label("Lots to be used")).to_have_value(centella_lot)
    await expect(recorded).to_contain_text("Even tone")

    # Without the reason it is refused next to the field; with it, the plan passes.
    confirm = change.get_by_label("I have weighed each finding above and the changed plan")
    await confirm.check()
    submit = change.get_by_role("button", name="Check the changed plan with this acknowledgement")
    await submit.click()
    await expect(page.locator("#f-plan_ack_reason-error")).to_have_text(
        "Say why the changed plan goes ahead (at least 3 characters)."
    )
    await expect(recorded).to_contain_text("Even tone")
    reason = "Acne scars on the cheeks are today's concern; centella tolerated before"
    await expect(confirm).to_be_checked()
    await change.get_by_label("Why the changed plan goes ahead").fill(reason)
    await submit.click()

    await expect(page.get_by_test_id("done")).to_have_text(
        "The changed plan passed the safety check: it is now what may be injected."
    )
    await expect(recorded.get_by_role("heading")).to_have_text(
        "Safety check of the changed plan: caution"
    )
    await expect(recorded).to_contain_text("Scar and stretch mark repair, version 1")
    await expect(recorded).to_contain_text(centella_lot)
    await expect(recorded).to_contain_text(f"Acknowledged by the practitioner: “{reason}”")
    await expect(recorded.get_by_role("row").filter(has_text="Neck")).to_contain_text("Caution")
    earlier = page.get_by_test_id("earlier-checks")
    await expect(earlier.get_by_role("listitem")).to_have_count(1)
    await expect(earlier).to_contain_text("Even tone")
    await expect(earlier).to_contain_text("Pigmentation spots are what the patient wants")

    # The completion form now records the changed plan's ingredients, each in its unit.
    centella = page.get_by_role("group", name="Centella asiatica extract")
    await expect(centella.get_by_label("Unit of Centella asiatica extract")).to_have_value("ml")
    hyaluronic = page.get_by_role("group", name="Hyaluronic acid")
    await expect(hyaluronic.get_by_label(re.compile("^Unit of "))).to_have_value("mg")
    await expect(page.locator("[data-planned]")).to_have_count(4)
    await screenshot(page, "session-change-passed")


async def test_an_allergen_the_check_did_not_cover_is_refused_then_recorded_as_a_deviation(
    page: Page, console: Console
) -> None:
    patient = await new_patient(console, allergies=ALLERGIC, fitzpatrick_skin_type=2)
    blends = await _demo_blends(console)
    await _formulary_knows_the_allergy(console, patient, blends["Revitalising face"])
    await started_session(page, console, patient, after_days=9, blend="Even tone", acknowledge=True)
    lots = await fill_the_completion(page)
    # Chamomile was given too, outside the plan that passed.
    chamomile_lot = await lot_in_stock(console, "chamomile")
    other = page.get_by_test_id("ingredient-extra")
    await other.get_by_label("Other ingredient 1", exact=True).select_option("chamomile")
    await other.get_by_label("Lot of other ingredient 1").fill(chamomile_lot)
    await other.get_by_label("Amount of other ingredient 1").fill("0.5")
    # A row for yet another ingredient: the form comes back as typed, nothing sent.
    await page.get_by_role("button", name="Add a row for another ingredient").click()
    await expect(page.get_by_label("Other ingredient 2", exact=True)).to_have_value("")
    await expect(page.get_by_label("Other ingredient 1", exact=True)).to_have_value("chamomile")
    await expect(page.get_by_test_id("deviations")).to_have_count(0)
    await page.get_by_role("button", name="Complete the session").click()

    warning = page.get_by_test_id("deviations")
    await expect(warning.get_by_role("heading", level=3)).to_have_text(
        "Contraindicated: what you recorded was not covered by a passing safety check"
    )
    await expect(warning).to_have_class(re.compile(r"\bdeviation-contraindicated\b"))
    await expect(warning).to_contain_text("Nothing has been recorded yet.")
    await expect(warning).to_contain_text("records the session as a deviation")
    await expect(warning).to_contain_text("the clinic manager is alerted at once")
    item = warning.get_by_test_id("deviation")
    await expect(item).to_have_count(1)
    await expect(item.get_by_role("heading")).to_contain_text("Chamomile (Matricaria) extract")
    await expect(item.get_by_role("heading")).to_contain_text(f"lot {chamomile_lot}")
    await expect(item.get_by_role("heading")).to_contain_text("Contraindicated")
    finding = item.get_by_role("row").filter(has_text="allergy.compositae")
    await expect(finding).to_contain_text(f"Allergy: {COMPOSITAE}")
    await expect(finding).to_contain_text("Contraindicated")
    await expect(finding).to_contain_text("do not inject")
    await expect(page.get_by_test_id("appointment-status")).to_have_text("in progress")
    await expect(page.get_by_test_id("session-record")).to_have_count(0)
    # Everything typed is still there, the chamomile row with the formulary's unit.
    await expect_the_completion_as_typed(page, lots)
    chamomile = page.get_by_role("group", name="Also given: Chamomile (Matricaria) extract")
    await expect(chamomile.get_by_label("Other ingredient 1", exact=True)).to_have_value(
        "chamomile"
    )
    await expect(chamomile.get_by_label("Lot of other ingredient 1")).to_have_value(chamomile_lot)
    await expect(chamomile.get_by_label("Amount of other ingredient 1")).to_have_value("0.5")
    await expect(chamomile.get_by_label("Unit of other ingredient 1")).to_have_value("ml")
    await screenshot(page, "session-deviation-warning")

    # Completing again without acknowledging is refused, the messages next to the fields.
    await page.get_by_role("button", name="Complete the session").click()
    await expect(page.locator("#f-ack_code_0-error")).to_have_text(
        "Tick to acknowledge this finding, or correct the record above."
    )
    await expect(page.locator("#f-deviation_reason-error")).to_contain_text(
        "Say why this was given outside a passing safety check"
    )
    await expect(page.get_by_test_id("appointment-status")).to_have_text("in progress")

    reason = "Chamomile vial drawn up by mistake; patient observed 30 min, no reaction"
    await warning.get_by_label(re.compile(r"^I acknowledge allergy\.compositae")).check()
    await warning.get_by_label("Why this was given outside a passing safety check").fill(reason)
    await page.get_by_role("button", name="Complete the session").click()

    await expect(page.get_by_test_id("done")).to_have_text("Session completed.")
    await expect(page.get_by_test_id("appointment-status")).to_have_text("completed")
    record = page.get_by_test_id("session-record")
    await expect(record.get_by_test_id("deviation-badge")).to_have_text("Deviation")
    flagged = record.get_by_test_id("deviation-record")
    await expect(flagged).to_contain_text("Given outside a passing safety check")
    await expect(flagged).to_contain_text("allergy.compositae")
    await expect(flagged).to_contain_text(f"Reason given: “{reason}”")
    administered = record.get_by_test_id("administered")
    await expect(administered.get_by_role("row").filter(has_text="Chamomile")).to_contain_text(
        "Deviation"
    )
    await expect(administered.get_by_role("row").filter(has_text="Chamomile")).to_contain_text(
        "0.5 ml"
    )
    await screenshot(page, "session-deviation-recorded")

    # The clinic manager sees it on the chart, and the alert in the messages.
    await sign_out(page)
    await sign_in_as(page, console, "clinic_manager")
    await page.goto(f"/console/patients/{patient['id']}")
    session = page.get_by_test_id("treatments").get_by_role("row").filter(has_text="Even tone")

    async def in_the_chart() -> bool | None:
        await page.reload()
        return await session.count() == 1 or None

    await eventually(in_the_chart, within=60, interval=1)
    await expect(session.get_by_test_id("deviation-badge")).to_have_text("Deviation")
    note = session.get_by_test_id("treatment-deviation")
    await expect(note).to_contain_text("Chamomile (Matricaria) extract")
    await expect(note).to_contain_text("allergy.compositae")
    await expect(note).to_contain_text("Contraindicated")
    await expect(note).to_contain_text(f"Reason given: “{reason}”")
    await screenshot(page, "chart-deviation")

    await page.get_by_role("link", name="Messages").click()
    await page.get_by_label("Patient", exact=True).fill(patient["id"])
    await page.get_by_label("Kind").select_option(label="Unchecked administration alert (to staff)")
    alerts = page.get_by_test_id("messages").locator("tbody tr")

    async def alerted() -> bool | None:
        await page.get_by_role("button", name="Show messages").click()
        return await alerts.filter(has_text="to the clinic").count() == 1 or None

    await eventually(alerted, within=60, interval=1)
    await expect(alerts.filter(has_text="to the clinic")).to_contain_text(
        "unchecked administration alert"
    )


async def test_formulary_away_changes_nothing_and_keeps_what_was_typed(
    page: Page, console: Console
) -> None:
    patient = await new_patient(console, fitzpatrick_skin_type=2)
    blends = await _demo_blends(console)
    await _formulary_knows(console, patient, blends["Revitalising face"], "ok")
    treatment = await treatment_for(console, patient, after_days=10)
    await sign_in(page, console.accounts["practitioner"])
    await page.goto(f"/console/appointments/{treatment['id']}")
    await page.get_by_role("button", name="Check in").click()
    await page.get_by_label("Blend").select_option(blends["Even tone"]["id"])
    await page.get_by_label("Neck").uncheck()
    await page.get_by_role("button", name="Run the safety check and start").click()
    await expect(page.get_by_test_id("cross-check")).to_contain_text(
        "Blend made for another indication"
    )
    confirm = page.get_by_label("I have weighed each finding above and the session goes ahead")
    await confirm.check()
    await page.get_by_label("Why the session goes ahead").fill(INDICATION_REASON)

    # The start, acknowledged: not started; the caution, the choices and the reason kept.
    async with formulary_away(console):
        await page.get_by_role("button", name="Start with this acknowledgement").click()
        await expect(page.get_by_role("alert").first).to_contain_text(
            "The safety check could not run, so the session was not started. Nothing was changed"
        )
    await expect(page.get_by_test_id("appointment-status")).to_have_text("checked in")
    await expect(page.get_by_test_id("cross-check")).to_contain_text(
        "Blend made for another indication"
    )
    await expect(page.get_by_label("Blend")).to_have_value(blends["Even tone"]["id"])
    await expect(page.get_by_label("Neck")).not_to_be_checked()
    await expect(page.get_by_label("Face", exact=True)).to_be_checked()
    await expect(confirm).to_be_checked()
    await expect(page.get_by_label("Why the session goes ahead")).to_have_value(INDICATION_REASON)
    await page.get_by_role("button", name="Start with this acknowledgement").click()
    await expect(page.get_by_test_id("appointment-status")).to_have_text("in progress")
    await expect(page.get_by_test_id("recorded-check")).to_contain_text(INDICATION_REASON)

    # A changed plan: not checked, still the plan of record, the change kept.
    change = page.get_by_test_id("change-plan")
    await change.get_by_label("Décolleté").check()
    async with formulary_away(console):
        await change.get_by_role("button", name="Run the safety check on the changed plan").click()
        await expect(page.get_by_role("alert")).to_contain_text(
            "the changed plan was not checked: do not inject it"
        )
    await expect(change.get_by_label("Décolleté")).to_be_checked()
    await expect(page.get_by_test_id("recorded-check")).not_to_contain_text("Décolleté")
    await expect(page.get_by_test_id("earlier-checks")).to_have_count(0)

    # The completion: nothing recorded, every field as typed; then it goes through.
    lots = await fill_the_completion(page)
    async with formulary_away(console):
        await page.get_by_role("button", name="Complete the session").click()
        await expect(page.get_by_role("alert")).to_contain_text(
            "the session was not completed and nothing was recorded. Everything you typed is "
            "still below"
        )
    await expect(page.get_by_test_id("appointment-status")).to_have_text("in progress")
    await expect(page.get_by_test_id("session-record")).to_have_count(0)
    await expect_the_completion_as_typed(page, lots)
    await screenshot(page, "session-complete-formulary-away")
    after = await console.booking.client.get(
        f"/v1/appointments/{treatment['id']}", headers=headers(console, "practitioner")
    )
    assert after.json()["completion"] is None

    await page.get_by_role("button", name="Complete the session").click()
    await expect(page.get_by_test_id("done")).to_have_text("Session completed.")
    await expect(page.get_by_test_id("administered")).to_contain_text(lots[0])
    await expect(page.get_by_test_id("session-record")).to_contain_text("Well tolerated.")


async def test_a_unit_or_a_lot_formulary_refuses_is_named_at_its_row(
    page: Page, console: Console
) -> None:
    patient = await new_patient(console, fitzpatrick_skin_type=2)
    blends = await _demo_blends(console)
    await _formulary_knows(console, patient, blends["Revitalising face"], "ok")
    await started_session(page, console, patient, after_days=11, blend="Revitalising face")
    lots = await fill_the_completion(page)
    hyaluronic = page.get_by_role("group", name="Hyaluronic acid")
    unit = hyaluronic.get_by_label(re.compile("^Unit of "))
    # Each row shows the ingredient's unit, from the formulary, not to be typed over.
    await expect(unit).to_have_value("mg")
    await expect(unit).to_have_attribute("readonly", "")
    await expect(
        page.get_by_role("group", name="Chamomile").get_by_label(re.compile("^Unit of "))
    ).to_have_value("ml")

    # A page left open while the catalog said ml (a stale form): formulary refuses the unit.
    await unit.evaluate("input => { input.value = 'ml'; }")
    await page.get_by_role("button", name="Complete the session").click()
    await expect(hyaluronic.locator("#f-unit_0-error")).to_contain_text("measured in mg, not ml")
    await expect(unit).to_have_attribute("aria-invalid", "true")
    await expect(unit).to_have_value("mg")
    await expect(page.get_by_role("alert")).to_contain_text(
        "The session was not completed: correct the fields marked below."
    )
    await expect(page.get_by_test_id("appointment-status")).to_have_text("in progress")
    await expect_the_completion_as_typed(page, lots)

    # The vitamin C row given a lot of hyaluronic acid: the lot is named at its row.
    vitamin_c = page.get_by_role("group", name="Vitamin C")
    await vitamin_c.get_by_label(re.compile("^Lot of ")).fill(lots[0])
    await page.get_by_role("button", name="Complete the session").click()
    error = vitamin_c.locator(".error")
    await expect(error).to_contain_text(f"Lot {lots[0]} is a lot of 'hyaluronic_acid'")
    await expect(hyaluronic.locator(".error")).to_have_count(0)
    await expect(page.get_by_test_id("appointment-status")).to_have_text("in progress")
    await screenshot(page, "session-complete-lot-refused")

    await vitamin_c.get_by_label(re.compile("^Lot of ")).fill(lots[1])
    await page.get_by_role("button", name="Complete the session").click()
    await expect(page.get_by_test_id("done")).to_have_text("Session completed.")
