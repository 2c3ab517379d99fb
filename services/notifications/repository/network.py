"""What a network sets for its messages: its own wording of templates, its name and signature."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from shared.db import Transaction, record_of


@dataclass(frozen=True, slots=True)
class NetworkBranding:
    network_id: UUID
    network_name: str
    signature: str | None
    updated_at: datetime


async def template_overrides(
    tx: Transaction, network_id: UUID, kind: str
) -> dict[tuple[str, str], str]:
    """(locale, part) -> source of the network's own templates of `kind`."""
    rows = await tx.fetch(
        "SELECT locale, part, source FROM template_overrides WHERE network_id = $1 AND kind = $2",
        network_id,
        kind,
    )
    return {(r["locale"], r["part"]): r["source"] for r in rows}


async def put_template_override(
    tx: Transaction,
    *,
    network_id: UUID,
    kind: str,
    locale: str,
    part: str,
    source: str,
    now: datetime,
    by: str,
) -> None:
    await tx.execute(
        """INSERT INTO template_overrides (network_id, kind, locale, part, source, updated_at,
               updated_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (network_id, kind, locale, part) DO UPDATE SET source = EXCLUDED.source,
               updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by""",
        network_id,
        kind,
        locale,
        part,
        source,
        now,
        by,
    )


async def get_branding(tx: Transaction, network_id: UUID) -> NetworkBranding | None:
    row = await tx.fetchrow("SELECT * FROM branding WHERE network_id = $1", network_id)
    return record_of(NetworkBranding, row)


async def put_branding(
    tx: Transaction,
    *,
    network_id: UUID,
    network_name: str,
    signature: str | None,
    now: datetime,
    by: str,
) -> NetworkBranding:
    row = await tx.fetchrow(
        """INSERT INTO branding (network_id, network_name, signature, updated_at, updated_by)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (network_id) DO UPDATE SET network_name = EXCLUDED.network_name,
               signature = EXCLUDED.signature, updated_at = EXCLUDED.updated_at,
               updated_by = EXCLUDED.updated_by
           RETURNING *""",
        network_id,
        network_name,
        signature,
        now,
        by,
    )
    branding = record_of(NetworkBranding, row)
    assert branding is not None  # an upsert returns its row
    return branding
