"""The console's frame: the templates, the page renderer, and the page that says plainly what
cannot be shown or done."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import ClassVar

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from services.gateway import policies
from services.gateway.console import clock
from services.gateway.console.pages.outcomes import Done
from services.gateway.console.sessions import StaffSession
from services.gateway.console.words import label, labels

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
clock.install(templates.env)
templates.env.globals.update(label=label, labels=labels)

NAV = [
    ("/console/day", "Clinic day"),
    ("/console/book", "Book"),
    ("/console/patients", "Patients"),
    ("/console/formulary", "Formulary"),
    ("/console/messages", "Messages"),
]
ADMIN_NAV = [
    ("/console/admin", "Admin", policies.ADMIN_AREA),
]
"""Pages for the roles a service lets do what they do: in the navigation only for them (the
Admin area lists the sections of each role: console/pages/admin.py)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class View:
    """What one page shows: its template and the values the template reads (the fields)."""

    template: ClassVar[str]
    title: str
    status_code: int = 200
    problem: str | None = None
    """A notice at the top of the page (a service refused, or could not answer)."""
    errors: Mapping[str, str] = field(default_factory=dict)
    """Messages next to the form fields they name."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Refusal(View):
    """A page saying plainly what cannot be shown or done (not found, refused, unavailable)."""

    template = "refused.html"
    message: str
    back: str = "/console/day"
    back_label: str = "Back to the console"


def respond(request: Request, staff: StaffSession, outcome: View | Done) -> Response:
    """After a form: on to the next page when it was carried out, else its page again."""
    if isinstance(outcome, Done):
        return RedirectResponse(outcome.location, status_code=303)
    return render(request, staff, outcome)


def render(request: Request, staff: StaffSession | None, view: View) -> HTMLResponse:
    """The page of `view`, in the frame of the signed-in `staff` member (None: signed out)."""
    context = {f.name: getattr(view, f.name) for f in fields(view) if f.name != "status_code"}
    response = templates.TemplateResponse(
        request,
        view.template,
        {"staff": staff, "nav": navigation(staff), "active": request.url.path, **context},
        status_code=view.status_code,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def navigation(staff: StaffSession | None) -> list[tuple[str, str]]:
    """The pages the staff member may open: everyone's, then those of their roles."""
    if staff is None:
        return []
    return NAV + [(href, label) for href, label, roles in ADMIN_NAV if staff.has_any(roles)]


def refusal(
    status_code: int,
    title: str,
    message: str | None,
    *,
    back: str = "/console/day",
    back_label: str = "Back to the console",
) -> Refusal:
    """A refusal page; with no message, the service could not answer."""
    return Refusal(
        title=title,
        status_code=status_code,
        message=message or "The service could not answer. Try again in a moment.",
        back=back,
        back_label=back_label,
    )
