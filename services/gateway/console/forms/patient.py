"""The patient forms of the console, read into request bodies for records: contact details,
consents, and the repeated rows of allergies, conditions and medications.

A problem found here is a message keyed by the form field it belongs to, shown next to that
field."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, time
from typing import TypeVar

from services.gateway.console.clients.calls import FieldError
from services.gateway.console.clients.records import (
    Allergy,
    Condition,
    ConsentGiven,
    Contact,
    DeclaredAllergy,
    Medication,
    RecordedAllergy,
    RecordedCondition,
    RecordedMedication,
)
from services.gateway.console.forms import Form
from shared import vocabulary

Parsed = TypeVar("Parsed")

CHANNELS = [("email", "Email"), ("sms", "SMS")]
LOCALES = [("en", "English"), ("es", "Spanish")]
SEVERITIES = [(s, s.capitalize()) for s in vocabulary.ALLERGY_SEVERITIES]
STATUSES = [("active", "Active"), ("resolved", "Resolved")]
SKIN_TYPES = [(str(n), roman) for n, roman in enumerate(("I", "II", "III", "IV", "V", "VI"), 1)]
CONSENT_WORDING = "console-1"
"""The version of the consent wording the console shows next to its consent boxes."""

CONTACT_FIELDS = (
    "given_name",
    "family_name",
    "date_of_birth",
    "email",
    "phone",
    "preferred_channel",
    "locale",
    "timezone",
    "quiet_hours_start",
    "quiet_hours_end",
)
MAX_ROWS = 100


@dataclass(frozen=True, slots=True)
class AllergyRow:
    code: str = ""
    reaction: str = ""
    severity: str = "moderate"
    status: str = "active"
    noted_on: str = ""


@dataclass(frozen=True, slots=True)
class ConditionRow:
    code: str = ""
    note: str = ""
    since: str = ""


@dataclass(frozen=True, slots=True)
class MedicationRow:
    name: str = ""
    dose: str = ""
    classes: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ProfileRows:
    """The repeated rows of the safety profile form, as typed or as recorded."""

    allergy: list[AllergyRow]
    condition: list[ConditionRow]
    medication: list[MedicationRow]

    def with_blank_rows(self) -> ProfileRows:
        """Every group with at least one row to fill in."""
        return ProfileRows(
            self.allergy or [AllergyRow()],
            self.condition or [ConditionRow()],
            self.medication or [MedicationRow()],
        )


def readable(message: str) -> str:
    """A service's field message as a sentence ("Value error, x" → "X.")."""
    text = re.sub(r"^(Value|Assertion) error, ", "", message.strip())
    if not text:
        return "This value is not valid."
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def contact_values(form: Form) -> dict[str, str]:
    """The contact fields as typed (for showing the form again)."""
    return {name: form.get(name, "").strip() for name in CONTACT_FIELDS}


def contact_body(values: Mapping[str, str], errors: dict[str, str]) -> Contact:
    """The contact part of a registration or a change; empty optional fields are None."""
    for name, label in (("given_name", "given name"), ("family_name", "family name")):
        if not values[name]:
            errors[name] = f"Enter the {label}."
    born = _parse(values["date_of_birth"], date.fromisoformat)
    if values["date_of_birth"] and born is None:
        errors["date_of_birth"] = "Enter the date of birth as YYYY-MM-DD."
    if not values["timezone"]:
        errors["timezone"] = "Enter the patient's timezone, e.g. Europe/Paris."
    quiet = {}
    for name in ("quiet_hours_start", "quiet_hours_end"):
        moment = _parse(values[name], time.fromisoformat)
        if values[name] and moment is None:
            errors[name] = "Enter a time as HH:MM."
        quiet[name] = moment.strftime("%H:%M:%S") if moment else None
    if bool(quiet["quiet_hours_start"]) != bool(quiet["quiet_hours_end"]) and not errors.get(
        "quiet_hours_start"
    ):
        missing = "quiet_hours_end" if quiet["quiet_hours_start"] else "quiet_hours_start"
        errors[missing] = "Quiet hours need both a start and an end."
    return Contact(
        given_name=values["given_name"] or None,
        family_name=values["family_name"] or None,
        email=values["email"] or None,
        phone=values["phone"] or None,
        preferred_channel=values["preferred_channel"] or None,
        date_of_birth=born.isoformat() if born else None,
        locale=values["locale"] or "en",
        timezone=values["timezone"] or None,
        quiet_hours_start=quiet["quiet_hours_start"],
        quiet_hours_end=quiet["quiet_hours_end"],
    )


def consents_body(form: Form) -> list[ConsentGiven]:
    """The consents ticked on the form; an unticked box records nothing."""
    return [
        ConsentGiven(kind=kind, granted=True, wording_version=CONSENT_WORDING)
        for kind in ("treatment", "marketing")
        if form.get(f"consent_{kind}") == "yes"
    ]


def allergy_rows(form: Form, *, extra: int = 0) -> list[AllergyRow]:
    """The allergy rows as typed, plus `extra` empty ones."""
    typed = [
        AllergyRow(**{n: form.get(f"allergy_{i}_{n}", "").strip() for n in _names(AllergyRow)})
        for i in range(_count(form, "allergy"))
    ]
    return typed + [AllergyRow() for _ in range(extra)]


def condition_rows(form: Form, *, extra: int = 0) -> list[ConditionRow]:
    typed = [
        ConditionRow(
            **{n: form.get(f"condition_{i}_{n}", "").strip() for n in _names(ConditionRow)}
        )
        for i in range(_count(form, "condition"))
    ]
    return typed + [ConditionRow() for _ in range(extra)]


def medication_rows(form: Form, *, extra: int = 0) -> list[MedicationRow]:
    typed = [
        MedicationRow(
            name=form.get(f"medication_{i}_name", "").strip(),
            dose=form.get(f"medication_{i}_dose", "").strip(),
            classes=[
                c for c in vocabulary.MEDICATION_CLASSES if form.get(f"medication_{i}_class_{c}")
            ],
        )
        for i in range(_count(form, "medication"))
    ]
    return typed + [MedicationRow() for _ in range(extra)]


def recorded_rows(
    allergies: Sequence[Allergy],
    conditions: Sequence[Condition],
    medications: Sequence[Medication],
) -> ProfileRows:
    """A recorded profile as the form's rows, one empty row more in each group."""
    return ProfileRows(
        allergy=[
            AllergyRow(a.code, a.reaction or "", a.severity, a.status, a.noted_on or "")
            for a in allergies
        ]
        + [AllergyRow()],
        condition=[ConditionRow(c.code, c.note or "", c.since or "") for c in conditions]
        + [ConditionRow()],
        medication=[MedicationRow(m.name, m.dose or "", list(m.classes)) for m in medications]
        + [MedicationRow()],
    )


def declared_allergies(
    found: Sequence[AllergyRow], errors: dict[str, str]
) -> tuple[list[DeclaredAllergy], list[int]]:
    """The allergy rows that say something, and the form row each item came from."""
    items, origin = [], []
    for i, row in _said(found, errors):
        items.append(
            DeclaredAllergy(
                code=row.code, reaction=row.reaction or None, severity=row.severity or "moderate"
            )
        )
        origin.append(i)
    return items, origin


def recorded_allergies(
    found: Sequence[AllergyRow], errors: dict[str, str]
) -> tuple[list[RecordedAllergy], list[int]]:
    """`declared_allergies` with their status and the day they were noted."""
    items, origin = [], []
    for i, row in _said(found, errors):
        items.append(
            RecordedAllergy(
                code=row.code,
                reaction=row.reaction or None,
                severity=row.severity or "moderate",
                status=row.status or "active",
                noted_on=row.noted_on or None,
            )
        )
        origin.append(i)
    return items, origin


def _said(found: Sequence[AllergyRow], errors: dict[str, str]) -> list[tuple[int, AllergyRow]]:
    """The allergy rows that name an allergen; a reaction without one is an error."""
    said = []
    for i, row in enumerate(found):
        if not row.code and not row.reaction:
            continue
        if not row.code:
            errors[f"allergy_{i}_code"] = "Choose what the patient is allergic to."
            continue
        said.append((i, row))
    return said


def conditions_body(
    found: Sequence[ConditionRow], errors: dict[str, str]
) -> tuple[list[RecordedCondition], list[int]]:
    items, origin = [], []
    for i, row in enumerate(found):
        if not row.code and not row.note:
            continue
        if not row.code:
            errors[f"condition_{i}_code"] = "Choose the condition."
            continue
        items.append(
            RecordedCondition(code=row.code, note=row.note or None, since=row.since or None)
        )
        origin.append(i)
    return items, origin


def medications_body(
    found: Sequence[MedicationRow], errors: dict[str, str]
) -> tuple[list[RecordedMedication], list[int]]:
    items, origin = [], []
    for i, row in enumerate(found):
        if not row.name and not row.dose and not row.classes:
            continue
        if not row.name:
            errors[f"medication_{i}_name"] = "Enter the name of the medication."
            continue
        items.append(RecordedMedication(name=row.name, classes=row.classes, dose=row.dose or None))
        origin.append(i)
    return items, origin


def skin_type(text: str, errors: dict[str, str]) -> int | None:
    if not text:
        return None
    if text not in {value for value, _ in SKIN_TYPES}:
        errors["fitzpatrick_skin_type"] = "Choose a skin type from I to VI."
        return None
    return int(text)


def field_errors(
    problem_errors: Sequence[FieldError], origins: Mapping[str, tuple[str, list[int]]]
) -> dict[str, str]:
    """A service's field messages keyed by the form's fields.

    `origins` maps a body list (e.g. `declared_allergies`) to the form's row kind and the form
    row of each item, so `declared_allergies.1.code` lands on the row the patient filled in."""
    errors: dict[str, str] = {}
    for entry in problem_errors:
        path = entry.field.split(".")
        message = readable(entry.message)
        if path[0] in origins:
            kind, origin = origins[path[0]]
            if len(path) >= 3 and path[1].isdigit() and int(path[1]) < len(origin):
                name = path[2] if path[2] != "classes" else "name"
                errors.setdefault(f"{kind}_{origin[int(path[1])]}_{name}", message)
            else:
                errors.setdefault(f"{kind}_rows", message)
        elif path[0]:
            errors.setdefault(path[0], message)
    return errors


def _names(row: type[AllergyRow] | type[ConditionRow]) -> tuple[str, ...]:
    return tuple(row.__dataclass_fields__)


def _count(form: Form, kind: str) -> int:
    text = form.get(f"{kind}_rows")
    return min(int(text) if text and text.isdigit() else 0, MAX_ROWS)


def _parse(text: str, parse: Callable[[str], Parsed]) -> Parsed | None:
    if not text:
        return None
    try:
        return parse(text)
    except ValueError:
        return None
