"""The adverse event form: the kind (the guide's side effects), the severity, the onset as a
local date and time in the clinic's zone, and a description, read into the report records is
sent; records' field messages keyed by the form's fields."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from services.gateway.console import clock
from services.gateway.console.forms import Form
from services.gateway.console.forms.patient import readable
from services.gateway.console.words import label
from shared import vocabulary

MAX_DESCRIPTION = 5000
KINDS = [(code, label(code)) for code in vocabulary.ADVERSE_EVENT_KINDS]
SEVERITIES = [(s, s.capitalize()) for s in vocabulary.ADVERSE_EVENT_SEVERITIES]
FORM_FIELDS = ("kind", "severity", "onset", "description")
FIELDS = {"onset_at": "onset"}
"""records' field names that differ from the form's."""


@dataclass(frozen=True, slots=True)
class AdverseForm:
    """The form as typed (to show it again)."""

    kind: str = ""
    severity: str = ""
    onset: str = ""
    """A local date and time, as a datetime-local field sends it (2026-12-07T14:30)."""
    description: str = ""
    idempotency_key: str = ""


def adverse_form(form: Form) -> AdverseForm:
    return AdverseForm(
        kind=form.get("kind", ""),
        severity=form.get("severity", ""),
        onset=form.get("onset", "").strip(),
        description=form.get("description", "").strip(),
        idempotency_key=form.get("idempotency_key", ""),
    )


def onset_at(typed: str, tz: str, errors: dict[str, str]) -> str:
    """The local date and time `typed` in zone `tz` as an instant with its offset; what is not
    one is in `errors` (whether it is in the future is records' rule)."""
    if not typed:
        errors["onset"] = "Enter the date and time the event began."
        return ""
    try:
        wall = datetime.fromisoformat(typed)
    except ValueError:
        errors["onset"] = "Enter the date and time the event began, as 2026-12-07 14:30."
        return ""
    if wall.tzinfo is not None:
        errors["onset"] = f"Enter the local time in {tz}, without an offset."
        return ""
    moment = wall.replace(tzinfo=clock.zone(tz))
    # A wall-clock time skipped when the clocks went forward does not come back the same.
    if moment.astimezone(UTC).astimezone(moment.tzinfo).replace(tzinfo=None) != wall:
        errors["onset"] = f"This time did not exist in {tz}: the clocks went forward then."
        return ""
    return moment.isoformat()


def checked(typed: AdverseForm, errors: dict[str, str]) -> None:
    """What the console can tell before asking records, in `errors`."""
    if typed.kind not in vocabulary.ADVERSE_EVENT_KINDS:
        errors["kind"] = "Choose what kind of event it is."
    if typed.severity not in vocabulary.ADVERSE_EVENT_SEVERITIES:
        errors["severity"] = "Choose how severe it is."
    if not typed.description:
        errors["description"] = "Describe what happened."
    elif len(typed.description) > MAX_DESCRIPTION:
        errors["description"] = f"Keep the description to at most {MAX_DESCRIPTION} characters."


def field_errors(problem_errors: Mapping[str, str]) -> dict[str, str]:
    """records' field messages by the form's fields (`onset_at` is the onset field)."""
    return {FIELDS.get(name, name): readable(message) for name, message in problem_errors.items()}
