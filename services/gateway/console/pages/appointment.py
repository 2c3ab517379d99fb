"""The appointment page: who, when, where, its status and price, and what can be done next —
check in, cancel, no-show, and the session behind the safety check: start, change what will be
injected, complete with what was given."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from uuid import UUID

from services.gateway import policies
from services.gateway.console.clients import booking, formulary, records
from services.gateway.console.clients.booking import (
    Acknowledgement,
    Appointment,
    Clinic,
    CrossCheck,
    Money,
    Practitioner,
    SessionRecord,
    TreatmentType,
)
from services.gateway.console.clients.calls import Answer, Caller, Items
from services.gateway.console.clients.formulary import Blend, Lot
from services.gateway.console.clients.safety import Deviation, Finding
from services.gateway.console.clock import local, zone
from services.gateway.console.forms.session import (
    REACTIONS,
    FindingRow,
    IngredientRow,
    as_carried,
    finding_rows,
    ingredient_name,
    ingredient_rows,
)
from services.gateway.console.pages import consultation, injectables
from services.gateway.console.pages.consultation import Consultation, Posted
from services.gateway.console.pages.injectables import Catalog, Planned, Stock
from services.gateway.console.pages.outcomes import at_hand, notice, refused_status
from services.gateway.console.rendering import Refusal, View, refusal
from services.gateway.console.sessions import StaffSession
from services.gateway.console.words import label, labels
from shared import vocabulary

_NO_BLENDS: Answer[Items[Blend]] = Answer(Items())

PLAN = "plan_"
"""The prefix of the "change what will be injected" form's fields."""

DONE = {
    "booked": "Appointment booked.",
    "check-in": "The patient is checked in.",
    "no-show": "Marked as a no-show; the slot is free again.",
    "cancel": "Appointment cancelled; the slot is free again.",
    "start": "Session started.",
    "cross-check": "The changed plan passed the safety check: it is now what may be injected.",
    "complete": "Session completed.",
    **consultation.DONE,
}


@dataclass(frozen=True, slots=True)
class PlanRefusal:
    """A plan the safety check refused: blocked (contraindicated), or a caution to
    acknowledge (its finding codes, and the findings the form carries back)."""

    action: str
    verdict: str
    findings: list[Finding]
    codes: str = ""
    carried: str = ""

    @classmethod
    def caution(cls, action: str, findings: list[Finding]) -> PlanRefusal:
        """A plan the safety check answered `caution` for: shown with the acknowledgement."""
        codes = ",".join(f.code for f in findings if f.severity == "caution")
        return cls(action, "caution", findings, codes, as_carried(findings))

    def blocks(self, action: str) -> bool:
        return self.verdict == "contraindicated" and self.action == action


@dataclass(frozen=True, slots=True, kw_only=True)
class Shown:
    """What the page shows besides the appointment: a form posted by the `posted` action, shown
    back as typed, and why it was refused; or the action just done."""

    status_code: int = 200
    problem: str | None = None
    errors: dict[str, str] = field(default_factory=dict)
    form: Mapping[str, str] = field(default_factory=dict)
    posted: str = ""
    refusal: PlanRefusal | None = None
    deviations: list[Deviation] = field(default_factory=list)
    """What a completion was refused for."""
    done: str = ""
    consulted: Posted = field(default_factory=Posted)
    """A consultation form shown back as typed."""
    new_plan: str = ""
    """The treatment plan the consultation just made."""


@dataclass(frozen=True, slots=True)
class CheckSummary:
    """A check of the session in words: what it covered, its verdict, when."""

    verdict: str
    checked_at: str | None
    acknowledgement: Acknowledgement | None
    blend: str | None
    ingredients: str
    lots: str
    areas_text: str


@dataclass(frozen=True, slots=True)
class DeviationEntry:
    """Something given outside a passing check, with its findings in words."""

    ingredient: str
    code: str | None
    lots: list[str]
    rows: list[FindingRow]
    severity: str


@dataclass(frozen=True, slots=True)
class AcknowledgementBox:
    name: str
    code: str
    ticked: bool
    label: str
    error: str | None


@dataclass(frozen=True, slots=True)
class DeviationWarning:
    """The deviations booking refused a completion for, as the warning block shows them."""

    entries: list[DeviationEntry]
    boxes: list[AcknowledgementBox]
    codes: str
    carried: str
    worst: str


@dataclass(frozen=True, slots=True)
class Checks:
    """The session's safety checks: a refused plan, the check of record, earlier ones, and
    what a completed session gave outside them."""

    refusal_rows: list[FindingRow]
    recorded: CheckSummary | None
    recorded_rows: list[FindingRow]
    earlier: list[CheckSummary]
    deviations: list[DeviationEntry]


@dataclass(frozen=True, slots=True)
class PlanForms:
    """The start form's and the "change what will be injected" form's choices."""

    blends: list[Blend]
    start_blocked: str | None
    """The blend the safety check just blocked at the start (offered again, not chosen)."""
    form: Mapping[str, str]
    ingredients: list[tuple[str, str]]
    areas: list[tuple[str, str]]
    blocked: str | None
    """The blend the safety check just blocked in a changed plan."""


@dataclass(frozen=True, slots=True)
class CompletionForm:
    form: Mapping[str, str]
    blend: Blend | None
    rows: list[IngredientRow]
    extra_row: int
    other_ingredients: list[tuple[str, str]]
    stock: Mapping[str, list[Lot]]
    areas: list[tuple[str, str, object]]
    """(code, label, ticked)."""
    reactions: list[tuple[str, str]]
    deviation: DeviationWarning | None


@dataclass(frozen=True, slots=True)
class Place:
    """Where and with whom the appointment is, as far as the services could say."""

    clinic: Clinic | None
    practitioner: Practitioner | None
    treatment: TreatmentType | None
    patient_name: str | None

    @property
    def tz(self) -> str:
        return str(zone(self.clinic.timezone if self.clinic else None))


@dataclass(frozen=True, slots=True)
class Injectables:
    """What the session's forms and checks need from formulary."""

    blends: list[Blend] = field(default_factory=list)
    catalog: Catalog = field(default_factory=lambda: Catalog({}))
    stock: Stock = field(default_factory=lambda: Stock({}))
    planned: Planned = field(default_factory=lambda: Planned(None, []))
    """The plan of record, for the completion form (read only when it is shown)."""
    completes: bool = False
    """Whether the completion form is shown (to a practitioner, for a session in progress)."""
    notices: list[str | None] = field(default_factory=list)


@dataclass(frozen=True, slots=True, kw_only=True)
class AppointmentPage(View):
    template = "visit_appointment.html"
    appointment: Appointment
    patient_name: str | None
    clinic: Clinic | None
    practitioner: Practitioner | None
    treatment: TreatmentType | None
    tz: str
    day: str
    price: str | None
    areas: list[tuple[str, str]]
    is_treatment: bool
    is_practitioner: bool
    allowed: set[str]
    refusal: PlanRefusal | None
    checks: Checks
    plan: PlanForms
    completion: CompletionForm
    form: Mapping[str, str]
    posted: str
    done: str | None
    consultation: Consultation | None
    """What a consultation being held records (None for other appointments)."""
    report_adverse: str | None = None
    """The adverse event form for this session, to whom records accepts a report from."""


async def appointment_page(
    calls: Caller, staff: StaffSession, appointment_id: str, shown: Shown | None = None
) -> AppointmentPage | Refusal:
    """The appointment with what can be done next (and what a posted form brought back)."""
    shown = shown or Shown()
    found = await appointment(calls, appointment_id)
    if found.value is None:
        return missing(found)
    place, formulary_side, consulting = await asyncio.gather(
        _place(calls, found.value),
        _injectables(calls, staff, found.value, shown),
        consultation.panel(calls, staff, found.value, shown.consulted, shown.new_plan),
    )
    return _page(staff, found.value, place, formulary_side, shown, consulting)


async def appointment(calls: Caller, appointment_id: str) -> Answer[Appointment | None]:
    """The appointment of the address (an address that names none is booking's 404)."""
    try:
        return await booking.appointment(calls, UUID(appointment_id))
    except ValueError:
        return Answer(None, "No such appointment.", status=404)


def missing(answer: Answer[Appointment | None]) -> Refusal:
    """Why the appointment cannot be shown."""
    back = {"back": "/console/day", "back_label": "Back to the clinic day"}
    if answer.status == 404:
        return refusal(
            404,
            "No such appointment",
            "This appointment is not in your network's calendar.",
            **back,
        )
    return refusal(
        refused_status(answer),
        "The appointment cannot be shown",
        answer.problem or "Booking could not answer.",
        **back,
    )


async def _place(calls: Caller, appointment: Appointment) -> Place:
    clinic, practitioner, treatment, patients = await asyncio.gather(
        booking.clinic(calls, appointment.clinic_id),
        booking.practitioner(calls, appointment.practitioner_id),
        booking.treatment_type(calls, appointment.treatment_type_id),
        records.names(calls, {appointment.patient_id}),
    )
    return Place(
        clinic.value, practitioner.value, treatment.value, patients.get(appointment.patient_id)
    )


async def _injectables(
    calls: Caller, staff: StaffSession, appointment: Appointment, shown: Shown
) -> Injectables:
    """What the forms and panels this person sees need from formulary, and nothing more."""
    treatment = appointment.kind == "treatment"
    practitioner = staff.has_any(policies.SESSION_PRACTITIONERS)
    allowed = set(appointment.allowed_actions)
    plans = treatment and practitioner and bool({"start", "cross-check"} & allowed)
    completes = treatment and practitioner and "complete" in allowed
    checks = treatment and bool(appointment.cross_check or appointment.completion or shown.refusal)
    blends, catalog, stock = await asyncio.gather(
        formulary.blends(calls) if plans or checks else at_hand(_NO_BLENDS),
        injectables.catalog(calls) if plans or completes or checks else at_hand(Catalog({})),
        injectables.stock(calls) if completes else at_hand(Stock({})),
    )
    planned = Planned(None, [])
    if completes:
        planned = await injectables.planned(calls, appointment, catalog)
    return Injectables(
        blends=injectables.blends_for(blends.value.items, appointment.indication),
        catalog=catalog,
        stock=stock,
        planned=planned,
        completes=completes,
        notices=[
            blends.problem if plans else None,
            catalog.problem if plans or completes else None,
            stock.problem,
            planned.problem,
        ],
    )


def _page(
    staff: StaffSession,
    appointment: Appointment,
    place: Place,
    found: Injectables,
    shown: Shown,
    consulting: Consultation | None = None,
) -> AppointmentPage:
    start = local(appointment.start, place.tz)
    areas = place.treatment.areas if place.treatment else []
    names = found.catalog.names
    return AppointmentPage(
        title=(place.treatment.name if place.treatment else None) or "Appointment",
        status_code=shown.status_code,
        appointment=appointment,
        patient_name=place.patient_name,
        clinic=place.clinic,
        practitioner=place.practitioner,
        treatment=place.treatment,
        tz=place.tz,
        day=start.date().isoformat() if start else "",
        price=_price(appointment.price),
        areas=[(a, label(a)) for a in areas],
        is_treatment=appointment.kind == "treatment",
        is_practitioner=staff.has_any(policies.SESSION_PRACTITIONERS),
        allowed=set(appointment.allowed_actions),
        refusal=shown.refusal,
        checks=_checks(appointment, found, shown, names),
        plan=_plan_forms(appointment, found, shown, areas),
        completion=_completion_form(appointment, found, shown, areas, names),
        form=shown.form,
        posted=shown.posted,
        done=DONE.get(shown.done),
        consultation=consulting,
        report_adverse=f"/console/patients/{appointment.patient_id}/adverse-events/new"
        f"?appointment_id={appointment.id}"
        if appointment.completed_at and staff.has_any(policies.ADVERSE_EVENT_REPORTERS)
        else None,
        errors=shown.errors,
        problem=notice(shown.problem, *found.notices, *(consulting.problems if consulting else [])),
    )


def _price(price: Money | None) -> str | None:
    if not price:
        return None
    return f"{price.amount_minor / 100:,.2f} {price.currency}"


def _checks(
    appointment: Appointment, found: Injectables, shown: Shown, names: Mapping[str, str]
) -> Checks:
    blend_names = {b.id: b.name for b in found.blends}
    blend = found.planned.blend
    if blend:
        blend_names[blend.id] = blend.name
    history = [_summary(c, blend_names, names) for c in appointment.cross_checks]
    checked = appointment.cross_check
    recorded = None
    if checked:
        recorded = _summary(checked, blend_names, names, _versions(blend, appointment.completion))
    return Checks(
        refusal_rows=finding_rows(shown.refusal.findings if shown.refusal else [], names),
        recorded=recorded,
        recorded_rows=finding_rows(checked.findings if checked else [], names),
        earlier=list(reversed(history[:-1])),
        deviations=_recorded_deviations(appointment.completion, names),
    )


def _summary(
    check: CrossCheck,
    blend_names: Mapping[str, str],
    names: Mapping[str, str],
    versions: Mapping[str, int] | None = None,
) -> CheckSummary:
    """A check of the session in words. `versions`: the version of a blend checked without
    one, when known."""
    blend = None
    if check.blend_id:
        # A plan naming no version was checked at the blend's version of the time.
        version = check.blend_version or (versions or {}).get(check.blend_id)
        blend = blend_names.get(check.blend_id, "A blend") + (
            f", version {version}" if version else ""
        )
    return CheckSummary(
        verdict=check.verdict,
        checked_at=check.checked_at,
        acknowledgement=check.acknowledgement,
        blend=blend,
        ingredients=", ".join(ingredient_name(c, names) for c in check.ingredient_codes or []),
        lots=", ".join(check.lot_numbers),
        areas_text=labels(check.areas),
    )


def _versions(blend: Blend | None, completion: SessionRecord | None) -> dict[str, int]:
    """The version of the blend of record when its check named none: the one the completion
    form records, or the one the completion recorded."""
    versions = {}
    if completion and completion.blend_id and completion.blend_version:
        versions[completion.blend_id] = completion.blend_version
    if blend:
        versions[blend.id] = blend.version
    return versions


def _plan_forms(
    appointment: Appointment, found: Injectables, shown: Shown, areas: Sequence[str]
) -> PlanForms:
    checked = appointment.cross_check
    planned_areas = (checked.areas if checked else None) or list(areas)
    refused = shown.refusal
    return PlanForms(
        blends=found.blends,
        start_blocked=shown.form.get("blend_id") if refused and refused.blocks("start") else None,
        form=shown.form if shown.posted == "cross-check" else _plan_defaults(checked),
        ingredients=injectables.ingredient_choice(found.catalog.ingredients, withdrawn=False),
        areas=[(a, label(a)) for a in areas_offered(planned_areas)],
        blocked=shown.form.get(f"{PLAN}blend_id")
        if refused and refused.blocks("cross-check")
        else None,
    )


def _plan_defaults(check: CrossCheck | None) -> dict[str, str]:
    """The change form as the check of record left the plan."""
    form = {
        f"{PLAN}blend_id": (check.blend_id if check else None) or "",
        f"{PLAN}lots": ", ".join(check.lot_numbers if check else []),
        f"{PLAN}areas_offered": "1",
    }
    form |= {
        f"{PLAN}ingredient_{c}": "1" for c in (check.ingredient_codes if check else None) or []
    }
    form |= {f"{PLAN}area_{a}": "1" for a in (check.areas if check else [])}
    return form


def areas_offered(first: Sequence[str]) -> list[str]:
    """Every treatment area, `first` (those planned) leading."""
    return list(dict.fromkeys([*first, *vocabulary.TREATMENT_AREAS]))


def _completion_form(
    appointment: Appointment,
    found: Injectables,
    shown: Shown,
    areas: Sequence[str],
    names: Mapping[str, str],
) -> CompletionForm:
    kform = shown.form if shown.posted == "complete" else {}
    checked = appointment.cross_check
    planned_areas = (checked.areas if checked else None) or list(areas)
    rows: list[IngredientRow] = []
    if found.completes:
        rows = ingredient_rows(kform, found.planned.components, found.catalog.ingredients)
    return CompletionForm(
        form=kform,
        blend=found.planned.blend,
        rows=rows,
        extra_row=len(rows),
        other_ingredients=injectables.ingredient_choice(found.catalog.ingredients, withdrawn=True),
        stock=found.stock.lots,
        areas=[
            (
                a,
                label(a),
                kform.get(f"area_{a}") if kform.get("areas_offered") else a in planned_areas,
            )
            for a in areas_offered(planned_areas)
        ],
        reactions=[(r, label(r)) for r in REACTIONS],
        deviation=_deviation_warning(shown.deviations, names, kform, shown.errors),
    )


def _recorded_deviations(
    completion: SessionRecord | None, names: Mapping[str, str]
) -> list[DeviationEntry]:
    """A completed session's deviations, each with its findings in words."""
    return [_entry(d, names) for d in (completion.deviations if completion else [])]


def _entry(deviation: Deviation, names: Mapping[str, str]) -> DeviationEntry:
    code = deviation.ingredient_code
    return DeviationEntry(
        ingredient=ingredient_name(code, names) if code else "The whole session",
        code=code,
        lots=list(deviation.lot_numbers),
        rows=finding_rows(deviation.findings, names, given=True),
        severity="contraindicated" if deviation.contraindicated else "caution",
    )


def _deviation_warning(
    deviations: Sequence[Deviation],
    names: Mapping[str, str],
    form: Mapping[str, str],
    errors: Mapping[str, str],
) -> DeviationWarning | None:
    """The deviations booking refused a completion for: each with its findings, the worst
    first; one box per finding code (ticked as the form was)."""
    if not deviations:
        return None
    posted = [c for c in form.get("deviation_codes", "").split(",") if c]
    ticked = {c for n, c in enumerate(posted) if form.get(f"ack_code_{n}") == c}
    entries = [_entry(d, names) for d in deviations]
    codes: dict[str, FindingRow] = {}
    for entry in entries:
        for row in entry.rows:
            if row.code:
                codes.setdefault(row.code, row)
    boxes = [_box(n, row, ticked, errors) for n, row in enumerate(codes.values())]
    severe = any(e.severity == "contraindicated" for e in entries)
    return DeviationWarning(
        entries=sorted(entries, key=lambda e: e.severity != "contraindicated"),
        boxes=boxes,
        codes=",".join(b.code for b in boxes),
        carried=as_carried(deviations),
        worst="contraindicated" if severe else "caution",
    )


def _box(
    n: int, row: FindingRow, ticked: set[str], errors: Mapping[str, str]
) -> AcknowledgementBox:
    concerns = f": {row.concerns}" if row.concerns else ""
    return AcknowledgementBox(
        name=f"ack_code_{n}",
        code=row.code,
        ticked=row.code in ticked,
        label=f"I acknowledge {row.code}: {row.ingredient}, {row.reason}{concerns} "
        f"({row.severity.lower()})",
        error=errors.get(f"code:{row.code}"),
    )
