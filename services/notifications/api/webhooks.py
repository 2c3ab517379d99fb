"""Webhook endpoints of the caller's network, their deliveries and a manual retry."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request, Response

from services.notifications.api.deps import Now, WebhookManager
from services.notifications.clients.webhooks import Receivers
from services.notifications.schemas import (
    DeliveryStatus,
    WebhookDelivery,
    WebhookEndpointChange,
    WebhookEndpointCreate,
    WebhookEndpointCreated,
    WebhookEndpointRead,
    WebhookPingSent,
    WebhookSecretRotated,
)
from services.notifications.usecases import webhooks
from shared.openapi import Responses, problem
from shared.pagination import Cursor, Limit, Page
from shared.uow import IdempotentUoW, UnitOfWorkRoute, UoW

router = APIRouter(prefix="/webhook-endpoints", route_class=UnitOfWorkRoute, tags=["webhooks"])

FORBIDDEN: Responses = {403: problem("Only network admins and integration clients manage webhooks")}
NO_SUCH: Responses = {404: problem("No such webhook endpoint in your network")}
DISABLED: Responses = {409: problem("The endpoint is disabled; enable it first")}


async def _receivers(request: Request) -> Receivers:
    receivers: Receivers = request.app.state.webhook_receivers
    return receivers


ReceiverRules = Annotated[Receivers, Depends(_receivers)]


@router.post(
    "",
    status_code=201,
    summary="Register a webhook endpoint",
    description=(
        "Every event of the AsyncAPI document (`/asyncapi.json`) can be subscribed to, by its "
        '`ce_type`, or all with `["*"]`. The URL must be https and resolve only to public '
        "addresses (in development, http to a loopback address too); it is checked again at "
        "every delivery. The answer holds the signing secret, shown only here. At most 20 "
        "endpoints per network."
    ),
    responses={**FORBIDDEN, 409: problem("The network has 20 endpoints already")},
)
async def create_endpoint(
    body: WebhookEndpointCreate,
    who: WebhookManager,
    uow: IdempotentUoW,
    receivers: ReceiverRules,
    now: Now,
    response: Response,
) -> WebhookEndpointCreated:
    created = await webhooks.create_endpoint(uow, who, body, receivers=receivers, now=now)
    response.headers["Location"] = f"/v1/webhook-endpoints/{created.id}"
    return created


@router.get("", summary="Your network's webhook endpoints, oldest first", responses=FORBIDDEN)
async def list_endpoints(who: WebhookManager, uow: UoW) -> list[WebhookEndpointRead]:
    return await webhooks.endpoints(uow, who)


@router.get("/{endpoint_id}", summary="One webhook endpoint", responses={**FORBIDDEN, **NO_SUCH})
async def get_endpoint(endpoint_id: UUID, who: WebhookManager, uow: UoW) -> WebhookEndpointRead:
    return await webhooks.endpoint(uow, who, endpoint_id)


@router.patch(
    "/{endpoint_id}",
    summary="Change an endpoint's URL, events or description, or disable or enable it",
    description=(
        "Enabling a disabled endpoint sends what waited for it, oldest first per aggregate, and "
        "forgets the failures that disabled it."
    ),
    responses={**FORBIDDEN, **NO_SUCH},
)
async def change_endpoint(
    endpoint_id: UUID,
    body: WebhookEndpointChange,
    who: WebhookManager,
    uow: UoW,
    receivers: ReceiverRules,
    now: Now,
) -> WebhookEndpointRead:
    return await webhooks.change_endpoint(uow, who, endpoint_id, body, receivers=receivers, now=now)


@router.delete(
    "/{endpoint_id}",
    status_code=204,
    summary="Delete an endpoint and its deliveries",
    responses={**FORBIDDEN, **NO_SUCH},
)
async def delete_endpoint(endpoint_id: UUID, who: WebhookManager, uow: UoW) -> Response:
    await webhooks.delete_endpoint(uow, who, endpoint_id)
    return Response(status_code=204)


@router.post(
    "/{endpoint_id}/rotate-secret",
    summary="A new signing secret; the old one keeps signing beside it for 24 h",
    responses={**FORBIDDEN, **NO_SUCH},
)
async def rotate_secret(
    endpoint_id: UUID, who: WebhookManager, uow: UoW, now: Now
) -> WebhookSecretRotated:
    return await webhooks.rotate_secret(uow, who, endpoint_id, now=now)


@router.post(
    "/{endpoint_id}/ping",
    status_code=202,
    summary="Send a mesocare.webhooks.Ping.v1 delivery",
    description="Queued like any delivery; its answer shows in the endpoint's deliveries.",
    responses={**FORBIDDEN, **NO_SUCH, **DISABLED},
)
async def ping(endpoint_id: UUID, who: WebhookManager, uow: UoW, now: Now) -> WebhookPingSent:
    return await webhooks.ping(uow, who, endpoint_id, now=now)


@router.get(
    "/{endpoint_id}/deliveries",
    summary="An endpoint's deliveries, newest first, each with every attempt",
    responses={**FORBIDDEN, **NO_SUCH},
)
async def list_deliveries(
    endpoint_id: UUID,
    who: WebhookManager,
    uow: UoW,
    status: DeliveryStatus | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[WebhookDelivery]:
    return await webhooks.deliveries(
        uow, who, endpoint_id, status=status, cursor=cursor, limit=limit
    )


@router.post(
    "/{endpoint_id}/deliveries/{delivery_id}/retry",
    status_code=202,
    summary="Send a delivery again now",
    description=(
        "Whatever became of it: failed, or delivered and wanted again. The event keeps its id "
        "(`webhook-id`), so a receiver that has it already can tell."
    ),
    responses={**FORBIDDEN, 404: problem("No such endpoint or delivery"), **DISABLED},
)
async def retry_delivery(
    endpoint_id: UUID, delivery_id: UUID, who: WebhookManager, uow: UoW, now: Now
) -> WebhookDelivery:
    return await webhooks.retry(uow, who, endpoint_id, delivery_id, now=now)
