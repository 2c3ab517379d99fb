"""A real treatment carried through booking's lifecycle, for tests about what follows it.

book → check in → start (formulary cross-checks the plan) → complete (formulary checks what was
given), after the consultation a treatment needs. The booking stage must ask the real formulary
(the `treating` fixture); the network holds formulary's demo catalog, the patient a safety
profile that lets hyaluronic acid and vitamin C pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from services.formulary.seeding import seed_demo_catalog
from tests.integration.booking.helpers import MONDAY, Stage, World, at, make_world
from tests.integration.formulary.helpers import demo_lot, give_profile
from tests.support import RunningService

SESSION_COMPLETED = "mesocare.booking.SessionCompleted.v1"
PLANNED = ["hyaluronic_acid", "ascorbic_acid"]


@dataclass(frozen=True)
class InSession:
    """A treatment started after a passing cross-check, not yet completed."""

    world: World
    appointment_id: UUID

    @property
    def network(self) -> UUID:
        return self.world.network

    @property
    def patient(self) -> UUID:
        return self.world.patient


@dataclass(frozen=True)
class Completed:
    appointment_id: UUID
    event_id: UUID
    """The ce_id of its SessionCompleted, as booking's outbox holds it."""
    network: UUID
    patient: UUID


def record(areas: Sequence[str]) -> dict[str, Any]:
    """What the practitioner records: 10 mg of hyaluronic acid (checked at the start) from an
    unexpired lot of the demo catalog, on `areas`."""
    return {
        "preparation": {"disinfection": "chlorhexidine", "numbing_cream": False},
        "ingredients": [
            {
                "ingredient_code": "hyaluronic_acid",
                "ingredient_name": "Hyaluronic acid",
                "lot_number": demo_lot("hyaluronic_acid"),
                "amount": "10",
                "unit": "mg",
            }
        ],
        "areas": list(areas),
    }


async def treatment_in_session(
    stage: Stage,
    formulary: RunningService,
    *,
    network: UUID | None = None,
    areas: Sequence[str] = ("face",),
) -> InSession:
    """A new clinic in `network` (default: a new network; a given one must not have a world
    yet), its patient consulted, then booked for a treatment, checked in and started."""
    network = network or uuid4()
    async with formulary.pool.acquire() as conn, conn.transaction():
        await seed_demo_catalog(conn, network, datetime.now(UTC).date())
    world = await make_world(stage, network=network)
    await give_profile(formulary, network, world.patient, skin_type=2)
    await world.consulted(at(MONDAY, "09:00", world.tz))
    appointment = await world.book(
        at(MONDAY, "10:00", world.tz), treatment_type_id=world.treatment["id"]
    )
    checked_in = await world.act(appointment["id"], "check-in")
    assert checked_in.status_code == 200, checked_in.text
    started = await world.act(
        appointment["id"], "start", {"ingredient_codes": PLANNED, "areas": list(areas)}
    )
    assert started.status_code == 200, started.text
    assert started.json()["cross_check"]["verdict"] == "ok", started.text
    return InSession(world, UUID(appointment["id"]))


async def complete(
    session: InSession,
    *,
    areas: Sequence[str] = ("face",),
    headers: dict[str, str] | None = None,
) -> Completed:
    """The practitioner completes the session (with `headers` added to their request)."""
    world = session.world
    done = await world.act(
        str(session.appointment_id),
        "complete",
        record(areas),
        headers={**world.doctor, **(headers or {})},
    )
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "completed"
    event_id = await world.stage.svc.pool.fetchval(
        "SELECT event_id FROM outbox WHERE key = $1 AND type = $2",
        str(session.appointment_id),
        SESSION_COMPLETED,
    )
    assert event_id is not None
    return Completed(session.appointment_id, event_id, session.network, session.patient)


async def completed_treatment(
    stage: Stage,
    formulary: RunningService,
    *,
    network: UUID | None = None,
    areas: Sequence[str] = ("face",),
    complete_headers: dict[str, str] | None = None,
) -> Completed:
    """A real treatment, cross-checked by formulary, completed: its SessionCompleted is in
    booking's outbox (the relay publishes it)."""
    session = await treatment_in_session(stage, formulary, network=network, areas=areas)
    return await complete(session, areas=areas, headers=complete_headers)
