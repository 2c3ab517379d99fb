"""Staff accounts and integration clients: their credentials, their roles, the console's session
and form tokens. No I/O."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from collections.abc import Iterable, Sequence
from uuid import UUID

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from services.gateway.domain.errors import AccountTaken
from shared.auth import ROLES, STAFF_ROLES
from shared.errors import Invalid

NETWORK_ADMIN = "network_admin"
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256

# argon2id with OWASP's recommended minimum (19 MiB, 2 passes, 1 lane): about a tenth of a
# second per sign-in on these 2-core machines, where argon2-cffi's default profile (64 MiB,
# 3 passes, 4 lanes) costs seconds under load. The parameters travel inside each hash.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


@functools.cache
def _unknown_user_hash() -> str:
    """Verified against when the email is unknown, so both answers take the same time."""
    return _hasher.hash("no such account: " + secrets.token_hex(8))


def normalize_email(email: str) -> str:
    return email.strip().lower()


def check_password_policy(password: str, *, field: str = "password") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(f"A password needs at least {MIN_PASSWORD_LENGTH} characters.", field=field)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise Invalid(f"A password has at most {MAX_PASSWORD_LENGTH} characters.", field=field)


def hash_password(password: str) -> str:
    """An argon2id hash (slow on purpose: call it off the event loop)."""
    return _hasher.hash(password)


def password_matches(password_hash: str | None, password: str) -> bool:
    """Constant work whether or not the account exists."""
    try:
        return _hasher.verify(password_hash or _unknown_user_hash(), password) and (
            password_hash is not None
        )
    except (VerificationError, InvalidHashError):
        return False


def staff_roles(roles: Iterable[str], *, field: str = "roles") -> list[str]:
    """Staff roles, deduplicated in a stable order; `integration` is for clients only."""
    chosen = sorted(set(roles))
    if not chosen:
        raise Invalid("Give at least one role.", field=field)
    unknown = [r for r in chosen if r not in STAFF_ROLES]
    if unknown:
        raise Invalid(
            f"Unknown staff roles: {', '.join(unknown)}; choose from "
            f"{', '.join(sorted(STAFF_ROLES))}.",
            field=field,
        )
    return chosen


def client_roles(roles: Iterable[str], *, field: str = "roles") -> list[str]:
    """An integration client's roles: always `integration`, plus staff roles it acts with."""
    chosen = set(roles) | {"integration"}
    unknown = sorted(chosen - ROLES)
    if unknown:
        raise Invalid(
            f"Unknown roles: {', '.join(unknown)}; choose from {', '.join(sorted(ROLES))}.",
            field=field,
        )
    return sorted(chosen)


def new_client_id() -> str:
    return "mc_" + secrets.token_urlsafe(12)


def new_client_secret() -> str:
    return secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    """SHA-256 of a generated 256-bit secret: unguessable input needs no slow hash."""
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(secret_hash: str | None, secret: str) -> bool:
    return hmac.compare_digest(secret_hash or "0" * 64, hash_secret(secret)) and (
        secret_hash is not None
    )


def new_session_id() -> str:
    return secrets.token_urlsafe(32)


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def tokens_equal(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


def already_network_admin(
    *,
    email: str,
    network_id: UUID,
    account_id: UUID,
    account_network: UUID,
    roles: Sequence[str],
    active: bool,
) -> None:
    """Whether an existing account of `email` already is the admin asked for; AccountTaken when
    it cannot be (another network's account, or not an active admin of this one)."""
    if account_network != network_id:
        raise AccountTaken(
            f"{email} already has an account in another network ({account_network}); "
            "an email names one account across all networks. Nothing changed."
        )
    if NETWORK_ADMIN not in roles or not active:
        state = "active" if active else "deactivated"
        raise AccountTaken(
            f"{email} already has a {state} account in this network with roles "
            f"{', '.join(roles)}. Nothing changed: a network admin can change it "
            f"with PATCH /v1/staff/{account_id}, or use another email."
        )
