"""Console sessions: a random id in an HttpOnly cookie, the rest in the gateway's database.

Each page re-reads the account (a deactivated person is out at their next click; new roles
apply at once) and mints a fresh short-lived token for the calls it makes to the services.
CSRF: a synchronizer token per session, carried by every form that changes something; the
sign-in form, before there is a session, uses a double-submit cookie.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated
from urllib.parse import parse_qsl, quote

from fastapi import Depends, Request, Response

from services.gateway.domain import accounts
from services.gateway.repository.staff import StaffAccount
from services.gateway.settings import Settings
from services.gateway.usecases import console_sessions
from shared.uow import database

LOGIN_CSRF_COOKIE = "mesocare_login_csrf"
FORM = "application/x-www-form-urlencoded"
MAX_FORM_BYTES = 64 * 1024


class SignInRequired(Exception):
    """No live session: the console sends the browser to the sign-in page."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


class CsrfRefused(Exception):
    """A form post without the token this session (or sign-in page) handed out."""


class FormRefused(Exception):
    """A form post that is not a url-encoded form of reasonable size."""


@dataclass(frozen=True, slots=True)
class StaffSession:
    """The signed-in staff member of a page: their account as it is now, the session's form
    token, and a fresh access token for the page's calls to the services."""

    session_id: str
    csrf_token: str
    account: StaffAccount
    access_token: str

    @property
    def roles(self) -> list[str]:
        return list(self.account.roles)

    def has_any(self, roles: Iterable[str]) -> bool:
        return not set(self.account.roles).isdisjoint(roles)


async def staff_session(request: Request) -> StaffSession:
    """The signed-in staff member of this request, or SignInRequired."""
    settings: Settings = request.app.state.settings
    session_id = request.cookies.get(settings.session_cookie)
    resumed = None
    if session_id:
        resumed = await console_sessions.resume(await database(request), settings, session_id)
    if session_id is None or resumed is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(target)
    return StaffSession(session_id, resumed.csrf_token, resumed.account, resumed.access_token)


CurrentStaff = Annotated[StaffSession, Depends(staff_session)]


async def start_session(request: Request, response: Response, account: StaffAccount) -> None:
    """Open a session for `account`; its cookie goes with `response`."""
    settings: Settings = request.app.state.settings
    session_id = await console_sessions.open_session(await database(request), settings, account)
    lifetime = timedelta(hours=settings.session_max_hours)
    response.set_cookie(
        settings.session_cookie,
        session_id,
        max_age=int(lifetime.total_seconds()),
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/console/login")


async def end_session(request: Request, response: Response) -> None:
    """End the request's session, and have the browser forget its cookie."""
    settings: Settings = request.app.state.settings
    session_id = request.cookies.get(settings.session_cookie)
    if session_id:
        await console_sessions.end(await database(request), session_id)
    response.delete_cookie(
        settings.session_cookie,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
    )


async def read_form(request: Request) -> dict[str, str]:
    """A url-encoded form post (the console's forms never upload files)."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != FORM:
        raise FormRefused()
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise FormRefused()
    try:
        return dict(parse_qsl(body.decode(), keep_blank_values=True))
    except (UnicodeDecodeError, ValueError) as exc:
        raise FormRefused() from exc


async def checked_form(request: Request, session: StaffSession) -> dict[str, str]:
    """The posted form, once its CSRF token matches the session's."""
    form = await read_form(request)
    if not accounts.tokens_equal(form.get("csrf_token"), session.csrf_token):
        raise CsrfRefused()
    return form


async def checked_sign_in_form(request: Request) -> dict[str, str]:
    """The posted sign-in form, once its CSRF token matches the sign-in page's cookie (there is
    no session yet: a double-submit token)."""
    form = await read_form(request)
    if not accounts.tokens_equal(form.get("csrf_token"), request.cookies.get(LOGIN_CSRF_COOKIE)):
        raise CsrfRefused()
    return form


def sign_in_url(next_path: str) -> str:
    return "/console/login?next=" + quote(next_path, safe="/")


def safe_next(next_path: str | None) -> str:
    """Only a console path: never an open redirect to another site."""
    if next_path and next_path.startswith("/console/") and not next_path.startswith("//"):
        if "\\" not in next_path and not next_path.startswith("/console/login"):
            return next_path
    return "/console/day"
