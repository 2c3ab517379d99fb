"""Availability latency: `GET /v1/availability` for one clinic-day over a year of appointments.

DESIGN §10: p95 ≤ 20 ms with 50 clinics x 10 practitioners and a year of appointments
(~1M rows). This starts its own embedded PostgreSQL and a tansu broker, applies booking's
migrations, fills the tables with generate_series (the appointments table's constraints and
indexes are dropped for the bulk load and added back from their own definitions, so PostgreSQL
builds each once and still validates every row), then asks the booking app (in process, httpx
ASGI transport) for random clinic-days and prints p50/p95 against the target. Exits 1 over the
target.

    .venv/bin/python -m bench.availability [--requests 300]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import sys
import time
from datetime import date, timedelta
from typing import Any
from uuid import uuid4

TARGET_P95_MS = 20.0
CLINICS, PRACTITIONERS_PER_CLINIC, PER_DAY = 50, 10, 6
YEAR = date(2027, 1, 1)

FLOOR: list[float] = []
EXCLUSION_CONSTRAINTS = ("appointments_practitioner_free", "appointments_room_free")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


async def fill(conn: Any, network: Any, days: int) -> tuple[list[Any], Any]:
    """50 clinics (Europe/Paris), 10 rooms and 10 practitioners each (09:00-18:00 daily), one
    consultation type, and six appointments a day per practitioner for a year."""
    type_id, patient = uuid4(), uuid4()
    await conn.execute(
        """INSERT INTO treatment_types VALUES ($1, $2, 'Consultation', 'consultation',
               'skin_rejuvenation', '{}', 30, 5)""",
        type_id,
        network,
    )
    await conn.execute(
        """INSERT INTO clinics (id, network_id, name, address, timezone, currency,
                                slot_grid_minutes)
           SELECT gen_random_uuid(), $1, 'Clinic ' || n, n || ' Main St', 'Europe/Paris',
                  'EUR', 15 FROM generate_series(1, $2) n""",
        network,
        CLINICS,
    )
    await conn.execute(
        """CREATE TEMP TABLE lanes AS
           SELECT c.id AS clinic_id, gen_random_uuid() AS practitioner_id,
                  gen_random_uuid() AS room_id, k
           FROM clinics c, generate_series(1, $2) k WHERE c.network_id = $1""",
        network,
        PRACTITIONERS_PER_CLINIC,
    )
    await conn.execute(
        """INSERT INTO rooms (id, network_id, clinic_id, name)
           SELECT room_id, $1, clinic_id, 'Room ' || k FROM lanes;
           INSERT INTO practitioners (id, network_id, name, licence_number,
                                      licence_expires_on, indications, experience_tier)
           SELECT practitioner_id, $1, 'Dr ' || k, 'L-' || k, date '2099-01-01',
                  '{skin_rejuvenation}', 'senior' FROM lanes;
           INSERT INTO practitioner_clinics SELECT practitioner_id, clinic_id FROM lanes;
           INSERT INTO working_hours
           SELECT practitioner_id, clinic_id, d, time '09:00', time '18:00'
           FROM lanes, generate_series(0, 6) d""".replace("$1", f"'{network}'::uuid"),
    )
    # Bulk load: drop the table's constraints (but its key) and indexes, and add them back
    # afterwards from their own definitions, so PostgreSQL builds each index once and
    # validates every row in one pass instead of row by row.
    constraints = await conn.fetch(
        """SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint
           WHERE conrelid = 'appointments'::regclass AND contype IN ('f', 'x')"""
    )
    indexes = await conn.fetch(
        """SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'appointments'
             AND indexname NOT IN (SELECT conname FROM pg_constraint
                                   WHERE conrelid = 'appointments'::regclass)"""
    )
    for c in constraints:
        await conn.execute(f"ALTER TABLE appointments DROP CONSTRAINT {c['conname']}")
    for i in indexes:
        await conn.execute(f"DROP INDEX {i['indexname']}")
    await conn.execute(
        f"""INSERT INTO appointments (id, network_id, clinic_id, room_id, practitioner_id,
               patient_id, treatment_type_id, kind, indication, status, starts_at, ends_at,
               occupied_until, created_by)
           SELECT gen_random_uuid(), $1, l.clinic_id, l.room_id, l.practitioner_id, $2, $3,
                  'consultation', 'skin_rejuvenation', 'booked', s.at, s.at + interval '30 min',
                  s.at + interval '35 min', 'bench'
           FROM lanes l,
                LATERAL (SELECT (d + time '09:00' + h * interval '75 min')
                                AT TIME ZONE 'Europe/Paris' AS at
                         FROM generate_series($4::date, $4::date + $5::int - 1, interval '1 day') d,
                              generate_series(0, {PER_DAY - 1}) h) s""",
        network,
        patient,
        type_id,
        YEAR,
        days,
    )
    for c in constraints:
        await conn.execute(f"ALTER TABLE appointments ADD CONSTRAINT {c['conname']} {c['def']}")
    for i in indexes:
        await conn.execute(i["indexdef"])
    names = {c["conname"] for c in constraints}
    assert set(EXCLUSION_CONSTRAINTS) <= names, "the exclusion constraints are in place"
    await conn.execute("ANALYZE")
    clinics = [r["id"] for r in await conn.fetch("SELECT id FROM clinics")]
    return clinics, type_id


async def run(settings: Any, requests: int, days: int) -> tuple[int, float, list[float], int]:
    import httpx

    from services.booking.app import create_app
    from shared.auth import mint_token

    app = create_app(settings)
    network = uuid4()
    token = mint_token(
        settings.platform,
        sub="bench",
        network_id=network,
        roles=["receptionist"],
        ttl=timedelta(hours=1),
    )
    headers = {"Authorization": f"Bearer {token}"}
    async with app.router.lifespan_context(app):
        started = time.perf_counter()
        import asyncpg

        conn = await asyncpg.connect(settings.dsn())  # no command timeout: the bulk load
        try:
            await conn.execute("SET maintenance_work_mem = '256MB'")
            clinics, type_id = await fill(conn, network, days)
            rows = await conn.fetchval("SELECT count(*) FROM appointments")
        finally:
            await conn.close()
        setup = time.perf_counter() - started
        transport = httpx.ASGITransport(app=app)
        latencies: list[float] = []
        floor: list[float] = []
        slots = 0
        rng = random.Random(7)
        async with httpx.AsyncClient(transport=transport, base_url="http://booking") as client:
            for n in range(requests + 20):
                day = YEAR + timedelta(days=rng.randrange(days))
                params = {
                    "clinic_id": str(rng.choice(clinics)),
                    "treatment_type_id": str(type_id),
                    "from": day.isoformat(),
                }
                t = time.perf_counter()
                response = await client.get("/v1/availability", params=params, headers=headers)
                elapsed = (time.perf_counter() - t) * 1000
                if response.status_code != 200:
                    print("  unexpected answer:", response.status_code, response.text[:300])
                    return rows, setup, latencies, slots
                if n >= 20:  # the first ones warm caches and prepared statements
                    latencies.append(elapsed)
                    slots += len(response.json()["slots"])
            # The floor of this machine right now: an authenticated request doing one query.
            for _ in range(100):
                t = time.perf_counter()
                await client.get(f"/v1/clinics/{clinics[0]}", headers=headers)
                floor.append((time.perf_counter() - t) * 1000)
    FLOOR.extend(floor)
    return rows, setup, latencies, slots


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--days", type=int, default=365, help="days of appointments (1-365)")
    parser.add_argument("--budget", type=float, default=1500, help="give up after N seconds")
    args = parser.parse_args()
    requests = max(10, min(args.requests, 5000))
    days = max(1, min(args.days, 365))
    logging.disable(logging.WARNING)

    from devstack.parts import embedded_parts
    from services.booking.settings import Settings

    with embedded_parts("mesocare-bench-") as parts:
        platform = parts.platform(rate_limit_per_minute=10**9)
        settings = Settings(platform=platform, relay_poll_seconds=0.5)

        async def go() -> tuple[int, float, list[float], int]:
            return await asyncio.wait_for(run(settings, requests, days), timeout=args.budget)

        rows, setup, latencies, slots = asyncio.run(go())

    if not latencies:
        return 1
    p50, p95 = percentile(latencies, 50), percentile(latencies, 95)
    print(
        f"availability, one clinic-day: {CLINICS} clinics x {PRACTITIONERS_PER_CLINIC} "
        f"practitioners, {rows} appointments over {days} days (set up in {setup:.0f} s)"
    )
    print(
        f"  GET /v1/availability (in process): p50 {p50:6.1f} ms   p95 {p95:6.1f} ms   "
        f"(n={len(latencies)}, {slots / len(latencies):.0f} slots per answer)"
    )
    if FLOOR:
        print(
            f"  floor, GET /v1/clinics/{{id}} (auth + one query), same run: "
            f"p50 {percentile(FLOOR, 50):6.1f} ms   p95 {percentile(FLOOR, 95):6.1f} ms"
        )
    print(f"  p95 / target ({TARGET_P95_MS:g} ms): {p95 / TARGET_P95_MS:.2f}")
    return 0 if p95 <= TARGET_P95_MS else 1


if __name__ == "__main__":
    sys.exit(main())
