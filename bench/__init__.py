"""Benchmarks: each prints its figures and, where there is one, the limit measured in the same
run (`make bench`). What they share lives here."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile `q` (0-100) of `values`, in any order."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def bearer(platform: Any, network_id: UUID, role: str, hours: float = 1) -> dict[str, str]:
    """The Authorization header of a bench caller holding `role` in `network_id`."""
    from shared.auth import mint_token

    token = mint_token(
        platform, sub="bench", network_id=network_id, roles=[role], ttl=timedelta(hours=hours)
    )
    return {"Authorization": f"Bearer {token}"}
