"""What the two account tables (staff accounts, integration clients) share: reading one account
of a network, a page of the network's accounts in one order, and an update of the columns a
change names."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Generic, TypeVar
from uuid import UUID

from shared.db import Transaction, record_of, records_of

R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Table(Generic[R]):
    """An account table: its name, the columns read back and the record they make."""

    name: str
    columns: str
    record: type[R]


@dataclass(frozen=True, slots=True)
class Change:
    """The columns to change; None leaves a column as it is."""

    def columns(self) -> dict[str, object]:
        return {f.name: v for f in fields(self) if (v := getattr(self, f.name)) is not None}


async def get(tx: Transaction, table: Table[R], *, network_id: UUID, id: UUID) -> R | None:
    row = await tx.fetchrow(
        f"SELECT {table.columns} FROM {table.name} WHERE network_id = $1 AND id = $2",
        network_id,
        id,
    )
    return record_of(table.record, row)


async def page(
    tx: Transaction,
    table: Table[R],
    *,
    key: str,
    network_id: UUID,
    after: tuple[object, UUID] | None,
    limit: int,
) -> list[R]:
    """The network's rows ordered by `key` (then id); `after` is the (key, id) of the previous
    page's last row."""
    if after is None:
        rows = await tx.fetch(
            f"""SELECT {table.columns} FROM {table.name} WHERE network_id = $1
                ORDER BY {key}, id LIMIT $2""",
            network_id,
            limit,
        )
    else:
        rows = await tx.fetch(
            f"""SELECT {table.columns} FROM {table.name}
                WHERE network_id = $1 AND ({key}, id) > ($2, $3)
                ORDER BY {key}, id LIMIT $4""",
            network_id,
            after[0],
            after[1],
            limit,
        )
    return records_of(table.record, rows)


async def update(
    tx: Transaction, table: Table[R], *, network_id: UUID, id: UUID, change: Change
) -> R | None:
    """Set the columns `change` names (and `updated_at`); the row as it is then, or None when
    the network has no such row."""
    values = change.columns()
    sets = [f"{name} = ${i}" for i, name in enumerate(values, start=3)]
    row = await tx.fetchrow(
        f"""UPDATE {table.name} SET {", ".join([*sets, "updated_at = now()"])}
            WHERE network_id = $1 AND id = $2 RETURNING {table.columns}""",
        network_id,
        id,
        *values.values(),
    )
    return record_of(table.record, row)
