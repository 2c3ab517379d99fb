"""`/api/<service>/…`: one origin for chains; each request goes on to the service untouched.

The caller's Authorization and the request id travel on, and the trace continues (a client span
whose `traceparent` the service picks up). Status, headers and body come back as the service
sent them, problem+json included. A service that does not connect or answer in time is a 503
problem, never a hang. The client (`services/gateway/clients.py`) sends a request once more
when its connection was dropped before an answer and repeating it is safe.
"""

from __future__ import annotations

import httpx
from fastapi import APIRouter, Request, Response
from opentelemetry import propagate
from opentelemetry.trace import SpanKind

from shared import telemetry
from shared.errors import NotFound, Unavailable
from shared.openapi import problem

router = APIRouter(tags=["service proxy"])

# Hop-by-hop headers (RFC 9110 §7.6.1) and those the proxy sets itself.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    }
)
# The console's cookies stay at the gateway; the trace context is the proxy span's own.
NOT_FORWARDED = HOP_BY_HOP | {"cookie", "traceparent", "tracestate", "x-request-id"}
NOT_RETURNED = HOP_BY_HOP | {"content-encoding", "set-cookie", "x-request-id"}

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


async def forward(request: Request, *, service: str, path: str) -> httpx.Response:
    """Send `request` on to `service`, as it came."""
    base = request.app.state.settings.service_urls().get(service)
    if base is None:
        raise NotFound(
            f"There is no service {service!r}; the gateway routes booking, records, "
            "formulary and notifications."
        )
    client: httpx.AsyncClient = request.app.state.proxy
    outgoing = {k: v for k, v in request.headers.items() if k.lower() not in NOT_FORWARDED}
    outgoing["X-Request-ID"] = request.state.request_id
    url = f"{base.rstrip('/')}/{path.lstrip('/')}"
    if request.url.query:
        url += "?" + request.url.query  # as sent: no re-encoding or reordering
    with telemetry.tracer().start_as_current_span(
        f"{request.method} {service}", kind=SpanKind.CLIENT
    ):
        propagate.inject(outgoing)
        try:
            return await client.request(
                request.method,
                url,
                content=await request.body() or None,
                headers=outgoing,
            )
        except httpx.TimeoutException as exc:
            raise Unavailable(
                f"The {service} service did not answer in time.", service=service
            ) from exc
        except httpx.TransportError as exc:
            raise Unavailable(f"The {service} service is unreachable.", service=service) from exc


async def route_to_service(service: str, path: str, request: Request) -> Response:
    answer = await forward(request, service=service, path=path)
    returned = {k: v for k, v in answer.headers.items() if k.lower() not in NOT_RETURNED}
    return Response(content=answer.content, status_code=answer.status_code, headers=returned)


for _method in METHODS:
    router.add_api_route(
        "/api/{service}/{path:path}",
        route_to_service,
        methods=[_method],
        operation_id=f"route_to_service_{_method.lower()}",
        summary="Route a request to a service: /api/booking/v1/… → booking's /v1/…",
        description=(
            "`service` is booking, records, formulary or notifications. Method, query string, "
            "body, Authorization, Idempotency-Key and the other end-to-end headers go on "
            "unchanged; the answer comes back unchanged. The services' own OpenAPI documents "
            "describe what each path accepts."
        ),
        responses={
            404: problem("No such service (or the service's own 404)"),
            503: problem("The service is unreachable or did not answer in time"),
            "default": {"description": "The service's own answer, unchanged"},
        },
        include_in_schema=_method not in ("HEAD", "OPTIONS"),
    )
