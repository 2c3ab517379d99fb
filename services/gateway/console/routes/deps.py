"""What the console's routes ask for besides the signed-in staff member."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.gateway.clients import OWN_API
from services.gateway.console.clients.calls import Caller
from services.gateway.console.sessions import CurrentStaff


async def caller(request: Request, staff: CurrentStaff) -> Caller:
    """The services as the request's signed-in staff member calls them."""
    return Caller(
        http=request.app.state.proxy,
        urls=request.app.state.settings.service_urls(),
        authorization=f"Bearer {staff.access_token}",
        request_id=request.state.request_id,
    )


Calls = Annotated[Caller, Depends(caller)]


async def gateway_caller(request: Request, staff: CurrentStaff) -> Caller:
    """The gateway's own API (staff accounts, integration clients) as the signed-in staff member
    calls it: in process, through the same routes and rules as an integration's calls."""
    return Caller(
        http=request.app.state.own_api,
        urls={"gateway": OWN_API},
        authorization=f"Bearer {staff.access_token}",
        request_id=request.state.request_id,
    )


Gateway = Annotated[Caller, Depends(gateway_caller)]
