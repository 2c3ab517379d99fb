"""Clinical rules on every path of the session, against the real formulary (issue 12).

What is injected must have passed a cross-check of exactly that; what was given outside one is
refused until acknowledged, then recorded truthfully and flagged. A refused action writes and
emits nothing — read from the outbox, which commits with the change or not at all.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any
from uuid import UUID

import httpx
from fastapi import FastAPI, Request, Response

from tests.integration.booking.conftest import booking_service, served
from tests.integration.booking.helpers import (
    MONDAY,
    Stage,
    World,
    at,
    events_of,
    make_world,
    register_patient,
)
from tests.integration.formulary.helpers import (
    admin,
    blend_id,
    demo_lot,
    give_profile,
    seeded_network,
)
from tests.support import Parts, RunningService

TONE = "Even tone"  # a pigmentation blend: tranexamic acid, vitamin C, glutathione, lipoic acid
FACE = "Revitalising face"  # contains chamomile (Compositae)
SAFE = ["hyaluronic_acid", "ascorbic_acid"]
REASON = "Patient informed; the practitioner takes responsibility."


def given(code: str, amount: str, unit: str, lot: str | None = None) -> dict[str, str]:
    return {
        "ingredient_code": code,
        "ingredient_name": code.replace("_", " "),
        "lot_number": lot or demo_lot(code),
        "amount": amount,
        "unit": unit,
    }


def record(*ingredients: dict[str, str], **extra: Any) -> dict[str, Any]:
    return {
        "preparation": {"disinfection": "chlorhexidine 0.5%", "numbing_cream": False},
        "ingredients": list(ingredients),
        **extra,
    }


HA = given("hyaluronic_acid", "10", "mg")
VITAMIN_C = given("ascorbic_acid", "100", "mg")


async def in_session(
    stage: Stage,
    formulary: RunningService,
    *,
    profile: dict[str, Any],
    plan: dict[str, Any] | None = None,
) -> tuple[World, dict[str, Any], UUID]:
    """A treatment started with a plan that passed (default: hyaluronic acid and vitamin C)."""
    network = await seeded_network(formulary)
    world = await make_world(stage, patient=False, network=network)
    world.patient = await register_patient(stage, network)
    await give_profile(formulary, network, world.patient, **profile)
    await world.consulted(at(MONDAY, "09:00", world.tz))
    appt = await world.book(at(MONDAY, "10:00", world.tz), treatment_type_id=world.treatment["id"])
    assert (await world.act(appt["id"], "check-in")).status_code == 200
    started = await world.act(appt["id"], "start", plan or {"ingredient_codes": SAFE})
    assert started.status_code == 200, started.text
    return world, started.json(), network


async def emitted(stage: Stage, appointment_id: str) -> list[str]:
    """The event types booking committed for the appointment, in order (its outbox)."""
    rows = await stage.svc.app.state.pool.fetch(
        "SELECT type FROM outbox WHERE key = $1 ORDER BY id", appointment_id
    )
    return [r["type"].split(".")[2] for r in rows]


class TestTheSkeletonShortcutIsGone:
    async def test_it_answers_404_and_is_not_documented(self, stage: Stage) -> None:
        world = await make_world(stage)
        response = await world.post(
            "/v1/skeleton/completed-sessions",
            {"patient_id": str(world.patient), "clinic_id": world.clinic["id"]},
            world.doctor,
        )
        assert response.status_code == 404
        paths = (await stage.client.get("/openapi.json")).json()["paths"]
        assert not [p for p in paths if "skeleton" in p]


class TestCompleteChecksWhatWasGiven:
    async def test_an_allergen_never_checked_is_refused_until_acknowledged(
        self, with_formulary: Stage, formulary: RunningService
    ) -> None:
        world, appt, _ = await in_session(
            with_formulary,
            formulary,
            profile={"skin_type": 2, "allergies": [("compositae", "severe")]},
        )
        chamomile = given("chamomile", "0.5", "ml")
        refused = await world.act(appt["id"], "complete", record(HA, chamomile))
        assert refused.status_code == 409, refused.text
        problem = refused.json()
        assert problem["type"].endswith("/unchecked-administration")
        [deviation] = problem["deviations"]
        assert deviation["ingredient_code"] == "chamomile"
        assert deviation["lot_numbers"] == [chamomile["lot_number"]]
        assert [f["code"] for f in deviation["findings"]] == ["allergy.compositae"]
        assert problem["unacknowledged_codes"] == ["allergy.compositae"]
        still = (await world.get(f"/v1/appointments/{appt['id']}")).json()
        assert still["status"] == "in_progress"
        assert await emitted(with_formulary, appt["id"]) == ["AppointmentBooked", "SessionStarted"]

        body = record(
            HA,
            chamomile,
            acknowledgement={"reason": REASON, "finding_codes": ["allergy.compositae"]},
        )
        done = await world.act(appt["id"], "complete", body)
        assert done.status_code == 200, done.text
        completion = done.json()["completion"]
        assert completion["cross_check_verdict"] == "contraindicated"
        assert [d["ingredient_code"] for d in completion["deviations"]] == ["chamomile"]
        assert completion["acknowledgement"]["reason"] == REASON
        events = await events_of(with_formulary, appt["id"], count=3)
        completed = events[2][1]
        assert [i["ingredient_code"] for i in completed["ingredients"]] == [
            "hyaluronic_acid",
            "chamomile",
        ]
        assert completed["deviations"] == [
            {
                "ingredient_code": "chamomile",
                "lot_numbers": [chamomile["lot_number"]],
                "findings": [
                    {
                        "code": "allergy.compositae",
                        "ingredient": "chamomile",
                        "reason": "allergy",
                        "severity": "contraindicated",
                    }
                ],
            }
        ]
        assert completed["deviation_reason"] == REASON

    async def test_what_was_checked_completes_without_a_word(
        self, with_formulary: Stage, formulary: RunningService
    ) -> None:
        world, appt, _ = await in_session(with_formulary, formulary, profile={"skin_type": 2})
        done = await world.act(appt["id"], "complete", record(HA, VITAMIN_C))
        assert done.status_code == 200, done.text
        assert done.json()["completion"]["deviations"] == []
        assert done.json()["completion"]["cross_check_verdict"] == "ok"

    async def test_a_lot_recalled_after_the_start_is_a_deviation(
        self, with_formulary: Stage, formulary: RunningService
    ) -> None:
        world, appt, network = await in_session(
            with_formulary,
            formulary,
            profile={"skin_type": 2},
            plan={"ingredient_codes": SAFE, "lot_numbers": [HA["lot_number"]]},
        )
        lots = await formulary.client.get(
            "/v1/lots",
            params={"ingredient_code": "hyaluronic_acid"},
            headers=admin(formulary, network),
        )
        lot = next(x for x in lots.json()["items"] if x["lot_number"] == HA["lot_number"])
        recalled = await formulary.client.post(
            f"/v1/lots/{lot['id']}/recall",
            json={"reason": "Supplier notice"},
            headers=admin(formulary, network),
        )
        assert recalled.status_code == 200, recalled.text
        refused = await world.act(appt["id"], "complete", record(HA))
        assert refused.status_code == 409, refused.text
        codes = refused.json()["unacknowledged_codes"]
        assert codes == [f"recalled_lot.{HA['lot_number']}"]

    async def test_an_expired_lot_is_a_deviation(
        self, with_formulary: Stage, formulary: RunningService
    ) -> None:
        world, appt, _ = await in_session(with_formulary, formulary, profile={"skin_type": 2})
        expired = demo_lot("hyaluronic_acid", expired=True)
        refused = await world.act(
            appt["id"], "complete", record(given("hyaluronic_acid", "10", "mg", expired))
        )
        assert refused.status_code == 409, refused.text
        assert refused.json()["unacknowledged_codes"] == [f"expired_lot.{expired}"]

    async def test_more_than_the_maximum_a_session_is_a_deviation(
        self, with_formulary: Stage, formulary: RunningService
    ) -> None:
        world, appt, _ = await in_session(with_formulary, formulary, profile={"skin_type": 2})
        # 15 + 10 mg: each under the 20 mg maximum, together over it.
        twice = record(given("hyaluronic_acid", "15", "mg"), HA)
        refused = await world.act(appt["id"], "complete", twice)
        assert refused.status_code == 409, refused.text
        [deviation] = refused.json()["deviations"]
        assert [f["code"] for f in deviation["findings"]] == ["dose_limit.max_amount_per_session"]

    async def test_a_lot_of_another_ingredient_is_a_wrong_record(
        self, with_formulary: Stage, formulary: RunningService
    ) -> None:
        world, appt, _ = await in_session(with_formulary, formulary, profile={"skin_type": 2})
        wrong = given("hyaluronic_acid", "10", "mg", demo_lot("ascorbic_acid"))
        refused = await world.act(appt["id"], "complete", record(VITAMIN_C, wrong))
        assert refused.status_code == 422, refused.text
        assert [e["field"] for e in refused.json()["errors"]] == ["ingredients[1].lot_number"]

    async def test_an_unknown_lot_or_another_unit_is_a_wrong_record(
        self, with_formulary: Stage, formulary: RunningService
    ) -> None:
        world, appt, _ = await in_session(with_formulary, formulary, profile={"skin_type": 2})
        unknown = given("hyaluronic_acid", "10", "mg", "NO-SUCH-LOT")
        in_ml = given("ascorbic_acid", "1", "ml")
        refused = await world.act(appt["id"], "complete", record(unknown, in_ml))
        assert refused.status_code == 422, refused.text
        fields = {e["field"] for e in refused.json()["errors"]}
        assert "ingredients[0].lot_number" in fields
        assert await emitted(with_formulary, appt["id"]) == ["AppointmentBooked", "SessionStarted"]

    async def test_a_caution_acknowledged_at_the_start_is_not_asked_again(
        self, with_formulary: Stage, formulary: RunningService
    ) -> None:
        code = "medication_interaction.anticoagulant"
        world, appt, _ = await in_session(
            with_formulary,
            formulary,
            profile={"skin_type": 2, "medications": [("Warfarin", ["anticoagulant"])]},
            plan={
                "ingredient_codes": SAFE,
                "acknowledgement": {"reason": REASON, "finding_codes": [code]},
            },
        )
        done = await world.act(appt["id"], "complete", record(HA))
        assert done.status_code == 200, done.text
        assert done.json()["completion"]["deviations"] == []


class TestAChangedPlanIsCheckedBeforeInjecting:
    async def test_a_contraindicated_change_is_refused_and_changes_nothing(
        self, with_formulary: Stage, formulary: RunningService
    ) -> None:
        world, appt, network = await in_session(
            with_formulary,
            formulary,
            profile={"skin_type": 2, "allergies": [("compositae", "moderate")]},
        )
        refused = await world.act(
            appt["id"], "cross-check", {"blend_id": str(blend_id(network, FACE))}
        )
        assert refused.status_code == 409, refused.text
        assert refused.json()["type"].endswith("/contraindicated")
        assert any(f["ingredient"] == "chamomile" for f in refused.json()["findings"])
        after = (await world.get(f"/v1/appointments/{appt['id']}")).json()
        assert len(after["cross_checks"]) == 1
        assert await emitted(with_formulary, appt["id"]) == ["AppointmentBooked", "SessionStarted"]

    async def test_a_caution_acknowledged_on_a_recheck_covers_the_completion(
        self, with_formulary: Stage, formulary: RunningService
    ) -> None:
        # Deoxycholate carries a pigmentation risk for Fitzpatrick V: a caution.
        world, appt, _ = await in_session(with_formulary, formulary, profile={"skin_type": 5})
        deoxycholate = given("sodium_deoxycholate", "10", "mg")
        without = await world.act(appt["id"], "complete", record(HA, deoxycholate))
        assert without.status_code == 409
        codes = without.json()["unacknowledged_codes"]
        assert codes == ["skin_type_risk.pigmentation"]

        plan = {"ingredient_codes": ["hyaluronic_acid", "sodium_deoxycholate"]}
        asked = await world.act(appt["id"], "cross-check", plan)
        assert asked.status_code == 409
        assert asked.json()["type"].endswith("/caution-not-acknowledged")
        rechecked = await world.act(
            appt["id"],
            "cross-check",
            plan | {"acknowledgement": {"reason": REASON, "finding_codes": codes}},
        )
        assert rechecked.status_code == 200, rechecked.text
        assert rechecked.json()["status"] == "in_progress"
        assert len(rechecked.json()["cross_checks"]) == 2
        assert rechecked.json()["cross_check"]["ingredient_codes"] == plan["ingredient_codes"]

        done = await world.act(appt["id"], "complete", record(HA, deoxycholate))
        assert done.status_code == 200, done.text
        assert done.json()["completion"]["deviations"] == []
        types = await emitted(with_formulary, appt["id"])
        assert types[-3:] == ["SessionStarted", "SessionRechecked", "SessionCompleted"]

    async def test_a_recheck_is_only_for_a_session_in_progress(
        self, with_formulary: Stage, formulary: RunningService
    ) -> None:
        network = await seeded_network(formulary)
        world = await make_world(with_formulary, network=network)
        appt = await world.book(at(MONDAY, "09:00", world.tz))
        response = await world.act(appt["id"], "cross-check", {"ingredient_codes": SAFE})
        assert response.status_code == 409
        assert response.json()["type"].endswith("/illegal-transition")


class TestTheBlendAgainstTheAppointment:
    async def test_a_blend_for_another_indication_needs_an_acknowledgement(
        self, with_formulary: Stage, formulary: RunningService
    ) -> None:
        network = await seeded_network(formulary)
        world = await make_world(with_formulary, patient=False, network=network)
        world.patient = await register_patient(with_formulary, network)
        await give_profile(formulary, network, world.patient, skin_type=2)
        await world.consulted(at(MONDAY, "09:00", world.tz))
        appt = await world.book(
            at(MONDAY, "10:00", world.tz), treatment_type_id=world.treatment["id"]
        )
        await world.act(appt["id"], "check-in")
        plan = {"blend_id": str(blend_id(network, TONE))}
        refused = await world.act(appt["id"], "start", plan)
        assert refused.status_code == 409, refused.text
        assert refused.json()["unacknowledged_codes"] == ["indication_mismatch"]
        ack = {
            "reason": "Pigmentation is the concern today",
            "finding_codes": ["indication_mismatch"],
        }
        started = await world.act(appt["id"], "start", plan | {"acknowledgement": ack})
        assert started.status_code == 200, started.text
        events = await events_of(with_formulary, appt["id"], count=2)
        assert [kind for kind, _ in events] == [
            "mesocare.booking.AppointmentBooked.v1",
            "mesocare.booking.SessionStarted.v1",
        ]  # the refused start emitted nothing
        started_event = events[-1][1]
        assert [f["reason"] for f in started_event["acknowledged_findings"]] == [
            "indication_mismatch"
        ]
        assert started_event["acknowledgement_reason"] == ack["reason"]


class TestFormularyAway:
    async def test_completion_fails_closed_and_records_nothing(
        self, stage: Stage, parts: Parts
    ) -> None:
        # `stage` asks a formulary where nothing listens. A consultation starts without a
        # cross-check (nothing planned); injecting at its end must still be checked.
        world = await make_world(stage)
        appt = await world.book(at(MONDAY, "11:00", world.tz))
        await world.act(appt["id"], "check-in")
        assert (await world.act(appt["id"], "start", {})).status_code == 200
        refused = await world.act(appt["id"], "complete", record(HA))
        assert refused.status_code == 503, refused.text
        after = (await world.get(f"/v1/appointments/{appt['id']}")).json()
        assert after["status"] == "in_progress"
        assert after["completion"] is None
        assert await emitted(stage, appt["id"]) == ["AppointmentBooked", "SessionStarted"]


@asynccontextmanager
async def held_formulary(formulary: RunningService) -> AsyncIterator[tuple[str, Any]]:
    """formulary behind a gate: each request waits until the test opens it."""
    arrived, opened = asyncio.Event(), asyncio.Event()
    gate = FastAPI()

    @gate.api_route("/{path:path}", methods=["GET", "POST"])
    async def forward(path: str, request: Request) -> Response:
        arrived.set()
        await opened.wait()
        transport = httpx.ASGITransport(app=formulary.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://f") as client:
            answer = await client.request(
                request.method,
                f"/{path}",
                content=await request.body(),
                headers={k: v for k, v in request.headers.items() if k != "host"},
            )
        return Response(answer.content, answer.status_code, media_type="application/json")

    async with served(gate) as url:
        yield url, (arrived, opened)


class TestASlowFormularyHoldsNoLock:
    async def test_a_cancel_during_the_start_wins_cleanly(
        self, parts: Parts, formulary: RunningService
    ) -> None:
        async with (
            held_formulary(formulary) as (url, (arrived, opened)),
            booking_service(
                parts, "booking_slow", formulary_url=url, formulary_timeout_seconds=30
            ) as stage,
        ):
            network = await seeded_network(formulary)
            world = await make_world(stage, patient=False, network=network)
            world.patient = await register_patient(stage, network)
            await give_profile(formulary, network, world.patient, skin_type=2)
            await world.consulted(at(MONDAY, "09:00", world.tz))
            appt = await world.book(
                at(MONDAY, "10:00", world.tz), treatment_type_id=world.treatment["id"]
            )
            await world.act(appt["id"], "check-in")
            starting = asyncio.create_task(
                world.act(appt["id"], "start", {"ingredient_codes": SAFE})
            )
            await asyncio.wait_for(arrived.wait(), 20)
            # formulary has the question and is not answering: the appointment is not locked.
            cancelled = await asyncio.wait_for(
                world.act(appt["id"], "cancel", {"reason": "Patient felt unwell"}), 20
            )
            assert cancelled.status_code == 200, cancelled.text
            opened.set()
            started = await starting
            assert started.status_code == 409, started.text
            assert started.json()["type"].endswith("/illegal-transition")
            after = (await world.get(f"/v1/appointments/{appt['id']}")).json()
            assert after["status"] == "cancelled"
            assert "SessionStarted" not in await emitted(stage, appt["id"])


class TestAConsultation:
    async def test_completes_without_formulary_and_carries_the_plan_agreed(
        self, stage: Stage
    ) -> None:
        world = await make_world(stage)
        plan = await world.post(
            "/v1/treatment-plans",
            {
                "patient_id": str(world.patient),
                "treatment_type_id": world.treatment["id"],
                "sessions_planned": 4,
                "interval_days": 14,
            },
        )
        assert plan.status_code == 201, plan.text
        done = await world.consulted(at(MONDAY, "12:00", world.tz))
        assert done["completion"]["cross_check_verdict"] is None
        events = await events_of(stage, done["id"], count=2)
        completed = events[-1][1]
        assert completed["ingredients"] == []
        assert completed["treatment_plan"]["treatment_plan_id"] == plan.json()["id"]
        assert completed["treatment_plan"]["treatment_name"] == "Face rejuvenation"
        assert completed["treatment_plan"]["sessions_planned"] == 4
        assert Decimal(completed["treatment_plan"]["interval_days"]) == 14
