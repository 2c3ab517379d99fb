"""Typed errors that carry their meaning, rendered as RFC 9457 problem+json in one place."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_BASE = "https://mesocare.dev/problems/"
PROBLEM_JSON = "application/problem+json"

log = logging.getLogger("mesocare.errors")


class ProblemError(Exception):
    """Base of every error a client can be told about; subclasses set type, title and status."""

    type: str = "about:blank"
    title: str = "Error"
    status: int = 400

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.extra = extra

    def to_problem(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": _type_uri(self.type),
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            body["instance"] = instance
        body.update(self.extra)
        return body


def _type_uri(slug: str) -> str:
    return slug if ":" in slug else PROBLEM_BASE + slug


class DomainError(ProblemError):
    """A business rule refused the request (422 unless a subclass says otherwise)."""

    type = "business-rule"
    title = "Business rule violated"
    status = 422


class Invalid(DomainError):
    """Input that is well-formed but not acceptable; `errors` names the fields."""

    type = "validation"
    title = "Request is not valid"
    status = 422

    def __init__(self, detail: str, *, field: str | None = None, **extra: Any) -> None:
        if field is not None:
            extra.setdefault("errors", [{"field": field, "message": detail}])
        super().__init__(detail, **extra)


class NotFound(ProblemError):
    type = "not-found"
    title = "Not found"
    status = 404


class Conflict(ProblemError):
    type = "conflict"
    title = "Conflict"
    status = 409


class Unauthorized(ProblemError):
    type = "unauthorized"
    title = "Authentication required"
    status = 401


class Forbidden(ProblemError):
    type = "forbidden"
    title = "Not allowed for your role"
    status = 403


class Unavailable(ProblemError):
    type = "dependency-unavailable"
    title = "A service this request depends on is unavailable"
    status = 503


def problem_response(body: dict[str, Any], headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body, status_code=body["status"], media_type=PROBLEM_JSON, headers=headers)


def _field_path(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or str(loc[0]) if loc else ""


def install_problem_handlers(app: FastAPI) -> None:
    """Render every error the app can raise as RFC 9457 problem+json."""

    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return problem_response(exc.to_problem(request.url.path), headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return problem_response(
                {
                    "type": _type_uri("malformed-json"),
                    "title": "Malformed JSON body",
                    "status": 400,
                    "detail": "The request body is not valid JSON.",
                    "instance": request.url.path,
                }
            )
        fields = [
            {"field": _field_path(tuple(e.get("loc", ()))), "message": e.get("msg", "invalid")}
            for e in errors
        ]
        return problem_response(
            {
                "type": _type_uri("validation"),
                "title": "Request is not valid",
                "status": 422,
                "detail": "; ".join(f"{f['field']}: {f['message']}" for f in fields),
                "instance": request.url.path,
                "errors": fields,
            }
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        titles = {404: "Not found", 405: "Method not allowed", 401: "Authentication required"}
        return problem_response(
            {
                "type": _type_uri(
                    {404: "not-found", 405: "method-not-allowed"}.get(
                        exc.status_code, "about:blank"
                    )
                ),
                "title": titles.get(exc.status_code, "HTTP error"),
                "status": exc.status_code,
                "detail": str(exc.detail),
                "instance": request.url.path,
            },
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", extra={"path": request.url.path})
        return problem_response(
            {
                "type": _type_uri("internal"),
                "title": "Internal error",
                "status": 500,
                "detail": "The server could not complete the request; it has been logged.",
                "instance": request.url.path,
            }
        )
