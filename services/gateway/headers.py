"""The security headers of every answer the gateway gives, and the console's content policy.

- Every answer: `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer` (the console's
  addresses name patients and searches), and with MESOCARE_ENV=production
  `Strict-Transport-Security` (browsers only ever come back over HTTPS).
- The console's pages and files (`/`, `/console/…`): a Content-Security-Policy that allows only
  the console's own script files, requests, style sheet, images and form posts — nothing inline
  (no `unsafe-inline`, no `eval`), nothing from elsewhere, no framing (`frame-ancestors 'none'`,
  and `X-Frame-Options: DENY` for browsers before CSP 2) — so injected markup can neither run
  nor restyle a page.

A header the app (or a service behind the proxy) already set is left as it is.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import MutableHeaders

CONSOLE_CSP = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "connect-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ]
)
HSTS = "max-age=31536000; includeSubDomains"

EVERY_ANSWER = [("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer")]
CONSOLE = [("Content-Security-Policy", CONSOLE_CSP), ("X-Frame-Options", "DENY")]


def is_console(path: str) -> bool:
    return path == "/" or path == "/console" or path.startswith("/console/")


class SecurityHeaders:
    """A plain ASGI layer adding the headers to each answer's start."""

    def __init__(self, app: Any, *, production: bool) -> None:
        self.app = app
        common = EVERY_ANSWER + ([("Strict-Transport-Security", HSTS)] if production else [])
        self.common = common
        self.console = common + CONSOLE

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        added = self.console if is_console(scope["path"]) else self.common

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": list(message.get("headers", ()))}
                headers = MutableHeaders(scope=message)
                for name, value in added:
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
