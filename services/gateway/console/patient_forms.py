"""The patient forms of the console, read into request bodies for records: contact details,
consents, and the repeated rows of allergies, conditions and medications.

Pure functions over the posted form (a flat dict); a problem found here is a message keyed by
the form field it belongs to, shown next to that field."""

from __future__ import annotations

import re
from datetime import date, time
from typing import Any

from shared import vocabulary

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
ROW_FIELDS = {
    "allergy": ("code", "reaction", "severity", "status", "noted_on"),
    "condition": ("code", "note", "since"),
    "medication": ("name", "dose"),
}
MAX_ROWS = 100


def readable(message: str) -> str:
    """A service's field message as a sentence ("Value error, x" → "X.")."""
    text = re.sub(r"^(Value|Assertion) error, ", "", message.strip())
    if not text:
        return "This value is not valid."
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def contact_values(form: dict[str, str]) -> dict[str, str]:
    """The contact fields as typed (for showing the form again)."""
    return {name: form.get(name, "").strip() for name in CONTACT_FIELDS}


def contact_body(values: dict[str, str], errors: dict[str, str]) -> dict[str, Any]:
    """The contact part of a registration or a change; empty optional fields are None."""
    for name, label in (("given_name", "given name"), ("family_name", "family name")):
        if not values[name]:
            errors[name] = f"Enter the {label}."
    born = _parse(values["date_of_birth"], date.fromisoformat)
    if values["date_of_birth"] and born is None:
        errors["date_of_birth"] = "Enter the date of birth as YYYY-MM-DD."
    body: dict[str, Any] = {
        name: values[name] or None
        for name in ("given_name", "family_name", "email", "phone", "preferred_channel")
    }
    body["date_of_birth"] = born.isoformat() if born else None
    body["locale"] = values["locale"] or "en"
    body["timezone"] = values["timezone"] or None
    if not values["timezone"]:
        errors["timezone"] = "Enter the patient's timezone, e.g. Europe/Paris."
    for name in ("quiet_hours_start", "quiet_hours_end"):
        moment = _parse(values[name], time.fromisoformat)
        if values[name] and moment is None:
            errors[name] = "Enter a time as HH:MM."
        body[name] = moment.strftime("%H:%M:%S") if moment else None
    if bool(body["quiet_hours_start"]) != bool(body["quiet_hours_end"]) and not errors.get(
        "quiet_hours_start"
    ):
        missing = "quiet_hours_end" if body["quiet_hours_start"] else "quiet_hours_start"
        errors[missing] = "Quiet hours need both a start and an end."
    return body


def consents_body(form: dict[str, str]) -> list[dict[str, Any]]:
    """The consents ticked on the form; an unticked box records nothing."""
    return [
        {"kind": kind, "granted": True, "wording_version": CONSENT_WORDING}
        for kind in ("treatment", "marketing")
        if form.get(f"consent_{kind}") == "yes"
    ]


def rows(form: dict[str, str], kind: str, *, extra: int = 0) -> list[dict[str, Any]]:
    """The rows of one repeated group as typed, plus `extra` empty ones."""
    count = min(_count(form.get(f"{kind}_rows")), MAX_ROWS)
    found = [
        {name: form.get(f"{kind}_{i}_{name}", "").strip() for name in ROW_FIELDS[kind]}
        for i in range(count)
    ]
    if kind == "medication":
        for i, row in enumerate(found):
            row["classes"] = [
                c for c in vocabulary.MEDICATION_CLASSES if form.get(f"medication_{i}_class_{c}")
            ]
    return found + [blank_row(kind) for _ in range(extra)]


def blank_row(kind: str) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(ROW_FIELDS[kind], "")
    if kind == "allergy":
        row.update(severity="moderate", status="active")
    if kind == "medication":
        row["classes"] = []
    return row


def allergies_body(
    found: list[dict[str, Any]], errors: dict[str, str], *, with_status: bool = True
) -> tuple[list[dict[str, Any]], list[int]]:
    """The allergy rows that say something, and the form row each item came from."""
    items, origin = [], []
    for i, row in enumerate(found):
        if not row["code"] and not row["reaction"]:
            continue
        if not row["code"]:
            errors[f"allergy_{i}_code"] = "Choose what the patient is allergic to."
            continue
        item = {
            "code": row["code"],
            "reaction": row["reaction"] or None,
            "severity": row["severity"] or "moderate",
        }
        if with_status:
            item["status"] = row["status"] or "active"
            item["noted_on"] = row["noted_on"] or None
        items.append(item)
        origin.append(i)
    return items, origin


def conditions_body(
    found: list[dict[str, Any]], errors: dict[str, str]
) -> tuple[list[dict[str, Any]], list[int]]:
    items, origin = [], []
    for i, row in enumerate(found):
        if not row["code"] and not row["note"]:
            continue
        if not row["code"]:
            errors[f"condition_{i}_code"] = "Choose the condition."
            continue
        items.append(
            {"code": row["code"], "note": row["note"] or None, "since": row["since"] or None}
        )
        origin.append(i)
    return items, origin


def medications_body(
    found: list[dict[str, Any]], errors: dict[str, str]
) -> tuple[list[dict[str, Any]], list[int]]:
    items, origin = [], []
    for i, row in enumerate(found):
        if not row["name"] and not row["dose"] and not row["classes"]:
            continue
        if not row["name"]:
            errors[f"medication_{i}_name"] = "Enter the name of the medication."
            continue
        items.append({"name": row["name"], "classes": row["classes"], "dose": row["dose"] or None})
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
    problem: dict[str, Any], origins: dict[str, tuple[str, list[int]]]
) -> dict[str, str]:
    """A service's field messages keyed by the form's fields.

    `origins` maps a body list (e.g. `declared_allergies`) to the form's row kind and the form
    row of each item, so `declared_allergies.1.code` lands on the row the patient filled in."""
    errors: dict[str, str] = {}
    for entry in problem.get("errors") or []:
        if not isinstance(entry, dict):
            continue
        path = str(entry.get("field", "")).split(".")
        message = readable(str(entry.get("message", "")))
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


def _count(text: str | None) -> int:
    return int(text) if text and text.isdigit() else 0


def _parse(text: str, parse: Any) -> Any:
    if not text:
        return None
    try:
        return parse(text)
    except ValueError:
        return None
