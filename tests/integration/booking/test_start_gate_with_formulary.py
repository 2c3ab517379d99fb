"""The start gate against the real formulary: each verdict, and SessionCompleted after a
treatment carrying everything the practitioner recorded."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

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
    blend_id,
    demo_lot,
    give_profile,
    seeded_network,
)
from tests.support import RunningService

FACE = "Revitalising face"
BODY = "Body contour"


async def checked_in_treatment(
    stage: Stage, formulary: RunningService, *, profile: dict[str, Any] | None
) -> tuple[World, dict[str, Any], UUID]:
    network = await seeded_network(formulary)
    world = await make_world(stage, patient=False, network=network)
    patient = await register_patient(stage, network)
    world.patient = patient
    if profile is not None:
        await give_profile(formulary, network, patient, **profile)
    await world.consulted(at(MONDAY, "09:00", world.tz))
    appt = await world.book(at(MONDAY, "10:00", world.tz), treatment_type_id=world.treatment["id"])
    assert (await world.act(appt["id"], "check-in")).status_code == 200
    return world, appt, network


class TestVerdicts:
    async def test_ok_starts_the_session_and_records_the_check(
        self, with_formulary: Stage, formulary: RunningService
    ) -> None:
        world, appt, network = await checked_in_treatment(
            with_formulary, formulary, profile={"skin_type": 2}
        )
        blend = blend_id(network, FACE)
        response = await world.act(appt["id"], "start", {"blend_id": str(blend)})
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "in_progress"
        assert response.json()["cross_check"]["verdict"] == "ok"
        # No version named: the one formulary checked (the blend's current) is recorded.
        assert response.json()["cross_check"]["blend_version"] == 1
        events = await events_of(with_formulary, appt["id"], count=2)
        started = events[1][1]
        assert started["cross_check_verdict"] == "ok"
        assert started["blend_id"] == str(blend)
        assert started["blend_version"] == 1
        assert started["profile_version"] == 1

    async def test_contraindicated_blocks_with_the_findings(
        self, with_formulary: Stage, formulary: RunningService
    ) -> None:
        world, appt, network = await checked_in_treatment(
            with_formulary, formulary, profile={"allergies": [("chamomile", "severe")]}
        )
        response = await world.act(appt["id"], "start", {"blend_id": str(blend_id(network, FACE))})
        assert response.status_code == 409, response.text
        problem = response.json()
        assert problem["type"].endswith("/contraindicated")
        assert any(f["ingredient"] == "chamomile" for f in problem["findings"])
        after = await world.get(f"/v1/appointments/{appt['id']}")
        assert after.json()["status"] == "checked_in"

    async def test_a_patient_without_a_safety_profile_does_not_start(
        self, with_formulary: Stage, formulary: RunningService
    ) -> None:
        world, appt, network = await checked_in_treatment(with_formulary, formulary, profile=None)
        response = await world.act(appt["id"], "start", {"blend_id": str(blend_id(network, FACE))})
        assert response.status_code == 409
        assert response.json()["type"].endswith("/cross-check-unknown-patient")

    async def test_caution_needs_a_practitioners_acknowledgement_of_every_finding(
        self, with_formulary: Stage, formulary: RunningService
    ) -> None:
        world, appt, network = await checked_in_treatment(
            with_formulary, formulary, profile={"skin_type": 5}
        )
        planned = {"blend_id": str(blend_id(network, BODY)), "areas": ["abdomen"]}
        refused = await world.act(appt["id"], "start", planned)
        assert refused.status_code == 409, refused.text
        assert refused.json()["type"].endswith("/caution-not-acknowledged")
        codes = refused.json()["unacknowledged_codes"]
        assert codes

        started = await world.act(
            appt["id"],
            "start",
            {
                **planned,
                "acknowledgement": {
                    "reason": "Discussed pigmentation risk; test patch tolerated.",
                    "finding_codes": codes,
                },
            },
        )
        assert started.status_code == 200, started.text
        assert started.json()["acknowledgement"]["finding_codes"] == codes
        events = await events_of(with_formulary, appt["id"], count=2)
        event = events[1][1]
        assert event["cross_check_verdict"] == "caution"
        assert event["acknowledgement_reason"].startswith("Discussed pigmentation")
        assert {f["code"] for f in event["acknowledged_findings"]} == set(codes)


class TestSessionCompleted:
    async def test_it_carries_everything_recorded_and_the_plan_dates(
        self, with_formulary: Stage, formulary: RunningService
    ) -> None:
        network = await seeded_network(formulary)
        world = await make_world(with_formulary, patient=False, network=network)
        world.patient = await register_patient(with_formulary, network)
        await give_profile(formulary, network, world.patient, skin_type=2)
        plan = (
            await world.post(
                "/v1/treatment-plans",
                {
                    "patient_id": str(world.patient),
                    "treatment_type_id": world.treatment["id"],
                    "sessions_planned": 4,
                    "interval_days": 14,
                    "maintenance_interval_days": 120,
                },
            )
        ).json()
        await world.consulted(at(MONDAY, "09:00", world.tz))
        appt = await world.book(
            at(MONDAY, "10:00", world.tz), treatment_type_id=world.treatment["id"]
        )
        blend = blend_id(network, FACE)
        await world.act(appt["id"], "check-in")
        started = await world.act(appt["id"], "start", {"blend_id": str(blend), "blend_version": 1})
        assert started.status_code == 200, started.text
        record = {
            "preparation": {
                "disinfection": "chlorhexidine 0.5%",
                "numbing_cream": True,
                "numbing_product": "lidocaine 5% cream",
            },
            "blend_name": FACE,
            "ingredients": [
                {
                    "ingredient_code": "hyaluronic_acid",
                    "ingredient_name": "Hyaluronic acid",
                    "lot_number": demo_lot("hyaluronic_acid"),
                    "amount": "10",
                    "unit": "mg",
                },
                {
                    "ingredient_code": "ascorbic_acid",
                    "ingredient_name": "Vitamin C",
                    "lot_number": demo_lot("ascorbic_acid"),
                    "amount": "100",
                    "unit": "mg",
                },
            ],
            "areas": ["face"],
            "technique": "nappage",
            "depth_mm": "1.5",
            "injection_count": 60,
            "immediate_reactions": ["redness"],
            "notes": "Well tolerated.",
        }
        done = await world.act(appt["id"], "complete", record)
        assert done.status_code == 200, done.text

        events = await events_of(with_formulary, appt["id"], count=3)
        ce_type, completed = events[2]
        assert ce_type == "mesocare.booking.SessionCompleted.v1"
        assert completed["preparation"] == record["preparation"]
        assert completed["blend_id"] == str(blend)
        assert completed["blend_version"] == 1
        assert completed["blend_name"] == FACE
        assert [
            (i["ingredient_code"], i["lot_number"], Decimal(i["amount"]), i["unit"])
            for i in completed["ingredients"]
        ] == [
            ("hyaluronic_acid", demo_lot("hyaluronic_acid"), Decimal("10"), "mg"),
            ("ascorbic_acid", demo_lot("ascorbic_acid"), Decimal("100"), "mg"),
        ]
        assert completed["areas"] == ["face"]
        assert completed["technique"] == "nappage"
        assert Decimal(completed["depth_mm"]) == Decimal("1.5")
        assert completed["injection_count"] == 60
        assert completed["immediate_reactions"] == ["redness"]
        assert completed["notes"] == "Well tolerated."
        assert completed["completed_by"] == "dr.leroy@example.test"
        assert completed["treatment_plan_id"] == plan["id"]
        assert completed["next_session_due"] == (MONDAY + timedelta(days=14)).isoformat()
        assert completed["maintenance_due"] is None
        assert completed["clinic"]["timezone"] == "Europe/Paris"
        assert completed["practitioner"]["phone"] == "+33611111111"
        assert completed["kind"] == "treatment"
        assert completed["indication"] == "skin_rejuvenation"
