"""Loading the demo catalog (DEMO DATA, see `demo_catalog`) into a network; idempotent.

Called by the demo-network seeding of `make run` (shared/service.py) with its own transaction,
and by tests that need a seeded network. It writes straight through the repository: no event
follows from it, and it loads what the API's rules would refuse (see below). Running it again
adds nothing that is there already: classes, ingredients and lots are matched by code or lot
number, blends by their deterministic id (derived from the network and the blend's name).
"""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid5

from services.formulary import demo_catalog, repository
from shared.db import Transaction

SEEDED_BY = "demo-seed"


def demo_blend_id(network_id: UUID, name: str) -> UUID:
    return uuid5(network_id, f"mesocare-demo-blend:{name}")


def demo_lot_id(network_id: UUID, lot_number: str) -> UUID:
    return uuid5(network_id, f"mesocare-demo-lot:{lot_number}")


async def seed_demo_catalog(tx: Transaction, network_id: UUID, today: date) -> dict[str, int]:
    """Load the demo catalog into `network_id`; returns how many rows of each kind were new.

    The lot that expired yesterday is written straight to the repository, as a lot received
    earlier that has since run out on the shelf: the API would refuse it (`validate_new_lot`).
    """
    added = {"allergen_classes": 0, "ingredients": 0, "blends": 0, "lots": 0}
    for allergen_class in demo_catalog.DEMO_ALLERGEN_CLASSES:
        new_class = await repository.insert_allergen_class(
            tx, network_id=network_id, allergen_class=allergen_class, demo=True
        )
        added["allergen_classes"] += new_class is not None
    for ingredient in demo_catalog.DEMO_INGREDIENTS:
        new_ingredient = await repository.insert_ingredient(
            tx, network_id=network_id, ingredient=ingredient, demo=True
        )
        if new_ingredient is not None:
            added["ingredients"] += 1
            if ingredient.code in demo_catalog.DEMO_APPROVED_CODES:
                await repository.add_approved_codes(
                    tx, network_id=network_id, codes=[ingredient.code]
                )
    for blend in demo_catalog.DEMO_BLENDS:
        new_blend = await repository.insert_blend(
            tx,
            id=demo_blend_id(network_id, blend.name),
            network_id=network_id,
            blend=blend,
            by=SEEDED_BY,
            demo=True,
        )
        added["blends"] += new_blend is not None
    for lot in demo_catalog.demo_lots(today):
        new_lot = await repository.insert_lot(
            tx,
            id=demo_lot_id(network_id, lot.lot_number),
            network_id=network_id,
            lot_number=lot.lot_number,
            ingredient_code=lot.ingredient_code,
            supplier=lot.supplier or demo_catalog.DEMO_SUPPLIERS[0],
            expires_on=lot.expires_on,
            by=SEEDED_BY,
            demo=True,
        )
        added["lots"] += new_lot is not None
    return added
