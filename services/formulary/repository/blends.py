"""Blends' SQL: a blend is a series of versions, and a version is never changed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, TypedDict
from uuid import UUID

from services.formulary.domain import Blend, Indication, PlannedComponent
from shared.db import Transaction


@dataclass(frozen=True, slots=True)
class BlendVersion:
    """One version of a blend, and the blend's current version number."""

    id: UUID
    version: int
    current_version: int
    blend: Blend
    demo: bool
    created_at: datetime
    """When this version was made."""
    created_by: str


_COLUMNS = """b.id, b.current_version, b.demo,
    v.version, v.name, v.indication, v.areas, v.components, v.created_at, v.created_by"""


class StoredComponent(TypedDict):
    """A component as the `components` JSON column holds it: the amount as an exact decimal."""

    ingredient_code: str
    amount: str | None


def _components(stored: list[StoredComponent]) -> tuple[PlannedComponent, ...]:
    return tuple(
        PlannedComponent(c["ingredient_code"], Decimal(c["amount"]) if c["amount"] else None)
        for c in stored
    )


def _stored_components(blend: Blend) -> list[StoredComponent]:
    return [
        StoredComponent(
            ingredient_code=c.ingredient_code,
            amount=None if c.amount is None else str(c.amount),
        )
        for c in blend.components
    ]


def _version(row: Mapping[str, Any]) -> BlendVersion:
    return BlendVersion(
        id=row["id"],
        version=row["version"],
        current_version=row["current_version"],
        blend=Blend(
            name=row["name"],
            indication=Indication(row["indication"]),
            areas=tuple(row["areas"]),
            components=_components(row["components"]),
        ),
        demo=row["demo"],
        created_at=row["created_at"],
        created_by=row["created_by"],
    )


async def insert_blend(
    tx: Transaction, *, id: UUID, network_id: UUID, blend: Blend, by: str, demo: bool = False
) -> BlendVersion | None:
    """Version 1 of a new blend; None when that id exists already."""
    created = await tx.fetchval(
        """INSERT INTO blends (id, network_id, current_version, demo) VALUES ($1, $2, 1, $3)
           ON CONFLICT DO NOTHING RETURNING true""",
        id,
        network_id,
        demo,
    )
    if not created:
        return None
    await _insert_version(tx, id=id, network_id=network_id, version=1, blend=blend, by=by)
    return await get_blend(tx, network_id=network_id, id=id)


async def add_blend_version(
    tx: Transaction, *, network_id: UUID, id: UUID, blend: Blend, by: str
) -> BlendVersion | None:
    """The next version of an existing blend; None when the network has no such blend."""
    version = await tx.fetchval(
        """UPDATE blends SET current_version = current_version + 1
           WHERE network_id = $1 AND id = $2 RETURNING current_version""",
        network_id,
        id,
    )
    if version is None:
        return None
    await _insert_version(tx, id=id, network_id=network_id, version=version, blend=blend, by=by)
    return await get_blend(tx, network_id=network_id, id=id)


async def _insert_version(
    tx: Transaction, *, id: UUID, network_id: UUID, version: int, blend: Blend, by: str
) -> None:
    await tx.execute(
        """INSERT INTO blend_versions
               (blend_id, version, network_id, name, indication, areas, components, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)""",
        id,
        version,
        network_id,
        blend.name,
        str(blend.indication),
        list(blend.areas),
        _stored_components(blend),
        by,
    )


async def get_blend(
    tx: Transaction, *, network_id: UUID, id: UUID, version: int | None = None
) -> BlendVersion | None:
    """A version of a blend (the current one when `version` is None)."""
    row = await tx.fetchrow(
        f"""SELECT {_COLUMNS} FROM blends b
            JOIN blend_versions v ON v.blend_id = b.id
            WHERE b.network_id = $1 AND b.id = $2
              AND v.version = coalesce($3::int, b.current_version)""",
        network_id,
        id,
        version,
    )
    return _version(row) if row is not None else None


async def list_blends(
    tx: Transaction,
    *,
    network_id: UUID,
    after: UUID | None,
    limit: int,
    indication: Indication | None = None,
) -> list[BlendVersion]:
    """The network's blends, each at its current version, by id."""
    rows = await tx.fetch(
        f"""SELECT {_COLUMNS} FROM blends b
            JOIN blend_versions v ON v.blend_id = b.id AND v.version = b.current_version
            WHERE b.network_id = $1 AND ($2::uuid IS NULL OR b.id > $2)
              AND ($3::text IS NULL OR v.indication = $3)
            ORDER BY b.id LIMIT $4""",
        network_id,
        after,
        indication,
        limit,
    )
    return [_version(r) for r in rows]


async def list_blend_versions(tx: Transaction, *, network_id: UUID, id: UUID) -> list[BlendVersion]:
    """Every version of a blend, oldest first (none for another network's blend)."""
    rows = await tx.fetch(
        f"""SELECT {_COLUMNS} FROM blends b
            JOIN blend_versions v ON v.blend_id = b.id
            WHERE b.network_id = $1 AND b.id = $2 ORDER BY v.version""",
        network_id,
        id,
    )
    return [_version(r) for r in rows]
