"""Formulary knows the network's clinics from booking's events (ClinicOpened, ClinicChanged): a
clinic's approved list is only for one of them; any other clinic id is a 404."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from shared.events.booking import ClinicChanged
from tests.integration.formulary.helpers import (
    admin,
    auth,
    clinic_opened,
    known_clinic,
    publish,
    seeded_network,
    wait_for_clinic,
)
from tests.support import RunningService, eventually

CALLS = [
    ("get", None),
    ("put", {"ingredient_codes": ["caffeine"]}),
    ("delete", None),
]


class TestApprovedListsAreForTheNetworksClinics:
    @pytest.mark.parametrize(("method", "body"), CALLS)
    async def test_a_clinic_booking_never_announced_is_404(
        self, formulary: RunningService, method: str, body: object
    ) -> None:
        network = await seeded_network(formulary)
        response = await formulary.client.request(
            method,
            f"/v1/clinics/{uuid4()}/approved-list",
            json=body,
            headers=admin(formulary, network),
        )
        assert response.status_code == 404, response.text
        assert response.headers["content-type"] == "application/problem+json"

    @pytest.mark.parametrize(("method", "body"), CALLS)
    async def test_another_networks_clinic_is_404(
        self, formulary: RunningService, method: str, body: object
    ) -> None:
        theirs = await known_clinic(formulary, await seeded_network(formulary))
        network = await seeded_network(formulary)
        response = await formulary.client.request(
            method,
            f"/v1/clinics/{theirs}/approved-list",
            json=body,
            headers=admin(formulary, network),
        )
        assert response.status_code == 404, response.text
        stored = await formulary.pool.fetchval(
            "SELECT count(*) FROM clinic_approved_lists WHERE clinic_id = $1", theirs
        )
        assert stored == 0

    async def test_a_clinic_booking_opened_has_the_networks_list(
        self, formulary: RunningService
    ) -> None:
        network = await seeded_network(formulary)
        clinic = await known_clinic(formulary, network)
        response = await formulary.client.get(
            f"/v1/clinics/{clinic}/approved-list", headers=auth(formulary, network, "receptionist")
        )
        assert response.status_code == 200, response.text
        assert response.json()["clinic_id"] == str(clinic)
        assert response.json()["narrowed"] is False
        assert len(response.json()["effective_codes"]) > 20

    async def test_a_token_for_other_clinics_is_403_for_a_known_one(
        self, formulary: RunningService
    ) -> None:
        network = await seeded_network(formulary)
        clinic = await known_clinic(formulary, network)
        response = await formulary.client.get(
            f"/v1/clinics/{clinic}/approved-list",
            headers=auth(formulary, network, "clinic_manager", clinic_ids=[uuid4()]),
        )
        assert response.status_code == 403, response.text


class TestTheClinicReplica:
    async def test_a_change_replaces_the_name_and_a_late_older_state_does_not(
        self, formulary: RunningService
    ) -> None:
        network = uuid4()
        opened_at = datetime.now(UTC)
        clinic = await known_clinic(formulary, network, name="Clinique Opéra", changed_at=opened_at)
        renamed = ClinicChanged(
            **{
                **clinic_opened(network, clinic).model_dump(),
                "name": "Clinique Garnier",
                "changed_at": opened_at + timedelta(minutes=5),
            }
        )
        await publish(formulary, renamed, "mesocare/booking")
        await wait_for_clinic(formulary, network, clinic, name="Clinique Garnier")

        late = clinic_opened(network, clinic, name="Clinique Opéra", changed_at=opened_at)
        envelope = await publish(formulary, late, "mesocare/booking")

        async def handled() -> bool:
            return bool(
                await formulary.pool.fetchval(
                    "SELECT true FROM inbox WHERE event_id = $1", envelope.id
                )
            )

        await eventually(handled)

        name = await formulary.pool.fetchval(
            "SELECT name FROM clinics WHERE network_id = $1 AND clinic_id = $2", network, clinic
        )
        assert name == "Clinique Garnier"
