"""Patients: register, find, read and change them; their consents."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from services.records import domain
from services.records.domain import (
    ConsentEntry,
    Contact,
    DuplicatePatient,
    ProfileContent,
    StatedVersion,
)
from services.records.policies import Permission, require, require_clinic
from services.records.repository import clinical, patients
from services.records.repository.patients import Patient, PatientMatch
from services.records.schemas import ConsentCreate, PatientCreate, PatientUpdate
from services.records.usecases import events, paging
from services.records.usecases.access import Caller, open_chart
from services.records.usecases.paging import Page
from shared.auth import Principal
from shared.errors import Invalid
from shared.pagination import encode_cursor
from shared.uow import UnitOfWork

NOT_CLEARABLE = ("given_name", "family_name", "locale", "timezone", "preferred_channel")


@dataclass(frozen=True, slots=True)
class ConsentHistory:
    """Every consent entry of a patient, in recorded order: the latest of each kind is current."""

    entries: list[ConsentEntry]

    @property
    def current(self) -> dict[str, ConsentEntry]:
        return domain.current_consents(self.entries)

    @property
    def marketing_consent(self) -> bool:
        return domain.marketing_consent(self.entries)


@dataclass(frozen=True, slots=True)
class PatientDetails:
    """A patient as read, with their consents."""

    patient: Patient
    consents: ConsentHistory


async def _consents(uow: UnitOfWork, patient: Patient) -> ConsentHistory:
    entries = await patients.consents_of(
        uow.tx, network_id=patient.network_id, patient_id=patient.id
    )
    return ConsentHistory(entries)


async def with_consents(uow: UnitOfWork, patient: Patient) -> PatientDetails:
    return PatientDetails(patient, await _consents(uow, patient))


async def _reread(uow: UnitOfWork, caller: Caller, patient_id: UUID) -> PatientDetails:
    """The patient as this unit has just written them."""
    patient = await patients.get(uow.tx, network_id=caller.who.network_id, id=patient_id)
    assert patient is not None  # written or locked by this unit
    return await with_consents(uow, patient)


# -- registering --------------------------------------------------------------------------------


async def register(uow: UnitOfWork, caller: Caller, cmd: PatientCreate) -> PatientDetails:
    """Register a patient with their consents and version 1 of their safety profile."""
    who = caller.who
    async with open_chart(uow, caller, "patient.create", Permission.WRITE_CONTACT) as chart:
        chart.fields = sorted(cmd.model_fields_set)
        if cmd.fitzpatrick_skin_type is not None:
            require(who, Permission.WRITE_CLINICAL)
        require_clinic(who, cmd.clinic_id)
        now = datetime.now(UTC)
        patient = _new_patient(who, cmd, now)
        consents = [
            ConsentEntry(c.kind, c.granted, c.wording_version, c.recorded_at or now, who.sub)
            for c in cmd.consents
        ]
        marketing = domain.marketing_consent(consents)
        domain.check_contact(_contact(patient, marketing))
        try:
            await patients.insert(uow.tx, patient)
        except DuplicatePatient as exc:
            # The refusal tells the caller which patient holds the contact: audit it there.
            with contextlib.suppress(KeyError, ValueError):
                chart.patient_id = UUID(exc.extra["existing_patient_id"])
            raise
        chart.patient_id = patient.id
        for entry in consents:
            await patients.insert_consent(
                uow.tx, id=uuid4(), network_id=who.network_id, patient_id=patient.id, entry=entry
            )
        profile = ProfileContent(
            fitzpatrick_skin_type=cmd.fitzpatrick_skin_type,
            allergies=[a.model_dump(mode="json") for a in cmd.declared_allergies],
            conditions=[],
            medications=[],
        )
        await clinical.insert_profile(
            uow.tx,
            network_id=who.network_id,
            patient_id=patient.id,
            content=profile,
            at=now,
            by=who.sub,
        )
        uow.emit(events.registered(patient, marketing))
        # Version 1 of the profile: formulary's replica knows the patient from the start, so a
        # cross-check answers for them rather than `unknown_patient`, and blocks the allergens
        # they declared from the first session.
        uow.emit(events.profile_changed(who.network_id, patient.id, 1, profile))
        return await _reread(uow, caller, patient.id)


def _new_patient(who: Principal, cmd: PatientCreate, now: datetime) -> Patient:
    return Patient(
        id=uuid4(),
        network_id=who.network_id,
        given_name=cmd.given_name,
        family_name=cmd.family_name,
        date_of_birth=cmd.date_of_birth,
        email=cmd.email,
        phone=cmd.phone,
        preferred_channel=cmd.preferred_channel or domain.default_channel(cmd.email, cmd.phone),
        channel_opt_outs=list(cmd.channel_opt_outs),
        locale=cmd.locale,
        timezone=cmd.timezone,
        quiet_hours_start=cmd.quiet_hours_start,
        quiet_hours_end=cmd.quiet_hours_end,
        clinics_visited=[cmd.clinic_id] if cmd.clinic_id else [],
        version=1,
        created_at=now,
        created_by=who.sub,
        updated_at=now,
        updated_by=who.sub,
        fitzpatrick_skin_type=cmd.fitzpatrick_skin_type,
    )


def _contact(patient: Patient, marketing_consent: bool) -> Contact:
    """The patient's contact, as the contact rules see it."""
    return Contact(
        given_name=patient.given_name,
        family_name=patient.family_name,
        email=patient.email,
        phone=patient.phone,
        preferred_channel=patient.preferred_channel,
        channel_opt_outs=tuple(patient.channel_opt_outs),
        locale=patient.locale,
        timezone=patient.timezone,
        quiet_hours_start=patient.quiet_hours_start,
        quiet_hours_end=patient.quiet_hours_end,
        marketing_consent=marketing_consent,
    )


# -- finding and reading ------------------------------------------------------------------------


async def search(
    uow: UnitOfWork,
    caller: Caller,
    *,
    q: str | None = None,
    name: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    limit: int,
    cursor: str | None = None,
) -> Page[PatientMatch]:
    """Patients matching every criterion given (partial, case-insensitive), by name."""
    query = domain.SearchQuery(q=q, name=name, email=email, phone=phone)
    async with open_chart(uow, caller, "patient.search", Permission.READ_CONTACT) as chart:
        chart.fields = query.fields()
        domain.check_search(query)
        found = await patients.search(
            uow.tx,
            network_id=caller.who.network_id,
            query=query,
            limit=limit,
            after=paging.after_name(cursor),
        )
        return paging.page(found, limit, lambda p: encode_cursor(p.family_name, p.given_name, p.id))


async def read(uow: UnitOfWork, caller: Caller, patient_id: UUID) -> PatientDetails:
    """A patient: contact, preferences, skin type, clinics visited, consents."""
    async with open_chart(
        uow, caller, "patient.read", Permission.READ_CONTACT, patient_id
    ) as chart:
        return await with_consents(uow, chart.patient)


# -- changing -----------------------------------------------------------------------------------


async def update(
    uow: UnitOfWork, caller: Caller, patient_id: UUID, cmd: PatientUpdate, stated: StatedVersion
) -> PatientDetails:
    """Change contact data and preferences; a version, when stated, must be the current one."""
    who = caller.who
    async with open_chart(
        uow, caller, "patient.update", Permission.WRITE_CONTACT, patient_id, lock=True
    ) as chart:
        patient = chart.patient
        if stated.given:
            domain.check_expected_version(patient.version, domain.based_on(stated))
        sent = _sent(cmd)
        chart.fields = domain.changed_fields({k: getattr(patient, k) for k in sent}, sent)
        if chart.fields:
            changed = replace(patient, **sent, updated_at=datetime.now(UTC), updated_by=who.sub)
            history = await patients.consents_of(
                uow.tx, network_id=who.network_id, patient_id=patient_id
            )
            marketing = domain.marketing_consent(history)
            domain.check_contact(_contact(changed, marketing))
            await patients.update_contact(uow.tx, changed)
            if events.CONTACT_FIELDS.intersection(chart.fields):
                uow.emit(events.contact_changed(changed, marketing))
        return await _reread(uow, caller, patient_id)


def _sent(cmd: PatientUpdate) -> dict[str, Any]:
    """The fields the update sets: null clears, except where a value is required."""
    sent = cmd.model_dump(exclude_unset=True, exclude={"expected_version"})
    for required in NOT_CLEARABLE:
        if required in sent and sent[required] is None:
            raise Invalid("This field may not be cleared.", field=required)
    if "channel_opt_outs" in sent and sent["channel_opt_outs"] is None:
        sent["channel_opt_outs"] = []
    return sent


# -- consents -----------------------------------------------------------------------------------


async def record_consent(
    uow: UnitOfWork, caller: Caller, patient_id: UUID, cmd: ConsentCreate
) -> ConsentEntry:
    """Record a consent given or withdrawn; a change of the marketing consent is announced."""
    who = caller.who
    async with open_chart(
        uow, caller, "consent.record", Permission.WRITE_CONTACT, patient_id, lock=True
    ) as chart:
        chart.fields = [f"consents.{cmd.kind}"]
        before = await patients.consents_of(
            uow.tx, network_id=who.network_id, patient_id=patient_id
        )
        entry = ConsentEntry(
            cmd.kind, cmd.granted, cmd.wording_version, cmd.recorded_at or datetime.now(UTC),
            who.sub,
        )  # fmt: skip
        await patients.insert_consent(
            uow.tx, id=uuid4(), network_id=who.network_id, patient_id=patient_id, entry=entry
        )
        # Read back in recorded order: a consent recorded with an earlier date may not be the
        # current one.
        after = await patients.consents_of(uow.tx, network_id=who.network_id, patient_id=patient_id)
        marketing = domain.marketing_consent(after)
        if marketing != domain.marketing_consent(before):
            uow.emit(events.contact_changed(chart.patient, marketing))
        return entry


async def consents(uow: UnitOfWork, caller: Caller, patient_id: UUID) -> ConsentHistory:
    """Every consent entry of the patient, grants and withdrawals, in recorded order."""
    async with open_chart(
        uow, caller, "consent.read", Permission.READ_CONTACT, patient_id
    ) as chart:
        return await _consents(uow, chart.patient)
