"""The patient chart: contact data and treatment plans for everyone; the safety profile,
history, treatments and adverse events for clinicians; the newest messages; the audit trail for
those who may read it."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from urllib.parse import urlencode

from services.gateway import policies
from services.gateway.console.clients import booking, notifications, records
from services.gateway.console.clients.booking import (
    Clinic,
    Money,
    PlanProgress,
    TreatmentPlan,
    TreatmentPlans,
    TreatmentType,
)
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
from services.gateway.console.clock import when
from services.gateway.console.forms.patient import SKIN_TYPES
from services.gateway.console.forms.query import cursor_text
from services.gateway.console.forms.session import FindingRow, finding_rows, ingredient_name
from services.gateway.console.pages.adverse import report_link
from services.gateway.console.pages.clinics import clinic_names, clinic_zone, reader_zone
from services.gateway.console.pages.outcomes import at_hand, notice
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
    session_id: str | None
    session: str | None
    """The session it follows in words (its treatment and when it was completed)."""


@dataclass(frozen=True, slots=True)
class PlanLine:
    """A treatment plan in words: its progress, when the next session is due, what it costs,
    and the Book page for that session."""

    treatment_name: str
    progress: str
    maintenance: str | None
    next_due: str
    """A local date in words (booking's plans are kept in days, not times), or why none."""
    cost: str | None
    book_link: str | None
    """The Book page for the session due (with its date), or for the first one (undated)."""
    book_label: str


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
    plans: str | None = None
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
    may_report_adverse: bool
    report_adverse: str
    plans: list[PlanLine]
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
    listed, plans, types, sent, parts, trail = await asyncio.gather(
        booking.clinics(calls),
        booking.treatment_plans(calls, found.id),
        booking.treatment_types(calls),
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
        adverse_events=[
            _adverse(a, clinics, fallback, parts.treatments.value.items)
            for a in parts.adverse.value.items
        ],
        may_report_adverse=staff.has_any(policies.ADVERSE_EVENT_REPORTERS),
        report_adverse=report_link(found.id),
        plans=[_plan(p, found.id, types.value.items) for p in _plans(plans)],
        messages=[_message(m, clinics, fallback) for m in sent.value.items],
        more_messages=sent.ok and sent.value.next_cursor is not None,
        audit=trail.value.items,
        older_audit=_audit_link(found.id, trail.value.next_cursor if trail.ok else None),
        newest_audit=_audit_link(found.id, "") if audit else None,
        problems=replace(
            _problems(sent, parts, trail if auditor else None, clinical),
            plans=notice(plans.problem, types.problem if _plans(plans) else None),
        ),
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


def _adverse(
    a: AdverseEvent, clinics: Sequence[Clinic], fallback: str, treatments: Sequence[Treatment]
) -> AdverseLine:
    tz = clinic_zone(a.clinic_id, clinics, fallback)
    session = next((t for t in treatments if a.appointment_id == t.appointment_id), None)
    return AdverseLine(
        onset_at=a.onset_at,
        tz=tz,
        kind=a.kind,
        severity=a.severity,
        description=a.description,
        lot_numbers=a.lot_numbers,
        session_id=a.appointment_id,
        session=f"{session.treatment_name}, {when(session.completed_at, tz)}" if session else None,
    )


def _plans(answer: Answer[TreatmentPlans | None]) -> list[TreatmentPlan]:
    return answer.value.root if answer.value else []


def _plan(plan: TreatmentPlan, patient_id: str, types: Sequence[TreatmentType]) -> PlanLine:
    progress = plan.progress
    name = next((t.name for t in types if t.id == plan.treatment_type_id), "A treatment")
    if progress.course_complete:
        done = f"Course complete: {progress.completed} of {progress.planned} sessions"
    else:
        done = f"{progress.completed} of {progress.planned} sessions completed"
    maintenance = None
    if plan.maintenance_interval_days:
        every = f"every {plan.maintenance_interval_days} days"
        maintenance = f"Then maintenance {every}"
        if progress.maintenance_completed:
            maintenance = f"{progress.maintenance_completed} maintenance sessions ({every})"
    cost = None
    if plan.cost_estimate:
        estimate = plan.cost_estimate
        each = _money(estimate.price_per_session)
        cost = f"The course {_money(estimate.course_total)} ({each} a session)"
        if estimate.sessions_remaining:
            cost = (
                f"{_money(estimate.remaining)} for the {estimate.sessions_remaining} sessions "
                f"left; the course {_money(estimate.course_total)} ({each} a session)"
            )
    book, book_label = None, "Book next session"
    if plan.next_session_due or progress.completed == 0:
        query = {
            "patient_id": patient_id,
            "clinic_id": plan.clinic_id or "",
            "treatment_type_id": plan.treatment_type_id,
            "treatment_plan_id": plan.id,
            "date": plan.next_session_due or "",
        }
        book = f"/console/book?{urlencode({k: v for k, v in query.items() if v})}"
        if not plan.next_session_due:
            book_label = "Book the first session"
    return PlanLine(
        treatment_name=name,
        progress=done,
        maintenance=maintenance,
        next_due=_day(plan.next_session_due) or _undated(progress),
        cost=cost,
        book_link=book,
        book_label=book_label,
    )


def _undated(progress: PlanProgress) -> str:
    """Why a plan has no next date: booking dates it from the latest completed session."""
    if progress.completed == 0:
        return "Not dated yet: the dates follow from the first session, once it is completed"
    return "None: the course is complete and the plan has no maintenance"


def _day(text: str | None) -> str | None:
    """A local date in words: 'Monday 21 December 2026'."""
    if not text:
        return None
    try:
        return f"{date.fromisoformat(text):%A %d %B %Y}"
    except ValueError:
        return text


def _money(money: Money) -> str:
    return f"{money.amount_minor / 100:,.2f} {money.currency}"


def _message(m: MessageSummary, clinics: Sequence[Clinic], fallback: str) -> MessageLine:
    return MessageLine(
        id=m.id,
        at=m.sent_at or m.send_at or m.created_at,
        tz=clinic_zone(m.clinic_id, clinics, fallback),
        kind_text=m.kind.replace("_", " "),
        channel=m.channel,
        status=m.status,
    )
