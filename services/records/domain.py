"""Records rules: what a valid chart is, what changed, which version a write is based on.

Pure: values in, values out or an error raised. No I/O, no FastAPI, no asyncpg. Field checks
raise `ValueError` (the schemas turn it into a 422 naming the field); rules across fields raise
`Invalid` naming the field themselves.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Literal
from uuid import UUID

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from shared import vocabulary
from shared.errors import Conflict, Invalid, ProblemError

# ---------------------------------------------------------------------------------------------
# Errors


class DuplicatePatient(Conflict):
    """Another patient of the network already has this email or phone."""

    type = "duplicate-patient"
    title = "A patient with this contact already exists"


class StaleVersion(Conflict):
    """The write was based on a version someone else has since replaced."""

    type = "stale-version"
    title = "The record changed since you read it"


class PreconditionRequired(ProblemError):
    """A write that must say which version it replaces did not."""

    type = "precondition-required"
    title = "Send the version you are changing"
    status = 428


# ---------------------------------------------------------------------------------------------
# Field checks (raise ValueError with a message for the field)

Channel = Literal["email", "sms"]
ConsentKind = Literal["treatment", "photos", "marketing"]
LOCALE_PATTERN = re.compile(r"^[a-z]{2,3}(-[A-Z]{2}|-[0-9]{3})?$")
OLDEST_BIRTH_YEAR = 1900
ONSET_CLOCK_SKEW = timedelta(minutes=5)
_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6}


def normalize_email(raw: str) -> str:
    """The address in normal form (domain lower-cased); ValueError when it is not one.

    `.test` domains (RFC 2606) are accepted so demo and test data can use them; the other
    special-use names (localhost, .invalid, .onion, …) are refused.
    """
    try:
        return validate_email(
            raw.strip(), check_deliverability=False, test_environment=True
        ).normalized
    except EmailNotValidError as exc:
        raise ValueError(f"not a valid email address: {exc}") from exc


def normalize_phone(raw: str) -> str:
    """The number in E.164 (`+33612345678`); spaces and dashes in the input are tolerated."""
    text = raw.strip()
    if not text.startswith("+"):
        raise ValueError("a phone number must be in international E.164 form, e.g. +33612345678")
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"not a phone number: {exc}") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError("not a valid phone number for its country code")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def check_timezone(name: str) -> str:
    """A canonical IANA timezone (`shared.vocabulary.canonical_timezones`: Area/Location, or
    UTC), so `localtime`, `Factory`, `EST5EDT`, `posix/…` and the like are refused."""
    if not vocabulary.is_canonical_timezone(name):
        raise ValueError(
            f"{name!r} is not a canonical IANA timezone: use an Area/Location name such as "
            "Europe/Paris or America/New_York, or UTC"
        )
    return name


def check_locale(tag: str) -> str:
    if not LOCALE_PATTERN.match(tag):
        raise ValueError(f"{tag!r} is not a locale such as en, fr or pt-BR")
    return tag


def check_date_of_birth(born: date, today: date) -> date:
    if born > today:
        raise ValueError("the date of birth is in the future")
    if born.year < OLDEST_BIRTH_YEAR:
        raise ValueError(f"the date of birth is before {OLDEST_BIRTH_YEAR}")
    return born


def fitzpatrick(value: Any) -> int:
    """A Fitzpatrick skin type, 1 to 6, given as a number or a roman numeral (I to VI)."""
    if isinstance(value, bool):
        raise ValueError("a Fitzpatrick skin type is I to VI (or 1 to 6)")
    if isinstance(value, str):
        text = value.strip().upper()
        if text in _ROMAN:
            return _ROMAN[text]
        if re.fullmatch(r"[0-9]{1,2}", text):
            value = int(text)
    if isinstance(value, int) and 1 <= value <= 6:
        return value
    raise ValueError("a Fitzpatrick skin type is I to VI (or 1 to 6)")


def check_name(raw: str) -> str:
    text = " ".join(raw.split())
    if not text:
        raise ValueError("a name may not be blank")
    return text


def check_allergen_code(code: str) -> str:
    if not vocabulary.is_allergen_code(code):
        raise ValueError(f"{code!r} is neither an allergen class nor an ingredient code")
    return code


def check_condition_code(code: str) -> str:
    if not vocabulary.is_condition(code):
        raise ValueError(f"{code!r} is not a known condition code")
    return code


def check_medication_class(code: str) -> str:
    if not vocabulary.is_medication_class(code):
        raise ValueError(f"{code!r} is not a known medication class")
    return code


def check_indication(code: str) -> str:
    if not vocabulary.is_indication(code):
        raise ValueError(f"{code!r} is not a known indication")
    return code


def check_area(code: str) -> str:
    if not vocabulary.is_treatment_area(code):
        raise ValueError(f"{code!r} is not a known treatment area")
    return code


def unique(values: Sequence[Any], what: str) -> Sequence[Any]:
    seen: set[Any] = set()
    for v in values:
        if v in seen:
            raise ValueError(f"{what} {v!r} is listed twice")
        seen.add(v)
    return values


# ---------------------------------------------------------------------------------------------
# Contact


@dataclass(frozen=True, slots=True)
class Contact:
    """What notifications must know to reach a patient, as PatientRegistered/ContactChanged."""

    given_name: str
    family_name: str
    email: str | None
    phone: str | None
    preferred_channel: Channel
    channel_opt_outs: tuple[Channel, ...]
    locale: str
    timezone: str
    quiet_hours_start: time | None
    quiet_hours_end: time | None
    marketing_consent: bool = False


def default_channel(email: str | None, phone: str | None) -> Channel:
    """Email when there is an address, else SMS when there is a phone, else email."""
    if email is None and phone is not None:
        return "sms"
    return "email"


def check_contact(contact: Contact) -> None:
    """Rules across contact fields; raises Invalid naming the field."""
    if contact.preferred_channel == "email" and contact.email is None and contact.phone:
        raise Invalid(
            "The preferred channel is email but the patient has no email address.",
            field="preferred_channel",
        )
    if contact.preferred_channel == "sms" and contact.phone is None:
        raise Invalid(
            "The preferred channel is SMS but the patient has no phone number.",
            field="preferred_channel",
        )
    if contact.preferred_channel in contact.channel_opt_outs:
        raise Invalid("The patient opted out of their preferred channel.", field="channel_opt_outs")
    if (contact.quiet_hours_start is None) != (contact.quiet_hours_end is None):
        field_name = "quiet_hours_end" if contact.quiet_hours_end is None else "quiet_hours_start"
        raise Invalid("Quiet hours need both a start and an end.", field=field_name)
    if (
        contact.quiet_hours_start is not None
        and contact.quiet_hours_start == contact.quiet_hours_end
    ):
        raise Invalid(
            "Quiet hours may not start and end at the same time.", field="quiet_hours_end"
        )


def changed_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """Names of the fields whose values differ, in the order of `after`."""
    return [k for k, v in after.items() if before.get(k) != v]


# ---------------------------------------------------------------------------------------------
# Consents


@dataclass(frozen=True, slots=True)
class ConsentEntry:
    kind: ConsentKind
    granted: bool
    wording_version: str
    recorded_at: datetime
    recorded_by: str


def current_consents(history: Iterable[ConsentEntry]) -> dict[str, ConsentEntry]:
    """The latest entry per kind, given the history in the order it was recorded."""
    current: dict[str, ConsentEntry] = {}
    for entry in history:
        current[entry.kind] = entry
    return current


def marketing_consent(history: Iterable[ConsentEntry]) -> bool:
    entry = current_consents(history).get("marketing")
    return bool(entry and entry.granted)


# ---------------------------------------------------------------------------------------------
# Safety profile and medical history

JsonObject = dict[str, Any]
"""One entry of a JSON column as stored (an allergy, a medication, an injected ingredient): it
is written and read whole, so it stays the JSON it is."""


@dataclass(frozen=True, slots=True)
class ProfileContent:
    """What a safety profile says; written whole, so a version is one of these."""

    fitzpatrick_skin_type: int | None
    allergies: list[JsonObject]
    conditions: list[JsonObject]
    medications: list[JsonObject]


@dataclass(frozen=True, slots=True)
class HistoryContent:
    """What the medical history says: the consultation's notes, goals, indications and areas."""

    medical_history: str
    treatment_goals: str
    indications: list[str]
    areas: list[str]
    consultation_appointment_id: UUID | None


def profile_facts(content: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of PatientSafetyProfileChanged from a stored profile (JSON-shaped dicts)."""
    return {
        "fitzpatrick_skin_type": content.get("fitzpatrick_skin_type"),
        "allergies": [
            {k: a.get(k) for k in ("code", "reaction", "severity", "status")}
            for a in content.get("allergies", [])
        ],
        "conditions": [c["code"] for c in content.get("conditions", [])],
        "medications": [
            {"name": m["name"], "classes": list(m.get("classes", []))}
            for m in content.get("medications", [])
        ],
    }


# ---------------------------------------------------------------------------------------------
# Versions: a write says which version it replaces, so two writers cannot silently overwrite
# each other


@dataclass(frozen=True, slots=True)
class StatedVersion:
    """The version a write says it is based on, as the caller stated it: in the `If-Match`
    header (`header`, None when it was absent or not an ETag of ours) and in the body
    (`expected_version`)."""

    header: int | None = None
    header_sent: bool = False
    body: int | None = None

    @property
    def given(self) -> bool:
        return self.header_sent or self.body is not None


def based_on(stated: StatedVersion) -> int:
    """The version a write is based on: the one stated, which must be stated (428), readable
    and, when stated twice, the same (422)."""
    if not stated.header_sent:
        if stated.body is None:
            raise PreconditionRequired(
                "Send If-Match with the ETag you read (or expected_version in the body), "
                "so a concurrent change is not silently overwritten.",
                errors=[{"field": "If-Match", "message": "required"}],
            )
        return stated.body
    if stated.header is None:
        raise Invalid(
            'If-Match must be the ETag of the version you read, e.g. "3".', field="If-Match"
        )
    if stated.body is not None and stated.body != stated.header:
        raise Invalid("If-Match and expected_version disagree.", field="expected_version")
    return stated.header


def check_expected_version(current: int, expected: int) -> None:
    if current != expected:
        raise stale_version(current, expected)


def stale_version(current: int, expected: int) -> StaleVersion:
    """The refusal of a write based on `expected` when the record is at `current`."""
    return StaleVersion(
        f"You changed version {expected}, but the record is at version {current}; "
        "read it again and reapply your change.",
        current_version=current,
    )


# ---------------------------------------------------------------------------------------------
# Adverse events


def check_onset(onset_at: datetime, now: datetime) -> datetime:
    if onset_at.tzinfo is None:
        raise ValueError("the onset needs a UTC offset, e.g. 2026-11-24T18:00:00+01:00")
    if onset_at > now + ONSET_CLOCK_SKEW:
        raise ValueError("the onset is in the future")
    return onset_at


@dataclass(frozen=True, slots=True)
class SessionFacts:
    """What the treatment history knows of a session an adverse event refers to."""

    patient_id: UUID
    clinic_id: UUID
    practitioner_id: UUID
    lot_numbers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AdverseEventLinks:
    clinic_id: UUID | None
    practitioner_id: UUID | None
    lot_numbers: tuple[str, ...]


def link_adverse_event(
    *,
    patient_id: UUID,
    clinic_id: UUID | None,
    practitioner_id: UUID | None,
    lot_numbers: Sequence[str],
    session: SessionFacts | None,
) -> AdverseEventLinks:
    """Fill what the report leaves out from the session it names; refuse another's session."""
    if session is None:
        return AdverseEventLinks(clinic_id, practitioner_id, tuple(lot_numbers))
    if session.patient_id != patient_id:
        raise Invalid("That session belongs to another patient.", field="appointment_id")
    lots = tuple(lot_numbers) or session.lot_numbers
    return AdverseEventLinks(
        clinic_id or session.clinic_id, practitioner_id or session.practitioner_id, lots
    )


# ---------------------------------------------------------------------------------------------
# Search


def like_pattern(text: str) -> str:
    """`%text%` for ILIKE, with LIKE's own metacharacters escaped."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def looks_like_phone(text: str) -> bool:
    """A search typed as a phone number: two or more digits, with at most spaces, `+ - . ( )`.

    Digits inside a name or an email (`Garnier23`) are not a phone search: matching them
    against every phone number would bury the patient meant among others."""
    stripped = text.strip()
    return sum(ch.isdigit() for ch in stripped) >= 2 and all(
        ch.isdigit() or ch in " +-.()" for ch in stripped
    )


def phone_fragment(text: str) -> str:
    """The digits (and a leading +) of a partial phone number typed in a search box."""
    digits = "".join(ch for ch in text if ch.isdigit())
    return ("+" + digits) if text.strip().startswith("+") else digits


@dataclass(frozen=True, slots=True)
class SearchQuery:
    q: str | None = None
    name: str | None = None
    email: str | None = None
    phone: str | None = None

    def fields(self) -> list[str]:
        return [k for k in ("q", "name", "email", "phone") if getattr(self, k)]


def check_search(query: SearchQuery) -> SearchQuery:
    """At least one criterion, each at least 2 characters (a trigram index needs something)."""
    given = query.fields()
    if not given:
        raise Invalid("Search by at least one of q, name, email or phone.", field="q")
    for name in given:
        value = getattr(query, name).strip()
        if "\x00" in value:
            raise Invalid("Text may not contain NUL characters.", field=name)
        if len(value) < 2:
            raise Invalid("Type at least 2 characters.", field=name)
    if query.phone is not None and len(phone_fragment(query.phone).lstrip("+")) < 2:
        raise Invalid("Type at least 2 digits of the phone number.", field="phone")
    return query
