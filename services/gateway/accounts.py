"""Signing in staff and integration clients, shared by `POST /auth/token` and the console.

Works on the pool rather than the request's transaction: a failed attempt must be recorded
(committed) even though the request then fails.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import asyncpg

from services.gateway import domain, repository
from services.gateway.errors import InvalidClient, InvalidGrant, TooManyAttempts
from services.gateway.settings import Settings
from shared.auth import mint_token


@dataclass(frozen=True, slots=True)
class Issued:
    access_token: str
    expires_in: int
    roles: list[str]
    account: dict[str, Any]


async def _throttle(pool: asyncpg.Pool, settings: Settings, limits: dict[str, int]) -> None:
    window = timedelta(seconds=settings.login_window_seconds)
    async with pool.acquire() as conn:
        for subject, limit in limits.items():
            failures, now = await repository.recent_failures(conn, subject=subject, window=window)
            wait = domain.retry_after(failures, limit=limit, window=window, now=now)
            if wait is not None:
                raise TooManyAttempts(wait)


async def _fail(pool: asyncpg.Pool, settings: Settings, subjects: list[str]) -> None:
    window = timedelta(seconds=settings.login_window_seconds)
    async with pool.acquire() as conn, conn.transaction():
        await repository.record_failure(conn, subjects=subjects, window=window)


def _mint(
    settings: Settings, *, sub: str, account: dict[str, Any], extra: dict[str, Any]
) -> Issued:
    ttl = timedelta(seconds=settings.token_ttl_seconds)
    token = mint_token(
        settings.platform,
        sub=sub,
        network_id=account["network_id"],
        roles=list(account["roles"]),
        clinic_ids=list(account["clinic_ids"]),
        ttl=ttl,
        extra=extra,
    )
    return Issued(token, settings.token_ttl_seconds, list(account["roles"]), account)


def staff_token(settings: Settings, account: dict[str, Any]) -> Issued:
    """A short-lived token for a staff account (also minted per console request)."""
    return _mint(
        settings,
        sub=account["email"],
        account=account,
        extra={"staff_id": str(account["id"]), "name": account["display_name"]},
    )


async def sign_in_staff(
    pool: asyncpg.Pool, settings: Settings, *, email: str, password: str, address: str
) -> Issued:
    """Check a staff member's email and password; raises InvalidGrant or TooManyAttempts."""
    email = domain.normalize_email(email)
    user, place = f"user:{email}", f"address:{address}"
    await _throttle(
        pool,
        settings,
        {
            user: settings.login_max_failures_per_username,
            place: settings.login_max_failures_per_address,
        },
    )
    async with pool.acquire() as conn:
        account = await repository.staff_for_login(conn, email=email)
    stored = account["password_hash"] if account else None
    if not await asyncio.to_thread(domain.password_matches, stored, password):
        await _fail(pool, settings, [user, place])
        raise InvalidGrant("The email or password is not correct.")
    assert account is not None
    if not account["active"]:
        raise InvalidGrant(
            "This account is deactivated. Ask your network administrator to reactivate it."
        )
    async with pool.acquire() as conn:
        await repository.forget_failures(conn, subject=user)
    return staff_token(settings, account)


async def sign_in_client(
    pool: asyncpg.Pool,
    settings: Settings,
    *,
    client_id: str,
    client_secret: str,
    address: str,
    basic: bool,
) -> Issued:
    """Check an integration client's credentials; raises InvalidClient or TooManyAttempts."""
    client, place = f"client:{client_id}", f"address:{address}"
    await _throttle(
        pool,
        settings,
        {
            client: settings.login_max_failures_per_username,
            place: settings.login_max_failures_per_address,
        },
    )
    async with pool.acquire() as conn:
        account = await repository.client_for_login(conn, client_id=client_id)
    headers = {"WWW-Authenticate": 'Basic realm="mesocare"'} if basic else None
    if not domain.secret_matches(account["secret_hash"] if account else None, client_secret):
        await _fail(pool, settings, [client, place])
        raise InvalidClient("The client id or secret is not correct.", headers=headers)
    assert account is not None
    if not account["active"]:
        raise InvalidClient("This client is deactivated.", headers=headers)
    async with pool.acquire() as conn:
        await repository.forget_failures(conn, subject=client)
    return _mint(
        settings, sub=f"client:{client_id}", account=account, extra={"client_id": client_id}
    )
