"""The patient chart: contact data for everyone; the safety profile, history, treatments and
adverse events for clinicians; the newest messages; the audit trail for those who may read it."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode

from services.gateway import policies
from services.gateway.console.clients import booking, notifications, records
from services.gateway.console.clients.booking import Clinic
from services.gateway.console.clients.calls import Answer, Caller, Items
from services.gateway.console.clients.notifications import MessageSummary
from services.gateway.console.clients.records import (
    AdverseEvent,
    AuditEntry,
    GivenIngredient,
    MedicalHistory,
    Patient,
    SafetyProfile,
    Treatment,
)
from services.gateway.console.forms.patient import SKIN_TYPES
from services.gateway.console.forms.query import cursor_text
from services.gateway.console.forms.session import FindingRow, finding_rows, ingredient_name
from services.gateway.console.pages.clinics import clinic_names, clinic_zone, reader_zone
from services.gateway.console.pages.outcomes import at_hand
from services.gateway.console.pages.patients import patient
from services.gateway.console.rendering import Refusal, View
from services.gateway.console.sessions import StaffSession
from shared.vocabulary import CLINICAL_ROLES

_NO_AUDIT: Answer[Items[AuditEntry]] = Answer(Items())

CHART_MESSAGES = 50
"""The newest messages on the chart; the rest are in the Messages pages of the patient."""
AUDIT_PAGE = 50
CONSENTS = {"treatment": "Treatment", "photos": "Photos", "marketing": "Marketing messages"}


@dataclass(frozen=True, slots=True)
class ConsentLine:
    label: str
    state: str
    recorded_at: str


@dataclass(frozen=True, slots=True)
class TreatmentDeviation:
    ingredient: str
    lots: str
    rows: list[FindingRow]


@dataclass(frozen=True, slots=True)
class TreatmentLine:
    """A session of the treatment history, with what was given outside a passing safety check
    (its deviations) in words, in its clinic's zone."""

    completed_at: str
    tz: str
    treatment_name: str
    areas_text: str
    blend_name: str | None
    clinic_name: str
    practitioner_name: str
    ingredients: list[GivenIngredient]
    deviation_list: list[TreatmentDeviation]
    deviation_severity: str
    deviation_reason: str | None


@dataclass(frozen=True, slots=True)
class AdverseLine:
    onset_at: str
    tz: str
    kind: str
    severity: str
    description: str
    lot_numbers: list[str]


@dataclass(frozen=True, slots=True)
class MessageLine:
    id: str
    at: str
    tz: str
    kind_text: str
    channel: str | None
    status: str


@dataclass(frozen=True, slots=True)
class Problems:
    """Why a part of the chart could not be read (each part says so on its own)."""

    messages: str | None = None
    profile: str | None = None
    history: str | None = None
    treatments: str | None = None
    adverse: str | None = None
    audit: str | None = None


@dataclass(frozen=True, slots=True)
class Clinical:
    """The parts of the chart for clinicians."""

    profile: Answer[SafetyProfile | None] = field(default_factory=lambda: Answer(None))
    history: Answer[MedicalHistory | None] = field(default_factory=lambda: Answer(None))
    treatments: Answer[Items[Treatment]] = field(default_factory=lambda: Answer(Items()))
    adverse: Answer[Items[AdverseEvent]] = field(default_factory=lambda: Answer(Items()))


@dataclass(frozen=True, slots=True, kw_only=True)
class ChartPage(View):
    template = "patient_chart.html"
    patient: Patient
    saved: str
    tz: str
    clinic_names: dict[str, str]
    consents: list[ConsentLine]
    clinical: bool
    may_edit_profile: bool
    may_read_audit: bool
    profile: SafetyProfile | None
    history: MedicalHistory | None
    treatments: list[TreatmentLine]
    adverse_events: list[AdverseLine]
    messages: list[MessageLine]
    more_messages: bool
    audit: list[AuditEntry]
    older_audit: str | None
    newest_audit: str | None
    problems: Problems
    skin_types: dict[str, str] = field(default_factory=lambda: dict(SKIN_TYPES))


async def chart(
    calls: Caller, staff: StaffSession, patient_id: str, *, saved: str, audit: str
) -> ChartPage | Refusal:
    """Every treatment and adverse event; the newest messages and audit entries, with links
    to more."""
    found = await patient(calls, patient_id)
    if isinstance(found, Refusal):
        return found
    clinical = staff.has_any(CLINICAL_ROLES)
    auditor = staff.has_any(policies.AUDIT_READERS)
    listed, sent, parts, trail = await asyncio.gather(
        booking.clinics(calls),
        notifications.messages(calls, patient_id=found.id, limit=CHART_MESSAGES),
        _clinical(calls, found.id) if clinical else at_hand(Clinical()),
        records.audit(calls, found.id, limit=AUDIT_PAGE, cursor=cursor_text(audit))
        if auditor
        else at_hand(_NO_AUDIT),
    )
    clinics = listed.value.items
    fallback = reader_zone(staff, clinics)
    return ChartPage(
        title=found.name,
        patient=found,
        saved=saved,
        tz=fallback,
        clinic_names=clinic_names(clinics),
        consents=_consents(found),
        clinical=clinical,
        may_edit_profile=staff.has_any(policies.PROFILE_WRITERS),
        may_read_audit=auditor,
        profile=parts.profile.value,
        history=parts.history.value,
        treatments=[_treatment(t, clinics, fallback) for t in parts.treatments.value.items],
        adverse_events=[_adverse(a, clinics, fallback) for a in parts.adverse.value.items],
        messages=[_message(m, clinics, fallback) for m in sent.value.items],
        more_messages=sent.ok and sent.value.next_cursor is not None,
        audit=trail.value.items,
        older_audit=_audit_link(found.id, trail.value.next_cursor if trail.ok else None),
        newest_audit=_audit_link(found.id, "") if audit else None,
        problems=_problems(sent, parts, trail if auditor else None, clinical),
    )


async def _clinical(calls: Caller, patient_id: str) -> Clinical:
    profile, history, treatments, adverse = await asyncio.gather(
        records.safety_profile(calls, patient_id),
        records.medical_history(calls, patient_id),
        records.treatments(calls, patient_id),
        records.adverse_events(calls, patient_id),
    )
    return Clinical(profile, history, treatments, adverse)


def _problems(
    sent: Answer[Items[MessageSummary]],
    parts: Clinical,
    trail: Answer[Items[AuditEntry]] | None,
    clinical: bool,
) -> Problems:
    if not clinical:
        return Problems(messages=sent.problem, audit=trail.problem if trail else None)
    return Problems(
        messages=sent.problem,
        profile=parts.profile.problem,
        history=parts.history.problem,
        treatments=parts.treatments.problem,
        adverse=parts.adverse.problem,
        audit=trail.problem if trail else None,
    )


def _audit_link(patient_id: str, cursor: str | None) -> str | None:
    """The chart with the audit trail from `cursor` ("" for the newest entries)."""
    if cursor is None:
        return None
    query = f"?{urlencode({'audit': cursor})}" if cursor else ""
    return f"/console/patients/{patient_id}{query}#h-audit"


def _consents(found: Patient) -> list[ConsentLine]:
    lines = []
    for kind, label in CONSENTS.items():
        current = found.consents.get(kind)
        if current is None:
            lines.append(ConsentLine(label, "not recorded", ""))
        else:
            state = "given" if current.granted else "withdrawn"
            lines.append(ConsentLine(label, state, current.recorded_at))
    return lines


def _treatment(t: Treatment, clinics: Sequence[Clinic], fallback: str) -> TreatmentLine:
    names = {i.ingredient_code: i.ingredient_name for i in t.ingredients}
    deviations = [
        TreatmentDeviation(
            ingredient=ingredient_name(d.ingredient_code, names)
            if d.ingredient_code
            else "The whole session",
            lots=", ".join(d.lot_numbers),
            rows=finding_rows(d.findings, names, given=True),
        )
        for d in t.deviations
    ]
    severe = any(r.severity_code == "contraindicated" for d in deviations for r in d.rows)
    return TreatmentLine(
        completed_at=t.completed_at,
        tz=clinic_zone(t.clinic_id, clinics, fallback),
        treatment_name=t.treatment_name,
        areas_text=", ".join(a.replace("_", " ") for a in t.areas),
        blend_name=t.blend_name,
        clinic_name=t.clinic_name,
        practitioner_name=t.practitioner_name,
        ingredients=t.ingredients,
        deviation_list=deviations,
        deviation_severity="contraindicated" if severe else "caution",
        deviation_reason=t.deviation_reason,
    )


def _adverse(a: AdverseEvent, clinics: Sequence[Clinic], fallback: str) -> AdverseLine:
    return AdverseLine(
        onset_at=a.onset_at,
        tz=clinic_zone(a.clinic_id, clinics, fallback),
        kind=a.kind,
        severity=a.severity,
        description=a.description,
        lot_numbers=a.lot_numbers,
    )


def _message(m: MessageSummary, clinics: Sequence[Clinic], fallback: str) -> MessageLine:
    return MessageLine(
        id=m.id,
        at=m.sent_at or m.send_at or m.created_at,
        tz=clinic_zone(m.clinic_id, clinics, fallback),
        kind_text=m.kind.replace("_", " "),
        channel=m.channel,
        status=m.status,
    )
