"""Keep what notifications needs of records' patients and the gateway's staff accounts; called by
the event handlers."""

from __future__ import annotations

from datetime import datetime

from services.notifications import repository
from shared.events.gateway import StaffAccountChanged
from shared.events.records import PatientContact, PatientSafetyProfileChanged
from shared.uow import UnitOfWork


async def keep_contact(uow: UnitOfWork, event: PatientContact, *, as_of: datetime) -> None:
    """Keep the patient's contact data and preferences, unless a newer fact is already kept."""
    await repository.upsert_patient(
        uow.tx,
        network_id=event.network_id,
        patient_id=event.patient_id,
        as_of=as_of,
        contact=repository.Contact(
            given_name=event.given_name,
            family_name=event.family_name,
            email=event.email,
            phone=event.phone,
            preferred_channel=event.preferred_channel,
            channel_opt_outs=list(event.channel_opt_outs),
            marketing_consent=event.marketing_consent,
            locale=event.locale,
            timezone=event.timezone,
            quiet_hours_start=event.quiet_hours_start,
            quiet_hours_end=event.quiet_hours_end,
        ),
    )


async def keep_skin_type(uow: UnitOfWork, event: PatientSafetyProfileChanged) -> None:
    """Keep the patient's skin type, the one fact of the profile messages depend on.

    Allergies, conditions and medications are not kept: notifications has no use for them.
    """
    await repository.upsert_skin_type(
        uow.tx,
        network_id=event.network_id,
        patient_id=event.patient_id,
        fitzpatrick_skin_type=event.fitzpatrick_skin_type,
        profile_version=event.version,
    )


async def keep_staff_member(
    uow: UnitOfWork, event: StaffAccountChanged, *, as_of: datetime
) -> None:
    """Keep how to reach a staff member and whether they are an active admin, unless a newer
    fact is already kept. Their clinics are not kept: no alert is addressed by clinic yet."""
    await repository.upsert_staff_member(
        uow.tx,
        repository.StaffMember(
            network_id=event.network_id,
            staff_id=event.staff_id,
            email=event.email,
            display_name=event.display_name,
            roles=list(event.roles),
            active=event.active,
        ),
        as_of=as_of,
    )
