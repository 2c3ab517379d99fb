"""Rules the gateway reads rather than writes: whether an appointment still takes its
practitioner's time comes from booking's answer (checked here against booking's own statuses),
and whether an existing account already is the network admin `create-admin` was asked for."""

from __future__ import annotations

from uuid import uuid4

import pytest

from services.booking.domain import ACTIVE_STATUSES, Status, allowed_actions
from services.gateway.console.clients.booking import Appointment
from services.gateway.domain.accounts import already_network_admin
from services.gateway.domain.errors import AccountTaken


def answered(status: Status) -> Appointment:
    """An appointment as booking answers it in `status`."""
    return Appointment(
        id=str(uuid4()),
        clinic_id=str(uuid4()),
        practitioner_id=str(uuid4()),
        patient_id=str(uuid4()),
        treatment_type_id=str(uuid4()),
        kind="treatment",
        indication="skin_rejuvenation",
        status=status.value,
        allowed_actions=[a.path for a in allowed_actions(status)],
        start="2026-12-14T09:00:00+01:00",
        end="2026-12-14T09:30:00+01:00",
        completed_at="2026-12-14T09:40:00+01:00" if status is Status.completed else None,
    )


class TestTheCalendarReadsWhatHoldsTime:
    @pytest.mark.parametrize("status", list(Status), ids=str)
    def test_an_appointment_holds_time_exactly_when_booking_counts_it_active(
        self, status: Status
    ) -> None:
        assert answered(status).holds_time is (status in ACTIVE_STATUSES)


class TestAnExistingAccount:
    def test_an_active_admin_of_the_network_is_the_admin_asked_for(self) -> None:
        network = uuid4()
        already_network_admin(
            email="a@clinic.example",
            network_id=network,
            account_id=uuid4(),
            account_network=network,
            roles=["network_admin"],
            active=True,
        )

    def test_an_account_of_another_network_is_refused_naming_that_network(self) -> None:
        theirs = uuid4()
        with pytest.raises(AccountTaken, match=str(theirs)):
            already_network_admin(
                email="a@clinic.example",
                network_id=uuid4(),
                account_id=uuid4(),
                account_network=theirs,
                roles=["network_admin"],
                active=True,
            )

    @pytest.mark.parametrize(
        ("roles", "active", "state"),
        [(["receptionist"], True, "active"), (["network_admin"], False, "deactivated")],
    )
    def test_a_non_admin_or_deactivated_account_is_refused_with_how_to_change_it(
        self, roles: list[str], active: bool, state: str
    ) -> None:
        network, account = uuid4(), uuid4()
        with pytest.raises(AccountTaken) as refused:
            already_network_admin(
                email="a@clinic.example",
                network_id=network,
                account_id=account,
                account_network=network,
                roles=roles,
                active=active,
            )
        assert f"{state} account in this network" in refused.value.detail
        assert f"PATCH /v1/staff/{account}" in refused.value.detail
