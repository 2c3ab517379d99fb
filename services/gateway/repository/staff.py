"""Staff accounts: who signs in to the console and to `POST /auth/token` with an email."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from uuid import UUID

from shared.db import Transaction, record_of, records_of

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
class StaffChange:
    """The columns to change; None leaves a column as it is."""

    display_name: str | None = None
    password_hash: str | None = None
    roles: list[str] | None = None
    clinic_ids: list[UUID] | None = None
    active: bool | None = None

    def columns(self) -> dict[str, object]:
        return {f.name: v for f in fields(self) if (v := getattr(self, f.name)) is not None}


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
    row = await tx.fetchrow(
        f"SELECT {COLUMNS} FROM staff_accounts WHERE network_id = $1 AND id = $2", network_id, id
    )
    return record_of(StaffAccount, row)


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
    if after is None:
        rows = await tx.fetch(
            f"""SELECT {COLUMNS} FROM staff_accounts WHERE network_id = $1
                ORDER BY lower(email), id LIMIT $2""",
            network_id,
            limit,
        )
    else:
        rows = await tx.fetch(
            f"""SELECT {COLUMNS} FROM staff_accounts
                WHERE network_id = $1 AND (lower(email), id) > ($2, $3)
                ORDER BY lower(email), id LIMIT $4""",
            network_id,
            after[0],
            after[1],
            limit,
        )
    return records_of(StaffAccount, rows)


async def update(
    tx: Transaction, *, network_id: UUID, id: UUID, change: StaffChange
) -> StaffAccount | None:
    columns = change.columns()
    sets = [f"{name} = ${i}" for i, name in enumerate(columns, start=3)]
    row = await tx.fetchrow(
        f"""UPDATE staff_accounts SET {", ".join([*sets, "updated_at = now()"])}
            WHERE network_id = $1 AND id = $2 RETURNING {COLUMNS}""",
        network_id,
        id,
        *columns.values(),
    )
    return record_of(StaffAccount, row)


async def count_active_admins(tx: Transaction, *, network_id: UUID) -> int:
    count: int = await tx.fetchval(
        """SELECT count(*) FROM staff_accounts
           WHERE network_id = $1 AND active AND 'network_admin' = ANY (roles)""",
        network_id,
    )
    return count
