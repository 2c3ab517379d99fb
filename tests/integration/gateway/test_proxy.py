"""`/api/<service>/…`: requests reach the service unchanged with the caller's token, request id
and trace; answers come back unchanged; a service that is down or slow is a quick 503."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from uuid import uuid4

import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse

from devstack.ports import free_port
from tests.integration.gateway.serving import served
from tests.support import Parts, RunningService, bearer, running_service, service_settings


async def echo(scope, receive, send) -> None:  # type: ignore[no-untyped-def]
    """Answers with what it received; `?status=` and `?sleep=` shape the answer."""
    if scope["type"] != "http":
        return
    request = Request(scope, receive)
    await asyncio.sleep(float(request.query_params.get("sleep", 0)))
    body = await request.body()
    response = JSONResponse(
        {
            "method": request.method,
            "path": request.url.path,
            "query": request.url.query,
            "headers": dict(request.headers),
            "body": body.decode(),
        },
        status_code=int(request.query_params.get("status", 200)),
        headers={"X-Echo": "yes", "Location": "/v1/things/1"},
    )
    await response(scope, receive, send)


@dataclass
class Routed:
    gateway: RunningService
    booking: RunningService


@pytest.fixture(scope="module")
async def routed(parts: Parts, booking: RunningService) -> AsyncIterator[Routed]:
    """A gateway in front of the real booking app, an echo service, and two dead ends."""
    async with served(booking.app) as booking_url, served(echo) as echo_url:
        settings = service_settings(
            "gateway",
            parts.platform(),
            booking_url=booking_url,
            records_url=echo_url,
            formulary_url=f"http://127.0.0.1:{free_port()}",  # nothing listens there
            notifications_url=echo_url,
            proxy_read_timeout_seconds=2.0,
        )
        async with running_service(settings) as gateway:
            yield Routed(gateway, booking)


class TestARealServiceAnswersThroughTheGateway:
    async def test_a_created_clinic_reads_back_the_same_through_both_doors(
        self, routed: Routed
    ) -> None:
        network = uuid4()
        auth = bearer(routed.gateway.settings.platform, network, "network_admin")
        body = {
            "name": "Clinique Opéra",
            "address": "12 rue de la Paix, 75002 Paris",
            "timezone": "Europe/Paris",
            "currency": "EUR",
        }

        created = await routed.gateway.client.post(
            "/api/booking/v1/clinics", json=body, headers=auth
        )
        assert created.status_code == 201, created.text
        path = f"/v1/clinics/{created.json()['id']}"
        through_gateway = await routed.gateway.client.get(f"/api/booking{path}", headers=auth)
        direct = await routed.booking.client.get(path, headers=auth)

        assert {k: created.json()[k] for k in body} == body
        assert through_gateway.status_code == 200
        assert through_gateway.json() == direct.json() == created.json()

    async def test_the_services_problems_come_back_as_they_are(self, routed: Routed) -> None:
        platform = routed.gateway.settings.platform
        missing = f"/v1/clinics/{uuid4()}"

        not_found = await routed.gateway.client.get(
            f"/api/booking{missing}", headers=bearer(platform, uuid4(), "receptionist")
        )
        no_token = await routed.gateway.client.get(f"/api/booking{missing}")

        assert not_found.status_code == 404
        assert not_found.headers["content-type"] == "application/problem+json"
        assert not_found.json()["instance"] == missing
        assert no_token.status_code == 401
        assert no_token.json()["type"].endswith("/unauthorized")


class TestTheRequestGoesOnUnchanged:
    async def test_method_path_query_body_and_headers_reach_the_service(
        self, routed: Routed
    ) -> None:
        trace_id = uuid4().hex
        response = await routed.gateway.client.put(
            "/api/records/v1/patients/42?tag=a&tag=b&q=caf%C3%A9+au+lait",
            content=b'{"given_name": "Ana"}',
            headers={
                "Authorization": "Bearer opaque-token",
                "Content-Type": "application/json",
                "Idempotency-Key": "key-1",
                "X-Request-ID": "req-123",
                "traceparent": f"00-{trace_id}-{uuid4().hex[:16]}-01",
                "Cookie": "mesocare_session=secret",
            },
        )

        seen = response.json()
        assert seen["method"] == "PUT"
        assert seen["path"] == "/v1/patients/42"
        assert seen["query"] == "tag=a&tag=b&q=caf%C3%A9+au+lait"
        assert seen["body"] == '{"given_name": "Ana"}'
        assert seen["headers"]["authorization"] == "Bearer opaque-token"
        assert seen["headers"]["idempotency-key"] == "key-1"
        assert seen["headers"]["x-request-id"] == "req-123"
        assert seen["headers"]["traceparent"].split("-")[1] == trace_id
        assert "cookie" not in seen["headers"]

    async def test_status_headers_and_body_come_back_unchanged(self, routed: Routed) -> None:
        response = await routed.gateway.client.delete(
            "/api/notifications/v1/things/1?status=409", headers={"X-Request-ID": "req-9"}
        )

        assert response.status_code == 409
        assert response.headers["x-echo"] == "yes"
        assert response.headers["location"] == "/v1/things/1"
        assert response.headers["x-request-id"] == "req-9"
        assert json.loads(response.content)["method"] == "DELETE"


class TestWhenAServiceCannotAnswer:
    async def test_a_service_that_is_down_is_a_quick_503_problem(self, routed: Routed) -> None:
        started = time.monotonic()
        response = await routed.gateway.client.get("/api/formulary/v1/ingredients")
        took = time.monotonic() - started

        assert response.status_code == 503
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["detail"] == "The formulary service is unreachable."
        assert took < 2

    async def test_a_slow_service_is_a_503_after_the_read_timeout(self, routed: Routed) -> None:
        started = time.monotonic()
        response = await routed.gateway.client.get("/api/records/v1/patients?sleep=8")
        took = time.monotonic() - started

        assert response.status_code == 503
        assert response.json()["detail"] == "The records service did not answer in time."
        assert 2 <= took < 5

    async def test_an_unknown_service_is_a_404_problem(self, routed: Routed) -> None:
        response = await routed.gateway.client.get("/api/billing/v1/invoices")

        assert response.status_code == 404
        assert "billing" in response.json()["detail"]
