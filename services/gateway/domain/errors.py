"""Errors of signing in (RFC 6749 §5.2 codes carried in problem+json), of the throttle, and of an
account that cannot be what was asked."""

from __future__ import annotations

from typing import Any

from shared.errors import DomainError, ProblemError


class OAuthError(ProblemError):
    """An RFC 6749 error: `error` and `error_description` ride along in the problem body."""

    error = "invalid_request"
    headers: dict[str, str]

    def __init__(self, detail: str, *, headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(detail, error=self.error, error_description=detail, **extra)
        self.headers = {"Cache-Control": "no-store", **(headers or {})}


class InvalidRequest(OAuthError):
    type = "oauth/invalid-request"
    title = "The token request is malformed"
    status = 400
    error = "invalid_request"


class InvalidGrant(OAuthError):
    type = "oauth/invalid-grant"
    title = "The credentials were not accepted"
    status = 400
    error = "invalid_grant"


class InvalidClient(OAuthError):
    type = "oauth/invalid-client"
    title = "The client could not be authenticated"
    status = 401
    error = "invalid_client"


class UnsupportedGrantType(OAuthError):
    type = "oauth/unsupported-grant-type"
    title = "The grant type is not supported"
    status = 400
    error = "unsupported_grant_type"


class TooManyAttempts(ProblemError):
    type = "too-many-attempts"
    title = "Too many failed sign-in attempts"
    status = 429

    def __init__(self, retry_after: int) -> None:
        minutes = max(1, round(retry_after / 60))
        super().__init__(
            f"Too many failed sign-in attempts. Try again in about {minutes} "
            f"minute{'s' if minutes != 1 else ''}.",
            retry_after=retry_after,
        )
        self.retry_after = retry_after
        self.headers = {"Retry-After": str(retry_after), "Cache-Control": "no-store"}


class AccountTaken(DomainError):
    """The email already names an account that cannot become this network's admin."""

    type = "account-taken"
    title = "The email already names another account"
    status = 409
