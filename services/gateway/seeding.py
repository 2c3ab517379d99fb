"""Demo sign-ins for the local stack (DESIGN §9); `make run` calls this with its demo network."""

from __future__ import annotations

import asyncio
import os
from uuid import UUID, uuid4

from services.gateway.domain import accounts
from services.gateway.repository import staff
from services.gateway.repository.staff import NewStaff
from services.gateway.usecases.staff import announce
from shared.db import Transaction
from shared.demo import DEMO_PASSWORD
from shared.uow import UnitOfWork

SOURCE = "mesocare/gateway"

DEMO_STAFF = (
    ("admin@demo.mesocare.test", "Ada Admin", ["network_admin"]),
    ("manager@demo.mesocare.test", "Manon Manager", ["clinic_manager"]),
    # The demo network's Paris practitioner (booking's demo data) signs in with this one.
    ("practitioner@demo.mesocare.test", "Dr Claire Moreau", ["practitioner"]),
    ("reception@demo.mesocare.test", "Rita Reception", ["receptionist"]),
)


class DemoRefused(RuntimeError):
    """Demo accounts with a published password never go into a production gateway."""


async def seed_demo_staff(
    tx: Transaction, network_id: UUID, clinic_ids: list[UUID] | None = None
) -> list[dict[str, str]]:
    """Create the demo logins once (a second call changes nothing); returns who can sign in.
    Each account created is announced as any other is, in the same transaction, so
    notifications knows the demo network's admins."""
    if os.environ.get("MESOCARE_ENV", "development") == "production":
        raise DemoRefused("Demo logins are for the local stack only (MESOCARE_ENV=production).")
    password_hash = await asyncio.to_thread(accounts.hash_password, DEMO_PASSWORD)
    uow = UnitOfWork(tx, network_id=network_id, source=SOURCE)
    logins = []
    for email, name, roles in DEMO_STAFF:
        created = await staff.insert(
            tx,
            NewStaff(
                id=uuid4(),
                network_id=network_id,
                email=email,
                display_name=name,
                password_hash=password_hash,
                roles=roles,
                clinic_ids=list(clinic_ids or []),
            ),
        )
        if created is not None:
            announce(uow, created)
        logins.append({"email": email, "password": DEMO_PASSWORD, "roles": ", ".join(roles)})
    await uow.flush()
    return logins
