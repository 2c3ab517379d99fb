"""What availability and a booking are checked against, each in one round trip.

The calendar's arrays (hours, time off, occupied ranges, prices) come back as the domain's
values; the rest as the records of their tables.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from services.booking.domain import (
    Busy,
    ExperienceTier,
    Indication,
    Money,
    PractitionerAvailability,
    Price,
    TimeOff,
    WorkingHours,
)
from services.booking.repository.catalog import TreatmentType
from services.booking.repository.clinics import Clinic
from services.booking.repository.common import ACTIVE, MAX_OCCUPATION
from services.booking.repository.practitioners import Practitioner
from shared.db import Transaction

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

R = TypeVar("R", bound="DataclassInstance")


@dataclass(frozen=True, slots=True)
class AvailabilityContext:
    """What free slots are computed from; clinic or treatment None when not in the network."""

    clinic: Clinic | None
    treatment: TreatmentType | None
    rooms: list[UUID]
    """The clinic's rooms, by name: the first free one is proposed."""
    busy: list[Busy]
    """Active appointments of the clinic's practitioners (anywhere) or of its rooms."""


@dataclass(frozen=True, slots=True)
class BookingContext:
    """What one booking is checked against. A part is None when its id is not in the network."""

    clinic: Clinic | None
    treatment: TreatmentType | None
    room_clinic_id: UUID | None
    """The clinic of the room named (None: no such room)."""
    practitioner: Practitioner | None
    availability: PractitionerAvailability | None
    """The practitioner's hours at the clinic, licence, indications and time off that day."""
    patient_known: bool
    prices: list[Price]
    """The clinic's prices of the treatment type (one per tier, or untiered)."""
    busy: list[Busy]
    """Active appointments of the practitioner or the room that could overlap the booking."""


def practitioner_availability(row: Mapping[str, Any]) -> PractitionerAvailability:
    """From a row with the practitioner's `id`, `licence_expires_on` and `indications`, and
    their hours and time off as arrays."""
    return _availability(row["id"], row["licence_expires_on"], row["indications"], row)


def _availability(
    practitioner_id: UUID,
    licence_expires_on: date,
    indications: Iterable[str],
    row: Mapping[str, Any],
) -> PractitionerAvailability:
    """The practitioner's, with their hours and time off from the arrays of `row`."""
    return PractitionerAvailability(
        practitioner_id=practitioner_id,
        working_hours=[
            WorkingHours(d, s, e)
            for d, s, e in zip(row["weekdays"], row["starts"], row["ends"], strict=True)
        ],
        licence_expires_on=licence_expires_on,
        indications=frozenset(Indication(i) for i in indications),
        time_off=[TimeOff(s, e) for s, e in zip(row["off_starts"], row["off_ends"], strict=True)],
    )


def busy(rows: list[tuple[UUID, UUID, datetime, datetime]]) -> list[Busy]:
    """(practitioner, room, start, occupied until) as the calendar's occupied ranges."""
    return [Busy(practitioner_id=p, room_id=r, start=s, end=e) for p, r, s, e in rows]


def _busy(row: Mapping[str, Any]) -> list[Busy]:
    return busy(
        list(
            zip(
                row["busy_practitioners"],
                row["busy_rooms"],
                row["busy_starts"],
                row["busy_ends"],
                strict=True,
            )
        )
    )


_PRACTITIONERS = """SELECT p.id, p.licence_expires_on, p.indications,
      coalesce((SELECT array_agg(w.weekday ORDER BY w.weekday, w.starts)
                  FROM working_hours w
                 WHERE w.practitioner_id = p.id AND w.clinic_id = $2), '{}') AS weekdays,
      coalesce((SELECT array_agg(w.starts ORDER BY w.weekday, w.starts)
                  FROM working_hours w
                 WHERE w.practitioner_id = p.id AND w.clinic_id = $2), '{}') AS starts,
      coalesce((SELECT array_agg(w.ends ORDER BY w.weekday, w.starts)
                  FROM working_hours w
                 WHERE w.practitioner_id = p.id AND w.clinic_id = $2), '{}') AS ends,
      coalesce((SELECT array_agg(t.starts_at ORDER BY t.starts_at) FROM time_off t
                 WHERE t.practitioner_id = p.id AND t.starts_at < $5
                   AND t.ends_at > $4), '{}') AS off_starts,
      coalesce((SELECT array_agg(t.ends_at ORDER BY t.starts_at) FROM time_off t
                 WHERE t.practitioner_id = p.id AND t.starts_at < $5
                   AND t.ends_at > $4), '{}') AS off_ends
   FROM practitioners p
   JOIN practitioner_clinics pc ON pc.practitioner_id = p.id AND pc.clinic_id = $2
   WHERE p.network_id = $1 AND ($3::uuid IS NULL OR p.id = $3)
   ORDER BY p.name, p.id"""


async def availability_practitioners(
    tx: Transaction,
    *,
    network_id: UUID,
    clinic_id: UUID,
    practitioner_id: UUID | None,
    start: datetime,
    end: datetime,
) -> list[PractitionerAvailability]:
    """The clinic's practitioners with their hours here and their time off in [start, end)."""
    rows = await tx.fetch(_PRACTITIONERS, network_id, clinic_id, practitioner_id, start, end)
    return [practitioner_availability(r) for r in rows]


# The clinic's and the treatment type's columns, named as the two records' fields by prefix
# (`_prefixed` reads them back).
_CLINIC_AND_TYPE = """c.id AS clinic_id, c.network_id AS clinic_network_id,
       c.name AS clinic_name, c.address AS clinic_address, c.timezone AS clinic_timezone,
       c.currency AS clinic_currency, c.slot_grid_minutes AS clinic_slot_grid_minutes,
       c.phone AS clinic_phone, c.email AS clinic_email, c.created_at AS clinic_created_at,
       t.id AS type_id, t.network_id AS type_network_id, t.name AS type_name,
       t.kind AS type_kind, t.indication AS type_indication, t.areas AS type_areas,
       t.duration_minutes AS type_duration_minutes, t.buffer_minutes AS type_buffer_minutes"""

# The occupied ranges of the appointments `a` selected, as the arrays `_busy` reads.
_BUSY = """coalesce(array_agg(a.practitioner_id), '{}') AS busy_practitioners,
              coalesce(array_agg(a.room_id), '{}') AS busy_rooms,
              coalesce(array_agg(a.starts_at), '{}') AS busy_starts,
              coalesce(array_agg(a.occupied_until), '{}') AS busy_ends"""

# An active appointment `a` occupying part of [$4, $5): it starts before the end and ends after
# the start, and no appointment occupies more than MAX_OCCUPATION, so the start bounds a range
# scan of (practitioner_id, starts_at) or (room_id, starts_at).
_OCCUPYING = f"""a.starts_at < $5::timestamptz
              AND a.starts_at > $4::timestamptz - interval '{MAX_OCCUPATION}'
              AND a.occupied_until > $4::timestamptz
              AND a.status = ANY($6::text[])"""

# The busy ranges are two lookups joined by UNION (an appointment of the clinic's practitioner
# in one of its rooms is found by both, and counted once), not one scan with `practitioner IN
# (…) OR room IN (…)`: each is an index range scan per practitioner and per room of the clinic
# for that day, where the OR read the whole network's day and tested each row.
_AVAILABILITY_CONTEXT = f"""SELECT {_CLINIC_AND_TYPE},
       coalesce((SELECT array_agg(r.id ORDER BY r.name, r.id) FROM rooms r
                  WHERE r.clinic_id = c.id), '{{}}') AS rooms,
       b.busy_practitioners, b.busy_rooms, b.busy_starts, b.busy_ends
   FROM (SELECT 1) AS one
   LEFT JOIN clinics c ON c.network_id = $1 AND c.id = $2
   LEFT JOIN treatment_types t ON t.network_id = $1 AND t.id = $3
   LEFT JOIN LATERAL (
       SELECT {_BUSY} FROM (
           SELECT a.id, a.practitioner_id, a.room_id, a.starts_at, a.occupied_until
             FROM practitioner_clinics pc
             JOIN appointments a ON a.practitioner_id = pc.practitioner_id
            WHERE pc.clinic_id = c.id AND {_OCCUPYING}
           UNION
           SELECT a.id, a.practitioner_id, a.room_id, a.starts_at, a.occupied_until
             FROM rooms r
             JOIN appointments a ON a.room_id = r.id
            WHERE r.clinic_id = c.id AND {_OCCUPYING}) a) b ON true"""


async def availability_context(
    tx: Transaction,
    *,
    network_id: UUID,
    clinic_id: UUID,
    treatment_type_id: UUID,
    start: datetime,
    end: datetime,
) -> AvailabilityContext:
    """In one round trip: the clinic and the treatment type, the clinic's rooms, and the active
    appointments occupying [start, end) of the clinic's practitioners (at any clinic) or of its
    rooms."""
    row = await tx.fetchrow(
        _AVAILABILITY_CONTEXT, network_id, clinic_id, treatment_type_id, start, end, ACTIVE
    )
    return AvailabilityContext(
        clinic=_prefixed(Clinic, "clinic_", row),
        treatment=_prefixed(TreatmentType, "type_", row),
        rooms=list(row["rooms"]),
        busy=_busy(row),
    )


_BOOKING_CONTEXT = f"""SELECT {_CLINIC_AND_TYPE},
       r.clinic_id AS room_clinic_id,
       p.id AS practitioner_id, p.network_id AS practitioner_network_id,
       p.name AS practitioner_name, p.email AS practitioner_email,
       p.phone AS practitioner_phone, p.licence_number AS practitioner_licence_number,
       p.licence_expires_on AS practitioner_licence_expires_on,
       p.indications AS practitioner_indications,
       p.experience_tier AS practitioner_experience_tier,
       p.created_at AS practitioner_created_at,
       coalesce((SELECT array_agg(pc.clinic_id ORDER BY pc.clinic_id)
                   FROM practitioner_clinics pc
                  WHERE pc.practitioner_id = p.id), '{{}}') AS practitioner_clinic_ids,
       h.weekdays, h.starts, h.ends, o.off_starts, o.off_ends,
       EXISTS (SELECT 1 FROM patients pt
                WHERE pt.network_id = $1 AND pt.patient_id = $6) AS patient_known,
       pr.tiers, pr.amounts, pr.currencies,
       b.busy_practitioners, b.busy_rooms, b.busy_starts, b.busy_ends
   FROM (SELECT 1) AS one
   LEFT JOIN clinics c ON c.network_id = $1 AND c.id = $2
   LEFT JOIN treatment_types t ON t.network_id = $1 AND t.id = $3
   LEFT JOIN rooms r ON r.network_id = $1 AND r.id = $4
   LEFT JOIN practitioners p ON p.network_id = $1 AND p.id = $5
   LEFT JOIN LATERAL (
       SELECT coalesce(array_agg(w.weekday ORDER BY w.weekday, w.starts), '{{}}') AS weekdays,
              coalesce(array_agg(w.starts ORDER BY w.weekday, w.starts), '{{}}') AS starts,
              coalesce(array_agg(w.ends ORDER BY w.weekday, w.starts), '{{}}') AS ends
       FROM working_hours w WHERE w.practitioner_id = $5 AND w.clinic_id = $2) h ON true
   LEFT JOIN LATERAL (
       SELECT coalesce(array_agg(x.starts_at ORDER BY x.starts_at), '{{}}') AS off_starts,
              coalesce(array_agg(x.ends_at ORDER BY x.starts_at), '{{}}') AS off_ends
       FROM time_off x
       WHERE x.practitioner_id = $5 AND x.starts_at < $9 AND x.ends_at > $8) o ON true
   LEFT JOIN LATERAL (
       SELECT coalesce(array_agg(q.tier), '{{}}') AS tiers,
              coalesce(array_agg(q.amount_minor), '{{}}') AS amounts,
              coalesce(array_agg(q.currency), '{{}}') AS currencies
       FROM prices q WHERE q.clinic_id = $2 AND q.treatment_type_id = $3) pr ON true
   LEFT JOIN LATERAL (
       SELECT {_BUSY} FROM appointments a
       WHERE (a.practitioner_id = $5 OR a.room_id = $4)
         AND a.starts_at < $7::timestamptz + interval '{MAX_OCCUPATION}'
         AND a.starts_at > $7::timestamptz - interval '{MAX_OCCUPATION}'
         AND a.status = ANY($10::text[])
         AND ($11::uuid IS NULL OR a.id <> $11)) b ON true"""


async def booking_context(
    tx: Transaction,
    *,
    network_id: UUID,
    clinic_id: UUID,
    treatment_type_id: UUID,
    room_id: UUID,
    practitioner_id: UUID,
    patient_id: UUID,
    start: datetime,
    day_start: datetime,
    day_end: datetime,
    excluding: UUID | None = None,
) -> BookingContext:
    """Everything a booking is checked against, in one round trip: the clinic, treatment type,
    room and practitioner, the practitioner's hours at the clinic and time off that day, whether
    the patient is known, the prices, and the active appointments of that practitioner or room
    that could overlap [start, start + 2 h) (but `excluding`, the one being moved)."""
    row = await tx.fetchrow(
        _BOOKING_CONTEXT,
        network_id,
        clinic_id,
        treatment_type_id,
        room_id,
        practitioner_id,
        patient_id,
        start,
        day_start,
        day_end,
        ACTIVE,
        excluding,
    )
    practitioner = _prefixed(Practitioner, "practitioner_", row)
    return BookingContext(
        clinic=_prefixed(Clinic, "clinic_", row),
        treatment=_prefixed(TreatmentType, "type_", row),
        room_clinic_id=row["room_clinic_id"],
        practitioner=practitioner,
        availability=(
            _availability(
                practitioner.id, practitioner.licence_expires_on, practitioner.indications, row
            )
            if practitioner
            else None
        ),
        patient_known=row["patient_known"],
        prices=[
            Price(
                clinic_id=clinic_id,
                treatment_type_id=treatment_type_id,
                amount=Money(amount, currency),
                tier=ExperienceTier(tier) if tier else None,
            )
            for tier, amount, currency in zip(
                row["tiers"], row["amounts"], row["currencies"], strict=True
            )
        ],
        busy=_busy(row),
    )


def _prefixed(record: type[R], prefix: str, row: Mapping[str, Any]) -> R | None:
    """The record whose fields `row` carries as columns named `prefix` + field; None when its id
    is null (the LEFT JOIN found no such row in the network)."""
    if row[f"{prefix}id"] is None:
        return None
    return record(**{f.name: row[f"{prefix}{f.name}"] for f in fields(record)})
