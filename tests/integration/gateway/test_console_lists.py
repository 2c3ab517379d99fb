"""Console lists longer than one page of a service: the console follows `next_cursor` to the
end of a list, and a list with no end is cut at a bound the page says out loud.

One fake service stands in for all four: it pages its lists as the real ones do (`limit` up to
200, an opaque `cursor`, `next_cursor` null on the last page)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import uuid4

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.integration.gateway.serving import create_staff, from_address, served
from tests.integration.gateway.test_console_sessions import signed_in
from tests.support import Parts, RunningService, running_service, service_settings

MAX_LIMIT = 200
"""The services' largest page (shared/pagination.py)."""
CLINICS = 250
ALLERGEN_CLASSES = 230
INGREDIENTS = 450


def clinic(n: int) -> dict[str, Any]:
    return {"id": str(uuid4()), "name": f"Clinic {n:03d}", "timezone": "Europe/Paris"}


def allergen_class(n: int) -> dict[str, Any]:
    return {"code": f"class_{n:03d}", "name": f"Allergen class {n:03d}"}


def ingredient(n: int) -> dict[str, Any]:
    return {
        "code": f"ingredient_{n:03d}",
        "name": f"Ingredient {n:03d}",
        "category": "vitamin",
        "allergen_classes": [],
        "status": "active",
        "approved": True,
    }


def lot(n: int) -> dict[str, Any]:
    return {
        "id": str(uuid4()),
        "lot_number": f"LOT-{n:05d}",
        "ingredient_code": "ingredient_000",
        "supplier": "Acme",
        "expires_on": (date.today() + timedelta(days=90)).isoformat(),
        "status": "active",
        "expired": False,
    }


def paged(items: list[dict[str, Any]], *, endless: bool = False) -> Any:
    """A list endpoint paging `items`; an endless one always has a next page."""

    async def endpoint(request: Request) -> JSONResponse:
        limit = int(request.query_params.get("limit", 50))
        if not 1 <= limit <= MAX_LIMIT:
            return JSONResponse({"title": "limit out of range"}, status_code=422)
        start = int(request.query_params.get("cursor") or 0)
        if endless:
            page = [lot(n) for n in range(start, start + limit)]
            return JSONResponse({"items": page, "next_cursor": str(start + limit)})
        following = str(start + limit) if start + limit < len(items) else None
        return JSONResponse({"items": items[start : start + limit], "next_cursor": following})

    return endpoint


def fake_services() -> Starlette:
    return Starlette(
        routes=[
            Route("/v1/clinics", paged([clinic(n) for n in range(CLINICS)])),
            Route(
                "/v1/allergen-classes", paged([allergen_class(n) for n in range(ALLERGEN_CLASSES)])
            ),
            Route("/v1/ingredients", paged([ingredient(n) for n in range(INGREDIENTS)])),
            Route("/v1/blends", paged([])),
            Route("/v1/lots", paged([], endless=True)),
        ]
    )


@dataclass
class Behind:
    gateway: RunningService
    email: str


@pytest.fixture(scope="module")
async def behind(parts: Parts) -> AsyncIterator[Behind]:
    """A gateway whose four services are the fake, and a network admin of every clinic."""
    async with served(fake_services()) as url:
        settings = service_settings(
            "gateway",
            parts.platform(),
            **{f"{name}_url": url for name in ("booking", "records", "formulary", "notifications")},
        )
        async with running_service(settings) as gateway:
            email = f"lists-{uuid4().hex[:8]}@clinic.example"
            await create_staff(gateway, uuid4(), email, roles=("network_admin",))
            yield Behind(gateway, email)


async def console_page(behind: Behind, path: str) -> httpx.Response:
    async with from_address(behind.gateway) as client:
        await signed_in(client, behind.email)
        return await client.get(path)


def options(html: str, select_id: str) -> list[str]:
    """The option labels of one select of the page."""
    select = re.search(rf'<select id="{select_id}".*?</select>', html, re.S)
    assert select is not None, select_id
    return re.findall(r"<option[^>]*>([^<]*)</option>", select.group(0))


class TestEveryPageOfAList:
    async def test_the_registration_form_offers_every_clinic_and_every_allergen_class(
        self, behind: Behind
    ) -> None:
        page = await console_page(behind, "/console/patients/new")

        assert page.status_code == 200
        clinics = options(page.text, "f-clinic_id")
        assert clinics == ["Choose a clinic"] + [f"Clinic {n:03d}" for n in range(CLINICS)]
        allergens = options(page.text, "f-allergy-0-code")
        assert f"Allergen class {ALLERGEN_CLASSES - 1:03d}" in allergens
        assert len([a for a in allergens if a.startswith("Allergen class ")]) == ALLERGEN_CLASSES

    async def test_the_formulary_lists_every_ingredient_and_says_when_a_list_has_no_end(
        self, behind: Behind
    ) -> None:
        page = await console_page(behind, "/console/formulary")

        assert f"Ingredients ({INGREDIENTS})" in page.text
        # The endless list stops at the console's bound, and the page says where.
        said = re.search(
            r"Formulary lists more than (\d+) of these: only the first \1 are shown here\.",
            page.text,
        )
        assert said is not None
        assert f"Lots ({said.group(1)})" in page.text
