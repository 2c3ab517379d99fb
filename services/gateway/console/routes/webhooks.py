"""The Webhooks pages (Admin): the network's endpoints, adding one, and one endpoint with its
deliveries and what can be done to it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.gateway.console.forms.query import cursor_text
from services.gateway.console.pages import webhooks
from services.gateway.console.rendering import render, respond
from services.gateway.console.routes.deps import Calls
from services.gateway.console.sessions import CurrentStaff, checked_form

router = APIRouter(prefix="/admin/webhooks")


@router.get("")
async def endpoints(
    request: Request, staff: CurrentStaff, calls: Calls, done: str = ""
) -> Response:
    """The network's endpoints, and the form to add one."""
    return render(request, staff, await webhooks.endpoints(calls, staff, done=done))


@router.post("")
async def add_endpoint(request: Request, staff: CurrentStaff, calls: Calls) -> Response:
    """Register the endpoint; its secret is shown on the page this answers with, only there."""
    form = await checked_form(request, staff)
    return render(request, staff, await webhooks.add(calls, staff, form))


@router.get("/{endpoint_id}")
async def endpoint_detail(
    request: Request,
    staff: CurrentStaff,
    calls: Calls,
    endpoint_id: str,
    done: str = "",
    cursor: str = "",
) -> Response:
    view = await webhooks.endpoint_page(
        calls, staff, endpoint_id, done=done, cursor=cursor_text(cursor)
    )
    return render(request, staff, view)


@router.post("/{endpoint_id}/status")
async def switch_endpoint(
    request: Request, staff: CurrentStaff, calls: Calls, endpoint_id: str
) -> Response:
    """Disable the endpoint, or enable it again."""
    form = await checked_form(request, staff)
    return respond(request, staff, await webhooks.switch(calls, staff, endpoint_id, form))


@router.post("/{endpoint_id}/ping")
async def ping_endpoint(
    request: Request, staff: CurrentStaff, calls: Calls, endpoint_id: str
) -> Response:
    await checked_form(request, staff)
    return respond(request, staff, await webhooks.ping(calls, staff, endpoint_id))


@router.post("/{endpoint_id}/rotate-secret")
async def rotate_secret(
    request: Request, staff: CurrentStaff, calls: Calls, endpoint_id: str
) -> Response:
    """A new secret, shown on the page this answers with, only there."""
    await checked_form(request, staff)
    return respond(request, staff, await webhooks.rotate(calls, staff, endpoint_id))


@router.get("/{endpoint_id}/delete")
async def delete_confirmation(
    request: Request, staff: CurrentStaff, calls: Calls, endpoint_id: str
) -> Response:
    return render(request, staff, await webhooks.delete_form(calls, staff, endpoint_id))


@router.post("/{endpoint_id}/delete")
async def delete_endpoint(
    request: Request, staff: CurrentStaff, calls: Calls, endpoint_id: str
) -> Response:
    form = await checked_form(request, staff)
    return respond(request, staff, await webhooks.delete(calls, staff, endpoint_id, form))


@router.post("/{endpoint_id}/deliveries/{delivery_id}/retry")
async def retry_delivery(
    request: Request, staff: CurrentStaff, calls: Calls, endpoint_id: str, delivery_id: str
) -> Response:
    """Send the delivery again now."""
    await checked_form(request, staff)
    return respond(request, staff, await webhooks.retry(calls, staff, endpoint_id, delivery_id))
