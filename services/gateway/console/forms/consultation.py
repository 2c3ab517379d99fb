"""The consultation's forms read into request bodies: the medical history and goals with the
agreed indications and areas (records), and the treatment plan (booking). The safety profile
form is the chart's own (forms/patient.py).

Fields: `medical_history`, `treatment_goals`, `indication_<code>`, `area_<code>` and `version`
for the history; `treatment_type_id`, `sessions_planned`, `interval_days`,
`maintenance_interval_days` and `idempotency_key` for the plan."""

from __future__ import annotations

from collections.abc import Sequence

from services.gateway.console.clients.booking import NewTreatmentPlan
from services.gateway.console.clients.calls import FieldError
from services.gateway.console.clients.records import MedicalHistoryChange
from services.gateway.console.forms import Form
from services.gateway.console.forms.patient import readable
from shared import vocabulary

HISTORY_MAX = 20_000
GOALS_MAX = 5_000
PLAN_NUMBERS = {
    "sessions_planned": "Enter the number of sessions planned, e.g. 4.",
    "interval_days": "Enter the number of days between sessions, e.g. 14.",
    "maintenance_interval_days": "Enter a whole number of days, or leave it empty.",
}


def ticked(form: Form, prefix: str, codes: Sequence[str]) -> list[str]:
    """The codes of `codes` whose box `<prefix><code>` is ticked, in the vocabulary's order."""
    return [c for c in codes if form.get(f"{prefix}{c}")]


def history_body(form: Form, appointment_id: str, errors: dict[str, str]) -> MedicalHistoryChange:
    """(the whole history as the form has it); messages next to the fields in `errors`."""
    history = form.get("medical_history", "").strip()
    goals = form.get("treatment_goals", "").strip()
    if len(history) > HISTORY_MAX:
        errors["medical_history"] = f"Keep the medical history under {HISTORY_MAX} characters."
    if len(goals) > GOALS_MAX:
        errors["treatment_goals"] = f"Keep the treatment goals under {GOALS_MAX} characters."
    version = form.get("version", "")
    return MedicalHistoryChange(
        medical_history=history,
        treatment_goals=goals,
        indications=ticked(form, "indication_", list(vocabulary.INDICATIONS)),
        areas=ticked(form, "area_", list(vocabulary.TREATMENT_AREAS)),
        consultation_appointment_id=appointment_id,
        expected_version=int(version) if version.isdigit() else None,
    )


def history_field_errors(problem_errors: Sequence[FieldError]) -> dict[str, str]:
    """records' field messages (`indications.0`, `areas.1`, `treatment_goals`) at the form's
    fields and groups."""
    errors: dict[str, str] = {}
    for entry in problem_errors:
        head = entry.field.split(".")[0]
        if head in ("indications", "areas", "medical_history", "treatment_goals"):
            errors.setdefault(head, readable(entry.message))
    return errors


def plan_body(
    form: Form,
    *,
    patient_id: str,
    clinic_id: str,
    offered: Sequence[str],
    errors: dict[str, str],
) -> NewTreatmentPlan | None:
    """The plan the form asks for (None when a field is missing or not a number). `offered`:
    the treatment types the form listed; the numbers' ranges are booking's to say."""
    treatment = form.get("treatment_type_id", "").strip()
    if not treatment:
        errors["treatment_type_id"] = "Choose the treatment the plan is for."
    elif treatment not in offered:
        errors["treatment_type_id"] = "Choose a treatment from the list."
    numbers: dict[str, int | None] = {}
    for name, message in PLAN_NUMBERS.items():
        text = form.get(name, "").strip()
        if not text and name == "maintenance_interval_days":
            numbers[name] = None
        elif text.isdigit() and len(text) < 6:
            numbers[name] = int(text)
        else:
            errors[name] = message
    if errors:
        return None
    sessions, interval = numbers["sessions_planned"], numbers["interval_days"]
    assert sessions is not None and interval is not None
    return NewTreatmentPlan(
        patient_id=patient_id,
        treatment_type_id=treatment,
        clinic_id=clinic_id,
        sessions_planned=sessions,
        interval_days=interval,
        maintenance_interval_days=numbers["maintenance_interval_days"],
    )


def plan_field_errors(problem_errors: Sequence[FieldError]) -> dict[str, str]:
    """booking's field messages at the plan form's fields."""
    errors: dict[str, str] = {}
    for entry in problem_errors:
        head = entry.field.split(".")[0]
        if head in ("treatment_type_id", *PLAN_NUMBERS):
            errors.setdefault(head, readable(entry.message))
    return errors
