"""The cross-check end to end: the replica from PatientSafetyProfileChanged, every reason."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID, uuid4

import pytest

from tests.integration.formulary.helpers import (
    admin,
    auth,
    blend_id,
    cross_check,
    demo_lot,
    error_fields,
    give_profile,
    known_clinic,
    profile_event,
    publish,
    seeded_network,
    send,
    today,
    wait_for_profile_version,
)
from tests.support import RunningService, eventually

FACE = "Revitalising face"  # hyaluronic acid, vitamin C, amino acids, silicon, chamomile
TONE = "Even tone"  # for pigmentation, on the face
BODY = "Body contour"  # phosphatidylcholine, deoxycholate (pigmentation risk), carnitine, caffeine
HAIR = "Hair density"  # includes melatonin (contraindicated in pregnancy)


GIVEN = {
    "ingredient_code": "hyaluronic_acid",
    "lot_number": demo_lot("hyaluronic_acid"),
    "amount": "10",
    "unit": "mg",
}


async def _handled(formulary: RunningService, event_id: UUID) -> None:
    async def probe() -> bool:
        return bool(
            await formulary.pool.fetchval("SELECT true FROM inbox WHERE event_id = $1", event_id)
        )

    await eventually(probe)


def _reasons(response) -> list[tuple[str, str | None, str, str]]:
    return [
        (f["reason"], f["ingredient"], f["severity"], f["certainty"])
        for f in response.json()["findings"]
    ]


class TestReplica:
    async def test_a_newer_profile_replaces_the_older_one(self, formulary: RunningService) -> None:
        network = await seeded_network(formulary)
        patient = await give_profile(formulary, network)
        blend = blend_id(network, FACE)
        assert (await cross_check(formulary, network, patient_id=patient, blend_id=blend)).json()[
            "verdict"
        ] == "ok"
        await give_profile(
            formulary, network, patient, version=2, allergies=[("chamomile", "mild")]
        )
        response = await cross_check(formulary, network, patient_id=patient, blend_id=blend)
        assert (response.json()["verdict"], response.json()["profile_version"]) == (
            "contraindicated",
            2,
        )

    async def test_an_older_profile_arriving_late_is_ignored(
        self, formulary: RunningService
    ) -> None:
        network = await seeded_network(formulary)
        patient = await give_profile(formulary, network, version=3)
        late = await publish(
            formulary,
            profile_event(network, patient, 2, allergies=[("chamomile", "severe")]),
            "mesocare/records",
        )
        await _handled(formulary, late.id)
        response = await cross_check(
            formulary, network, patient_id=patient, blend_id=blend_id(network, FACE)
        )
        assert (response.json()["verdict"], response.json()["profile_version"]) == ("ok", 3)

    async def test_a_duplicate_or_equal_version_changes_nothing(
        self, formulary: RunningService
    ) -> None:
        network = await seeded_network(formulary)
        patient = uuid4()
        first = await publish(formulary, profile_event(network, patient, 1), "mesocare/records")
        await send(formulary, first)  # redelivered as is
        same_version = await publish(
            formulary,
            profile_event(network, patient, 1, conditions=["active_skin_infection"]),
            "mesocare/records",
        )
        await _handled(formulary, same_version.id)
        await wait_for_profile_version(formulary, network, patient, 1)
        response = await cross_check(
            formulary, network, patient_id=patient, blend_id=blend_id(network, FACE)
        )
        assert response.json()["verdict"] == "ok"

    async def test_a_patient_with_no_profile_is_unknown_patient_not_a_pass(
        self, formulary: RunningService
    ) -> None:
        network = await seeded_network(formulary)
        response = await cross_check(
            formulary, network, patient_id=uuid4(), blend_id=blend_id(network, FACE)
        )
        assert response.status_code == 200
        assert response.json() == {
            "verdict": "unknown_patient",
            "profile_version": None,
            "blend_id": str(blend_id(network, FACE)),
            "blend_version": 1,
            "findings": [],
        }

    async def test_another_networks_profile_is_not_used(self, formulary: RunningService) -> None:
        network = await seeded_network(formulary)
        patient = await give_profile(formulary, network)
        other = await seeded_network(formulary)
        response = await cross_check(
            formulary, other, patient_id=patient, blend_id=blend_id(other, FACE)
        )
        assert response.json()["verdict"] == "unknown_patient"


class TestEachReason:
    async def test_an_allergy_to_an_ingredient_is_contraindicated_and_definite(
        self, formulary: RunningService
    ) -> None:
        network = await seeded_network(formulary)
        patient = await give_profile(formulary, network, allergies=[("caffeine", "anaphylaxis")])
        response = await cross_check(
            formulary, network, patient_id=patient, blend_id=blend_id(network, BODY)
        )
        assert response.json()["verdict"] == "contraindicated"
        [finding] = response.json()["findings"]
        assert (finding["reason"], finding["ingredient"], finding["certainty"]) == (
            "allergy",
            "caffeine",
            "definite",
        )
        assert "severe" in finding["explanation"] and "anaphylaxis" in finding["explanation"]

    async def test_an_allergy_to_a_plant_family_flags_its_relatives(
        self, formulary: RunningService
    ) -> None:
        network = await seeded_network(formulary)
        probable = await give_profile(
            formulary, network, allergies=[("sesquiterpene_lactones", "moderate")]
        )
        possible = await give_profile(formulary, network, allergies=[("apiaceae", "mild")])
        blend = blend_id(network, FACE)
        first = await cross_check(formulary, network, patient_id=probable, blend_id=blend)
        second = await cross_check(formulary, network, patient_id=possible, blend_id=blend)
        assert first.json()["verdict"] == "contraindicated"
        assert _reasons(first) == [("cross_reactivity", "chamomile", "contraindicated", "probable")]
        assert second.json()["verdict"] == "caution"
        assert _reasons(second) == [("cross_reactivity", "chamomile", "caution", "possible")]

    async def test_an_allergy_to_plant_extracts_or_vitamins_in_general_is_caught(
        self, formulary: RunningService
    ) -> None:
        network = await seeded_network(formulary)
        patient = await give_profile(
            formulary, network, allergies=[("plant_extracts", "mild"), ("vitamins", "mild")]
        )
        response = await cross_check(
            formulary, network, patient_id=patient, blend_id=blend_id(network, FACE)
        )
        assert {f["ingredient"] for f in response.json()["findings"]} == {
            "chamomile",
            "ascorbic_acid",
        }

    async def test_conditions_and_anticoagulants(self, formulary: RunningService) -> None:
        network = await seeded_network(formulary)
        infected = await give_profile(formulary, network, conditions=["active_skin_infection"])
        bleeding = await give_profile(
            formulary,
            network,
            conditions=["blood_coagulation_disorder"],
            medications=[("Warfarin", ["anticoagulant"])],
        )
        pregnant = await give_profile(formulary, network, conditions=["pregnancy"])
        face = blend_id(network, FACE)
        first = await cross_check(formulary, network, patient_id=infected, blend_id=face)
        second = await cross_check(formulary, network, patient_id=bleeding, blend_id=face)
        third = await cross_check(
            formulary, network, patient_id=pregnant, blend_id=blend_id(network, HAIR)
        )
        assert first.json()["verdict"] == "contraindicated"
        assert _reasons(first) == [
            ("contraindicated_condition", None, "contraindicated", "definite")
        ]
        assert second.json()["verdict"] == "caution"
        assert {r[0] for r in _reasons(second)} == {
            "contraindicated_condition",
            "medication_interaction",
        }
        assert "Warfarin" in second.text
        assert _reasons(third) == [
            ("contraindicated_condition", "melatonin", "contraindicated", "definite")
        ]

    @pytest.mark.parametrize(
        ("skin_type", "verdict"), [(5, "caution"), (2, "ok"), (None, "caution")]
    )
    async def test_pigmentation_risk_for_darker_or_unrecorded_skin_types(
        self, formulary: RunningService, skin_type: int | None, verdict: str
    ) -> None:
        network = await seeded_network(formulary)
        patient = await give_profile(formulary, network, skin_type=skin_type)
        response = await cross_check(
            formulary, network, patient_id=patient, blend_id=blend_id(network, BODY)
        )
        assert response.json()["verdict"] == verdict
        assert {r[0] for r in _reasons(response)} <= {"skin_type_risk"}

    async def test_withdrawn_unapproved_and_over_the_limit_ingredients(
        self, formulary: RunningService
    ) -> None:
        network = await seeded_network(formulary)
        patient = await give_profile(formulary, network)
        clinic = await known_clinic(formulary, network)
        await formulary.client.put(
            f"/v1/clinics/{clinic}/approved-list",
            json={"ingredient_codes": ["caffeine"]},
            headers=admin(formulary, network),
        )
        response = await cross_check(
            formulary,
            network,
            patient_id=patient,
            ingredient_codes=["collagenase", "caffeine", "biotin"],
            amounts=["10", "500", "1"],
            clinic_id=clinic,
        )
        assert response.json()["verdict"] == "contraindicated"
        assert {(r[0], r[1]) for r in _reasons(response)} == {
            ("not_approved", "collagenase"),
            ("not_approved", "biotin"),
            ("dose_limit", "caffeine"),
        }
        network_wide = await cross_check(
            formulary, network, patient_id=patient, ingredient_codes=["biotin"]
        )
        assert network_wide.json()["verdict"] == "ok"

    async def test_expired_and_recalled_lots(self, formulary: RunningService) -> None:
        network = await seeded_network(formulary)
        patient = await give_profile(formulary, network)
        lot = await formulary.client.post(
            "/v1/lots",
            json={
                "ingredient_code": "hyaluronic_acid",
                "supplier": "Acme",
                "lot_number": "HA-BAD",
                "expires_on": str(today() + timedelta(days=30)),
            },
            headers=admin(formulary, network),
        )
        await formulary.client.post(
            f"/v1/lots/{lot.json()['id']}/recall",
            json={"reason": "Particles found"},
            headers=admin(formulary, network),
        )
        response = await cross_check(
            formulary,
            network,
            patient_id=patient,
            blend_id=blend_id(network, FACE),
            lot_numbers=["DEMO-EXPIRED-001", "HA-BAD"],
            areas=["face"],
        )
        assert response.json()["verdict"] == "contraindicated"
        assert {(f["reason"], f["code"]) for f in response.json()["findings"]} == {
            ("expired_lot", "expired_lot.DEMO-EXPIRED-001"),
            ("recalled_lot", "recalled_lot.HA-BAD"),
        }

    async def test_an_older_blend_version_is_checked_as_it_was(
        self, formulary: RunningService
    ) -> None:
        network = await seeded_network(formulary)
        patient = await give_profile(formulary, network, allergies=[("glutathione", "mild")])
        created = await formulary.client.post(
            "/v1/blends",
            json={
                "name": "Tone",
                "indication": "pigmentation",
                "areas": ["face"],
                "components": [{"ingredient_code": "glutathione", "amount": "300"}],
            },
            headers=admin(formulary, network),
        )
        blend = created.json()["id"]
        await formulary.client.put(
            f"/v1/blends/{blend}",
            json={
                "name": "Tone",
                "indication": "pigmentation",
                "areas": ["face"],
                "components": [{"ingredient_code": "tranexamic_acid", "amount": "20"}],
            },
            headers=admin(formulary, network),
        )
        old = await cross_check(
            formulary, network, patient_id=patient, blend_id=blend, blend_version=1
        )
        new = await cross_check(formulary, network, patient_id=patient, blend_id=blend)
        assert (old.json()["verdict"], old.json()["blend_version"]) == ("contraindicated", 1)
        assert (new.json()["verdict"], new.json()["blend_version"]) == ("ok", 2)


class TestWhoAndWhat:
    @pytest.mark.parametrize("role", ["integration", "receptionist", "practitioner"])
    async def test_staff_and_integrations_may_cross_check(
        self, formulary: RunningService, role: str
    ) -> None:
        network = await seeded_network(formulary)
        response = await cross_check(
            formulary, network, role, patient_id=uuid4(), ingredient_codes=["caffeine"]
        )
        assert response.status_code == 200

    async def test_a_clinic_outside_the_token_is_403(self, formulary: RunningService) -> None:
        from tests.integration.formulary.helpers import auth

        network = await seeded_network(formulary)
        response = await formulary.client.post(
            "/v1/cross-checks",
            json={
                "patient_id": str(uuid4()),
                "ingredient_codes": ["caffeine"],
                "clinic_id": str(uuid4()),
            },
            headers=auth(formulary, network, "practitioner", clinic_ids=(uuid4(),)),
        )
        assert response.status_code == 403

    async def test_another_networks_blend_is_404(self, formulary: RunningService) -> None:
        network = await seeded_network(formulary)
        response = await cross_check(
            formulary, uuid4(), patient_id=uuid4(), blend_id=blend_id(network, FACE)
        )
        assert response.status_code == 404

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"ingredient_codes": ["unicorn_dust"]}, "ingredient_codes[0]"),
            ({"ingredient_codes": ["caffeine"], "amounts": ["1", "2"]}, "amounts"),
            ({"ingredient_codes": ["caffeine"], "amounts": ["-1"]}, "amounts.0"),
            ({"ingredient_codes": ["caffeine"], "lot_numbers": ["NOPE"]}, "lot_numbers[0]"),
            ({"ingredient_codes": ["caffeine"], "lot_numbers": ["DEMO-001"]}, "lot_numbers[0]"),
            ({}, "blend_id"),
            ({"ingredient_codes": ["caffeine"], "areas": ["elbow"]}, "areas.0"),
            ({"ingredient_codes": ["caffeine"], "administered": [GIVEN]}, "administered"),
            ({"ingredient_codes": ["caffeine"], "blend_version": 2}, "blend_version"),
            ({"administered": [GIVEN | {"lot_number": "NOPE"}]}, "administered[0].lot_number"),
            (
                {"administered": [GIVEN | {"lot_number": "DEMO-001"}]},
                "administered[0].lot_number",
            ),
            ({"administered": [GIVEN | {"unit": "ml"}]}, "administered[0].unit"),
            (
                {"administered": [GIVEN | {"ingredient_code": "unicorn_dust"}]},
                "administered[0].ingredient_code",
            ),
            (
                {"lot_numbers": ["NOPE"], "administered": [GIVEN | {"lot_number": "NOPE2"}]},
                "administered[0].lot_number",
            ),
        ],
    )
    async def test_bad_input_is_422_naming_the_field(
        self, formulary: RunningService, body: dict, field: str
    ) -> None:
        network = await seeded_network(formulary)
        if body.pop("blend", None):
            body["blend_id"] = blend_id(network, FACE)
        response = await cross_check(formulary, network, patient_id=uuid4(), **body)
        assert response.status_code == 422, response.text
        assert field in error_fields(response), response.text

    async def test_verdicts_are_counted_by_verdict(self, formulary: RunningService) -> None:
        network = await seeded_network(formulary)
        before = await _verdict_count(formulary, "unknown_patient")
        await cross_check(formulary, network, patient_id=uuid4(), ingredient_codes=["caffeine"])
        await cross_check(formulary, network, patient_id=uuid4(), ingredient_codes=["biotin"])
        assert await _verdict_count(formulary, "unknown_patient") == before + 2


async def _verdict_count(formulary: RunningService, verdict: str) -> float:
    text = (await formulary.client.get("/metrics")).text
    for line in text.splitlines():
        if line.startswith("cross_check_verdicts_total{") and f'verdict="{verdict}"' in line:
            return float(line.rsplit(" ", 1)[1])
    return 0.0


class TestTheBlendAgainstTheSession:
    async def test_a_blend_for_another_indication_is_a_caution(
        self, formulary: RunningService
    ) -> None:
        network = await seeded_network(formulary)
        patient = await give_profile(formulary, network, skin_type=2)
        response = await cross_check(
            formulary,
            network,
            patient_id=patient,
            blend_id=blend_id(network, TONE),
            indication="skin_rejuvenation",
            areas=["face"],
        )
        assert response.json()["verdict"] == "caution", response.text
        assert [(f["code"], f["reason"], f["severity"]) for f in response.json()["findings"]] == [
            ("indication_mismatch", "indication_mismatch", "caution")
        ]
        assert "pigmentation" in response.json()["findings"][0]["explanation"]

    async def test_the_same_indication_is_ok(self, formulary: RunningService) -> None:
        network = await seeded_network(formulary)
        patient = await give_profile(formulary, network, skin_type=2)
        response = await cross_check(
            formulary,
            network,
            patient_id=patient,
            blend_id=blend_id(network, TONE),
            indication="pigmentation",
            areas=["face"],
        )
        assert response.json()["verdict"] == "ok", response.text

    async def test_an_area_the_blend_is_not_made_for_is_a_caution(
        self, formulary: RunningService
    ) -> None:
        network = await seeded_network(formulary)
        patient = await give_profile(formulary, network, skin_type=2)
        response = await cross_check(
            formulary,
            network,
            patient_id=patient,
            blend_id=blend_id(network, FACE),
            areas=["face", "scalp"],
        )
        assert [f["code"] for f in response.json()["findings"]] == ["area_mismatch.scalp"]
        assert response.json()["findings"][0]["severity"] == "caution"

    async def test_what_was_given_is_checked_with_the_blends_context(
        self, formulary: RunningService
    ) -> None:
        network = await seeded_network(formulary)
        patient = await give_profile(formulary, network, allergies=[("compositae", "moderate")])
        response = await cross_check(
            formulary,
            network,
            patient_id=patient,
            blend_id=blend_id(network, FACE),
            indication="skin_rejuvenation",
            areas=["face"],
            administered=[
                GIVEN,
                {
                    "ingredient_code": "hyaluronic_acid",
                    "lot_number": demo_lot("hyaluronic_acid"),
                    "amount": "15",
                    "unit": "MG",
                },
                {
                    "ingredient_code": "chamomile",
                    "lot_number": demo_lot("chamomile"),
                    "amount": "0.5",
                    "unit": "ml",
                },
            ],
        )
        findings = {(f["code"], f["ingredient"]) for f in response.json()["findings"]}
        assert response.json()["verdict"] == "contraindicated", response.text
        # 10 + 15 mg of hyaluronic acid is over its 20 mg a session; chamomile is a Compositae.
        assert findings == {
            ("dose_limit.max_amount_per_session", "hyaluronic_acid"),
            ("allergy.compositae", "chamomile"),
        }

    async def test_an_expired_lot_given_is_a_finding(self, formulary: RunningService) -> None:
        network = await seeded_network(formulary)
        patient = await give_profile(formulary, network, skin_type=2)
        expired = demo_lot("hyaluronic_acid", expired=True)
        response = await cross_check(
            formulary,
            network,
            patient_id=patient,
            administered=[GIVEN | {"lot_number": expired}],
        )
        assert [f["code"] for f in response.json()["findings"]] == [f"expired_lot.{expired}"]


class TestWhoReadsTheClinicalDetails:
    """Property-level authorization (OWASP API3): the verdict for everyone who may ask, the
    allergen, reaction and conditions only for roles that may read the safety profile."""

    async def _ask(self, formulary: RunningService, role: str) -> dict:
        network = await seeded_network(formulary)
        patient = await give_profile(
            formulary,
            network,
            allergies=[("compositae", "severe")],
            conditions=["blood_coagulation_disorder"],
        )
        response = await formulary.client.post(
            "/v1/cross-checks",
            json={"patient_id": str(patient), "blend_id": str(blend_id(network, FACE))},
            headers=auth(formulary, network, role),
        )
        assert response.status_code == 200, response.text
        return response.json()

    @pytest.mark.parametrize("role", ["receptionist", "integration"])
    async def test_the_front_desk_and_integrations_get_the_verdict_and_codes_only(
        self, formulary: RunningService, role: str
    ) -> None:
        answer = await self._ask(formulary, role)
        assert answer["verdict"] == "contraindicated"
        codes = {f["code"] for f in answer["findings"]}
        assert "allergy.compositae" in codes
        for finding in answer["findings"]:
            assert finding["explanation"] is None
            assert finding["ingredient"] is None
            assert finding["certainty"] is None
        text = str(answer).lower()
        assert (
            "severe" not in text and "chamomile" not in text and "coagulation disorder" not in text
        )

    @pytest.mark.parametrize("role", ["practitioner", "clinic_manager", "network_admin"])
    async def test_clinical_roles_get_the_explanation(
        self, formulary: RunningService, role: str
    ) -> None:
        answer = await self._ask(formulary, role)
        allergy = next(f for f in answer["findings"] if f["code"] == "allergy.compositae")
        assert allergy["ingredient"] == "chamomile"
        assert "severe" in allergy["explanation"]
