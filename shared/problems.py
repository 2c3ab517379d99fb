"""The one place errors become RFC 9457 `application/problem+json` responses."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared import fhir
from shared.errors import PROBLEM_JSON, ProblemError, TooManyRequests, type_uri

log = logging.getLogger("mesocare.errors")


def problem_response(body: dict[str, Any], headers: dict[str, str] | None = None) -> JSONResponse:
    """The problem as problem+json; under `/fhir/`, the same as a FHIR OperationOutcome."""
    if fhir.is_fhir_path(str(body.get("instance", ""))):
        return JSONResponse(
            fhir.outcome_of_problem(body),
            status_code=body["status"],
            media_type=fhir.FHIR_JSON,
            headers=headers,
        )
    return JSONResponse(body, status_code=body["status"], media_type=PROBLEM_JSON, headers=headers)


def _field_path(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or str(loc[0]) if loc else ""


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of the app answers on the request's path.

    Starlette's 405 names only the methods of the first route whose path matched, but a path
    often has one route per method (`GET` and `POST /v1/clinics`)."""
    path = request.scope["path"]
    methods: set[str] = set()
    for route in iter_route_contexts(request.app.routes):
        pattern = getattr(route, "path_regex", None)
        if route.methods and pattern is not None and pattern.match(path):
            methods |= route.methods
    return sorted(methods)


def install_problem_handlers(app: FastAPI) -> None:
    """Render every error the app can raise as RFC 9457 problem+json."""

    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        if isinstance(exc, TooManyRequests):
            headers = {"Retry-After": str(exc.retry_after)}
        return problem_response(exc.to_problem(request.url.path), headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return problem_response(
                {
                    "type": type_uri("malformed-json"),
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
                "type": type_uri("validation"),
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
        headers = getattr(exc, "headers", None)
        if exc.status_code == 405:
            headers = {**(headers or {}), "Allow": ", ".join(allowed_methods(request))}
        return problem_response(
            {
                "type": type_uri(
                    {404: "not-found", 405: "method-not-allowed"}.get(
                        exc.status_code, "about:blank"
                    )
                ),
                "title": titles.get(exc.status_code, "HTTP error"),
                "status": exc.status_code,
                "detail": str(exc.detail),
                "instance": request.url.path,
            },
            headers=headers,
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", extra={"path": request.url.path})
        return problem_response(
            {
                "type": type_uri("internal"),
                "title": "Internal error",
                "status": 500,
                "detail": "The server could not complete the request; it has been logged.",
                "instance": request.url.path,
            }
        )
