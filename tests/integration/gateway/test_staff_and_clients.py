"""`/v1/staff` and `/v1/clients`: network admins manage their own network's people and
integrations; nobody else can, hashes never leave the gateway, a client secret is shown once."""

from __future__ import annotations

from uuid import uuid4

from shared.auth import TokenVerifier
from tests.integration.gateway.serving import basic, create_staff, from_address, password_grant
from tests.support import RunningService, bearer

PASSWORD = "a-long-enough-password"


def email() -> str:
    return f"person-{uuid4().hex[:10]}@clinic.example"


def admin(gateway: RunningService, network) -> dict[str, str]:
    return bearer(gateway.settings.platform, network, "network_admin")


class TestStaffAccounts:
    async def test_an_admin_creates_and_reads_an_account_without_its_hash(
        self, gateway: RunningService
    ) -> None:
        network, clinic = uuid4(), uuid4()
        address = email()

        created = await create_staff(
            gateway,
            network,
            address,
            roles=("practitioner", "clinic_manager"),
            clinic_ids=(clinic,),
        )
        read = await gateway.client.get(
            f"/v1/staff/{created['id']}", headers=admin(gateway, network)
        )

        assert read.status_code == 200
        assert read.json() == created
        assert created["email"] == address
        assert created["roles"] == ["clinic_manager", "practitioner"]
        assert created["clinic_ids"] == [str(clinic)]
        assert created["active"] is True
        assert not {"password", "password_hash"} & set(created)

    async def test_the_list_holds_only_the_callers_network_page_by_page(
        self, gateway: RunningService
    ) -> None:
        network = uuid4()
        mine = sorted([email() for _ in range(3)])
        for address in mine:
            await create_staff(gateway, network, address)
        await create_staff(gateway, uuid4(), email())

        first = (
            await gateway.client.get("/v1/staff?limit=2", headers=admin(gateway, network))
        ).json()
        second = (
            await gateway.client.get(
                f"/v1/staff?limit=2&cursor={first['next_cursor']}", headers=admin(gateway, network)
            )
        ).json()

        assert [s["email"] for s in first["items"] + second["items"]] == mine
        assert second["next_cursor"] is None

    async def test_another_networks_account_is_not_found(self, gateway: RunningService) -> None:
        created = await create_staff(gateway, uuid4(), email())

        response = await gateway.client.get(
            f"/v1/staff/{created['id']}", headers=admin(gateway, uuid4())
        )

        assert response.status_code == 404

    async def test_only_network_admins_manage_staff(self, gateway: RunningService) -> None:
        network = uuid4()
        platform = gateway.settings.platform
        body = {
            "email": email(),
            "display_name": "X",
            "password": PASSWORD,
            "roles": ["receptionist"],
        }

        as_manager = await gateway.client.post(
            "/v1/staff", json=body, headers=bearer(platform, network, "clinic_manager")
        )
        as_receptionist = await gateway.client.get(
            "/v1/staff", headers=bearer(platform, network, "receptionist")
        )
        anonymous = await gateway.client.get("/v1/staff")

        assert as_manager.status_code == 403
        assert as_receptionist.status_code == 403
        assert anonymous.status_code == 401

    async def test_a_taken_email_is_409_naming_the_field(self, gateway: RunningService) -> None:
        address = email()
        await create_staff(gateway, uuid4(), address)

        response = await gateway.client.post(
            "/v1/staff",
            json={
                "email": address.upper(),
                "display_name": "Y",
                "password": PASSWORD,
                "roles": ["practitioner"],
            },
            headers=admin(gateway, uuid4()),
        )

        assert response.status_code == 409
        assert response.json()["errors"][0]["field"] == "email"

    async def test_short_passwords_and_unknown_roles_are_422_naming_the_field(
        self, gateway: RunningService
    ) -> None:
        network = uuid4()
        base = {
            "email": email(),
            "display_name": "Z",
            "password": PASSWORD,
            "roles": ["receptionist"],
        }

        short = await gateway.client.post(
            "/v1/staff", json={**base, "password": "short"}, headers=admin(gateway, network)
        )
        unknown = await gateway.client.post(
            "/v1/staff", json={**base, "roles": ["surgeon"]}, headers=admin(gateway, network)
        )
        integration = await gateway.client.post(
            "/v1/staff", json={**base, "roles": ["integration"]}, headers=admin(gateway, network)
        )

        assert (short.status_code, short.json()["errors"][0]["field"]) == (422, "password")
        assert (unknown.status_code, unknown.json()["errors"][0]["field"]) == (422, "roles")
        assert (integration.status_code, integration.json()["errors"][0]["field"]) == (422, "roles")

    async def test_new_roles_and_clinics_show_in_the_next_token(
        self, gateway: RunningService
    ) -> None:
        network, clinic = uuid4(), uuid4()
        address = email()
        created = await create_staff(gateway, network, address)

        updated = await gateway.client.patch(
            f"/v1/staff/{created['id']}",
            json={"roles": ["practitioner"], "clinic_ids": [str(clinic)]},
            headers=admin(gateway, network),
        )
        async with from_address(gateway) as client:
            token = (await password_grant(client, address, PASSWORD)).json()["access_token"]

        assert updated.status_code == 200
        who = TokenVerifier(gateway.settings.platform).verify(token)
        assert (who.roles, who.clinic_ids) == (frozenset({"practitioner"}), frozenset({clinic}))

    async def test_the_last_active_admin_cannot_be_demoted_or_deactivated(
        self, gateway: RunningService
    ) -> None:
        network = uuid4()
        only_admin = await create_staff(gateway, network, email(), roles=("network_admin",))

        demote = await gateway.client.patch(
            f"/v1/staff/{only_admin['id']}",
            json={"roles": ["receptionist"]},
            headers=admin(gateway, network),
        )
        deactivate = await gateway.client.patch(
            f"/v1/staff/{only_admin['id']}", json={"active": False}, headers=admin(gateway, network)
        )
        still = await gateway.client.get(
            f"/v1/staff/{only_admin['id']}", headers=admin(gateway, network)
        )

        assert (demote.status_code, deactivate.status_code) == (409, 409)
        assert still.json()["roles"] == ["network_admin"] and still.json()["active"] is True


class TestIntegrationClients:
    async def test_the_secret_is_shown_once_and_never_again(self, gateway: RunningService) -> None:
        network = uuid4()

        created = await gateway.client.post(
            "/v1/clients", json={"name": "Chain CRM"}, headers=admin(gateway, network)
        )
        body = created.json()
        read = await gateway.client.get(
            f"/v1/clients/{body['id']}", headers=admin(gateway, network)
        )
        listed = await gateway.client.get("/v1/clients", headers=admin(gateway, network))

        assert created.status_code == 201
        assert len(body["client_secret"]) >= 40
        assert body["roles"] == ["integration"]
        assert "client_secret" not in read.json() and "secret_hash" not in read.json()
        assert listed.json()["items"] == [read.json()]
        async with from_address(gateway) as client:
            token = await client.post(
                "/auth/token",
                data={"grant_type": "client_credentials"},
                headers=basic(body["client_id"], body["client_secret"]),
            )
        assert token.status_code == 200

    async def test_only_network_admins_manage_clients(self, gateway: RunningService) -> None:
        network = uuid4()
        platform = gateway.settings.platform

        as_integration = await gateway.client.post(
            "/v1/clients", json={"name": "x"}, headers=bearer(platform, network, "integration")
        )
        as_practitioner = await gateway.client.get(
            "/v1/clients", headers=bearer(platform, network, "practitioner")
        )

        assert (as_integration.status_code, as_practitioner.status_code) == (403, 403)

    async def test_another_networks_client_cannot_be_changed(self, gateway: RunningService) -> None:
        created = (
            await gateway.client.post(
                "/v1/clients", json={"name": "x"}, headers=admin(gateway, uuid4())
            )
        ).json()

        response = await gateway.client.patch(
            f"/v1/clients/{created['id']}", json={"active": False}, headers=admin(gateway, uuid4())
        )

        assert response.status_code == 404

    async def test_unknown_roles_are_422(self, gateway: RunningService) -> None:
        response = await gateway.client.post(
            "/v1/clients", json={"name": "x", "roles": ["root"]}, headers=admin(gateway, uuid4())
        )

        assert (response.status_code, response.json()["errors"][0]["field"]) == (422, "roles")
