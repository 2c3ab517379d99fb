"""Booking throughput: `POST /v1/appointments` sustained, as a ratio of the raw transaction limit.

DESIGN §10: the API (auth, validation, the calendar checks, both exclusion constraints, the
outbox row) should sustain ≥ 0.30 x what the bare transaction reaches in the same run. This
starts its own embedded PostgreSQL and a tansu broker, then in this one process:

1. applies booking's migrations and measures the raw limit: 10 asyncpg connections, each
   committing the same appointment insert (under both exclusion constraints) plus the same
   outbox row (`shared.outbox.add`), for `--seconds`;
2. starts the booking app (pool, relay, consumer) and drives `POST /v1/appointments` from 10
   concurrent clients over httpx's ASGI transport (in process, no sockets), each client booking
   consecutive free slots of its own practitioner and room, for `--seconds`;
3. prints both rates and the ratio. Exits 1 under the target.

    .venv/bin/python -m bench.booking_throughput [--seconds 10] [--clients 10]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
from datetime import UTC, date, datetime, timedelta
from itertools import count
from typing import Any
from uuid import UUID, uuid4

TARGET_RATIO = 0.30
FLOOR: list[float] = []
DAY0 = date(2030, 1, 1)
SLOT = timedelta(minutes=15)
SLOTS_PER_DAY = 90  # 00:15 .. 22:45 inside 00:00-23:45 hours


def slot_start(n: int) -> datetime:
    """The n-th consecutive 15-minute slot (UTC clinic) from DAY0 00:15."""
    day, k = divmod(n, SLOTS_PER_DAY)
    return datetime.combine(DAY0 + timedelta(days=day), datetime.min.time(), UTC) + SLOT * (k + 1)


async def seed_world(conn: Any, network: UUID, clients: int) -> dict[str, Any]:
    """A UTC clinic, one consultation type (15 min, no buffer), a patient, and per client a
    practitioner with a room, working every day 00:00-23:45."""
    from services.booking import repository

    clinic, type_id, patient = uuid4(), uuid4(), uuid4()
    await repository.insert_clinic(
        conn,
        network_id=network,
        id=clinic,
        name="Bench clinic",
        address="1 Bench St",
        timezone="UTC",
        currency="EUR",
        slot_grid_minutes=15,
    )
    await repository.insert_treatment_type(
        conn,
        network_id=network,
        id=type_id,
        name="Consultation",
        kind="consultation",
        indication="skin_rejuvenation",
        areas=[],
        duration_minutes=15,
        buffer_minutes=0,
    )
    await repository.remember_patient(conn, network_id=network, patient_id=patient, source="bench")
    lanes = []
    for n in range(clients):
        practitioner, room = uuid4(), uuid4()
        await repository.insert_room(
            conn, network_id=network, id=room, clinic_id=clinic, name=f"Room {n}"
        )
        await repository.insert_practitioner(
            conn,
            network_id=network,
            id=practitioner,
            clinic_ids=[clinic],
            name=f"Dr {n}",
            licence_number=f"L-{n}",
            licence_expires_on=date(2099, 1, 1),
            indications=["skin_rejuvenation"],
            experience_tier="senior",
        )
        from datetime import time as clock

        await repository.replace_working_hours(
            conn,
            practitioner_id=practitioner,
            clinic_id=clinic,
            hours=[(d, clock(0, 0), clock(23, 45)) for d in range(7)],
        )
        lanes.append((practitioner, room))
    return {"clinic": clinic, "type": type_id, "patient": patient, "lanes": lanes}


async def raw_limit(dsn: str, clients: int, seconds: float) -> int:
    """Committed insert + outbox transactions in `seconds` over `clients` connections."""
    from services.booking import repository
    from shared import outbox
    from shared.db import create_pool
    from shared.events.booking import AppointmentBooked, ClinicRef, PractitionerRef

    pool = await create_pool(dsn, min_size=clients, max_size=clients)
    network = uuid4()
    async with pool.acquire() as conn, conn.transaction():
        world = await seed_world(conn, network, clients)
    done = 0
    deadline = time.perf_counter() + seconds

    async def lane(practitioner: UUID, room: UUID) -> None:
        nonlocal done
        for n in count():
            if time.perf_counter() >= deadline:
                return
            start = slot_start(n)
            appointment_id = uuid4()
            async with pool.acquire() as conn, conn.transaction():
                await repository.insert_appointment(
                    conn,
                    id=appointment_id,
                    network_id=network,
                    clinic_id=world["clinic"],
                    room_id=room,
                    practitioner_id=practitioner,
                    patient_id=world["patient"],
                    treatment_type_id=world["type"],
                    treatment_plan_id=None,
                    kind="consultation",
                    indication="skin_rejuvenation",
                    starts_at=start,
                    ends_at=start + SLOT,
                    occupied_until=start + SLOT,
                    price_minor=None,
                    currency=None,
                    notes=None,
                    created_at=datetime.now(UTC),
                    created_by="bench",
                )
                await outbox.add(
                    conn,
                    AppointmentBooked(
                        network_id=network,
                        appointment_id=appointment_id,
                        patient_id=world["patient"],
                        clinic=ClinicRef(clinic_id=world["clinic"], name="Bench", timezone="UTC"),
                        practitioner=PractitionerRef(practitioner_id=practitioner, name="Dr"),
                        room_id=room,
                        treatment_type_id=world["type"],
                        treatment_name="Consultation",
                        kind="consultation",
                        indication="skin_rejuvenation",
                        starts_at=start,
                        ends_at=start + SLOT,
                    ),
                    source="mesocare/booking",
                )
            done += 1

    await asyncio.gather(*(lane(p, r) for p, r in world["lanes"]))
    await pool.close()
    return done


async def api_rate(settings: Any, clients: int, seconds: float) -> tuple[int, int]:
    """(201s, other answers) from `clients` concurrent POST /v1/appointments in `seconds`."""
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
        async with app.state.pool.acquire() as conn, conn.transaction():
            world = await seed_world(conn, network, clients)
        transport = httpx.ASGITransport(app=app)
        created = failed = 0
        async with httpx.AsyncClient(transport=transport, base_url="http://booking") as client:

            async def lane(practitioner: UUID, room: UUID, until: float, count_it: bool) -> int:
                nonlocal created, failed
                n = 0
                while time.perf_counter() < until:
                    body = {
                        "clinic_id": str(world["clinic"]),
                        "room_id": str(room),
                        "practitioner_id": str(practitioner),
                        "patient_id": str(world["patient"]),
                        "treatment_type_id": str(world["type"]),
                        "start": slot_start(lane_offset[practitioner] + n).isoformat(),
                    }
                    n += 1
                    response = await client.post("/v1/appointments", json=body, headers=headers)
                    if not count_it:
                        continue
                    if response.status_code == 201:
                        created += 1
                    else:
                        failed += 1
                        if failed == 1:
                            print("  first non-201:", response.status_code, response.text[:300])
                lane_offset[practitioner] += n
                return n

            lane_offset = {p: 0 for p, _ in world["lanes"]}
            warm = time.perf_counter() + 1.0
            await asyncio.gather(*(lane(p, r, warm, False) for p, r in world["lanes"]))
            until = time.perf_counter() + seconds
            await asyncio.gather(*(lane(p, r, until, True) for p, r in world["lanes"]))

            # The same clients on an authenticated read of one row: what the process and this
            # machine allow right now for any request, beside the booking rate.
            reads = 0

            async def reader(until: float) -> None:
                nonlocal reads
                while time.perf_counter() < until:
                    await client.get(f"/v1/clinics/{world['clinic']}", headers=headers)
                    reads += 1

            until = time.perf_counter() + seconds / 2
            await asyncio.gather(*(reader(until) for _ in range(clients)))
            FLOOR.append(reads / (seconds / 2))
    return created, failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0, help="each phase (max 60)")
    parser.add_argument("--clients", type=int, default=10)
    args = parser.parse_args()
    seconds, clients = max(1.0, min(args.seconds, 60.0)), max(1, min(args.clients, 50))
    logging.disable(logging.WARNING)

    from devstack.parts import embedded_parts
    from services.booking.app import MIGRATIONS
    from services.booking.settings import Settings
    from shared.db import create_pool, ensure_database, migrate

    with embedded_parts("mesocare-bench-") as parts:
        platform = parts.platform()
        settings = Settings(platform=platform, db_pool_max=clients, relay_poll_seconds=0.5)

        async def run() -> tuple[int, tuple[int, int]]:
            dsn = settings.dsn()
            await ensure_database(dsn)
            pool = await create_pool(dsn)
            await migrate(pool, MIGRATIONS, service="booking")
            await pool.close()
            raw = await raw_limit(dsn, clients, seconds)
            return raw, await api_rate(settings, clients, seconds)

        raw, (created, failed) = asyncio.run(run())

    raw_rate, api = raw / seconds, created / seconds
    ratio = api / raw_rate if raw_rate else 0.0
    print(f"booking throughput, {clients} concurrent clients, {seconds:g} s per phase")
    print("  raw transaction (insert under both exclusion constraints + outbox row, asyncpg):")
    print(f"      {raw_rate:8.0f} txn/s   ({raw} committed)")
    print("  POST /v1/appointments (auth, validation, calendar checks, constraints, outbox):")
    print(f"      {api:8.0f} req/s   ({created} x 201, {failed} other)")
    if FLOOR:
        print(f"  for scale, GET /v1/clinics/{{id}} (auth + one query): {FLOOR[0]:8.0f} req/s")
    print(f"  ratio {ratio:.2f}  (target ≥ {TARGET_RATIO:.2f})")
    return 0 if ratio >= TARGET_RATIO and failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
