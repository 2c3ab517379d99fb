"""Idempotency-Key for creating POSTs: a repeat with the same key and body returns the first
response; the same key with another body is a 409.

The key is claimed by inserting its row in the request's own transaction, so a concurrent
repeat waits on the row until the first request commits (then replays it) or rolls back (then
proceeds itself). Keys are per network.
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any
from uuid import UUID

from fastapi import Header
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from shared.db import Transaction
from shared.errors import Conflict

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="Repeat a create safely: the same key and body return the first response.",
    ),
]


class IdempotencyKeyReused(Conflict):
    type = "idempotency-key-reused"
    title = "Idempotency key already used with another request"


def fingerprint(method: str, path: str, body: Any) -> str:
    canonical = json.dumps(jsonable_encoder(body), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode()).hexdigest()


async def replay_or_claim(
    tx: Transaction, *, network_id: UUID, key: str | None, method: str, path: str, body: Any
) -> JSONResponse | None:
    """The stored response of an earlier identical request, or None after claiming the key."""
    if key is None:
        return None
    digest = fingerprint(method, path, body)
    claimed = await tx.fetchval(
        """INSERT INTO idempotency_keys
               (network_id, key, method, path, request_hash, status_code, response)
           VALUES ($1, $2, $3, $4, $5, 0, 'null'::jsonb)
           ON CONFLICT (network_id, key) DO NOTHING RETURNING true""",
        network_id,
        key,
        method,
        path,
        digest,
    )
    if claimed:
        return None
    row = await tx.fetchrow(
        "SELECT request_hash, status_code, response FROM idempotency_keys "
        "WHERE network_id = $1 AND key = $2",
        network_id,
        key,
    )
    if row["request_hash"] != digest:
        raise IdempotencyKeyReused(
            "This Idempotency-Key was used for a different request; use a new key."
        )
    return JSONResponse(
        row["response"], status_code=row["status_code"], headers={"Idempotent-Replayed": "true"}
    )


async def remember(
    tx: Transaction, *, network_id: UUID, key: str | None, status_code: int, response: Any
) -> None:
    """Store the response for the claimed key (same transaction as the change it describes)."""
    if key is None:
        return
    await tx.execute(
        "UPDATE idempotency_keys SET status_code = $3, response = $4 "
        "WHERE network_id = $1 AND key = $2",
        network_id,
        key,
        status_code,
        jsonable_encoder(response),
    )


async def release(tx: Transaction, *, network_id: UUID, key: str) -> None:
    """Free a claimed key that got no answer to store: a repeat is then a new attempt."""
    await tx.execute(
        "DELETE FROM idempotency_keys WHERE network_id = $1 AND key = $2", network_id, key
    )
