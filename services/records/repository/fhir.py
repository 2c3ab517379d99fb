"""The chart as FHIR searches it: patients by their FHIR search parameters, and each safety
profile entry, consent, treatment, administered ingredient and adverse event as one resource.

Every search returns `limit + 1` rows in a stable order (so the caller knows whether there is a
next page) and has a count of all its matches. Rows that are not resources of their own (an
allergy in a profile's JSON, an ingredient of a session) get their id here, in SQL, so a read and
a search by `_id` find them the same way:

- a safety profile entry: `<patient id>-<16 hex digits of the MD5 of "<Type>/<key>">`, the key
  being the allergen or condition code, or a medication's lower-cased name and its occurrence
  (`apixaban#1`): the entry keeps its id while the profile changes around it;
- an administered ingredient: `<treatment id>-<its position in the session, from 1>`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, Generic, Literal, TypeVar
from uuid import UUID

from asyncpg import Record

from services.records.domain import JsonObject
from services.records.repository.patients import Patient
from services.records.repository.treatments import AdverseEvent, Treatment
from shared.db import Transaction, records_of

R = TypeVar("R")

ProfileList = Literal["allergies", "conditions", "medications"]


@dataclass(frozen=True, slots=True)
class Span:
    """Instants `start <= t < end`, either end open."""

    start: datetime | None = None
    end: datetime | None = None


@dataclass(frozen=True, slots=True)
class Search:
    """What a FHIR search asks of one network's chart: ids (`_id`), a patient, a span of time
    and where the page starts (the position of the previous page's last row)."""

    network_id: UUID
    limit: int
    ids: tuple[str, ...] | None = None
    patient_id: UUID | None = None
    span: Span | None = None
    after: tuple[Any, ...] | None = None


@dataclass(frozen=True, slots=True)
class PatientSearch:
    """Patient's own search parameters; each given one must match."""

    name: str | None = None
    birth: Span | None = None
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class Matches(Generic[R]):
    rows: list[R]
    """`limit + 1` rows at most."""
    total: int
    """Every match, wherever the page starts."""


@dataclass(frozen=True, slots=True)
class ProfileEntry:
    """One allergy, condition or medication of a patient's current safety profile."""

    id: str
    patient_id: UUID
    entry: JsonObject
    ord: int
    updated_at: datetime
    version: int


@dataclass(frozen=True, slots=True)
class ConsentRecord:
    """A consent entry with its id, and whether it is the current one of its kind."""

    id: UUID
    patient_id: UUID
    kind: str
    granted: bool
    wording_version: str
    recorded_at: datetime
    recorded_by: str
    current: bool


@dataclass(frozen=True, slots=True)
class Administration:
    """One ingredient given in a completed session."""

    id: str
    treatment: Treatment
    ingredient: JsonObject
    ord: int


class _Where:
    """The conditions of a query and their arguments, `$1` being the network."""

    def __init__(self, network_id: UUID, column: str = "network_id") -> None:
        self.args: list[Any] = [network_id]
        self.conditions = [f"{column} = $1"]

    def arg(self, value: Any) -> str:
        self.args.append(value)
        return f"${len(self.args)}"

    def add(self, condition: str) -> None:
        self.conditions.append(condition)

    def span(self, column: str, span: Span | None) -> None:
        if span is not None and span.start is not None:
            self.add(f"{column} >= {self.arg(span.start)}")
        if span is not None and span.end is not None:
            self.add(f"{column} < {self.arg(span.end)}")

    @property
    def sql(self) -> str:
        return " AND ".join(self.conditions)


def _uuids(ids: Sequence[str]) -> list[UUID]:
    """The ids that are UUIDs: no row has any other id."""
    found = []
    for id in ids:
        try:
            found.append(UUID(id))
        except ValueError:
            continue
    return found


After = Callable[[_Where, tuple[Any, ...]], str]
"""The condition a row after a position meets, its values added to the query's arguments."""


async def _matches(
    tx: Transaction,
    sql: str,
    where: _Where,
    *,
    order: str,
    after: After,
    search: Search,
) -> tuple[list[Record], int]:
    """The rows of `sql` (whose arguments `where` holds) from `search.after` on, in `order`,
    `search.limit + 1` of them; and the count of them all."""
    total = await tx.fetchval(f"SELECT count(*) FROM ({sql}) AS matching", *where.args)
    condition = "true" if search.after is None else after(where, search.after)
    rows = await tx.fetch(
        f"SELECT * FROM ({sql}) AS matching WHERE {condition} "
        f"ORDER BY {order} LIMIT {int(search.limit) + 1}",
        *where.args,
    )
    return rows, int(total)


def _newest_first(where: _Where, position: tuple[Any, ...]) -> str:
    at, id = position
    return f"(at, id) < ({where.arg(at)}, {where.arg(id)})"


# ---------------------------------------------------------------------------------------------
# Patients

_NAME = "lower(p.given_name || ' ' || p.family_name)"


async def patients(tx: Transaction, search: Search, criteria: PatientSearch) -> Matches[Patient]:
    """Patients by family name, given name and id. A name matches when the given name, the
    family name or both together start with it (case-insensitive)."""
    where = _Where(search.network_id, "p.network_id")
    if search.ids is not None:
        where.add(f"p.id = ANY({where.arg(_uuids(search.ids))}::uuid[])")
    if criteria.name is not None:
        text = where.arg(_prefix(criteria.name.strip().lower()))
        where.add(
            f"(lower(p.given_name) LIKE {text} OR lower(p.family_name) LIKE {text} "
            f"OR {_NAME} LIKE {text})"
        )
    if criteria.birth is not None:
        where.span("(p.date_of_birth::timestamp AT TIME ZONE 'UTC')", criteria.birth)
    if criteria.email is not None:
        where.add(f"lower(p.email) = lower({where.arg(criteria.email.strip())})")
    if criteria.phone is not None:
        where.add(f"p.phone = {where.arg(criteria.phone)}")

    def after(where: _Where, position: tuple[Any, ...]) -> str:
        family, given, id = position
        return (
            f"(family_name, given_name, id) > "
            f"({where.arg(family)}, {where.arg(given)}, {where.arg(id)})"
        )

    sql = (
        "SELECT p.*, s.fitzpatrick_skin_type FROM patients p "
        f"LEFT JOIN safety_profiles s ON s.patient_id = p.id WHERE {where.sql}"
    )
    rows, total = await _matches(
        tx, sql, where, order="family_name, given_name, id", after=after, search=search
    )
    return Matches(records_of(Patient, rows), total)


def _prefix(text: str) -> str:
    """`text%` for LIKE, with LIKE's own metacharacters escaped."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


# ---------------------------------------------------------------------------------------------
# Safety profile entries

_ENTRY_KEYS: dict[ProfileList, str] = {
    "allergies": "e.value->>'code'",
    "conditions": "e.value->>'code'",
    "medications": (
        "lower(e.value->>'name') || '#' || row_number() OVER "
        "(PARTITION BY s.patient_id, lower(e.value->>'name') ORDER BY e.ord)"
    ),
}


async def profile_entries(
    tx: Transaction, search: Search, listed: ProfileList, resource_type: str
) -> Matches[ProfileEntry]:
    """The entries of `listed` in the current safety profiles, by patient and position."""
    where = _Where(search.network_id, "s.network_id")
    if search.patient_id is not None:
        where.add(f"s.patient_id = {where.arg(search.patient_id)}")
    if search.ids is not None:
        owners = _uuids([id[:36] for id in search.ids])
        where.add(f"s.patient_id = ANY({where.arg(owners)}::uuid[])")
    entries = f"""
        SELECT s.patient_id, s.updated_at, s.version, e.value AS entry, e.ord,
               {_ENTRY_KEYS[listed]} AS key
        FROM safety_profiles s
        CROSS JOIN LATERAL jsonb_array_elements(s.{listed}) WITH ORDINALITY AS e(value, ord)
        WHERE {where.sql}"""
    kind = where.arg(resource_type + "/")
    identified = f"""
        SELECT *, patient_id::text || '-' || left(md5({kind} || key), 16) AS id
        FROM ({entries}) AS entries"""
    if search.ids is not None:
        identified = (
            f"SELECT * FROM ({identified}) AS identified "
            f"WHERE id = ANY({where.arg(list(search.ids))}::text[])"
        )

    def after(where: _Where, position: tuple[Any, ...]) -> str:
        patient_id, ord = position
        return f"(patient_id, ord) > ({where.arg(patient_id)}, {where.arg(ord)})"

    rows, total = await _matches(
        tx, identified, where, order="patient_id, ord", after=after, search=search
    )
    return Matches(records_of(ProfileEntry, rows), total)


# ---------------------------------------------------------------------------------------------
# Consents


async def consents(tx: Transaction, search: Search) -> Matches[ConsentRecord]:
    """Consent entries, newest first; the latest of each kind of a patient is current."""
    where = _Where(search.network_id)
    if search.patient_id is not None:
        where.add(f"patient_id = {where.arg(search.patient_id)}")
    ids = None if search.ids is None else where.arg(_uuids(search.ids))
    if ids is not None:
        # The whole history of the patients named: whether an entry is current depends on it.
        where.add(
            "patient_id IN (SELECT patient_id FROM consents "
            f"WHERE network_id = $1 AND id = ANY({ids}::uuid[]))"
        )
    sql = f"""
        SELECT *, recorded_at AS at,
               row_number() OVER (PARTITION BY patient_id, kind
                                  ORDER BY recorded_at DESC, seq DESC) = 1 AS current
        FROM consents WHERE {where.sql}"""
    if ids is not None:
        sql = f"SELECT * FROM ({sql}) AS history WHERE id = ANY({ids}::uuid[])"
    rows, total = await _matches(
        tx, sql, where, order="at DESC, id DESC", after=_newest_first, search=search
    )
    return Matches(records_of(ConsentRecord, rows), total)


# ---------------------------------------------------------------------------------------------
# Treatments and the ingredients given in them

_TREATMENT_FIELDS = tuple(f.name for f in fields(Treatment))


def _treatment_where(search: Search) -> _Where:
    where = _Where(search.network_id, "t.network_id")
    if search.patient_id is not None:
        where.add(f"t.patient_id = {where.arg(search.patient_id)}")
    where.span("t.completed_at", search.span)
    return where


async def treatments(tx: Transaction, search: Search) -> Matches[Treatment]:
    """Completed sessions, the latest completed first."""
    where = _treatment_where(search)
    if search.ids is not None:
        where.add(f"t.id = ANY({where.arg(_uuids(search.ids))}::uuid[])")
    sql = f"SELECT t.*, t.completed_at AS at FROM treatments t WHERE {where.sql}"
    rows, total = await _matches(
        tx, sql, where, order="at DESC, id DESC", after=_newest_first, search=search
    )
    return Matches(records_of(Treatment, rows), total)


async def administrations(tx: Transaction, search: Search) -> Matches[Administration]:
    """Each ingredient given, the latest completed session first, in the session's order."""
    where = _treatment_where(search)
    if search.ids is not None:
        sessions = _uuids([id.rpartition("-")[0] for id in search.ids])
        where.add(f"t.id = ANY({where.arg(sessions)}::uuid[])")
    sql = f"""
        SELECT t.*, t.completed_at AS at, i.value AS ingredient, i.ord,
               t.id::text || '-' || i.ord AS administration_id
        FROM treatments t
        CROSS JOIN LATERAL jsonb_array_elements(t.ingredients) WITH ORDINALITY AS i(value, ord)
        WHERE {where.sql}"""
    if search.ids is not None:
        sql = (
            f"SELECT * FROM ({sql}) AS given "
            f"WHERE administration_id = ANY({where.arg(list(search.ids))}::text[])"
        )

    def after(where: _Where, position: tuple[Any, ...]) -> str:
        at, id, ord = position
        a, b, c = where.arg(at), where.arg(id), where.arg(ord)
        return f"((at, id) < ({a}, {b}) OR (at = {a} AND id = {b} AND ord > {c}))"

    rows, total = await _matches(
        tx, sql, where, order="at DESC, id DESC, ord", after=after, search=search
    )
    given = [
        Administration(
            id=row["administration_id"],
            treatment=Treatment(**{name: row[name] for name in _TREATMENT_FIELDS}),
            ingredient=row["ingredient"],
            ord=row["ord"],
        )
        for row in rows
    ]
    return Matches(given, total)


# ---------------------------------------------------------------------------------------------
# Adverse events


@dataclass(frozen=True, slots=True)
class LinkedAdverseEvent:
    """An adverse event, with the treatment record of the session it names (when there is one)."""

    event: AdverseEvent
    treatment_id: UUID | None


async def adverse_events(tx: Transaction, search: Search) -> Matches[LinkedAdverseEvent]:
    """Adverse events, the latest onset first."""
    where = _Where(search.network_id, "e.network_id")
    if search.patient_id is not None:
        where.add(f"e.patient_id = {where.arg(search.patient_id)}")
    if search.ids is not None:
        where.add(f"e.id = ANY({where.arg(_uuids(search.ids))}::uuid[])")
    where.span("e.onset_at", search.span)
    sql = f"""
        SELECT e.*, e.onset_at AS at,
               (SELECT t.id FROM treatments t
                WHERE t.network_id = e.network_id AND t.appointment_id = e.appointment_id)
               AS treatment_id
        FROM adverse_events e WHERE {where.sql}"""
    rows, total = await _matches(
        tx, sql, where, order="at DESC, id DESC", after=_newest_first, search=search
    )
    events = records_of(AdverseEvent, rows)
    return Matches(
        [LinkedAdverseEvent(e, row["treatment_id"]) for e, row in zip(events, rows, strict=True)],
        total,
    )
