"""Availability latency: `GET /v1/availability` for one clinic-day over a year of appointments.

DESIGN §10: p95 ≤ 20 ms with 50 clinics x 10 practitioners and a year of appointments
(~1M rows); `--clinics 500` is ten times that (~11M rows). This starts its own embedded
PostgreSQL and a tansu broker, applies booking's migrations, fills the tables with
generate_series (the appointments table's constraints and indexes are dropped for the bulk load
and added back from their own definitions, so PostgreSQL builds each once and still validates
every row), then asks the booking app (in process, httpx ASGI transport) for random clinic-days,
first from one client, then from `--concurrency` clients at once, and prints p50/p95 against the
target beside the concurrent throughput and p99. Exits 1 over the target.

`--keep DIR` keeps PostgreSQL's data in DIR and reuses it when it already holds the same data
set (the fill of 500 clinics takes minutes), e.g. to measure two versions of a query on one
database.

    .venv/bin/python -m bench.availability [--requests 300] [--clinics 50] [--keep DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import sys
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

from bench import bearer, percentile

TARGET_P95_MS = 20.0
PRACTITIONERS_PER_CLINIC, PER_DAY = 10, 6
YEAR = date(2027, 1, 1)

EXCLUSION_CONSTRAINTS = ("appointments_practitioner_free", "appointments_room_free")


async def fill(conn: Any, network: Any, clinics: int, days: int) -> None:
    """`clinics` clinics (Europe/Paris), 10 rooms and 10 practitioners each (09:00-18:00 daily),
    one consultation type, and six appointments a day per practitioner for `days` days."""
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
        clinics,
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


async def filled(conn: Any, clinics: int, days: int) -> tuple[Any, list[Any], Any] | None:
    """The network, clinics and treatment type of a data set left by an earlier run with the
    same shape; None when the database is empty. Another shape is an error."""
    ids = [r["id"] for r in await conn.fetch("SELECT id FROM clinics")]
    if not ids:
        return None
    rows = await conn.fetchval("SELECT count(*) FROM appointments")
    expected = clinics * PRACTITIONERS_PER_CLINIC * PER_DAY * days
    if len(ids) != clinics or rows != expected:
        raise SystemExit(
            f"the kept database holds {len(ids)} clinics and {rows} appointments, not "
            f"{clinics} and {expected}: use another --keep folder"
        )
    network = await conn.fetchval("SELECT network_id FROM clinics LIMIT 1")
    type_id = await conn.fetchval("SELECT id FROM treatment_types")
    return network, ids, type_id


class UnexpectedAnswer(Exception):
    """The service answered a request with something other than 200."""


@dataclass
class Figures:
    rows: int = 0
    setup: float = 0.0
    reused: bool = False
    latencies: list[float] = field(default_factory=list)
    slots: int = 0
    concurrent: list[float] = field(default_factory=list)
    concurrent_seconds: float = 0.0
    floor: list[float] = field(default_factory=list)


async def run(
    settings: Any, requests: int, clinic_count: int, days: int, concurrency: int
) -> Figures:
    import asyncpg
    import httpx

    from services.booking.app import create_app

    app = create_app(settings)
    figures = Figures()
    async with app.router.lifespan_context(app):
        started = time.perf_counter()
        conn = await asyncpg.connect(settings.dsn())  # no command timeout: the bulk load
        try:
            known = await filled(conn, clinic_count, days)
            if known is None:
                network = uuid4()
                await conn.execute("SET maintenance_work_mem = '256MB'")
                await fill(conn, network, clinic_count, days)
                known = await filled(conn, clinic_count, days)
                assert known is not None
            else:
                figures.reused = True
            network, clinics, type_id = known
            figures.rows = await conn.fetchval("SELECT count(*) FROM appointments")
        finally:
            await conn.close()
        figures.setup = time.perf_counter() - started
        headers = bearer(settings.platform, network, "receptionist")
        rng = random.Random(7)

        def params() -> dict[str, str]:
            day = YEAR + timedelta(days=rng.randrange(days))
            return {
                "clinic_id": str(rng.choice(clinics)),
                "treatment_type_id": str(type_id),
                "from": day.isoformat(),
            }

        async def ask(client: httpx.AsyncClient) -> tuple[float, int]:
            """One clinic-day: its latency in ms and its number of slots."""
            t = time.perf_counter()
            response = await client.get("/v1/availability", params=params(), headers=headers)
            elapsed = (time.perf_counter() - t) * 1000
            if response.status_code != 200:
                raise UnexpectedAnswer(f"{response.status_code} {response.text[:300]}")
            return elapsed, len(response.json()["slots"])

        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://booking") as client:
            for n in range(requests + 20):
                elapsed, slots = await ask(client)
                if n >= 20:  # the first ones warm caches and prepared statements
                    figures.latencies.append(elapsed)
                    figures.slots += slots

            # The same requests from `concurrency` clients at once: how the pool and the
            # server hold up when the question is asked by a whole network's front desks.
            remaining = max(requests, 5 * concurrency)

            async def front_desk() -> None:
                nonlocal remaining
                while remaining > 0:
                    remaining -= 1
                    elapsed, _ = await ask(client)
                    figures.concurrent.append(elapsed)

            t = time.perf_counter()
            await asyncio.gather(*(front_desk() for _ in range(concurrency)))
            figures.concurrent_seconds = time.perf_counter() - t

            # The floor of this machine right now: an authenticated request doing one query.
            for _ in range(100):
                t = time.perf_counter()
                await client.get(f"/v1/clinics/{clinics[0]}", headers=headers)
                figures.floor.append((time.perf_counter() - t) * 1000)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--clinics", type=int, default=50, help="clinics (50; 500 = ten times)")
    parser.add_argument("--days", type=int, default=365, help="days of appointments (1-365)")
    parser.add_argument("--concurrency", type=int, default=50, help="clients at once (1-200)")
    parser.add_argument("--keep", type=Path, help="keep PostgreSQL's data here and reuse it")
    parser.add_argument(
        "--budget", type=float, help="give up after N seconds (default: 30 s a clinic, ≥ 1500)"
    )
    args = parser.parse_args()
    requests = max(10, min(args.requests, 5000))
    clinics = max(1, min(args.clinics, 5000))
    days = max(1, min(args.days, 365))
    concurrency = max(1, min(args.concurrency, 200))
    budget = args.budget or max(1500.0, 30.0 * clinics)
    logging.disable(logging.WARNING)

    from devstack.parts import embedded_parts
    from services.booking.settings import Settings

    with embedded_parts("mesocare-bench-", keep=args.keep) as parts:
        platform = parts.platform(rate_limit_per_minute=10**9)
        settings = Settings(platform=platform, relay_poll_seconds=0.5)

        async def go() -> Figures:
            return await asyncio.wait_for(
                run(settings, requests, clinics, days, concurrency), timeout=budget
            )

        try:
            figures = asyncio.run(go())
        except UnexpectedAnswer as e:
            print("  unexpected answer:", e)
            return 1

    latencies = figures.latencies
    p50, p95 = percentile(latencies, 50), percentile(latencies, 95)
    setup = "reused" if figures.reused else "set up"
    print(
        f"availability, one clinic-day: {clinics} clinics x {PRACTITIONERS_PER_CLINIC} "
        f"practitioners, {figures.rows} appointments over {days} days "
        f"({setup} in {figures.setup:.0f} s)"
    )
    print(
        f"  GET /v1/availability (in process), 1 client: p50 {p50:6.1f} ms   p95 {p95:6.1f} ms"
        f"   (n={len(latencies)}, {figures.slots / len(latencies):.0f} slots per answer)"
    )
    done = figures.concurrent
    print(
        f"  {concurrency} clients at once: {len(done) / figures.concurrent_seconds:6.1f} "
        f"requests/s   p50 {percentile(done, 50):6.1f} ms   p99 {percentile(done, 99):6.1f} ms"
        f"   (n={len(done)}, pool of {settings.db_pool_max} connections)"
    )
    print(
        f"  floor, GET /v1/clinics/{{id}} (auth + one query), same run: "
        f"p50 {percentile(figures.floor, 50):6.1f} ms   p95 {percentile(figures.floor, 95):6.1f} ms"
    )
    print(f"  p95 / target ({TARGET_P95_MS:g} ms): {p95 / TARGET_P95_MS:.2f}")
    return 0 if p95 <= TARGET_P95_MS else 1


if __name__ == "__main__":
    sys.exit(main())
