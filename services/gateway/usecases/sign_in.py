"""Signing in staff and integration clients, for `POST /auth/token` and the console.

Each step opens its own short unit of work rather than the request's: a failed attempt must be
recorded (committed) even though the request then fails, and no connection is held while a
password is hashed. An attempt is admitted and counted as a failure in one step, before its
password is checked (a success then forgives it), so a burst of parallel guesses is held to the
same limits as guesses made one after another.
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
    user = f"user:{email}"
    await _admit(db, settings, user, address)
    async with db.unit(None) as uow:
        account = await staff.for_login(uow.tx, email=email)
    stored = account.password_hash if account else None
    if not await asyncio.to_thread(accounts.password_matches, stored, password):
        raise InvalidGrant("The email or password is not correct.")
    assert account is not None
    if not account.active:
        raise InvalidGrant(
            "This account is deactivated. Ask your network administrator to reactivate it."
        )
    await _succeed(db, settings, user, address)
    return staff_token(settings, account)


async def sign_in_client(db: Database, settings: Settings, grant: ClientCredentialsGrant) -> Issued:
    """Check an integration client's credentials; raises InvalidClient or TooManyAttempts."""
    client = f"client:{grant.client_id}"
    await _admit(db, settings, client, grant.address)
    async with db.unit(None) as uow:
        account = await clients.for_login(uow.tx, client_id=grant.client_id)
    headers = BASIC_CHALLENGE if grant.basic else None
    if not accounts.secret_matches(account.secret_hash if account else None, grant.client_secret):
        raise InvalidClient("The client id or secret is not correct.", headers=headers)
    assert account is not None
    if not account.active:
        raise InvalidClient("This client is deactivated.", headers=headers)
    await _succeed(db, settings, client, grant.address)
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


def throttle_policy(settings: Settings) -> throttle.Policy:
    first = timedelta(seconds=settings.login_backoff_seconds)
    cap = max(first, timedelta(seconds=settings.login_backoff_max_seconds))
    return throttle.Policy(
        per_address=throttle.Backoff(settings.login_free_failures_per_address, first, cap),
        per_account=throttle.Backoff(settings.login_free_failures_per_account, first, cap),
    )


async def _admit(db: Database, settings: Settings, subject: str, address: str) -> None:
    """Let one attempt at `subject` from `address` go on to the password check, counted as a
    failure until it succeeds; raises TooManyAttempts (counting nothing) while it must wait."""
    policy = throttle_policy(settings)
    window = timedelta(seconds=settings.login_window_seconds)
    async with db.unit(None) as uow:
        await failures.serialize(uow.tx, subject=subject)
        found = await failures.failures(
            uow.tx,
            subject=subject,
            address=address,
            window=window,
            per_address_cap=policy.per_address.free,
            known_for=timedelta(days=settings.login_known_address_days),
        )
        wait = throttle.retry_after(
            policy,
            throttle.Record(
                address_failures=found.address_failures,
                address_newest=found.address_newest,
                account_failures=found.account_failures,
                account_newest=found.account_newest,
                known_address=found.known_address,
                now=found.now,
            ),
        )
        if wait is not None:
            raise TooManyAttempts(wait)
        await failures.record_failure(uow.tx, subject=subject, address=address, window=window)


async def _succeed(db: Database, settings: Settings, subject: str, address: str) -> None:
    known_for = timedelta(days=settings.login_known_address_days)
    async with db.unit(None) as uow:
        await failures.record_success(uow.tx, subject=subject, address=address, known_for=known_for)
