"""JWT bearer tokens: verification (HS256 secret or RS256 JWKS), the Principal, role dependencies.

Tenancy comes from the token, never from the body: `Principal.network_id` scopes every query.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from uuid import UUID

import jwt
from fastapi import Depends, Request

from shared.errors import Forbidden, TooManyRequests, Unauthorized
from shared.settings import PlatformSettings
from shared.vocabulary import CLINICAL_ROLES

LEEWAY_SECONDS = 30
"""Clock skew tolerated between the token's issuer and this service."""

ROLES = frozenset(
    {"network_admin", "clinic_manager", "practitioner", "receptionist", "integration"}
)
STAFF_ROLES = frozenset(ROLES - {"integration"})


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: subject, tenant (network), roles and the clinics they may act in."""

    sub: str
    network_id: UUID
    roles: frozenset[str]
    clinic_ids: frozenset[UUID] = field(default_factory=frozenset)
    """Empty means every clinic of the network."""

    def has_any(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    def may_act_in(self, clinic_id: UUID) -> bool:
        return not self.clinic_ids or clinic_id in self.clinic_ids

    @property
    def may_read_clinical(self) -> bool:
        """Whether the caller may read safety profiles (allergies, conditions, reactions)."""
        return not self.roles.isdisjoint(CLINICAL_ROLES)


class TokenVerifier:
    """Verifies bearer tokens against the configured secret or JWKS.

    A client sends the same token with every request for its lifetime, so a verified token is
    remembered (its Principal, until its `exp` and for at most `remember_seconds`): checking
    the signature and decoding the claims again cost more than the rest of a one-query request.
    The short bound keeps a key removed from the JWKS effective within a minute.
    """

    def __init__(
        self, platform: PlatformSettings, *, remember: int = 4096, remember_seconds: float = 60.0
    ) -> None:
        self.platform = platform
        self._jwks = jwt.PyJWKClient(platform.jwt_jwks_url) if platform.jwt_jwks_url else None
        self._remember, self._remember_seconds = remember, remember_seconds
        self._verified: OrderedDict[str, tuple[Principal, float]] = OrderedDict()

    def verify(self, token: str) -> Principal:
        now = time.time()
        known = self._verified.get(token)
        if known is not None:
            principal, until = known
            if now < until:
                return principal
            del self._verified[token]
        principal, expires = self._decode(token)
        self._verified[token] = (principal, min(expires, now + self._remember_seconds))
        if len(self._verified) > self._remember:
            self._verified.popitem(last=False)
        return principal

    def _decode(self, token: str) -> tuple[Principal, float]:
        try:
            if self._jwks is not None:
                key: Any = self._jwks.get_signing_key_from_jwt(token).key
                algorithms = ["RS256"]
            else:
                key, algorithms = self.platform.jwt_secret, ["HS256"]
            claims = jwt.decode(
                token,
                key,
                algorithms=algorithms,
                audience=self.platform.jwt_audience,
                issuer=self.platform.jwt_issuer,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
                leeway=LEEWAY_SECONDS,
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("The token has expired.") from exc
        except jwt.ImmatureSignatureError as exc:
            raise Unauthorized("The token was issued in the future.") from exc
        except (jwt.InvalidTokenError, jwt.PyJWKClientError) as exc:
            raise Unauthorized(f"The token is not valid: {exc}.") from exc
        lifetime = float(claims["exp"]) - float(claims["iat"])
        if lifetime > self.platform.jwt_max_lifetime_seconds:
            raise Unauthorized(
                f"The token is valid for {lifetime / 3600:.1f} h, longer than the "
                f"{self.platform.jwt_max_lifetime_seconds / 3600:g} h this API accepts; "
                "ask for a shorter-lived one."
            )
        try:
            principal = Principal(
                sub=str(claims["sub"]),
                network_id=UUID(str(claims["network_id"])),
                roles=frozenset(str(r) for r in claims.get("roles", [])) & ROLES,
                clinic_ids=frozenset(UUID(str(c)) for c in claims.get("clinic_ids", [])),
            )
            return principal, float(claims["exp"])
        except (KeyError, ValueError, TypeError) as exc:
            raise Unauthorized("The token lacks a valid network_id or clinic_ids claim.") from exc


class RateLimiter:
    """A token bucket per caller (network and subject): `per_minute` requests a minute, with
    bursts of as many; an integration's token has its own, larger budget (OWASP API4).

    Kept in the replica's memory: each replica enforces the limit on what it serves, so the
    network-wide limit is about the replica count times this one. Buckets of callers idle for a
    minute or more are full anyway, and are dropped when the table grows.
    """

    def __init__(self, *, per_minute: int, integration_per_minute: int) -> None:
        self.per_minute = per_minute
        self.integration_per_minute = integration_per_minute
        self._buckets: dict[tuple[UUID, str], tuple[float, float]] = {}

    def take(self, who: Principal, now: float | None = None) -> None:
        """Spend one request of `who`'s budget; TooManyRequests (429) when there is none left."""
        now = time.monotonic() if now is None else now
        capacity = float(
            self.integration_per_minute if "integration" in who.roles else self.per_minute
        )
        key = (who.network_id, who.sub)
        tokens, at = self._buckets.get(key, (capacity, now))
        tokens = min(capacity, tokens + (now - at) * capacity / 60.0)
        if tokens < 1.0:
            wait = math.ceil((1.0 - tokens) * 60.0 / capacity)
            self._buckets[key] = (tokens, now)
            raise TooManyRequests(
                f"More than {int(capacity)} requests a minute with this token; try again in "
                f"{wait} s.",
                retry_after=wait,
            )
        self._buckets[key] = (tokens - 1.0, now)
        if len(self._buckets) > 10_000:
            self._forget_idle(now)

    def _forget_idle(self, now: float) -> None:
        for key in [k for k, (_, at) in self._buckets.items() if now - at > 60.0]:
            del self._buckets[key]


def mint_token(
    platform: PlatformSettings,
    *,
    sub: str,
    network_id: UUID,
    roles: list[str] | tuple[str, ...],
    clinic_ids: list[UUID] | tuple[UUID, ...] = (),
    ttl: timedelta = timedelta(minutes=15),
    extra: dict[str, Any] | None = None,
) -> str:
    """An HS256 token for the local stack and tests (production: the gateway or an IdP)."""
    now = datetime.now(UTC)
    claims = {
        "sub": sub,
        "network_id": str(network_id),
        "roles": list(roles),
        "clinic_ids": [str(c) for c in clinic_ids],
        "iat": now,
        "exp": now + ttl,
        "iss": platform.jwt_issuer,
        "aud": platform.jwt_audience,
        **(extra or {}),
    }
    return jwt.encode(claims, platform.jwt_secret, algorithm="HS256")


async def current_principal(request: Request) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("Send an `Authorization: Bearer <token>` header.")
    verifier: TokenVerifier = request.app.state.verifier
    principal = verifier.verify(token.strip())
    limiter: RateLimiter | None = getattr(request.app.state, "rate_limiter", None)
    if limiter is not None:
        limiter.take(principal)
    request.state.principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


RoleCheck = Callable[[Principal], Coroutine[Any, Any, Principal]]
_ROLE_CHECKS: dict[RoleCheck, frozenset[str]] = {}


def require_roles(*roles: str) -> RoleCheck:
    """A dependency that lets through callers holding at least one of `roles`."""
    unknown = set(roles) - ROLES
    if unknown:
        raise ValueError(f"unknown roles {unknown}")

    async def _check(principal: CurrentPrincipal) -> Principal:
        if not principal.has_any(*roles):
            raise Forbidden(f"This action needs one of the roles: {', '.join(sorted(roles))}.")
        return principal

    _ROLE_CHECKS[_check] = frozenset(roles)
    return _check


def roles_required(dependency: Callable[..., Any]) -> frozenset[str] | None:
    """The roles a `require_roles` dependency lets through (None for any other function)."""
    return _ROLE_CHECKS.get(dependency)
