"""Console sessions seen from HTTP: the cookie's attributes, CSRF on sign-in, no open redirect,
and a session that ends when the account is deactivated or its password reset."""

from __future__ import annotations

import re
from uuid import uuid4

import httpx

from tests.integration.gateway.serving import create_staff, from_address
from tests.support import RunningService, bearer

PASSWORD = "a-long-enough-password"


async def signed_in(client: httpx.AsyncClient, email: str, next_path: str = "") -> httpx.Response:
    form = await client.get("/console/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    return await client.post(
        "/console/login",
        data={
            "csrf_token": token.group(1),
            "email": email,
            "password": PASSWORD,
            "next": next_path,
        },
    )


class TestConsoleSessions:
    async def test_signing_in_sets_an_httponly_samesite_session_cookie(
        self, gateway: RunningService
    ) -> None:
        email = f"c-{uuid4().hex[:8]}@clinic.example"
        await create_staff(gateway, uuid4(), email)

        async with from_address(gateway) as client:
            response = await signed_in(client, email)

        assert response.status_code == 303
        assert response.headers["location"] == "/console/day"
        cookie = next(
            h for h in response.headers.get_list("set-cookie") if h.startswith("mesocare_session=")
        )
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie

    async def test_a_next_address_off_the_console_is_ignored(self, gateway: RunningService) -> None:
        email = f"c-{uuid4().hex[:8]}@clinic.example"
        await create_staff(gateway, uuid4(), email)

        async with from_address(gateway) as client:
            response = await signed_in(client, email, next_path="https://evil.example/console/")

        assert response.headers["location"] == "/console/day"

    async def test_deactivation_ends_a_live_session(self, gateway: RunningService) -> None:
        network = uuid4()
        email = f"c-{uuid4().hex[:8]}@clinic.example"
        staff = await create_staff(gateway, network, email)

        async with from_address(gateway) as client:
            await signed_in(client, email)
            before = await client.get("/console/formulary")
            await gateway.client.patch(
                f"/v1/staff/{staff['id']}",
                json={"active": False},
                headers=bearer(gateway.settings.platform, network, "network_admin"),
            )
            after = await client.get("/console/formulary")

        assert before.status_code == 200
        assert "Formulary" in before.text
        assert after.status_code == 303
        assert after.headers["location"] == "/console/login?next=/console/formulary"

    async def test_a_password_reset_ends_a_live_session(self, gateway: RunningService) -> None:
        network = uuid4()
        email = f"c-{uuid4().hex[:8]}@clinic.example"
        staff = await create_staff(gateway, network, email)

        async with from_address(gateway) as client:
            await signed_in(client, email)
            await gateway.client.patch(
                f"/v1/staff/{staff['id']}",
                json={"password": "another-long-password"},
                headers=bearer(gateway.settings.platform, network, "network_admin"),
            )
            after = await client.get("/console/messages")

        assert after.status_code == 303

    async def test_an_unreachable_service_reads_as_a_sentence_not_a_trace(
        self, gateway: RunningService
    ) -> None:
        email = f"c-{uuid4().hex[:8]}@clinic.example"
        await create_staff(gateway, uuid4(), email)

        async with from_address(gateway) as client:
            await signed_in(client, email)
            page = await client.get("/console/day")

        assert page.status_code == 200
        assert "Booking cannot be reached right now. Try again in a moment." in page.text
        assert "Traceback" not in page.text
