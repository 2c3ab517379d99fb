"""`POST /auth/token`: staff sign in with a password, integrations with client credentials;
errors are RFC 6749 codes in problem+json. The throttle of repeated failures:
test_sign_in_throttle.py."""

from __future__ import annotations

from uuid import uuid4

from shared.auth import TokenVerifier
from tests.integration.gateway.serving import basic, create_staff, from_address, password_grant
from tests.support import RunningService, bearer

PASSWORD = "a-long-enough-password"


def unique_email(who: str = "staff") -> str:
    return f"{who}-{uuid4().hex[:10]}@clinic.example"


async def create_client(gateway: RunningService, network, **body) -> dict:
    response = await gateway.client.post(
        "/v1/clients",
        json={"name": "Chain CRM", **body},
        headers=bearer(gateway.settings.platform, network, "network_admin"),
    )
    assert response.status_code == 201, response.text
    return response.json()


class TestPasswordGrant:
    async def test_staff_get_a_short_lived_bearer_token_with_their_claims(
        self, gateway: RunningService
    ) -> None:
        network, clinic = uuid4(), uuid4()
        email = unique_email()
        await create_staff(gateway, network, email, roles=("practitioner",), clinic_ids=(clinic,))

        async with from_address(gateway) as client:
            response = await password_grant(client, email.upper(), PASSWORD)

        assert response.status_code == 200, response.text
        assert response.headers["cache-control"] == "no-store"
        body = response.json()
        assert body["token_type"] == "Bearer"
        assert body["expires_in"] == 900
        who = TokenVerifier(gateway.settings.platform).verify(body["access_token"])
        assert (who.sub, who.network_id, who.roles, who.clinic_ids) == (
            email,
            network,
            frozenset({"practitioner"}),
            frozenset({clinic}),
        )

    async def test_the_token_opens_the_api(self, gateway: RunningService) -> None:
        network = uuid4()
        email = unique_email("admin")
        await create_staff(gateway, network, email, roles=("network_admin",))
        async with from_address(gateway) as client:
            token = (await password_grant(client, email, PASSWORD)).json()["access_token"]

        listed = await gateway.client.get("/v1/staff", headers={"Authorization": f"Bearer {token}"})

        assert listed.status_code == 200
        assert [s["email"] for s in listed.json()["items"]] == [email]

    async def test_a_wrong_password_is_invalid_grant(self, gateway: RunningService) -> None:
        email = unique_email()
        await create_staff(gateway, uuid4(), email)

        async with from_address(gateway) as client:
            response = await password_grant(client, email, "not-the-password")

        assert response.status_code == 400
        assert response.headers["content-type"] == "application/problem+json"
        body = response.json()
        assert body["error"] == "invalid_grant"
        assert body["detail"] == "The email or password is not correct."
        assert "access_token" not in body

    async def test_an_unknown_email_gets_the_same_answer(self, gateway: RunningService) -> None:
        async with from_address(gateway) as client:
            response = await password_grant(client, unique_email(), PASSWORD)

        assert response.status_code == 400
        assert response.json()["detail"] == "The email or password is not correct."

    async def test_a_deactivated_account_cannot_sign_in(self, gateway: RunningService) -> None:
        network = uuid4()
        email = unique_email()
        staff = await create_staff(gateway, network, email)
        await gateway.client.patch(
            f"/v1/staff/{staff['id']}",
            json={"active": False},
            headers=bearer(gateway.settings.platform, network, "network_admin"),
        )

        async with from_address(gateway) as client:
            response = await password_grant(client, email, PASSWORD)

        assert response.status_code == 400
        assert response.json()["error"] == "invalid_grant"
        assert "deactivated" in response.json()["detail"]


class TestClientCredentialsGrant:
    async def test_an_integration_gets_a_token_with_its_roles(
        self, gateway: RunningService
    ) -> None:
        network = uuid4()
        created = await create_client(gateway, network, roles=["receptionist"])

        async with from_address(gateway) as client:
            response = await client.post(
                "/auth/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": created["client_id"],
                    "client_secret": created["client_secret"],
                },
            )

        assert response.status_code == 200, response.text
        who = TokenVerifier(gateway.settings.platform).verify(response.json()["access_token"])
        assert who.sub == f"client:{created['client_id']}"
        assert who.network_id == network
        assert who.roles == {"integration", "receptionist"}
        assert response.json()["scope"] == "integration receptionist"

    async def test_http_basic_client_authentication_works_too(
        self, gateway: RunningService
    ) -> None:
        created = await create_client(gateway, uuid4())

        async with from_address(gateway) as client:
            response = await client.post(
                "/auth/token",
                data={"grant_type": "client_credentials"},
                headers=basic(created["client_id"], created["client_secret"]),
            )

        assert response.status_code == 200, response.text
        assert response.json()["scope"] == "integration"

    async def test_a_wrong_secret_is_invalid_client_401(self, gateway: RunningService) -> None:
        created = await create_client(gateway, uuid4())

        async with from_address(gateway) as client:
            in_form = await client.post(
                "/auth/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": created["client_id"],
                    "client_secret": "guess",
                },
            )
            in_basic = await client.post(
                "/auth/token",
                data={"grant_type": "client_credentials"},
                headers=basic(created["client_id"], "guess"),
            )

        assert (in_form.status_code, in_form.json()["error"]) == (401, "invalid_client")
        assert (in_basic.status_code, in_basic.json()["error"]) == (401, "invalid_client")
        assert in_basic.headers["www-authenticate"].startswith("Basic")

    async def test_a_deactivated_client_gets_no_token(self, gateway: RunningService) -> None:
        network = uuid4()
        created = await create_client(gateway, network)
        await gateway.client.patch(
            f"/v1/clients/{created['id']}",
            json={"active": False},
            headers=bearer(gateway.settings.platform, network, "network_admin"),
        )

        async with from_address(gateway) as client:
            response = await client.post(
                "/auth/token",
                data={"grant_type": "client_credentials"},
                headers=basic(created["client_id"], created["client_secret"]),
            )

        assert (response.status_code, response.json()["error"]) == (401, "invalid_client")


class TestMalformedTokenRequests:
    async def test_an_unknown_grant_type_is_unsupported_grant_type(
        self, gateway: RunningService
    ) -> None:
        response = await gateway.client.post(
            "/auth/token", data={"grant_type": "authorization_code", "code": "x"}
        )

        assert response.status_code == 400
        assert response.json()["error"] == "unsupported_grant_type"

    async def test_a_missing_grant_type_or_password_is_invalid_request(
        self, gateway: RunningService
    ) -> None:
        no_grant = await gateway.client.post("/auth/token", data={"username": "x"})
        no_password = await gateway.client.post(
            "/auth/token", data={"grant_type": "password", "username": "x@example.test"}
        )

        assert (no_grant.status_code, no_grant.json()["error"]) == (400, "invalid_request")
        assert (no_password.status_code, no_password.json()["error"]) == (400, "invalid_request")
        assert no_password.json()["missing"] == ["password"]

    async def test_a_json_body_is_refused_with_the_form_it_needs(
        self, gateway: RunningService
    ) -> None:
        response = await gateway.client.post(
            "/auth/token", json={"grant_type": "password", "username": "a", "password": "b"}
        )

        assert response.status_code == 400
        assert response.json()["error"] == "invalid_request"
        assert "application/x-www-form-urlencoded" in response.json()["detail"]
