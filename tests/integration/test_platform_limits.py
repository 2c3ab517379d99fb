"""Limits every service enforces at its boundary: body size, signed cursors, token lifetime.

A small app on the platform's own `build_app` (lifespan, problem handlers, ASGI layers), so what
is tested is the platform, whichever service uses it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import jwt
import pytest
from fastapi import APIRouter, Request

from shared.auth import CurrentPrincipal, mint_token
from shared.pagination import Cursor, decode_cursor, encode_cursor
from shared.service import ServiceSpec, build_app
from shared.settings import ServiceSettings
from tests.support import Parts, bearer

LIMIT = 4096

router = APIRouter()


@router.post("/echo")
async def echo(request: Request, who: CurrentPrincipal) -> dict[str, int]:
    return {"bytes": len(await request.body())}


@router.get("/pages")
async def pages(who: CurrentPrincipal, cursor: Cursor = None) -> dict[str, Any]:
    after = decode_cursor(cursor, 1)
    start = int(after[0]) if after else 0
    return {"items": [start, start + 1], "next_cursor": encode_cursor(start + 2)}


@pytest.fixture(scope="module")
async def app(
    parts: Parts, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[httpx.AsyncClient]:
    settings = ServiceSettings(
        service="limits_probe",
        platform=parts.platform(max_body_bytes=LIMIT, rate_limit_per_minute=30),
    )
    built = build_app(
        ServiceSpec(
            settings=settings,
            title="limits",
            description="platform limits",
            migrations=Path(tmp_path_factory.mktemp("no-migrations")),
            routers=[router],
        )
    )
    async with built.router.lifespan_context(built):
        transport = httpx.ASGITransport(app=built)
        async with httpx.AsyncClient(transport=transport, base_url="http://probe") as client:
            client.headers.update(bearer(settings.platform, uuid4(), "receptionist"))
            client.platform = settings.platform  # type: ignore[attr-defined]
            yield client


class TestBodySize:
    async def test_a_body_within_the_limit_is_read(self, app: httpx.AsyncClient) -> None:
        response = await app.post("/echo", content=b"x" * LIMIT)
        assert response.json() == {"bytes": LIMIT}

    async def test_a_declared_large_body_is_413_problem(self, app: httpx.AsyncClient) -> None:
        response = await app.post("/echo", content=b"x" * (LIMIT + 1))
        assert response.status_code == 413
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"].endswith("/body-too-large")
        assert str(LIMIT) in response.json()["detail"]

    async def test_a_streamed_body_is_stopped_once_it_passes_the_limit(
        self, app: httpx.AsyncClient
    ) -> None:
        sent = 0

        async def chunks() -> AsyncIterator[bytes]:
            nonlocal sent
            for _ in range(64):  # 64 KiB offered, no Content-Length
                sent += 1024
                yield b"y" * 1024

        response = await app.post("/echo", content=chunks())
        assert response.status_code == 413
        assert response.json()["type"].endswith("/body-too-large")


class TestCursors:
    async def test_the_next_cursor_continues_the_list(self, app: httpx.AsyncClient) -> None:
        first = (await app.get("/pages")).json()
        second = (await app.get("/pages", params={"cursor": first["next_cursor"]})).json()
        assert second["items"] == [2, 3]

    @pytest.mark.parametrize("change", ["payload", "signature", "garbage", "unsigned"])
    async def test_a_cursor_changed_on_the_way_is_400(
        self, app: httpx.AsyncClient, change: str
    ) -> None:
        cursor = (await app.get("/pages")).json()["next_cursor"]
        payload, signature = cursor.split(".")
        forged = {
            "payload": f"{encode_cursor(1000).split('.')[0]}.{signature}",
            "signature": f"{payload}.{signature[::-1]}",
            "garbage": "not a cursor",
            "unsigned": payload,
        }[change]
        response = await app.get("/pages", params={"cursor": forged})
        assert response.status_code == 400, response.text
        assert response.json()["type"].endswith("/invalid-cursor")
        assert response.json()["errors"][0]["field"] == "cursor"


class TestTokenLifetime:
    async def test_a_token_valid_for_longer_than_the_maximum_is_refused(
        self, app: httpx.AsyncClient
    ) -> None:
        platform = app.platform  # type: ignore[attr-defined]
        token = mint_token(
            platform,
            sub="integration",
            network_id=uuid4(),
            roles=["integration"],
            ttl=timedelta(days=3650),
        )
        response = await app.get("/pages", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401
        assert "longer than the 12 h" in response.json()["detail"]

    @pytest.mark.parametrize("claim", ["iat", "exp"])
    async def test_a_token_without_iat_or_exp_is_refused(
        self, app: httpx.AsyncClient, claim: str
    ) -> None:
        platform = app.platform  # type: ignore[attr-defined]
        now = datetime.now(UTC)
        claims = {
            "sub": "x",
            "network_id": str(uuid4()),
            "roles": ["receptionist"],
            "iat": now,
            "exp": now + timedelta(minutes=5),
            "iss": platform.jwt_issuer,
            "aud": platform.jwt_audience,
        }
        del claims[claim]
        token = jwt.encode(claims, platform.jwt_secret, algorithm="HS256")
        response = await app.get("/pages", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401

    async def test_a_token_issued_in_the_future_is_refused(self, app: httpx.AsyncClient) -> None:
        platform = app.platform  # type: ignore[attr-defined]
        later = datetime.now(UTC) + timedelta(hours=1)
        token = jwt.encode(
            {
                "sub": "x",
                "network_id": str(uuid4()),
                "roles": ["receptionist"],
                "iat": later,
                "exp": later + timedelta(minutes=5),
                "iss": platform.jwt_issuer,
                "aud": platform.jwt_audience,
            },
            platform.jwt_secret,
            algorithm="HS256",
        )
        response = await app.get("/pages", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401
        assert "future" in response.json()["detail"]


class TestRateLimit:
    async def test_past_the_budget_a_token_gets_429_with_retry_after(
        self, app: httpx.AsyncClient
    ) -> None:
        platform = app.platform  # type: ignore[attr-defined]
        headers = bearer(platform, uuid4(), "receptionist")
        answers = [
            (await app.get("/pages", headers=headers)).status_code
            for _ in range(platform.rate_limit_per_minute)
        ]
        assert answers == [200] * platform.rate_limit_per_minute
        refused = await app.get("/pages", headers=headers)
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) >= 1
        assert refused.json()["type"].endswith("/too-many-requests")
        # Another caller of the same network is not held back by it.
        other = bearer(platform, uuid4(), "receptionist", sub="colleague@example.test")
        assert (await app.get("/pages", headers=other)).status_code == 200
