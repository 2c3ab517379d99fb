"""FHIR read and search of the chart: each in an audited chart access, like the REST reads.

A read or a search naming a patient opens that patient's chart (another network's is a 404, and
audited). A search across the network checks the role in the same audited access, then writes
one audit row for each patient whose chart the page shows, so the audit log of a chart lists
every read of it, whichever way it was asked.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any
from uuid import UUID

from services.records.policies import Permission
from services.records.repository import fhir
from services.records.repository.fhir import Matches, PatientSearch, Search
from services.records.repository.patients import Patient
from services.records.usecases.access import Caller, note_reads, open_chart
from shared.db import Transaction
from shared.errors import NotFound
from shared.uow import UnitOfWork

Find = Callable[[Transaction, Search], Awaitable[Matches[Any]]]


@dataclass(frozen=True, slots=True)
class Kind:
    """How records finds the rows of one resource type, and who may read them."""

    permission: Permission
    find: Find
    patient_of: Callable[[Any], UUID]
    position: Callable[[Any], tuple[Any, ...]]
    """Where a row stands in the search's order (the next page starts after it)."""
    owner_in_id: bool = False
    """Whether the resource id starts with its patient's id (the chart a read opens)."""


def _entries(listed: fhir.ProfileList, resource_type: str) -> Kind:
    async def find(tx: Transaction, search: Search) -> Matches[Any]:
        return await fhir.profile_entries(tx, search, listed, resource_type)

    return Kind(
        Permission.READ_CLINICAL,
        find,
        lambda e: e.patient_id,
        lambda e: (e.patient_id, e.ord),
        owner_in_id=True,
    )


KINDS: dict[str, Kind] = {
    "AllergyIntolerance": _entries("allergies", "AllergyIntolerance"),
    "Condition": _entries("conditions", "Condition"),
    "MedicationStatement": _entries("medications", "MedicationStatement"),
    "Consent": Kind(
        Permission.READ_CONTACT,
        fhir.consents,
        lambda c: c.patient_id,
        lambda c: (c.recorded_at, c.id),
    ),
    "Procedure": Kind(
        Permission.READ_CLINICAL,
        fhir.treatments,
        lambda t: t.patient_id,
        lambda t: (t.completed_at, t.id),
    ),
    "MedicationAdministration": Kind(
        Permission.READ_CLINICAL,
        fhir.administrations,
        lambda a: a.treatment.patient_id,
        lambda a: (a.treatment.completed_at, a.treatment.id, a.ord),
    ),
    "AdverseEvent": Kind(
        Permission.READ_CLINICAL,
        fhir.adverse_events,
        lambda e: e.event.patient_id,
        lambda e: (e.event.onset_at, e.event.id),
    ),
}
"""Every records resource type but Patient, which has its own search."""


@dataclass(frozen=True, slots=True)
class Found:
    """A page of a search: its rows, how many match in all, where the next page starts."""

    rows: list[Any]
    total: int
    next_position: tuple[Any, ...] | None


def _page(matches: Matches[Any], limit: int, position: Callable[[Any], tuple[Any, ...]]) -> Found:
    if len(matches.rows) > limit:
        rows = matches.rows[:limit]
        return Found(rows, matches.total, position(rows[-1]))
    return Found(matches.rows, matches.total, None)


def _owner(resource_id: str) -> UUID | None:
    """The patient id a derived resource id starts with (None for an id of another shape)."""
    try:
        return UUID(resource_id[:36]) if len(resource_id) > 37 else None
    except ValueError:
        return None


async def read(uow: UnitOfWork, caller: Caller, resource_type: str, resource_id: str) -> Any:
    """The row of one resource of the caller's network; NotFound (404) for any other id."""
    kind = KINDS[resource_type]
    owner = _owner(resource_id) if kind.owner_in_id else None
    # An id that cannot be one of ours is refused in the audited access like any other.
    malformed = kind.owner_in_id and owner is None
    async with open_chart(
        uow, caller, f"fhir.{resource_type}.read", kind.permission, owner
    ) as chart:
        chart.fields = [resource_type]
        found = None
        if not malformed:
            matches = await kind.find(
                uow.tx, Search(caller.who.network_id, limit=1, ids=(resource_id,))
            )
            found = matches.rows[0] if matches.rows else None
        if found is None:
            raise NotFound(f"No {resource_type} {resource_id} in your network.")
        chart.patient_id = kind.patient_of(found)
        return found


async def search(uow: UnitOfWork, caller: Caller, resource_type: str, asked: Search) -> Found:
    """A page of the resources matching `asked`, in the caller's network."""
    kind = KINDS[resource_type]
    action = f"fhir.{resource_type}.search"
    search = replace(asked, network_id=caller.who.network_id)
    try:
        async with open_chart(uow, caller, action, kind.permission, search.patient_id) as chart:
            chart.fields = [resource_type]
            found = _page(await kind.find(uow.tx, search), search.limit, kind.position)
    except NotFound:
        if search.patient_id is None:
            raise
        # A patient of no chart here matches nothing (the refused access is audited).
        return Found([], 0, None)
    if search.patient_id is None:
        await note_reads(uow, caller, action, [kind.patient_of(r) for r in found.rows])
    return found


async def read_patient(uow: UnitOfWork, caller: Caller, patient_id: UUID) -> Patient:
    async with open_chart(
        uow, caller, "fhir.Patient.read", Permission.READ_CONTACT, patient_id
    ) as chart:
        return chart.patient


async def search_patients(
    uow: UnitOfWork, caller: Caller, asked: Search, criteria: PatientSearch
) -> Found:
    """Patients matching every criterion, by name (audited as one search, like the REST one)."""
    search = replace(asked, network_id=caller.who.network_id)
    async with open_chart(uow, caller, "fhir.Patient.search", Permission.READ_CONTACT) as chart:
        chart.fields = _criteria_fields(criteria, asked)
        matches = await fhir.patients(uow.tx, search, criteria)
    return _page(matches, search.limit, lambda p: (p.family_name, p.given_name, p.id))


def _criteria_fields(criteria: PatientSearch, asked: Search) -> list[str]:
    named: Sequence[tuple[str, Any]] = (
        ("_id", asked.ids),
        ("name", criteria.name),
        ("birthdate", criteria.birth),
        ("email", criteria.email),
        ("phone", criteria.phone),
    )
    return [name for name, value in named if value is not None]
