"""A staff member's display name is a name (shared/inputs.py): one made only of whitespace or
invisible characters is a 422 naming `display_name` (issue 14, item 3)."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest

from tests.integration.gateway.serving import create_staff
from tests.support import RunningService, bearer

PASSWORD = "a-long-enough-password"


def admin(gateway: RunningService, network: UUID) -> dict[str, str]:
    return bearer(gateway.settings.platform, network, "network_admin")


@pytest.mark.parametrize("blank", ["   ", "\u00a0\t", "\u200b"])
async def test_a_blank_display_name_is_422(gateway: RunningService, blank: str) -> None:
    network = uuid4()
    created = await gateway.client.post(
        "/v1/staff",
        json={
            "email": f"person-{uuid4().hex[:10]}@clinic.example",
            "display_name": blank,
            "password": PASSWORD,
            "roles": ["receptionist"],
        },
        headers=admin(gateway, network),
    )
    assert created.status_code == 422, created.text
    assert [e["field"] for e in created.json()["errors"]] == ["display_name"]

    someone = await create_staff(gateway, network, f"person-{uuid4().hex[:10]}@clinic.example")
    renamed = await gateway.client.patch(
        f"/v1/staff/{someone['id']}", json={"display_name": blank}, headers=admin(gateway, network)
    )
    assert renamed.status_code == 422, renamed.text
    assert [e["field"] for e in renamed.json()["errors"]] == ["display_name"]


async def test_a_nul_character_is_422_naming_the_field(gateway: RunningService) -> None:
    created = await gateway.client.post(
        "/v1/staff",
        json={
            "email": f"person-{uuid4().hex[:10]}@clinic.example",
            "display_name": "Ana\x00Lopez",
            "password": PASSWORD,
            "roles": ["receptionist"],
        },
        headers=admin(gateway, uuid4()),
    )
    assert created.status_code == 422, created.text
    assert [e["field"] for e in created.json()["errors"]] == ["display_name"]
