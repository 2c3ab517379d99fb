"""The demo network of `make run`: each service seeds its share at start, once."""

from __future__ import annotations

from uuid import uuid4

import pytest
from pydantic import ValidationError

from shared.settings import PlatformSettings, database_on_server
from tests.support import Parts, bearer, running_service, service_settings


async def test_formulary_seeds_the_demo_catalog_once_across_restarts(parts: Parts) -> None:
    network = uuid4()
    platform = parts.platform(demo_network_id=network)
    settings = service_settings(
        "formulary",
        platform,
        database_url=database_on_server(parts.database_url, f"demo_{uuid4().hex[:8]}"),
    )
    counts = []
    for _ in range(2):
        async with running_service(settings) as formulary:
            response = await formulary.client.get(
                "/v1/ingredients?limit=200", headers=bearer(platform, network, "practitioner")
            )
            assert response.status_code == 200
            counts.append(len(response.json()["items"]))

    assert counts[0] > 10
    assert counts[0] == counts[1]


def test_demo_seeding_is_refused_in_production() -> None:
    with pytest.raises(ValidationError, match="not in production"):
        PlatformSettings(env="production", jwt_secret="s" * 40, demo_network_id=uuid4())
