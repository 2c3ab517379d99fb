"""What availability and a booking are checked against, each in one round trip."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from services.booking.repository.common import ACTIVE, MAX_OCCUPATION
from shared.db import Transaction


async def availability_practitioners(
    tx: Transaction,
    *,
    network_id: UUID,
    clinic_id: UUID,
    practitioner_id: UUID | None,
    start: datetime,
    end: datetime,
) -> list[dict[str, Any]]:
    """The clinic's practitioners with their hours here and their time off in [start, end)."""
    rows = await tx.fetch(
        """SELECT p.id, p.licence_expires_on, p.indications,
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
           ORDER BY p.name, p.id""",
        network_id,
        clinic_id,
        practitioner_id,
        start,
        end,
    )
    return [dict(r) for r in rows]


async def availability_context(
    tx: Transaction,
    *,
    network_id: UUID,
    clinic_id: UUID,
    treatment_type_id: UUID,
    start: datetime,
    end: datetime,
) -> dict[str, Any]:
    """In one round trip: the clinic and the treatment type (null when not in the network),
    the clinic's rooms, and the active appointments occupying [start, end) of the clinic's
    practitioners (at any clinic) or of its rooms."""
    row = await tx.fetchrow(
        f"""SELECT c.id AS clinic_id, c.timezone, c.slot_grid_minutes,
               t.id AS type_id, t.indication, t.duration_minutes, t.buffer_minutes,
               coalesce((SELECT array_agg(r.id ORDER BY r.name, r.id) FROM rooms r
                          WHERE r.clinic_id = c.id), '{{}}') AS rooms,
               b.busy_practitioners, b.busy_rooms, b.busy_starts, b.busy_ends
           FROM (SELECT 1) AS one
           LEFT JOIN clinics c ON c.network_id = $1 AND c.id = $2
           LEFT JOIN treatment_types t ON t.network_id = $1 AND t.id = $3
           LEFT JOIN LATERAL (
               SELECT coalesce(array_agg(a.practitioner_id), '{{}}') AS busy_practitioners,
                      coalesce(array_agg(a.room_id), '{{}}') AS busy_rooms,
                      coalesce(array_agg(a.starts_at), '{{}}') AS busy_starts,
                      coalesce(array_agg(a.occupied_until), '{{}}') AS busy_ends
               FROM appointments a
               WHERE (a.practitioner_id IN (SELECT pc.practitioner_id FROM practitioner_clinics pc
                                             WHERE pc.clinic_id = c.id)
                      OR a.room_id IN (SELECT r.id FROM rooms r WHERE r.clinic_id = c.id))
                 AND a.starts_at < $5::timestamptz
                 AND a.starts_at > $4::timestamptz - interval '{MAX_OCCUPATION}'
                 AND a.occupied_until > $4::timestamptz
                 AND a.status = ANY($6::text[])) b ON true""",
        network_id,
        clinic_id,
        treatment_type_id,
        start,
        end,
        ACTIVE,
    )
    return dict(row)


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
) -> dict[str, Any]:
    """Everything a booking is checked against, in one round trip: the clinic, treatment type,
    room and practitioner (each null when not in the network), the practitioner's hours at the
    clinic and time off that day, whether the patient is known, the prices, and the active
    appointments of that practitioner or room that could overlap [start, start + 2 h)."""
    row = await tx.fetchrow(
        f"""SELECT c.id AS clinic_id, c.name AS clinic_name, c.timezone AS clinic_timezone,
               c.phone AS clinic_phone, c.email AS clinic_email, c.slot_grid_minutes,
               t.id AS type_id, t.name AS treatment_name, t.kind, t.indication,
               t.areas AS treatment_areas, t.duration_minutes, t.buffer_minutes,
               r.id AS room_id, r.clinic_id AS room_clinic_id,
               p.id AS practitioner_id, p.name AS practitioner_name,
               p.email AS practitioner_email, p.phone AS practitioner_phone,
               p.licence_expires_on, p.indications, p.experience_tier,
               EXISTS (SELECT 1 FROM practitioner_clinics pc
                        WHERE pc.practitioner_id = p.id AND pc.clinic_id = c.id) AS works_here,
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
               SELECT coalesce(array_agg(w.weekday ORDER BY w.weekday, w.starts), '{{}}')
                          AS weekdays,
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
               SELECT coalesce(array_agg(a.practitioner_id), '{{}}') AS busy_practitioners,
                      coalesce(array_agg(a.room_id), '{{}}') AS busy_rooms,
                      coalesce(array_agg(a.starts_at), '{{}}') AS busy_starts,
                      coalesce(array_agg(a.occupied_until), '{{}}') AS busy_ends
               FROM appointments a
               WHERE (a.practitioner_id = $5 OR a.room_id = $4)
                 AND a.starts_at < $7::timestamptz + interval '{MAX_OCCUPATION}'
                 AND a.starts_at > $7::timestamptz - interval '{MAX_OCCUPATION}'
                 AND a.status = ANY($10::text[])
                 AND ($11::uuid IS NULL OR a.id <> $11)) b ON true""",
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
    return dict(row)
