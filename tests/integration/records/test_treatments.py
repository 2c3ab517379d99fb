"""Treatment history from SessionCompleted, and adverse events reported by practitioners."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from shared.events.booking import AcknowledgedFinding, Deviation
from tests.integration.records.support import (
    auth,
    deliver,
    error_fields,
    register,
    session_completed,
)
from tests.support import Parts, RunningService, eventually


async def treatments(records: RunningService, network: UUID, patient: str, **params: Any) -> Any:
    response = await records.client.get(
        f"/v1/patients/{patient}/treatments",
        params=params,
        headers=auth(records, network, "practitioner"),
    )
    assert response.status_code == 200, response.text
    return response.json()


async def rows_for(records: RunningService, appointment: UUID) -> list[Any]:
    return await records.pool.fetch(
        "SELECT * FROM treatments WHERE appointment_id = $1", appointment
    )


class TestTreatmentHistory:
    async def test_a_completed_session_becomes_a_treatment_record(
        self, parts: Parts, records: RunningService
    ) -> None:
        network = uuid4()
        patient = await register(records, network)
        event = session_completed(network, UUID(patient["id"]))

        await deliver(parts.kafka_bootstrap, event)
        page = await eventually(lambda: _items(records, network, patient["id"]))

        [record] = page
        assert record["appointment_id"] == str(event.appointment_id)
        assert record["clinic_name"] == "Clinique Opéra"
        assert record["practitioner_name"] == "Dr Martin"
        assert record["areas"] == ["face", "neck"]
        assert (record["blend_name"], record["blend_version"]) == ("Revitalising face", 2)
        assert [
            (i["ingredient_code"], i["lot_number"], i["amount"]) for i in record["ingredients"]
        ] == [
            ("hyaluronic_acid", "HA-2026-07", "10"),
            ("ascorbic_acid", "VC-118", "100"),
        ]
        assert (record["technique"], record["depth_mm"]) == ("nappage", "1.5")
        assert (record["numbing_cream"], record["numbing_product"]) == (True, "Lidocaine 5%")
        assert record["immediate_reactions"] == ["redness"]
        patient_now = await records.client.get(
            f"/v1/patients/{patient['id']}", headers=auth(records, network, "receptionist")
        )
        assert patient_now.json()["clinics_visited"] == [str(event.clinic.clinic_id)]

    async def test_a_deviation_stays_flagged_on_the_chart_with_its_reason(
        self, parts: Parts, records: RunningService
    ) -> None:
        network = uuid4()
        patient = await register(records, network)
        allergy = AcknowledgedFinding(
            code="allergy.compositae",
            ingredient="chamomile",
            reason="allergy",
            severity="contraindicated",
        )
        event = session_completed(network, UUID(patient["id"])).model_copy(
            update={
                "cross_check_verdict": "contraindicated",
                "deviations": [
                    Deviation(ingredient_code="chamomile", lot_numbers=["C-1"], findings=[allergy])
                ],
                "deviation_reason": "Patient insisted after counselling.",
            }
        )

        await deliver(parts.kafka_bootstrap, event)
        [record] = await eventually(lambda: _items(records, network, patient["id"]))

        assert record["cross_check_verdict"] == "contraindicated"
        assert record["deviation_reason"] == "Patient insisted after counselling."
        assert record["deviations"] == [
            {
                "ingredient_code": "chamomile",
                "lot_numbers": ["C-1"],
                "findings": [allergy.model_dump()],
            }
        ]

    async def test_the_same_event_delivered_twice_leaves_one_record(
        self, parts: Parts, records: RunningService
    ) -> None:
        network = uuid4()
        patient = await register(records, network)
        event = session_completed(network, UUID(patient["id"]))
        envelope = await deliver(parts.kafka_bootstrap, event)
        await eventually(lambda: rows_for(records, event.appointment_id))

        await deliver(parts.kafka_bootstrap, event, envelope)  # same ce_id: a redelivery
        marker = session_completed(network, UUID(patient["id"]))
        await deliver(parts.kafka_bootstrap, marker)  # consumed after the redelivery
        await eventually(lambda: rows_for(records, marker.appointment_id))

        assert len(await rows_for(records, event.appointment_id)) == 1
        inbox = await records.pool.fetchval(
            "SELECT count(*) FROM inbox WHERE event_id = $1", envelope.id
        )
        assert inbox == 1
        appended = await records.pool.fetchval(
            "SELECT count(*) FROM audit_log WHERE request_id = $1", str(envelope.id)
        )
        assert appended == 1

    async def test_a_reemitted_completion_of_the_same_appointment_is_not_a_second_record(
        self, parts: Parts, records: RunningService
    ) -> None:
        network = uuid4()
        patient = await register(records, network)
        event = session_completed(network, UUID(patient["id"]))
        await deliver(parts.kafka_bootstrap, event)
        await eventually(lambda: rows_for(records, event.appointment_id))

        await deliver(parts.kafka_bootstrap, event)  # new ce_id, same appointment
        marker = session_completed(network, UUID(patient["id"]))
        await deliver(parts.kafka_bootstrap, marker)
        await eventually(lambda: rows_for(records, marker.appointment_id))

        assert len(await rows_for(records, event.appointment_id)) == 1

    async def test_the_history_comes_newest_first_in_pages(
        self, parts: Parts, records: RunningService
    ) -> None:
        network = uuid4()
        patient = await register(records, network)
        start = datetime(2026, 6, 1, 10, tzinfo=UTC)
        events = [
            session_completed(network, UUID(patient["id"]), completed_at=start + timedelta(weeks=n))
            for n in range(3)
        ]
        for event in events:
            await deliver(parts.kafka_bootstrap, event)
        await eventually(lambda: _has(records, network, patient["id"], 3))

        first = await treatments(records, network, patient["id"], limit=2)
        second = await treatments(
            records, network, patient["id"], limit=2, cursor=first["next_cursor"]
        )

        got = [t["appointment_id"] for t in first["items"] + second["items"]]
        assert got == [str(e.appointment_id) for e in reversed(events)]
        assert second["next_cursor"] is None

    async def test_a_receptionist_does_not_read_the_history(self, records: RunningService) -> None:
        network = uuid4()
        patient = await register(records, network)

        response = await records.client.get(
            f"/v1/patients/{patient['id']}/treatments",
            headers=auth(records, network, "receptionist"),
        )

        assert response.status_code == 403


async def _items(records: RunningService, network: UUID, patient: str) -> list[Any]:
    return (await treatments(records, network, patient))["items"]


async def _has(records: RunningService, network: UUID, patient: str, n: int) -> bool:
    return len(await _items(records, network, patient)) >= n


def report(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "bruising",
        "severity": "mild",
        "onset_at": (datetime.now(UTC) - timedelta(hours=3)).isoformat(),
        "description": "Small bruise at two injection points.",
    }
    body.update(overrides)
    return body


class TestAdverseEvents:
    async def test_a_practitioner_reports_one_and_it_is_listed(
        self, records: RunningService
    ) -> None:
        network = uuid4()
        patient = await register(records, network)
        url = f"/v1/patients/{patient['id']}/adverse-events"
        headers = auth(records, network, "practitioner", sub="dr.blanc@clinic.test")

        created = await records.client.post(url, json=report(), headers=headers)
        listing = await records.client.get(url, headers=auth(records, network, "clinic_manager"))

        assert created.status_code == 201, created.text
        assert created.json()["reported_by"] == "dr.blanc@clinic.test"
        assert [e["id"] for e in listing.json()["items"]] == [created.json()["id"]]

    async def test_a_report_naming_a_session_takes_its_clinic_practitioner_and_lots(
        self, parts: Parts, records: RunningService
    ) -> None:
        network = uuid4()
        patient = await register(records, network)
        event = session_completed(network, UUID(patient["id"]))
        await deliver(parts.kafka_bootstrap, event)
        await eventually(lambda: rows_for(records, event.appointment_id))

        response = await records.client.post(
            f"/v1/patients/{patient['id']}/adverse-events",
            json=report(kind="nodule", appointment_id=str(event.appointment_id)),
            headers=auth(records, network, "practitioner"),
        )

        assert response.status_code == 201, response.text
        created = response.json()
        assert created["clinic_id"] == str(event.clinic.clinic_id)
        assert created["practitioner_id"] == str(event.practitioner.practitioner_id)
        assert created["lot_numbers"] == ["HA-2026-07", "VC-118"]

    async def test_a_session_of_another_patient_is_422(
        self, parts: Parts, records: RunningService
    ) -> None:
        network = uuid4()
        patient, other = await register(records, network), await register(records, network)
        event = session_completed(network, UUID(other["id"]))
        await deliver(parts.kafka_bootstrap, event)
        await eventually(lambda: rows_for(records, event.appointment_id))

        response = await records.client.post(
            f"/v1/patients/{patient['id']}/adverse-events",
            json=report(appointment_id=str(event.appointment_id)),
            headers=auth(records, network, "practitioner"),
        )

        assert response.status_code == 422
        assert error_fields(response) == ["appointment_id"]

    async def test_a_receptionist_may_not_report(self, records: RunningService) -> None:
        network = uuid4()
        patient = await register(records, network)

        response = await records.client.post(
            f"/v1/patients/{patient['id']}/adverse-events",
            json=report(),
            headers=auth(records, network, "receptionist"),
        )

        assert response.status_code == 403

    async def test_an_unknown_kind_or_a_future_onset_is_422(self, records: RunningService) -> None:
        network = uuid4()
        patient = await register(records, network)
        url = f"/v1/patients/{patient['id']}/adverse-events"
        headers = auth(records, network, "practitioner")
        tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()

        unknown = await records.client.post(url, json=report(kind="headache"), headers=headers)
        future = await records.client.post(url, json=report(onset_at=tomorrow), headers=headers)

        assert (unknown.status_code, error_fields(unknown)) == (422, ["kind"])
        assert (future.status_code, error_fields(future)) == (422, ["onset_at"])

    async def test_a_token_for_other_clinics_may_not_report_at_this_clinic(
        self, records: RunningService
    ) -> None:
        network = uuid4()
        patient = await register(records, network)

        response = await records.client.post(
            f"/v1/patients/{patient['id']}/adverse-events",
            json=report(clinic_id=str(uuid4())),
            headers=auth(records, network, "practitioner", clinic_ids=(uuid4(),)),
        )

        assert response.status_code == 403
