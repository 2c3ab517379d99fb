"""The gateway's security headers seen from HTTP: the console's Content-Security-Policy (no
`unsafe-inline`, no framing), nosniff and Referrer-Policy on every answer; HSTS and `Secure`
cookies with MESOCARE_ENV=production (the browser tests check that Chromium, enforcing the
policy, reports no violation on the console's pages)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from uuid import uuid4

import httpx
import pytest

from shared.settings import DEVELOPMENT_JWT_SECRET
from tests.integration.gateway.serving import create_staff, from_address
from tests.support import Parts, RunningService, running_service, service_settings

PASSWORD = "a-long-enough-password"
CSP = (
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; "
    "img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HSTS = "max-age=31536000; includeSubDomains"


@pytest.fixture(scope="module")
async def production(parts: Parts) -> AsyncIterator[RunningService]:
    """A gateway with MESOCARE_ENV=production on the session's database (its own secret; the
    cursor key of the other services of this test process left as it is)."""
    platform = parts.platform(
        env="production",
        jwt_secret="a-production-secret-for-this-test-only-0123456789",
        cursor_secret=f"cursor:{DEVELOPMENT_JWT_SECRET}",
    )
    async with running_service(service_settings("gateway", platform)) as gateway:
        yield gateway


async def sign_in(client: httpx.AsyncClient, email: str) -> tuple[httpx.Response, httpx.Response]:
    """(the sign-in page, the answer to its form) for `email`."""
    form = await client.get("/console/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    posted = await client.post(
        "/console/login",
        data={"csrf_token": token.group(1), "email": email, "password": PASSWORD, "next": ""},
    )
    return form, posted


def cookie(response: httpx.Response, name: str) -> str:
    return next(h for h in response.headers.get_list("set-cookie") if h.startswith(f"{name}="))


class TestTheConsole:
    @pytest.mark.parametrize(
        "path", ["/console/login", "/", "/console/day", "/console/static/console.css"]
    )
    async def test_pages_and_files_carry_the_content_security_policy(
        self, gateway: RunningService, path: str
    ) -> None:
        async with from_address(gateway) as client:
            response = await client.get(path)

        assert response.headers["content-security-policy"] == CSP
        assert "unsafe-inline" not in response.headers["content-security-policy"]
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"

    async def test_the_style_sheet_is_served_as_css(self, gateway: RunningService) -> None:
        response = await gateway.client.get("/console/static/console.css")

        assert response.headers["content-type"].startswith("text/css")

    async def test_outside_production_no_hsts_and_cookies_work_over_http(
        self, gateway: RunningService
    ) -> None:
        email = f"h-{uuid4().hex[:8]}@clinic.example"
        await create_staff(gateway, uuid4(), email)

        async with from_address(gateway) as client:
            form, signed_in = await sign_in(client, email)

        assert signed_in.status_code == 303
        assert "strict-transport-security" not in form.headers
        assert "Secure" not in cookie(signed_in, gateway.settings.session_cookie)


class TestEveryAnswer:
    async def test_api_answers_get_nosniff_and_referrer_policy_but_no_page_policy(
        self, gateway: RunningService
    ) -> None:
        for response in [
            await gateway.client.get("/healthz"),
            await gateway.client.post("/auth/token", data={}),
            await gateway.client.get("/api/booking/v1/clinics"),  # nothing listens: a 503
        ]:
            assert response.headers["x-content-type-options"] == "nosniff"
            assert response.headers["referrer-policy"] == "no-referrer"
            assert "content-security-policy" not in response.headers


class TestInProduction:
    async def test_every_answer_carries_hsts(self, production: RunningService) -> None:
        for path in ["/console/login", "/healthz", "/console/static/console.css"]:
            response = await production.client.get(path)
            assert response.headers["strict-transport-security"] == HSTS, path

    async def test_the_session_and_sign_in_cookies_are_secure(
        self, gateway: RunningService, production: RunningService
    ) -> None:
        email = f"p-{uuid4().hex[:8]}@clinic.example"
        await create_staff(gateway, uuid4(), email)  # the same database

        # Over HTTPS, as production is served: a client keeps Secure cookies for HTTPS only.
        transport = httpx.ASGITransport(app=production.app, client=("10.254.0.1", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="https://gateway") as client:
            form, signed_in = await sign_in(client, email)

        assert signed_in.status_code == 303, signed_in.text
        assert "; Secure" in cookie(form, "mesocare_login_csrf")
        session = cookie(signed_in, production.settings.session_cookie)
        assert "; Secure" in session and "HttpOnly" in session
