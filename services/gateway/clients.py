"""Outgoing HTTP to the four services: the one client the proxy (`api/proxy.py`) and the console
(`console/clients/`) share, opened in the app's lifespan; and the console's client of the
gateway's own API (`own_api_client`). (The integration clients that sign in
at `/auth/token` are `repository/clients.py`, another thing.)

Two rules against a connection the service has already closed (shared/http.py, which the
services' own clients follow too):

- **Keep-alive shorter than the service's.** uvicorn closes a connection idle for 5 s; a client
  that keeps it for 5 s too (httpx's default) sends, now and then, a request on it just as the
  service closes it, and the request dies without an answer. The gateway keeps idle connections
  `proxy_keepalive_seconds` (2 s).
- **One retry on a dropped connection, when it is safe.** A request whose connection the peer
  closed or reset before any answer came is sent once more, on another connection, if repeating
  it cannot do a thing twice: GET, HEAD, OPTIONS, PUT, DELETE, and a POST carrying an
  `Idempotency-Key` (the service answers a repeat with the first answer). Never a PATCH or a
  plain POST: the service may have acted on it before the connection went. A timeout is never
  retried either: the request may still be running.
"""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from services.gateway.settings import Settings
from shared.http import retrying_transport


def services_client(settings: Settings) -> httpx.AsyncClient:
    """The gateway's client for the services."""
    timeout = httpx.Timeout(
        connect=settings.proxy_connect_timeout_seconds,
        read=settings.proxy_read_timeout_seconds,
        write=settings.proxy_read_timeout_seconds,
        pool=settings.proxy_connect_timeout_seconds,
    )
    transport = retrying_transport(
        keepalive_expiry=settings.proxy_keepalive_seconds, max_connections=200
    )
    return httpx.AsyncClient(transport=transport, timeout=timeout, follow_redirects=False)


OWN_API = "http://gateway"
"""The base URL of the gateway's own API as `own_api_client` calls it (no network involved)."""


def own_api_client(app: FastAPI) -> httpx.AsyncClient:
    """The console's client of the gateway's own API (`/v1/staff`, `/v1/clients`), in process:
    a request goes through the same routes, role check, validation and transaction as an
    integration's, without a loopback address the gateway would have to know. An unexpected
    error is the API's 500 answer, never an exception in the console's page."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url=OWN_API, follow_redirects=False)
