"""The searches of booking's FHIR facade: clinics, practitioners and appointments filtered as a
FHIR search asks, a page at a time with the count of every match; the (practitioner, clinic)
pairs its schedules are; the network's treatment types."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from services.booking.repository.appointments import _APPOINTMENT, Appointment
from services.booking.repository.catalog import TreatmentType
from services.booking.repository.clinics import Clinic
from services.booking.repository.practitioners import _PRACTITIONER, Practitioner
from shared.db import Transaction, records_of


@dataclass(frozen=True, slots=True)
class WorkPlace:
    """A practitioner's work at a clinic: what a FHIR Schedule is."""

    practitioner_id: UUID
    practitioner_name: str
    clinic_id: UUID
    clinic_name: str
    clinic_timezone: str


def _word_starts(names: Sequence[str]) -> list[str]:
    """LIKE patterns matching a name one of whose words starts with each value, in any case
    (FHIR's string search: "starts with", case-insensitive), matched against ' ' || lower(name)."""
    escaped = (
        n.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") for n in names
    )
    return [f"% {n.strip()}%" for n in escaped]


_CLINICS = """FROM clinics WHERE network_id = $1
    AND ($2::uuid[] IS NULL OR id = ANY($2))
    AND (' ' || lower(name)) LIKE ALL($3::text[])"""


async def search_clinics(
    tx: Transaction,
    *,
    network_id: UUID,
    ids: Sequence[UUID] | None,
    names: Sequence[str],
    after: tuple[str, UUID] | None,
    limit: int,
) -> tuple[list[Clinic], int]:
    """`limit + 1` matching clinics by name after `after`, and how many match in all."""
    args = (network_id, ids, _word_starts(names))
    total = await tx.fetchval(f"SELECT count(*) {_CLINICS}", *args)
    rows = await tx.fetch(
        f"""SELECT * {_CLINICS} AND ($4::text IS NULL OR (name, id) > ($4, $5::uuid))
           ORDER BY name, id LIMIT $6""",
        *args,
        after[0] if after else None,
        after[1] if after else None,
        limit + 1,
    )
    return records_of(Clinic, rows), int(total)


_PRACTITIONERS = """WHERE p.network_id = $1
    AND ($2::uuid[] IS NULL OR p.id = ANY($2))
    AND (' ' || lower(p.name)) LIKE ALL($3::text[])"""


async def search_practitioners(
    tx: Transaction,
    *,
    network_id: UUID,
    ids: Sequence[UUID] | None,
    names: Sequence[str],
    after: tuple[str, UUID] | None,
    limit: int,
) -> tuple[list[Practitioner], int]:
    """`limit + 1` matching practitioners by name after `after`, and how many match in all."""
    args = (network_id, ids, _word_starts(names))
    total = await tx.fetchval(f"SELECT count(*) FROM practitioners p {_PRACTITIONERS}", *args)
    rows = await tx.fetch(
        f"""{_PRACTITIONER} {_PRACTITIONERS}
             AND ($4::text IS NULL OR (p.name, p.id) > ($4, $5::uuid))
           ORDER BY p.name, p.id LIMIT $6""",
        *args,
        after[0] if after else None,
        after[1] if after else None,
        limit + 1,
    )
    return records_of(Practitioner, rows), int(total)


_APPOINTMENTS = """WHERE a.network_id = $1
    AND ($2::uuid[] IS NULL OR a.id = ANY($2))
    AND a.patient_id = ALL($3::uuid[])
    AND a.practitioner_id = ALL($4::uuid[])
    AND a.clinic_id = ALL($5::uuid[])
    AND ($6::text[] IS NULL OR a.status = ANY($6))
    AND ($7::timestamptz IS NULL OR a.starts_at >= $7)
    AND ($8::timestamptz IS NULL OR a.starts_at < $8)"""


async def search_appointments(
    tx: Transaction,
    *,
    network_id: UUID,
    ids: Sequence[UUID] | None,
    patient_ids: Sequence[UUID],
    practitioner_ids: Sequence[UUID],
    clinic_ids: Sequence[UUID],
    statuses: Sequence[str] | None,
    start: datetime | None,
    end: datetime | None,
    after: tuple[datetime, UUID] | None,
    limit: int,
) -> tuple[list[Appointment], int]:
    """`limit + 1` matching appointments by start after `after`, and how many match in all.
    Each of `patient_ids`, `practitioner_ids`, `clinic_ids` must all be the appointment's
    (none: any); `statuses` any of them (None: any)."""
    args = (
        network_id,
        ids,
        list(patient_ids),
        list(practitioner_ids),
        list(clinic_ids),
        statuses,
        start,
        end,
    )
    total = await tx.fetchval(f"SELECT count(*) FROM appointments a {_APPOINTMENTS}", *args)
    rows = await tx.fetch(
        f"""{_APPOINTMENT} {_APPOINTMENTS}
             AND ($9::timestamptz IS NULL OR (a.starts_at, a.id) > ($9, $10::uuid))
           ORDER BY a.starts_at, a.id LIMIT $11""",
        *args,
        after[0] if after else None,
        after[1] if after else None,
        limit + 1,
    )
    return records_of(Appointment, rows), int(total)


async def work_places(
    tx: Transaction,
    *,
    network_id: UUID,
    practitioner_ids: Sequence[UUID] = (),
    clinic_ids: Sequence[UUID] = (),
) -> list[WorkPlace]:
    """The network's (practitioner, clinic) pairs by practitioner name, then clinic name: of
    each practitioner of `practitioner_ids` and clinic of `clinic_ids` (none: any)."""
    rows = await tx.fetch(
        """SELECT p.id AS practitioner_id, p.name AS practitioner_name, c.id AS clinic_id,
                  c.name AS clinic_name, c.timezone AS clinic_timezone
             FROM practitioner_clinics pc
             JOIN practitioners p ON p.id = pc.practitioner_id
             JOIN clinics c ON c.id = pc.clinic_id
            WHERE p.network_id = $1 AND c.network_id = $1
              AND p.id = ALL($2::uuid[]) AND c.id = ALL($3::uuid[])
            ORDER BY p.name, p.id, c.name, c.id""",
        network_id,
        list(practitioner_ids),
        list(clinic_ids),
    )
    return records_of(WorkPlace, rows)


async def treatment_types(tx: Transaction, *, network_id: UUID) -> list[TreatmentType]:
    """Every treatment type of the network, by name."""
    rows = await tx.fetch(
        "SELECT * FROM treatment_types WHERE network_id = $1 ORDER BY name, id", network_id
    )
    return records_of(TreatmentType, rows)
