"""The staff web console: server-rendered pages, a server-side session, CSRF on every form.

The console is one more client of the services (and of the gateway's own use cases, to sign
in), in rooms like theirs:

- `routes/`: thin page handlers: read the request, ask one page builder, render its view.
- `pages/`: the page builders, the console's use cases: gather from the services what a page
  shows and shape it into that page's view. Roles come from `policies` and the shared
  vocabulary, what an appointment allows from booking's answer; no rule is written here.
- `clients/`: a typed client per service, over one caller (`calls.Caller`).
- `forms/`: pure: posted forms into typed request bodies and per-field messages.
- `rendering.py` (the frame, `View`, refusals), `clock.py` (the date and time filters),
  `sessions.py` (the session cookie and CSRF).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from services.gateway.console import sessions
from services.gateway.console.rendering import refusal, render
from services.gateway.console.routes import router

__all__ = ["install", "router"]


def install(app: FastAPI) -> None:
    """Static files, the console's entry redirect and its refusals (pages, not JSON)."""
    app.mount(
        "/console/static",
        StaticFiles(directory=Path(__file__).parent / "static"),
        name="console-static",
    )

    @app.get("/", include_in_schema=False)
    async def entry() -> RedirectResponse:
        return RedirectResponse("/console/day", status_code=303)

    async def sign_in_required(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, sessions.SignInRequired)
        if request.method == "GET":
            return RedirectResponse(sessions.sign_in_url(exc.next_path), status_code=303)
        return refused(
            request,
            401,
            "Your session has ended",
            "Your session has ended. Sign in again, then repeat what you were doing.",
        )

    async def csrf_refused(request: Request, exc: Exception) -> Response:
        return refused(
            request,
            403,
            "This form was refused",
            "This form could not be accepted: it has expired or did not come from this "
            "console. Go back, reload the page and try again.",
        )

    async def form_refused(request: Request, exc: Exception) -> Response:
        return refused(
            request, 400, "This form was refused", "The form was not sent as a web form."
        )

    app.add_exception_handler(sessions.SignInRequired, sign_in_required)
    app.add_exception_handler(sessions.CsrfRefused, csrf_refused)
    app.add_exception_handler(sessions.FormRefused, form_refused)


def refused(request: Request, status_code: int, title: str, message: str) -> Response:
    return render(request, None, refusal(status_code, title, message))
