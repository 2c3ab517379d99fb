"""The Admin setup forms read into the bodies booking is sent: a clinic, a room, a
practitioner, a week of working hours, a time off, a treatment type and a price. Only the shape
is read here (a number is a number, a day a day); what is acceptable is booking's to say, and
its messages come back next to the same fields.

Choices of several (a practitioner's clinics and indications, a treatment type's areas) are one
checkbox each, named `<group>_<code>`; a week's rows are `weekday_<n>`, `start_<n>`, `end_<n>`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from services.gateway.console.clients.setup import (
    ClinicChange,
    HoursRow,
    NewClinic,
    NewPrice,
    NewTimeOff,
    NewTreatmentType,
    PractitionerFields,
    Week,
)
from services.gateway.console.forms import Form
from services.gateway.console.forms.patient import readable

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
EMPTY_HOURS_ROWS = 3
"""Blank rows the week's form offers below the rows kept, to add hours."""
MAX_HOURS_ROWS = 50
"""booking keeps at most 50 rows a week."""
MINOR_UNITS = 100
"""Prices are typed in major units with up to two decimals (cents)."""


def text(form: Form, name: str) -> str:
    return form.get(name, "").strip()


def optional(form: Form, name: str) -> str | None:
    return text(form, name) or None


def required(form: Form, name: str, what: str, errors: dict[str, str]) -> str:
    value = text(form, name)
    if not value:
        errors[name] = f"Enter the {what}."
    return value


def whole_number(
    form: Form, name: str, errors: dict[str, str], *, needed: bool = True
) -> int | None:
    value = text(form, name)
    if not value:
        if needed:
            errors[name] = "Enter a whole number."
        return None
    try:
        return int(value)
    except ValueError:
        errors[name] = "Enter a whole number."
        return None


def chosen(form: Form, group: str, offered: Iterable[str]) -> list[str]:
    """The codes of `offered` whose checkbox `<group>_<code>` was ticked, in offered order."""
    return [code for code in offered if form.get(f"{group}_{code}") == "yes"]


def field_errors(errors: Mapping[str, str]) -> dict[str, str]:
    """booking's field messages as sentences, by the form field they name."""
    return {name: readable(message) for name, message in errors.items()}


# -- clinics and rooms -------------------------------------------------------------------------


def clinic_body(form: Form, errors: dict[str, str]) -> NewClinic:
    return NewClinic(
        name=required(form, "name", "clinic's name", errors),
        address=required(form, "address", "address", errors),
        timezone=required(form, "timezone", "timezone, e.g. Europe/Paris", errors),
        currency=required(form, "currency", "currency, e.g. EUR", errors).upper(),
        slot_grid_minutes=whole_number(form, "slot_grid_minutes", errors) or 0,
        phone=optional(form, "phone"),
        email=optional(form, "email"),
    )


def clinic_change(form: Form, errors: dict[str, str]) -> ClinicChange:
    return ClinicChange(
        name=required(form, "name", "clinic's name", errors),
        address=required(form, "address", "address", errors),
        slot_grid_minutes=whole_number(form, "slot_grid_minutes", errors) or 0,
        phone=optional(form, "phone"),
        email=optional(form, "email"),
    )


# -- practitioners -----------------------------------------------------------------------------


def practitioner_body(
    form: Form,
    clinic_ids: Iterable[str],
    indications: Iterable[str],
    errors: dict[str, str],
) -> PractitionerFields:
    """A practitioner as registered or changed; the clinics and indications ticked among those
    offered."""
    expires = required(form, "licence_expires_on", "day the licence expires", errors)
    if expires:
        try:
            date.fromisoformat(expires)
        except ValueError:
            errors["licence_expires_on"] = "Enter a day as YYYY-MM-DD."
    return PractitionerFields(
        name=required(form, "name", "practitioner's name", errors),
        email=optional(form, "email"),
        phone=optional(form, "phone"),
        licence_number=required(form, "licence_number", "licence number", errors),
        licence_expires_on=expires,
        clinic_ids=chosen(form, "clinic", clinic_ids),
        indications=chosen(form, "indication", indications),
        experience_tier=text(form, "experience_tier") or "junior",
    )


@dataclass(frozen=True, slots=True)
class HoursLine:
    """One row of the week's form, as typed."""

    n: int
    weekday: str = ""
    start: str = ""
    end: str = ""


def hours_lines(form: Form) -> list[HoursLine]:
    """The week's rows as typed, blank ones left out."""
    lines = []
    for n in range(MAX_HOURS_ROWS + EMPTY_HOURS_ROWS):
        line = HoursLine(
            n, text(form, f"weekday_{n}"), text(form, f"start_{n}"), text(form, f"end_{n}")
        )
        if line.start or line.end:
            lines.append(line)
    return lines


def week_body(lines: list[HoursLine], errors: dict[str, str]) -> Week:
    """The whole week; a row with a missing part is named (`start_<n>`, `end_<n>`)."""
    rows = []
    for line in lines:
        for part in ("start", "end"):
            if not getattr(line, part):
                errors[f"{part}_{line.n}"] = f"Enter the {part} time, e.g. 09:00."
        day = int(line.weekday) if line.weekday.isdigit() else 0
        rows.append(HoursRow(weekday=day, start=line.start, end=line.end))
    return Week(hours=rows)


def week_errors(problem_fields: Mapping[str, str], lines: list[HoursLine]) -> dict[str, str]:
    """booking's messages for `hours.<index>` (the index in the week sent) next to the form's
    row it came from (`row_<n>`)."""
    errors = {}
    for name, message in problem_fields.items():
        place, _, index = name.partition(".")
        if place == "hours" and index.isdigit() and int(index) < len(lines):
            errors[f"row_{lines[int(index)].n}"] = readable(message)
        else:
            errors["hours"] = readable(message)
    return errors


def time_off_body(form: Form, tz: ZoneInfo, errors: dict[str, str]) -> NewTimeOff:
    """Start and end typed as the clinic's wall-clock time, sent as instants with its offset."""
    ends = {}
    for name in ("start", "end"):
        typed = required(form, name, f"{name} day and time", errors)
        if not typed:
            continue
        try:
            ends[name] = datetime.fromisoformat(typed).replace(tzinfo=tz).isoformat()
        except ValueError:
            errors[name] = "Enter a day and time, e.g. 2027-06-07 09:00."
    return NewTimeOff(
        start=ends.get("start", ""), end=ends.get("end", ""), reason=optional(form, "reason")
    )


# -- treatment types and prices ----------------------------------------------------------------


def treatment_type_body(
    form: Form, areas: Iterable[str], errors: dict[str, str]
) -> NewTreatmentType:
    """A treatment type; duration and buffer left empty are booking's defaults."""
    return NewTreatmentType(
        name=required(form, "name", "treatment type's name", errors),
        kind=required(form, "kind", "kind", errors),
        indication=required(form, "indication", "indication", errors),
        areas=chosen(form, "area", areas),
        duration_minutes=whole_number(form, "duration_minutes", errors, needed=False),
        buffer_minutes=whole_number(form, "buffer_minutes", errors, needed=False),
    )


def amount_minor(form: Form, errors: dict[str, str]) -> int:
    """The amount typed in major units (120 or 120.50), in minor units (0 when unreadable)."""
    amount = required(form, "amount", "amount, e.g. 120.00", errors)
    if not amount:
        return 0
    try:
        value = Decimal(amount.replace(",", "."))
        if value != value.quantize(Decimal("0.01")):
            raise InvalidOperation
        return int(value * MINOR_UNITS)
    except InvalidOperation:
        errors["amount"] = "Enter an amount with at most two decimals, e.g. 120.00."
        return 0


def price_body(form: Form, currency: str, errors: dict[str, str]) -> NewPrice:
    """A price typed in the clinic's currency."""
    return NewPrice(
        clinic_id=required(form, "clinic_id", "clinic", errors),
        treatment_type_id=required(form, "treatment_type_id", "treatment type", errors),
        tier=optional(form, "tier"),
        amount_minor=amount_minor(form, errors),
        currency=currency,
    )


def amount_text(amount_minor: int) -> str:
    """Minor units as the amount field shows them: 15000 → 150.00."""
    return f"{Decimal(amount_minor) / MINOR_UNITS:.2f}"


def money(amount_minor: int, currency: str) -> str:
    return f"{Decimal(amount_minor) / MINOR_UNITS:,.2f} {currency}"
