"""Typed errors that carry their meaning (problem type, title, status).

Pure: domain code raises these without importing any web framework; `shared/problems.py`
renders them as RFC 9457 problem+json.
"""

from __future__ import annotations

from typing import Any

PROBLEM_BASE = "https://mesocare.dev/problems/"
PROBLEM_JSON = "application/problem+json"


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
            "type": type_uri(self.type),
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            body["instance"] = instance
        body.update(self.extra)
        return body


def type_uri(slug: str) -> str:
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


class TooManyRequests(ProblemError):
    type = "too-many-requests"
    title = "Too many requests"
    status = 429

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail, retry_after_seconds=retry_after)
        self.retry_after = retry_after


class Unavailable(ProblemError):
    type = "dependency-unavailable"
    title = "A service this request depends on is unavailable"
    status = 503
