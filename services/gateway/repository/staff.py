"""Staff accounts: who signs in to the console and to `POST /auth/token` with an email."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from uuid import UUID

from services.gateway.repository import common
from services.gateway.repository.common import Change
from shared.db import Transaction, record_of

COLUMNS = "id, network_id, email, display_name, roles, clinic_ids, active, created_at, updated_at"


@dataclass(frozen=True, slots=True)
class StaffAccount:
    id: UUID
    network_id: UUID
    email: str
    display_name: str
    roles: list[str]
    clinic_ids: list[UUID]
    """Empty means every clinic of the network."""
    active: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class StaffLogin(StaffAccount):
    """An account with its password hash, read only to check a sign-in."""

    password_hash: str

    @property
    def account(self) -> StaffAccount:
        """The account without its hash."""
        return StaffAccount(**{f.name: getattr(self, f.name) for f in fields(StaffAccount)})


@dataclass(frozen=True, slots=True)
class NewStaff:
    id: UUID
    network_id: UUID
    email: str
    display_name: str
    password_hash: str
    roles: list[str]
    clinic_ids: list[UUID]


@dataclass(frozen=True, slots=True)
class StaffChange(Change):
    """The columns to change; None leaves a column as it is."""

    display_name: str | None = None
    password_hash: str | None = None
    roles: list[str] | None = None
    clinic_ids: list[UUID] | None = None
    active: bool | None = None


_TABLE = common.Table("staff_accounts", COLUMNS, StaffAccount)


async def insert(tx: Transaction, new: NewStaff) -> StaffAccount | None:
    """The new account, or None when the email already names an account."""
    row = await tx.fetchrow(
        f"""INSERT INTO staff_accounts
               (id, network_id, email, display_name, password_hash, roles, clinic_ids)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            ON CONFLICT ((lower(email))) DO NOTHING
            RETURNING {COLUMNS}""",
        new.id,
        new.network_id,
        new.email,
        new.display_name,
        new.password_hash,
        new.roles,
        new.clinic_ids,
    )
    return record_of(StaffAccount, row)


async def get(tx: Transaction, *, network_id: UUID, id: UUID) -> StaffAccount | None:
    return await common.get(tx, _TABLE, network_id=network_id, id=id)


async def for_login(tx: Transaction, *, email: str) -> StaffLogin | None:
    """The account of a (normalized) email, in any network."""
    row = await tx.fetchrow(
        f"SELECT {COLUMNS}, password_hash FROM staff_accounts WHERE lower(email) = $1", email
    )
    return record_of(StaffLogin, row)


async def page(
    tx: Transaction, *, network_id: UUID, after: tuple[str, UUID] | None, limit: int
) -> list[StaffAccount]:
    """Ordered by email (then id); `after` is the (email, id) of the previous page's last row."""
    return await common.page(
        tx, _TABLE, key="lower(email)", network_id=network_id, after=after, limit=limit
    )


async def update(
    tx: Transaction, *, network_id: UUID, id: UUID, change: StaffChange
) -> StaffAccount | None:
    return await common.update(tx, _TABLE, network_id=network_id, id=id, change=change)


async def count_active_admins(tx: Transaction, *, network_id: UUID) -> int:
    count: int = await tx.fetchval(
        """SELECT count(*) FROM staff_accounts
           WHERE network_id = $1 AND active AND 'network_admin' = ANY (roles)""",
        network_id,
    )
    return count
