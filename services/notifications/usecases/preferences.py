"""How a patient is reached: channel, opt-outs, consent, locale, timezone and quiet hours."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from services.notifications import repository
from services.notifications.domain import chosen_quiet_hours, known_zone
from services.notifications.domain.rendering import normalise_locale
from services.notifications.schemas import Preferences, PreferencesRead
from shared.auth import Principal
from shared.errors import NotFound
from shared.uow import UnitOfWork


async def preferences(uow: UnitOfWork, who: Principal, patient_id: UUID) -> PreferencesRead:
    """A patient's preferences and contact data; NotFound for a patient not kept."""
    patient = await repository.get_patient(uow.tx, who.network_id, patient_id)
    return _read(patient, patient_id)


async def change_preferences(
    uow: UnitOfWork, who: Principal, patient_id: UUID, change: Preferences, *, now: datetime
) -> PreferencesRead:
    """Replace a patient's preferences; a later change from records replaces them in turn (the
    newest fact wins)."""
    known_zone(change.timezone)
    chosen_quiet_hours(change.quiet_hours_start, change.quiet_hours_end)
    patient = await repository.update_preferences(
        uow.tx,
        network_id=who.network_id,
        patient_id=patient_id,
        as_of=now,
        preferred_channel=change.preferred_channel,
        channel_opt_outs=sorted(set(change.channel_opt_outs)),
        marketing_consent=change.marketing_consent,
        locale=normalise_locale(change.locale),
        timezone=change.timezone,
        quiet_hours_start=change.quiet_hours_start,
        quiet_hours_end=change.quiet_hours_end,
    )
    return _read(patient, patient_id)


def _read(patient: repository.Patient | None, patient_id: UUID) -> PreferencesRead:
    if patient is None:
        raise NotFound(f"No patient {patient_id} in your network.")
    return PreferencesRead.model_validate(patient, from_attributes=True)
