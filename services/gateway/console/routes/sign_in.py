"""Signing in and out of the console."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.gateway.api.deps import ClientAddress, GatewaySettings
from services.gateway.console import sessions
from services.gateway.console.rendering import View, render
from services.gateway.console.sessions import CurrentStaff
from services.gateway.domain import accounts
from services.gateway.domain.errors import InvalidGrant, TooManyAttempts
from services.gateway.usecases import sign_in as signing_in
from shared.uow import Db

router = APIRouter()


@dataclass(frozen=True, slots=True, kw_only=True)
class SignInPage(View):
    template = "login.html"
    title: str = "Sign in"
    csrf_token: str
    email: str = ""
    next_path: str = "/console/day"
    message: str | None = None
    signed_out: bool = False


@dataclass(frozen=True, slots=True)
class Attempt:
    """A posted sign-in form: who, their password, where to go after."""

    email: str
    password: str
    next_path: str
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, form: dict[str, str]) -> Attempt:
        email, password = form.get("email", "").strip(), form.get("password", "")
        errors = {}
        if not email:
            errors["email"] = "Enter your email."
        if not password:
            errors["password"] = "Enter your password."
        return cls(email, password, form.get("next", ""), errors)


def login_page(
    request: Request,
    *,
    status_code: int = 200,
    email: str = "",
    next_path: str = "/console/day",
    message: str | None = None,
    errors: dict[str, str] | None = None,
    signed_out: bool = False,
) -> HTMLResponse:
    """The sign-in form, with its double-submit CSRF cookie."""
    view = SignInPage(
        status_code=status_code,
        csrf_token=accounts.new_csrf_token(),
        email=email,
        next_path=sessions.safe_next(next_path),
        message=message,
        errors=errors or {},
        signed_out=signed_out,
    )
    response = render(request, None, view)
    response.set_cookie(
        sessions.LOGIN_CSRF_COOKIE,
        view.csrf_token,
        path="/console/login",
        httponly=True,
        samesite="strict",
        secure=request.app.state.settings.secure_cookies,
    )
    return response


@router.get("/login")
async def sign_in_form(request: Request, next: str = "", signed_out: bool = False) -> Response:
    return login_page(request, next_path=next, signed_out=signed_out)


@router.post("/login")
async def sign_in(
    request: Request, db: Db, settings: GatewaySettings, address: ClientAddress
) -> Response:
    attempt = Attempt.of(await sessions.checked_sign_in_form(request))
    if attempt.errors:
        return _again(request, attempt, 422)
    try:
        signed = await signing_in.sign_in_staff(
            db, settings, email=attempt.email, password=attempt.password, address=address
        )
    except (InvalidGrant, TooManyAttempts) as refused:
        return _refused(request, attempt, refused)
    response = RedirectResponse(sessions.safe_next(attempt.next_path), status_code=303)
    await sessions.start_session(request, response, signed.account)
    return response


def _refused(
    request: Request, attempt: Attempt, refused: InvalidGrant | TooManyAttempts
) -> HTMLResponse:
    """The form again with why (a wrong password, a deactivated account, too many tries)."""
    status_code = 400 if isinstance(refused, InvalidGrant) else 429
    response = _again(request, attempt, status_code, refused.detail)
    if isinstance(refused, TooManyAttempts):
        response.headers["Retry-After"] = str(refused.retry_after)
    return response


def _again(
    request: Request, attempt: Attempt, status_code: int, message: str | None = None
) -> HTMLResponse:
    """The sign-in form as it was posted (never the password), with what to correct."""
    return login_page(
        request,
        status_code=status_code,
        email=attempt.email,
        next_path=attempt.next_path,
        message=message,
        errors=attempt.errors,
    )


@router.post("/logout")
async def sign_out(request: Request, staff: CurrentStaff) -> Response:
    await sessions.checked_form(request, staff)
    response = RedirectResponse("/console/login?signed_out=true", status_code=303)
    await sessions.end_session(request, response)
    return response
