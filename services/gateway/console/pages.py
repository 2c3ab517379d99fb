"""The staff console's frame: the page renderer, sign-in/out, and the helpers the page modules
share."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from services.gateway import accounts, domain
from services.gateway.api.tokens import client_address
from services.gateway.console import clock, sessions
from services.gateway.console.services import Answer, ask, ask_all, items_of
from services.gateway.console.sessions import CurrentStaff, StaffSession
from services.gateway.errors import InvalidGrant, TooManyAttempts

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
clock.install(templates.env)

router = APIRouter(prefix="/console", include_in_schema=False)

NAV = [
    ("/console/day", "Clinic day"),
    ("/console/book", "Book"),
    ("/console/patients", "Patients"),
    ("/console/formulary", "Formulary"),
    ("/console/messages", "Messages"),
]


def page(
    request: Request,
    name: str,
    staff: StaffSession | None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    context.setdefault("errors", {})
    context.setdefault("problem", None)
    response = templates.TemplateResponse(
        request,
        name,
        {"staff": staff, "nav": NAV, "active": request.url.path, **context},
        status_code=status_code,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def refusal(
    request: Request,
    staff: StaffSession | None,
    status_code: int,
    title: str,
    message: str | None,
    *,
    back: str = "/console/day",
    back_label: str = "Back to the console",
) -> HTMLResponse:
    """A page saying plainly what cannot be shown or done (not found, refused, unavailable)."""
    return page(
        request,
        "refused.html",
        staff,
        status_code,
        title=title,
        message=message or "The service could not answer. Try again in a moment.",
        back=back,
        back_label=back_label,
    )


# -- signing in and out ------------------------------------------------------------------------


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
    csrf_token = domain.new_csrf_token()
    response = page(
        request,
        "login.html",
        None,
        status_code,
        title="Sign in",
        csrf_token=csrf_token,
        email=email,
        next_path=sessions.safe_next(next_path),
        message=message,
        errors=errors or {},
        signed_out=signed_out,
    )
    response.set_cookie(
        sessions.LOGIN_CSRF_COOKIE,
        csrf_token,
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
async def sign_in(request: Request) -> Response:
    form = await sessions.read_form(request)
    if not domain.tokens_equal(
        form.get("csrf_token"), request.cookies.get(sessions.LOGIN_CSRF_COOKIE)
    ):
        raise sessions.CsrfRefused()
    email, password = form.get("email", "").strip(), form.get("password", "")
    next_path = form.get("next", "")
    errors = {}
    if not email:
        errors["email"] = "Enter your email."
    if not password:
        errors["password"] = "Enter your password."
    if errors:
        return login_page(request, status_code=422, email=email, next_path=next_path, errors=errors)
    try:
        issued = await accounts.sign_in_staff(
            request.app.state.pool,
            request.app.state.settings,
            email=email,
            password=password,
            address=client_address(request),
        )
    except InvalidGrant as exc:
        return login_page(
            request, status_code=400, email=email, next_path=next_path, message=exc.detail
        )
    except TooManyAttempts as exc:
        response = login_page(
            request, status_code=429, email=email, next_path=next_path, message=exc.detail
        )
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    response = RedirectResponse(sessions.safe_next(next_path), status_code=303)
    await sessions.start_session(request, response, issued.account)
    return response


@router.post("/logout")
async def sign_out(request: Request, staff: CurrentStaff) -> Response:
    await sessions.checked_form(request, staff)
    response = RedirectResponse("/console/login?signed_out=true", status_code=303)
    await sessions.end_session(request, response)
    return response


# -- pages -------------------------------------------------------------------------------------


def parse_day(text: str, tz: ZoneInfo, errors: dict[str, str]) -> date:
    if not text:
        return datetime.now(tz).date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors["date"] = "Enter a day as YYYY-MM-DD."
        return datetime.now(tz).date()


def cursor_text(text: str) -> str | None:
    """A page's cursor from the address bar, passed on as it came (the service checks it)."""
    return text.strip()[:500] or None


def uuid_field(text: str, field: str, label: str, errors: dict[str, str]) -> UUID | None:
    if not text:
        return None
    try:
        return UUID(text)
    except ValueError:
        errors[field] = f"Choose a {label} from the list."
        return None


async def clinics_of(request: Request, staff: StaffSession) -> tuple[list[dict[str, Any]], Answer]:
    """Every clinic of the network (booking's list, followed to its end)."""
    answer = await ask_all(request, staff, "booking", "/v1/clinics")
    return items_of(answer), answer


def home_clinic(staff: StaffSession, clinics: list[dict[str, Any]]) -> dict[str, Any]:
    """The clinic a page opens on: the staff member's first clinic, else the network's first."""
    return (my_clinics(staff, clinics) or clinics)[0]


def my_clinics(staff: StaffSession, clinics: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The clinics the staff member works for: those of their account, or all when it names
    none (the token's `clinic_ids`, empty = every clinic of the network)."""
    mine = {str(c) for c in staff.account.get("clinic_ids") or []}
    return [c for c in clinics if c["id"] in mine] if mine else list(clinics)


def reader_zone(staff: StaffSession, clinics: list[dict[str, Any]]) -> str:
    """The zone for a time that belongs to no clinic: the staff member's clinics' zone when
    they all keep one, else UTC (the filters always print which)."""
    return clock.shared_zone(my_clinics(staff, clinics)) or clock.UTC_NAME


def clinic_zone(clinic_id: str | None, clinics: list[dict[str, Any]], fallback: str) -> str:
    """The zone of the clinic a time belongs to, else `fallback`."""
    found = next((c for c in clinics if c["id"] == clinic_id), None) if clinic_id else None
    return str(found["timezone"]) if found and found.get("timezone") else fallback


async def patient_names(request: Request, staff: StaffSession, ids: set[str]) -> dict[str, str]:
    """Each patient's "Family, Given" from records (one audited read per patient of the day)."""
    answers = await asyncio.gather(
        *(ask(request, staff, "records", f"/v1/patients/{i}") for i in sorted(ids))
    )
    return {
        a.data["id"]: f"{a.data['family_name']}, {a.data['given_name']}"
        for a in answers
        if a.ok and isinstance(a.data, dict)
    }
