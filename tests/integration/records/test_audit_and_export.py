"""The audit trail of chart accesses, tenant isolation, and the whole-chart export."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest

from tests.integration.records.support import (
    auth,
    deliver,
    patient_body,
    register,
    session_completed,
)
from tests.support import Parts, RunningService, eventually


async def audit_rows(records: RunningService, network: UUID, patient: Any = None) -> list[Any]:
    if patient is None:
        return await records.pool.fetch(
            "SELECT * FROM audit_log WHERE network_id = $1 ORDER BY id", network
        )
    return await records.pool.fetch(
        "SELECT * FROM audit_log WHERE network_id = $1 AND patient_id = $2 ORDER BY id",
        network,
        UUID(str(patient)),
    )


class TestAuditTrail:
    async def test_k_chart_operations_write_k_rows_saying_who_what_and_which_request(
        self, records: RunningService
    ) -> None:
        network = uuid4()
        patient = await register(records, network)
        pid = patient["id"]
        doctor = auth(records, network, "practitioner", sub="dr.blanc@clinic.test")

        await records.client.get(f"/v1/patients/{pid}", headers=doctor)
        await records.client.patch(
            f"/v1/patients/{pid}",
            json={"locale": "en", "timezone": "Europe/Lisbon"},
            headers={**doctor, "X-Request-ID": "req-patch-1"},
        )
        await records.client.put(
            f"/v1/patients/{pid}/safety-profile",
            json={"allergies": [{"code": "compositae"}]},
            headers={**doctor, "If-Match": '"1"'},
        )
        await records.client.get(f"/v1/patients/{pid}/safety-profile", headers=doctor)
        await records.client.get(f"/v1/patients/{pid}/treatments", headers=doctor)
        await records.client.get(f"/v1/patients/{pid}/export", headers=doctor)

        rows = await audit_rows(records, network, pid)

        assert [r["action"] for r in rows] == [
            "patient.create",
            "patient.read",
            "patient.update",
            "safety_profile.write",
            "safety_profile.read",
            "treatments.read",
            "chart.export",
        ]
        assert {r["outcome"] for r in rows} == {"ok"}
        update = rows[2]
        assert update["actor_sub"] == "dr.blanc@clinic.test"
        assert update["actor_roles"] == ["practitioner"]
        assert update["fields"] == ["locale", "timezone"]
        assert update["request_id"] == "req-patch-1"
        assert rows[3]["fields"] == ["allergies"]
        assert rows[0]["actor_roles"] == ["receptionist"]

    async def test_audit_rows_cannot_be_updated_or_deleted(self, records: RunningService) -> None:
        network = uuid4()
        patient = await register(records, network)

        with pytest.raises(asyncpg.PostgresError, match="append-only"):
            await records.pool.execute(
                "UPDATE audit_log SET actor_sub = 'someone else' WHERE network_id = $1", network
            )
        with pytest.raises(asyncpg.PostgresError, match="append-only"):
            await records.pool.execute("DELETE FROM audit_log WHERE network_id = $1", network)
        with pytest.raises(asyncpg.PostgresError, match="append-only"):
            await records.pool.execute("TRUNCATE audit_log")
        assert len(await audit_rows(records, network, patient["id"])) == 1

    @pytest.mark.parametrize("table", ["audit_log", "consents"])
    async def test_the_runtime_login_may_not_even_try_to_rewrite_them(
        self, records: RunningService, table: str
    ) -> None:
        """A privilege, not only the trigger: the trigger fires per row, and under row-level
        security a statement without a tenant sees no row, so only the missing privilege
        refuses it (make compose-smoke found UPDATE and DELETE allowed)."""
        runtime = await asyncpg.connect(records.settings.dsn())
        try:
            login = await runtime.fetchval("SELECT current_user")
            assert not login.endswith("_owner")
            for statement in (f"UPDATE {table} SET id = id", f"DELETE FROM {table}"):
                with pytest.raises(asyncpg.InsufficientPrivilegeError, match="permission denied"):
                    await runtime.execute(statement)
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await runtime.execute(f"TRUNCATE {table}")
        finally:
            await runtime.close()

    async def test_a_refused_write_is_audited_though_nothing_else_is_kept(
        self, records: RunningService
    ) -> None:
        network = uuid4()
        patient = await register(records, network)

        response = await records.client.put(
            f"/v1/patients/{patient['id']}/safety-profile",
            json={"allergies": [{"code": "compositae"}]},
            headers={**auth(records, network, "receptionist"), "If-Match": '"1"'},
        )

        assert response.status_code == 403
        last = (await audit_rows(records, network, patient["id"]))[-1]
        assert (last["action"], last["outcome"]) == ("safety_profile.write", "denied")

    async def test_a_stale_write_is_audited_as_a_conflict(self, records: RunningService) -> None:
        network = uuid4()
        patient = await register(records, network)

        response = await records.client.put(
            f"/v1/patients/{patient['id']}/safety-profile",
            json={"allergies": [{"code": "compositae"}]},
            headers={**auth(records, network, "practitioner"), "If-Match": '"9"'},
        )

        assert response.status_code == 409
        last = (await audit_rows(records, network, patient["id"]))[-1]
        assert (last["action"], last["outcome"]) == ("safety_profile.write", "conflict")

    async def test_a_refusal_after_some_work_keeps_only_the_audit_row(
        self, records: RunningService
    ) -> None:
        network = uuid4()
        first = await register(records, network)
        headers = {**auth(records, network, "receptionist"), "Idempotency-Key": "k-1"}
        duplicate = {**patient_body(), "email": first["email"]}

        refused = await records.client.post("/v1/patients", json=duplicate, headers=headers)
        # The key was claimed before the duplicate was found; the claim rolled back with it.
        retried = await records.client.post("/v1/patients", json=patient_body(), headers=headers)

        assert (refused.status_code, retried.status_code) == (409, 201)
        rows = await audit_rows(records, network, first["id"])
        assert [(r["action"], r["outcome"]) for r in rows] == [
            ("patient.create", "ok"),
            ("patient.create", "conflict"),
        ]
        registered = await records.pool.fetchval(
            "SELECT count(*) FROM outbox WHERE type = 'mesocare.records.PatientRegistered.v1' "
            "AND payload->>'network_id' = $1",
            str(network),
        )
        assert registered == 2

    async def test_the_treatment_consumer_audits_what_it_appends(
        self, parts: Parts, records: RunningService
    ) -> None:
        network = uuid4()
        patient = await register(records, network)
        event = session_completed(network, UUID(patient["id"]))

        await deliver(parts.kafka_bootstrap, event)

        async def appended() -> list[Any]:
            rows = await audit_rows(records, network, patient["id"])
            return [r for r in rows if r["action"] == "treatment.append"]

        [row] = await eventually(appended)
        assert row["actor_sub"] == event.completed_by


class TestTenantIsolation:
    @pytest.mark.parametrize(
        ("method", "path", "body", "role"),
        [
            ("GET", "", None, "network_admin"),
            ("PATCH", "", {"locale": "en"}, "receptionist"),
            ("GET", "/safety-profile", None, "practitioner"),
            ("PUT", "/safety-profile", {"allergies": []}, "practitioner"),
            ("GET", "/treatments", None, "practitioner"),
            ("GET", "/adverse-events", None, "practitioner"),
            ("GET", "/export", None, "network_admin"),
            ("GET", "/audit", None, "network_admin"),
        ],
    )
    async def test_another_networks_patient_is_404_and_the_attempt_is_audited(
        self,
        records: RunningService,
        method: str,
        path: str,
        body: dict[str, Any] | None,
        role: str,
    ) -> None:
        owner, intruder = uuid4(), uuid4()
        patient = await register(records, owner)

        response = await records.client.request(
            method,
            f"/v1/patients/{patient['id']}{path}",
            json=body,
            headers={**auth(records, intruder, role, sub="mallory"), "If-Match": '"1"'},
        )

        assert response.status_code == 404
        [row] = await audit_rows(records, intruder)
        assert row["patient_id"] == UUID(patient["id"])
        assert (row["actor_sub"], row["outcome"]) == ("mallory", "not_found")
        owner_rows = await audit_rows(records, owner, patient["id"])
        assert [r["action"] for r in owner_rows] == ["patient.create"]

    async def test_a_burst_of_refused_attempts_is_answered_and_audited_in_full(
        self, records: RunningService
    ) -> None:
        intruder = uuid4()
        headers = auth(records, intruder, "receptionist")

        responses = await asyncio.gather(
            *(records.client.get(f"/v1/patients/{uuid4()}", headers=headers) for _ in range(40))
        )

        assert {r.status_code for r in responses} == {404}
        assert len(await audit_rows(records, intruder)) == 40

    async def test_the_network_audit_lists_the_refused_attempts(
        self, records: RunningService
    ) -> None:
        intruder = uuid4()
        patient = await register(records, uuid4())
        await records.client.get(
            f"/v1/patients/{patient['id']}", headers=auth(records, intruder, "receptionist")
        )

        response = await records.client.get(
            "/v1/audit",
            params={"outcome": "not_found"},
            headers=auth(records, intruder, "network_admin"),
        )

        assert response.status_code == 200
        [entry] = response.json()["items"]
        assert entry["patient_id"] == patient["id"]


class TestAuditEndpoint:
    @pytest.mark.parametrize("role", ["clinic_manager", "network_admin"])
    async def test_managers_read_a_charts_audit_newest_first(
        self, records: RunningService, role: str
    ) -> None:
        network = uuid4()
        patient = await register(records, network)
        await records.client.get(
            f"/v1/patients/{patient['id']}", headers=auth(records, network, "practitioner")
        )

        response = await records.client.get(
            f"/v1/patients/{patient['id']}/audit", headers=auth(records, network, role)
        )

        assert response.status_code == 200
        assert [e["action"] for e in response.json()["items"]] == ["patient.read", "patient.create"]
        rows = await audit_rows(records, network, patient["id"])
        assert rows[-1]["action"] == "audit.read"  # reading the audit is audited too

    @pytest.mark.parametrize("role", ["practitioner", "receptionist", "integration"])
    async def test_others_may_not(self, records: RunningService, role: str) -> None:
        network = uuid4()
        patient = await register(records, network)

        response = await records.client.get(
            f"/v1/patients/{patient['id']}/audit", headers=auth(records, network, role)
        )

        assert response.status_code == 403

    async def test_it_comes_in_pages(self, records: RunningService) -> None:
        network = uuid4()
        patient = await register(records, network)
        for _ in range(4):
            await records.client.get(
                f"/v1/patients/{patient['id']}", headers=auth(records, network, "receptionist")
            )
        headers = auth(records, network, "clinic_manager")
        url = f"/v1/patients/{patient['id']}/audit"

        first = (await records.client.get(url, params={"limit": 3}, headers=headers)).json()
        second = (
            await records.client.get(
                url, params={"limit": 3, "cursor": first["next_cursor"]}, headers=headers
            )
        ).json()

        ids = [e["id"] for e in first["items"] + second["items"]]
        assert len(ids) == 5
        assert ids == sorted(ids, reverse=True)


class TestExport:
    async def test_the_whole_chart_comes_as_one_document(
        self, parts: Parts, records: RunningService
    ) -> None:
        network = uuid4()
        patient = await register(
            records,
            network,
            consents=[{"kind": "treatment", "granted": True, "wording_version": "t-1"}],
        )
        pid = patient["id"]
        doctor = auth(records, network, "practitioner")
        await records.client.put(
            f"/v1/patients/{pid}/safety-profile",
            json={"allergies": [{"code": "b_vitamins"}]},
            headers={**doctor, "If-Match": '"1"'},
        )
        await records.client.put(
            f"/v1/patients/{pid}/medical-history",
            json={"treatment_goals": "Denser hair.", "indications": ["hair_loss"]},
            headers={**doctor, "If-Match": '"0"'},
        )
        event = session_completed(network, UUID(pid))
        await deliver(parts.kafka_bootstrap, event)
        await eventually(
            lambda: records.pool.fetchval(
                "SELECT 1 FROM treatments WHERE appointment_id = $1", event.appointment_id
            )
        )
        await records.client.post(
            f"/v1/patients/{pid}/adverse-events",
            json={
                "kind": "swelling",
                "severity": "mild",
                "onset_at": "2026-11-20T10:00:00Z",
                "description": "Swelling for a day.",
            },
            headers=doctor,
        )

        response = await records.client.get(
            f"/v1/patients/{pid}/export", headers=auth(records, network, "clinic_manager")
        )

        assert response.status_code == 200
        chart = response.json()
        assert chart["format"] == "mesocare.chart.v1"
        assert chart["patient"]["id"] == pid
        assert [c["kind"] for c in chart["consent_history"]] == ["treatment"]
        assert chart["safety_profile"]["version"] == 2
        assert [v["version"] for v in chart["safety_profile_history"]] == [1, 2]
        assert chart["medical_history"]["treatment_goals"] == "Denser hair."
        assert [t["appointment_id"] for t in chart["treatments"]] == [str(event.appointment_id)]
        assert [a["kind"] for a in chart["adverse_events"]] == ["swelling"]

    async def test_a_receptionist_may_not_export(self, records: RunningService) -> None:
        network = uuid4()
        patient = await register(records, network)

        response = await records.client.get(
            f"/v1/patients/{patient['id']}/export", headers=auth(records, network, "receptionist")
        )

        assert response.status_code == 403
