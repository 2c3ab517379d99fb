"""The consultation's part of the appointment page: what the consultation decides, recorded
while it is held (checked in or in progress) by a practitioner. The guide: the practitioner
asks about the medical history, current health status and treatment goals, and develops a
treatment plan from the assessment. So the panel has three forms:

- the medical history and goals, with the agreed indications and areas (records'
  `PUT …/medical-history`, naming this consultation);
- the safety profile: skin type, allergies, conditions, medications (records'
  `PUT …/safety-profile`, the chart's own form and parsing);
- the treatment plan (booking's `POST /v1/treatment-plans`), and the patient's plans with their
  cost estimates and a link to book a session.

Each change is compare-and-set on the version the form was opened at; the forms show what is
recorded, or what was typed when a change was refused."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode
from uuid import uuid4

from services.gateway import policies
from services.gateway.console.clients import booking, records
from services.gateway.console.clients.booking import (
    Appointment,
    Money,
    TreatmentPlan,
    TreatmentPlans,
    TreatmentType,
)
from services.gateway.console.clients.calls import Answer, Caller, Items
from services.gateway.console.clients.records import MedicalHistory, SafetyProfile
from services.gateway.console.forms import patient as profile_forms
from services.gateway.console.forms.consultation import ticked
from services.gateway.console.forms.patient import ProfileRows
from services.gateway.console.pages.patients import OptionGroups, Options, allergen_choices
from services.gateway.console.sessions import StaffSession
from shared import vocabulary

HISTORY, PROFILE, PLAN = "history", "profile", "plan"
"""The panel's forms, as the address of each names it (`…/consultation/<part>`)."""
STALE = (
    "Someone else changed this since you opened the page, so nothing was saved. What you "
    "typed is still below: reload to see their change, then make yours again."
)
DONE = {
    HISTORY: "Medical history and goals recorded.",
    PROFILE: "Safety profile recorded.",
    PLAN: "Treatment plan created: its cost estimate is below.",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Posted:
    """A consultation form shown back as typed (`part`), and whether records refused it as
    stale."""

    part: str = ""
    form: Mapping[str, str] = field(default_factory=dict)
    stale: bool = False


@dataclass(frozen=True, slots=True)
class HistoryForm:
    version: str
    medical_history: str
    treatment_goals: str
    indications: list[tuple[str, str, bool]]
    """(code, label, ticked)."""
    areas: list[tuple[str, str, bool]]
    stale: bool


@dataclass(frozen=True, slots=True)
class ProfileForm:
    version: str
    skin: str
    rows: ProfileRows
    allergen_choices: OptionGroups
    stale: bool
    conditions: Options = field(
        default_factory=lambda: sorted(vocabulary.CONDITIONS.items(), key=lambda o: o[1].lower())
    )
    medication_classes: Options = field(
        default_factory=lambda: list(vocabulary.MEDICATION_CLASSES.items())
    )
    severities: Options = field(default_factory=lambda: profile_forms.SEVERITIES)
    statuses: Options = field(default_factory=lambda: profile_forms.STATUSES)
    skin_types: Options = field(default_factory=lambda: profile_forms.SKIN_TYPES)


@dataclass(frozen=True, slots=True)
class PlanLine:
    """A treatment plan of the patient, in words, with the link to book its next session."""

    id: str
    treatment: str
    sessions_planned: int
    interval_days: int
    maintenance_interval_days: int | None
    completed: int
    next_session_due: str | None
    per_session: str | None
    course_total: str | None
    remaining: str | None
    book: str
    new: bool


@dataclass(frozen=True, slots=True)
class PlanForm:
    form: Mapping[str, str]
    treatments: Options
    indications_text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Consultation:
    """The consultation panel: the forms for a practitioner, or why a part cannot be shown."""

    writes: bool
    stale_text: str = STALE
    history: HistoryForm | None = None
    profile: ProfileForm | None = None
    plan: PlanForm | None = None
    plans: list[PlanLine] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def held(appointment: Appointment) -> bool:
    """Whether the appointment is a consultation being held: checked in or in progress."""
    allowed = set(appointment.allowed_actions)
    return appointment.kind == "consultation" and bool({"start", "complete"} & allowed)


async def panel(
    calls: Caller,
    staff: StaffSession,
    appointment: Appointment,
    posted: Posted,
    new_plan: str = "",
) -> Consultation | None:
    """The consultation panel of a held consultation (None for any other appointment)."""
    if not held(appointment):
        return None
    if not staff.has_any(policies.PROFILE_WRITERS):
        return Consultation(writes=False)
    patient_id = appointment.patient_id
    history, profile, types, plans = await asyncio.gather(
        records.medical_history(calls, patient_id),
        records.safety_profile(calls, patient_id),
        booking.treatment_types(calls),
        booking.treatment_plans(calls, patient_id),
    )
    typed = posted.form if posted.part == PROFILE else None
    keep = [(r.code, r.code) for r in _profile_rows(profile.value, typed).allergy if r.code]
    choices = await allergen_choices(calls, keep) if profile.value else []
    history_form = _history(appointment, history.value, posted)
    agreed = [code for code, _, on in history_form.indications if on] if history_form else []
    return Consultation(
        writes=True,
        history=history_form,
        profile=_profile(profile.value, posted, choices),
        plan=_plan(appointment, types, agreed or [appointment.indication], posted),
        plans=_plans(appointment, plans, types.value.items, new_plan),
        problems=[
            p
            for p in (
                _unread("medical history", history),
                _unread("safety profile", profile),
                types.problem,
                plans.problem,
            )
            if p
        ],
    )


def _unread(what: str, answer: Answer[Any]) -> str | None:
    if answer.value is not None:
        return None
    return f"The {what} cannot be shown, so it cannot be changed here: {answer.problem}"


def _history(
    appointment: Appointment, found: MedicalHistory | None, posted: Posted
) -> HistoryForm | None:
    if found is None:
        return None
    if posted.part == HISTORY:
        form = posted.form
        indications = ticked(form, "indication_", list(vocabulary.INDICATIONS))
        areas = ticked(form, "area_", list(vocabulary.TREATMENT_AREAS))
        return HistoryForm(
            version=form.get("version", ""),
            medical_history=form.get("medical_history", ""),
            treatment_goals=form.get("treatment_goals", ""),
            indications=_boxes(vocabulary.INDICATIONS, indications),
            areas=_boxes(vocabulary.TREATMENT_AREAS, areas),
            stale=posted.stale,
        )
    # Nothing agreed yet: the indication the consultation was booked for.
    indications = found.indications if found.version else [appointment.indication]
    return HistoryForm(
        version=str(found.version or 0),
        medical_history=found.medical_history or "",
        treatment_goals=found.treatment_goals or "",
        indications=_boxes(vocabulary.INDICATIONS, indications),
        areas=_boxes(vocabulary.TREATMENT_AREAS, found.areas),
        stale=False,
    )


def _boxes(words: Mapping[str, str], chosen: list[str]) -> list[tuple[str, str, bool]]:
    return [(code, text, code in chosen) for code, text in words.items()]


def _profile_rows(found: SafetyProfile | None, typed: Mapping[str, str] | None) -> ProfileRows:
    """The profile's rows: as typed (with the row asked for by "Add one more"), else as
    recorded (each group with an empty row more)."""
    if typed is not None:
        more = typed.get("more", "")
        return ProfileRows(
            profile_forms.allergy_rows(typed, extra=1 if more == "allergy" else 0),
            profile_forms.condition_rows(typed, extra=1 if more == "condition" else 0),
            profile_forms.medication_rows(typed, extra=1 if more == "medication" else 0),
        ).with_blank_rows()
    if found is None:
        return ProfileRows([], [], [])
    return profile_forms.recorded_rows(found.allergies, found.conditions, found.medications)


def _profile(
    found: SafetyProfile | None, posted: Posted, choices: OptionGroups
) -> ProfileForm | None:
    if found is None:
        return None
    typed = posted.form if posted.part == PROFILE else None
    return ProfileForm(
        version=typed.get("version", "") if typed is not None else str(found.version),
        skin=typed.get("fitzpatrick_skin_type", "")
        if typed is not None
        else str(found.fitzpatrick_skin_type or ""),
        rows=_profile_rows(found, typed),
        allergen_choices=choices,
        stale=posted.stale and typed is not None,
    )


def _plan(
    appointment: Appointment,
    types: Answer[Items[TreatmentType]],
    agreed: list[str],
    posted: Posted,
) -> PlanForm:
    """The plan form: the treatments (not consultations) for the agreed indications."""
    treatments = [
        (t.id, t.name)
        for t in types.value.items
        if t.kind == "treatment" and t.indication in agreed
    ]
    form = dict(posted.form) if posted.part == PLAN else {}
    if not form:
        form = {
            "treatment_type_id": treatments[0][0] if len(treatments) == 1 else "",
            "idempotency_key": str(uuid4()),
        }
    return PlanForm(
        form=form,
        treatments=treatments,
        indications_text=", ".join(vocabulary.INDICATIONS.get(c, c) for c in agreed),
    )


def _plans(
    appointment: Appointment,
    answer: Answer[TreatmentPlans | None],
    types: list[TreatmentType],
    new_plan: str,
) -> list[PlanLine]:
    names = {t.id: t.name for t in types}
    plans = answer.value.root if answer.value else []
    return [_line(appointment, p, names, new_plan) for p in plans]


def _line(
    appointment: Appointment, plan: TreatmentPlan, names: Mapping[str, str], new_plan: str
) -> PlanLine:
    cost = plan.cost_estimate
    query = {
        "patient_id": appointment.patient_id,
        "clinic_id": plan.clinic_id or appointment.clinic_id,
        "treatment_type_id": plan.treatment_type_id,
        "treatment_plan_id": plan.id,
    }
    return PlanLine(
        id=plan.id,
        treatment=names.get(plan.treatment_type_id, "A treatment"),
        sessions_planned=plan.sessions_planned,
        interval_days=plan.interval_days,
        maintenance_interval_days=plan.maintenance_interval_days,
        completed=plan.progress.completed,
        next_session_due=plan.next_session_due,
        per_session=_money(cost.price_per_session) if cost else None,
        course_total=_money(cost.course_total) if cost else None,
        remaining=_money(cost.remaining) if cost else None,
        book=f"/console/book?{urlencode(query)}",
        new=plan.id == new_plan,
    )


def _money(money: Money) -> str:
    return f"{money.amount_minor / 100:,.2f} {money.currency}"
