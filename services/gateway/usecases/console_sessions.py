"""The console's sessions: opened at sign-in, resumed at each page (re-reading the account and
minting a fresh token for the page's calls), ended at sign-out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from services.gateway.domain import accounts
from services.gateway.repository import sessions
from services.gateway.repository.staff import StaffAccount
from services.gateway.settings import Settings
from services.gateway.usecases.sign_in import staff_token
from shared.uow import Database


@dataclass(frozen=True, slots=True)
class Resumed:
    """A live session: its form token, the account as it is now, and a fresh access token."""

    csrf_token: str
    account: StaffAccount
    access_token: str


async def open_session(db: Database, settings: Settings, account: StaffAccount) -> str:
    """A new session of `account`; returns its id (for the cookie, never stored as it is)."""
    session_id = accounts.new_session_id()
    async with db.unit(account.network_id) as uow:
        await sessions.insert(
            uow.tx,
            session_id=session_id,
            staff_id=account.id,
            csrf_token=accounts.new_csrf_token(),
            expires_at=datetime.now(UTC) + timedelta(hours=settings.session_max_hours),
        )
    return session_id


async def resume(db: Database, settings: Settings, session_id: str) -> Resumed | None:
    """The session, if it is still live and its account active; its idle clock starts again."""
    idle = timedelta(minutes=settings.session_idle_minutes)
    async with db.unit(None) as uow:
        live = await sessions.touch(uow.tx, session_id=session_id, idle=idle)
    if live is None:
        return None
    issued = staff_token(settings, live.account)
    return Resumed(live.csrf_token, live.account, issued.access_token)


async def end(db: Database, session_id: str) -> None:
    """Forget the session: its cookie no longer signs anyone in."""
    async with db.unit(None) as uow:
        await sessions.delete(uow.tx, session_id=session_id)
