"""The events records emits, built from its records: a patient's contact, their safety profile."""

from __future__ import annotations

from dataclasses import asdict
from uuid import UUID

from services.records.domain import ProfileContent, profile_facts
from services.records.repository.patients import Patient
from shared.events.records import (
    PatientContact,
    PatientContactChanged,
    PatientRegistered,
    PatientSafetyProfileChanged,
)

CONTACT_FIELDS = frozenset(
    {
        "given_name",
        "family_name",
        "email",
        "phone",
        "preferred_channel",
        "channel_opt_outs",
        "locale",
        "timezone",
        "quiet_hours_start",
        "quiet_hours_end",
    }
)
"""What notifications keeps of a patient: a change of any of these is announced."""


def _contact_event(
    event: type[PatientContact], patient: Patient, marketing_consent: bool
) -> PatientContact:
    return event(
        network_id=patient.network_id,
        patient_id=patient.id,
        given_name=patient.given_name,
        family_name=patient.family_name,
        email=patient.email,
        phone=patient.phone,
        preferred_channel=patient.preferred_channel,
        channel_opt_outs=list(patient.channel_opt_outs),
        locale=patient.locale,
        timezone=patient.timezone,
        quiet_hours_start=patient.quiet_hours_start,
        quiet_hours_end=patient.quiet_hours_end,
        marketing_consent=marketing_consent,
    )


def registered(patient: Patient, marketing_consent: bool) -> PatientContact:
    return _contact_event(PatientRegistered, patient, marketing_consent)


def contact_changed(patient: Patient, marketing_consent: bool) -> PatientContact:
    return _contact_event(PatientContactChanged, patient, marketing_consent)


def profile_changed(
    network_id: UUID, patient_id: UUID, version: int, content: ProfileContent
) -> PatientSafetyProfileChanged:
    """The whole profile at `version`, as formulary's replica keeps it."""
    return PatientSafetyProfileChanged(
        network_id=network_id,
        patient_id=patient_id,
        version=version,
        **profile_facts(asdict(content)),
    )
