"""Signing in staff and integration clients, for `POST /auth/token` and the console.

Each step opens its own short unit of work rather than the request's: a failed attempt must be
recorded (committed) even though the request then fails, and no connection is held while a
password is hashed.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta

from services.gateway.domain import accounts, throttle
from services.gateway.domain.errors import InvalidClient, InvalidGrant, TooManyAttempts
from services.gateway.repository import clients, staff
from services.gateway.repository import throttle as failures
from services.gateway.repository.clients import IntegrationClient
from services.gateway.repository.staff import StaffAccount
from services.gateway.settings import Settings
from shared.auth import mint_token
from shared.uow import Database

BASIC_CHALLENGE = {"WWW-Authenticate": 'Basic realm="mesocare"'}


@dataclass(frozen=True, slots=True)
class PasswordGrant:
    """A staff member's email and password (RFC 6749 §4.3)."""

    username: str
    password: str
    address: str


@dataclass(frozen=True, slots=True)
class ClientCredentialsGrant:
    """An integration client's id and secret (RFC 6749 §4.4), sent in the form or as Basic."""

    client_id: str
    client_secret: str
    address: str
    basic: bool


@dataclass(frozen=True, slots=True)
class Issued:
    access_token: str
    expires_in: int
    roles: list[str]


@dataclass(frozen=True, slots=True)
class SignedIn(Issued):
    """A staff member's token, and their account (the console opens a session for it)."""

    account: StaffAccount


async def token_for(
    db: Database, settings: Settings, grant: PasswordGrant | ClientCredentialsGrant
) -> Issued:
    """A token for the grant's credentials; raises InvalidGrant, InvalidClient or
    TooManyAttempts."""
    if isinstance(grant, PasswordGrant):
        return await sign_in_staff(
            db, settings, email=grant.username, password=grant.password, address=grant.address
        )
    return await sign_in_client(db, settings, grant)


async def sign_in_staff(
    db: Database, settings: Settings, *, email: str, password: str, address: str
) -> SignedIn:
    """Check a staff member's email and password; raises InvalidGrant or TooManyAttempts."""
    email = accounts.normalize_email(email)
    user, place = f"user:{email}", f"address:{address}"
    await _throttle(
        db,
        settings,
        {
            user: settings.login_max_failures_per_username,
            place: settings.login_max_failures_per_address,
        },
    )
    async with db.unit(None) as uow:
        account = await staff.for_login(uow.tx, email=email)
    stored = account.password_hash if account else None
    if not await asyncio.to_thread(accounts.password_matches, stored, password):
        await _fail(db, settings, [user, place])
        raise InvalidGrant("The email or password is not correct.")
    assert account is not None
    if not account.active:
        raise InvalidGrant(
            "This account is deactivated. Ask your network administrator to reactivate it."
        )
    async with db.unit(None) as uow:
        await failures.forget_failures(uow.tx, subject=user)
    return staff_token(settings, account)


async def sign_in_client(db: Database, settings: Settings, grant: ClientCredentialsGrant) -> Issued:
    """Check an integration client's credentials; raises InvalidClient or TooManyAttempts."""
    client, place = f"client:{grant.client_id}", f"address:{grant.address}"
    await _throttle(
        db,
        settings,
        {
            client: settings.login_max_failures_per_username,
            place: settings.login_max_failures_per_address,
        },
    )
    async with db.unit(None) as uow:
        account = await clients.for_login(uow.tx, client_id=grant.client_id)
    headers = BASIC_CHALLENGE if grant.basic else None
    if not accounts.secret_matches(account.secret_hash if account else None, grant.client_secret):
        await _fail(db, settings, [client, place])
        raise InvalidClient("The client id or secret is not correct.", headers=headers)
    assert account is not None
    if not account.active:
        raise InvalidClient("This client is deactivated.", headers=headers)
    async with db.unit(None) as uow:
        await failures.forget_failures(uow.tx, subject=client)
    return _client_token(settings, account)


def staff_token(settings: Settings, account: StaffAccount) -> SignedIn:
    """A short-lived token for a staff account (also minted per console request)."""
    token = _mint(
        settings,
        account,
        sub=account.email,
        extra={"staff_id": str(account.id), "name": account.display_name},
    )
    return SignedIn(token, settings.token_ttl_seconds, list(account.roles), account)


def _client_token(settings: Settings, client: IntegrationClient) -> Issued:
    token = _mint(
        settings,
        client,
        sub=f"client:{client.client_id}",
        extra={"client_id": client.client_id},
    )
    return Issued(token, settings.token_ttl_seconds, list(client.roles))


def _mint(
    settings: Settings,
    account: StaffAccount | IntegrationClient,
    *,
    sub: str,
    extra: dict[str, str],
) -> str:
    return mint_token(
        settings.platform,
        sub=sub,
        network_id=account.network_id,
        roles=list(account.roles),
        clinic_ids=list(account.clinic_ids),
        ttl=timedelta(seconds=settings.token_ttl_seconds),
        extra=extra,
    )


async def _throttle(db: Database, settings: Settings, limits: dict[str, int]) -> None:
    window = timedelta(seconds=settings.login_window_seconds)
    async with db.unit(None) as uow:
        for subject, limit in limits.items():
            found, now = await failures.recent_failures(uow.tx, subject=subject, window=window)
            wait = throttle.retry_after(found, limit=limit, window=window, now=now)
            if wait is not None:
                raise TooManyAttempts(wait)


async def _fail(db: Database, settings: Settings, subjects: list[str]) -> None:
    window = timedelta(seconds=settings.login_window_seconds)
    async with db.unit(None) as uow:
        await failures.record_failure(uow.tx, subjects=subjects, window=window)
