"""Read and search booking's FHIR resources (issue 16): the network (Organization), its clinics
(Location), practitioners (Practitioner), appointments (Appointment), each practitioner's
schedule at each clinic (Schedule) and the free slots in it (Slot).

A search takes the request's parameters as `shared.fhir.search_parameters` returns them (names
known) and answers one page, how many match in all and where the next page starts. Reads and
searches see the caller's network, as booking's own API does; another network's id is a 404.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Generic, TypeVar
from uuid import UUID
from zoneinfo import ZoneInfo

from services.booking import repository
from services.booking.domain import MAX_WINDOW_DAYS
from services.booking.domain.fhir import parse_slot_id, schedule_id, slot_id, slot_key, statuses_of
from services.booking.repository import (
    Appointment,
    Clinic,
    Practitioner,
    TreatmentType,
    WorkPlace,
)
from services.booking.usecases import appointments, availability, clinics, practitioners
from services.booking.usecases.paging import cursor_datetime, cursor_uuid
from shared import fhir
from shared.auth import Principal
from shared.errors import NotFound
from shared.fhir import InvalidSearch
from shared.uow import UnitOfWork

T = TypeVar("T")
Parameters = Mapping[str, Sequence[str]]

TREATMENT_TYPE_SYSTEM = fhir.CODE_SYSTEM_BASE + "treatment-type"
"""Codes: the network's treatment type ids (Appointment and Slot serviceType)."""
APPOINTMENT_TYPE_SYSTEM = fhir.CODE_SYSTEM_BASE + "appointment-type"
"""Codes: consultation, treatment, follow-up (Appointment and Slot appointmentType)."""
QUALIFICATION_SYSTEM = fhir.CODE_SYSTEM_BASE + "qualification"
"""Codes: licence (a practitioner's licence to practise, with its expiry)."""
LICENCE_IDENTIFIER_SYSTEM = fhir.IDENTIFIER_SYSTEM_BASE + "practitioner-licence"

MAX_SLOT_WINDOW = timedelta(days=31)
"""The longest `start` range a Slot search may ask for: slots are computed, not stored."""


@dataclass(frozen=True, slots=True)
class Found(Generic[T]):
    """One page of a search: its items, how many match in all, where the next page starts."""

    items: list[T]
    total: int
    next_position: list[Any] | None


@dataclass(frozen=True, slots=True)
class Schedule:
    """A practitioner's schedule at a clinic, where their free slots are."""

    id: UUID
    place: WorkPlace


@dataclass(frozen=True, slots=True)
class FreeSlot:
    """A free slot of a schedule for a treatment type, in the first room availability offers
    then (the room booking it takes; FHIR's Slot does not name it)."""

    id: str
    schedule: Schedule
    treatment: TreatmentType
    start: datetime
    end: datetime
    room_id: UUID


def network_name(network_id: UUID) -> str:
    """The network's name: booking knows no more of a network than its id."""
    return f"MesoCare network {str(network_id)[:8]}"


# -- parameters --------------------------------------------------------------------------------


def _uuid_or_404(resource_type: str, id: str) -> UUID:
    try:
        return UUID(id)
    except ValueError:
        raise NotFound(f"No {resource_type} {id!r} in your network.") from None


def _ids(parameters: Parameters) -> list[UUID] | None:
    """The ids `_id` names (None: any); one that cannot be an id matches nothing."""
    values = parameters.get("_id")
    if not values:
        return None
    found: list[UUID] = []
    for value in values:
        for one in value.split(","):
            try:
                found.append(UUID(one.strip()))
            except ValueError:
                continue
    return found


def _text_ids(parameters: Parameters) -> set[str] | None:
    values = parameters.get("_id")
    return None if not values else {one.strip() for v in values for one in v.split(",")}


def _references(parameters: Parameters, name: str, *resource_types: str) -> list[UUID]:
    return [fhir.reference_id(name, v, *resource_types) for v in parameters.get(name, [])]


def _by_name(parameters: Parameters) -> list[str]:
    return [v for v in parameters.get("name", []) if v.strip()]


def _name_cursor(parameters: Parameters, resource_type: str) -> tuple[str, UUID] | None:
    position = fhir.cursor_of(parameters, resource_type, 2)
    return (position[0], cursor_uuid(position[1])) if position else None


def _paged(rows: list[T], total: int, count: int, position: Callable[[T], list[Any]]) -> Found[T]:
    if len(rows) > count:
        return Found(rows[:count], total, position(rows[count - 1]))
    return Found(rows, total, None)


def _page_of_all(
    items: list[T],
    parameters: Parameters,
    resource_type: str,
    key: Callable[[T], list[str]],
    parts: int,
) -> Found[T]:
    """A page of a result computed whole (schedules, slots), ordered by `key` (`parts` long)."""
    count = fhir.count_of(parameters)
    items = sorted(items, key=key)
    position = fhir.cursor_of(parameters, resource_type, parts)
    after = [i for i in items if position is None or key(i) > position]
    return _paged(after, len(items), count, key)


# -- Organization ------------------------------------------------------------------------------


async def organization(uow: UnitOfWork, who: Principal, id: str) -> UUID:
    """The caller's network, when `id` is it."""
    if _uuid_or_404("Organization", id) != who.network_id:
        raise NotFound(f"No Organization {id} in your network.")
    return who.network_id


async def organizations(uow: UnitOfWork, who: Principal, parameters: Parameters) -> Found[UUID]:
    """The caller's network, if it matches."""
    fhir.count_of(parameters)
    ids = _ids(parameters)
    words = network_name(who.network_id).lower().split()
    matches = (ids is None or who.network_id in ids) and all(
        any(w.startswith(n.strip().lower()) for w in words) for n in _by_name(parameters)
    )
    return Found([who.network_id] if matches else [], int(matches), None)


# -- Location, Practitioner --------------------------------------------------------------------


async def location(uow: UnitOfWork, who: Principal, id: str) -> Clinic:
    return await clinics.get(uow, who, _uuid_or_404("Location", id))


async def locations(uow: UnitOfWork, who: Principal, parameters: Parameters) -> Found[Clinic]:
    """The network's clinics with a word of their name starting with each `name`, by name."""
    count = fhir.count_of(parameters)
    rows, total = await repository.search_clinics(
        uow.tx,
        network_id=who.network_id,
        ids=_ids(parameters),
        names=_by_name(parameters),
        after=_name_cursor(parameters, "Location"),
        limit=count,
    )
    return _paged(rows, total, count, lambda c: [c.name, c.id])


async def practitioner(uow: UnitOfWork, who: Principal, id: str) -> Practitioner:
    return await practitioners.get(uow, who, _uuid_or_404("Practitioner", id))


async def practitioners_named(
    uow: UnitOfWork, who: Principal, parameters: Parameters
) -> Found[Practitioner]:
    """The network's practitioners with a word of their name starting with each `name`."""
    count = fhir.count_of(parameters)
    rows, total = await repository.search_practitioners(
        uow.tx,
        network_id=who.network_id,
        ids=_ids(parameters),
        names=_by_name(parameters),
        after=_name_cursor(parameters, "Practitioner"),
        limit=count,
    )
    return _paged(rows, total, count, lambda p: [p.name, p.id])


# -- Appointment -------------------------------------------------------------------------------


def _statuses(parameters: Parameters) -> list[str] | None:
    """Booking's statuses the `status` values allow (each value's codes, comma-separated, are
    alternatives; repeated values must all hold)."""
    allowed: set[str] | None = None
    for value in parameters.get("status", []):
        these: set[str] = set()
        for code in value.split(","):
            statuses = statuses_of(code.strip())
            if statuses is None:
                raise InvalidSearch(
                    "status", f"status must be an Appointment.status code, not {code!r}."
                )
            these.update(s.value for s in statuses)
        allowed = these if allowed is None else allowed & these
    return None if allowed is None else sorted(allowed)


async def appointment(uow: UnitOfWork, who: Principal, id: str) -> Appointment:
    return await appointments.get(uow, who, _uuid_or_404("Appointment", id))


async def appointments_found(
    uow: UnitOfWork, who: Principal, parameters: Parameters
) -> Found[Appointment]:
    """The network's appointments matching every parameter, by start."""
    count = fhir.count_of(parameters)
    when = fhir.date_range("date", parameters.get("date", []))
    position = fhir.cursor_of(parameters, "Appointment", 2)
    rows, total = await repository.search_appointments(
        uow.tx,
        network_id=who.network_id,
        ids=_ids(parameters),
        patient_ids=_references(parameters, "patient", "Patient"),
        practitioner_ids=_references(parameters, "practitioner", "Practitioner"),
        clinic_ids=_references(parameters, "location", "Location"),
        statuses=_statuses(parameters),
        start=when.start,
        end=when.end,
        after=(cursor_datetime(position[0]), cursor_uuid(position[1])) if position else None,
        limit=count,
    )
    return _paged(rows, total, count, lambda a: [a.starts_at.isoformat(), a.id])


# -- Schedule ----------------------------------------------------------------------------------


def _schedule_key(schedule: Schedule) -> list[str]:
    place = schedule.place
    return [
        place.practitioner_name,
        str(place.practitioner_id),
        place.clinic_name,
        str(schedule.id),
    ]


async def _schedules(
    uow: UnitOfWork,
    who: Principal,
    *,
    practitioner_ids: Sequence[UUID] = (),
    clinic_ids: Sequence[UUID] = (),
) -> list[Schedule]:
    places = await repository.work_places(
        uow.tx, network_id=who.network_id, practitioner_ids=practitioner_ids, clinic_ids=clinic_ids
    )
    return [Schedule(schedule_id(p.practitioner_id, p.clinic_id), p) for p in places]


async def schedule(uow: UnitOfWork, who: Principal, id: str) -> Schedule:
    wanted = _uuid_or_404("Schedule", id)
    for found in await _schedules(uow, who):
        if found.id == wanted:
            return found
    raise NotFound(f"No Schedule {id} in your network.")


async def schedules(uow: UnitOfWork, who: Principal, parameters: Parameters) -> Found[Schedule]:
    """The network's schedules of the `actor`s (a practitioner or a clinic)."""
    practitioner_ids: list[UUID] = []
    clinic_ids: list[UUID] = []
    for value in parameters.get("actor", []):
        actor = fhir.reference_id("actor", value, "Practitioner", "Location")
        (clinic_ids if value.strip().startswith("Location/") else practitioner_ids).append(actor)
    found = await _schedules(uow, who, practitioner_ids=practitioner_ids, clinic_ids=clinic_ids)
    ids = _ids(parameters)
    found = [s for s in found if ids is None or s.id in ids]
    return _page_of_all(found, parameters, "Schedule", _schedule_key, 4)


# -- Slot --------------------------------------------------------------------------------------


def _local_dates(start: datetime, end: datetime, tz: ZoneInfo) -> list[tuple[date, date]]:
    """The clinic's local dates [start, end) covers, in windows availability accepts."""
    first = start.astimezone(tz).date()
    last = (end - timedelta(microseconds=1)).astimezone(tz).date()
    windows = []
    while first <= last:
        window_last = min(last, first + timedelta(days=MAX_WINDOW_DAYS - 1))
        windows.append((first, window_last))
        first = window_last + timedelta(days=1)
    return windows


async def _free(
    uow: UnitOfWork,
    who: Principal,
    of: Schedule,
    treatment: TreatmentType,
    start: datetime,
    end: datetime,
) -> list[FreeSlot]:
    """The schedule's free slots for the treatment starting in [start, end), one per start."""
    place = of.place
    slots: dict[datetime, FreeSlot] = {}
    for first, last in _local_dates(start, end, ZoneInfo(place.clinic_timezone)):
        found = await availability.free(
            uow,
            who,
            clinic_id=place.clinic_id,
            treatment_type_id=treatment.id,
            first=first,
            last=last,
            practitioner_id=place.practitioner_id,
        )
        for s in found.slots:
            if start <= s.start < end and s.start not in slots:
                slots[s.start] = FreeSlot(
                    slot_id(of.id, treatment.id, s.start), of, treatment, s.start, s.end, s.room_id
                )
    return list(slots.values())


def _service_types(parameters: Parameters) -> set[str] | None:
    """The treatment type ids `service-type` asks for (`code` or `system|code`; None: any)."""
    values = parameters.get("service-type")
    if not values:
        return None
    wanted: set[str] | None = None
    for value in values:
        these = set()
        for token in value.split(","):
            system, bar, code = token.strip().rpartition("|")
            if not bar or system in ("", TREATMENT_TYPE_SYSTEM):
                these.add(code.lower())
        wanted = these if wanted is None else wanted & these
    return wanted


async def slot_named(
    uow: UnitOfWork, who: Principal, id: str
) -> tuple[Schedule, TreatmentType, datetime]:
    """The schedule, treatment type and start a slot id names, free or not; NotFound when it
    names none of the network's."""
    parsed = parse_slot_id(id)
    if parsed is not None:
        key, start = parsed
        types = await repository.treatment_types(uow.tx, network_id=who.network_id)
        for of in await _schedules(uow, who):
            for treatment in types:
                if slot_key(of.id, treatment.id) == key:
                    return of, treatment, start
    raise NotFound(f"No Slot {id} in your network.")


async def free_slot(
    uow: UnitOfWork, who: Principal, of: Schedule, treatment: TreatmentType, start: datetime
) -> FreeSlot | None:
    """The schedule's slot for the treatment at `start`, if it is free."""
    found = await _free(uow, who, of, treatment, start, start + timedelta(minutes=1))
    return found[0] if found else None


async def slot(uow: UnitOfWork, who: Principal, id: str) -> FreeSlot:
    """A slot still free: its id names its schedule, treatment type and start."""
    found = await free_slot(uow, who, *await slot_named(uow, who, id))
    if found is None:
        raise NotFound(f"No free Slot {id} in your network.")
    return found


async def slots(uow: UnitOfWork, who: Principal, parameters: Parameters) -> Found[FreeSlot]:
    """The free slots of a schedule starting in a bounded range, for each treatment type asked
    for (every one of the network's when none is)."""
    wanted = _references(parameters, "schedule", "Schedule")
    if not wanted:
        raise InvalidSearch(
            "schedule",
            "A Slot search needs schedule=Schedule/<id>: slots are computed per schedule.",
        )
    when = fhir.date_range("start", parameters.get("start", []))
    if when.start is None or when.end is None or when.end - when.start > MAX_SLOT_WINDOW:
        raise InvalidSearch(
            "start",
            "A Slot search needs a start range of at most 31 days, such as "
            "start=ge2027-06-07&start=le2027-06-13.",
        )
    if when.end <= when.start:
        return Found([], 0, None)
    fhir.count_of(parameters)
    service_types = _service_types(parameters)
    types = [
        t
        for t in await repository.treatment_types(uow.tx, network_id=who.network_id)
        if service_types is None or str(t.id) in service_types
    ]
    found: list[FreeSlot] = []
    for of in await _schedules(uow, who):
        if all(of.id == w for w in wanted):
            for treatment in types:
                found += await _free(uow, who, of, treatment, when.start, when.end)
    ids = _text_ids(parameters)
    found = [s for s in found if ids is None or s.id in ids]
    return _page_of_all(found, parameters, "Slot", lambda s: [fhir.instant(s.start), s.id], 2)
