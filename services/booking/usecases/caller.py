"""Who acts, and the token the services booking asks on their behalf are called with."""

from __future__ import annotations

from dataclasses import dataclass

from shared.auth import Principal


@dataclass(frozen=True, slots=True)
class Caller:
    """Who acts, and their token: records and formulary answer what that token may know."""

    who: Principal
    authorization: str | None
