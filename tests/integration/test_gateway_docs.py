"""The gateway serves the AsyncAPI document next to its OpenAPI document."""

from __future__ import annotations

from tests.support import Parts, running_service, service_settings


async def test_the_gateway_serves_the_asyncapi_document(parts: Parts) -> None:
    async with running_service(service_settings("gateway", parts.platform())) as gateway:
        response = await gateway.client.get("/asyncapi.json")
        openapi = (await gateway.client.get("/openapi.json")).json()

    assert response.status_code == 200
    doc = response.json()
    assert doc["asyncapi"] == "3.0.0"
    assert "booking.appointments.v1" in {c["address"] for c in doc["channels"].values()}
    assert "/asyncapi.json" in openapi["paths"]
