"""The API's dependencies: the role rules of `policies` as types, the settings, the caller's
address."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.gateway import policies
from services.gateway.settings import Settings
from shared.auth import Principal, require_roles

Admin = Annotated[Principal, Depends(require_roles(*policies.ADMINS))]
"""A network admin of the caller's network."""


async def settings(request: Request) -> Settings:
    configured: Settings = request.app.state.settings
    return configured


GatewaySettings = Annotated[Settings, Depends(settings)]


async def client_address(request: Request) -> str:
    """The client's address: the TCP peer, or what X-Forwarded-For says when the peer is one of
    the proxies of FORWARDED_ALLOW_IPS (uvicorn decides, before the app sees the request)."""
    return request.client.host if request.client else "unknown"


ClientAddress = Annotated[str, Depends(client_address)]
