"""Blends: approved ingredients within limits only; editing makes a new version."""

from __future__ import annotations

from uuid import uuid4

from tests.integration.formulary.helpers import admin, auth, blend_id, error_fields, seeded_network
from tests.support import RunningService

GLOW = {
    "name": "Glow",
    "indication": "skin_rejuvenation",
    "areas": ["face", "neck"],
    "components": [
        {"ingredient_code": "hyaluronic_acid", "amount": "10"},
        {"ingredient_code": "ascorbic_acid", "amount": "100"},
    ],
}


class TestBlendVersions:
    async def test_editing_a_blend_makes_a_new_version_and_the_old_one_stays_readable(
        self, formulary: RunningService
    ) -> None:
        network = await seeded_network(formulary)
        created = await formulary.client.post(
            "/v1/blends", json=GLOW, headers=admin(formulary, network)
        )
        assert created.status_code == 201, created.text
        blend = created.json()
        assert (blend["version"], blend["current_version"]) == (1, 1)
        assert blend["components"][0]["unit"] == "mg"
        edited = await formulary.client.put(
            f"/v1/blends/{blend['id']}",
            json={**GLOW, "name": "Glow plus", "areas": ["face"]},
            headers=admin(formulary, network),
        )
        assert edited.status_code == 200, edited.text
        assert (edited.json()["version"], edited.json()["name"]) == (2, "Glow plus")
        staff = auth(formulary, network, "practitioner")
        current = await formulary.client.get(f"/v1/blends/{blend['id']}", headers=staff)
        first = await formulary.client.get(f"/v1/blends/{blend['id']}/versions/1", headers=staff)
        by_query = await formulary.client.get(f"/v1/blends/{blend['id']}?version=1", headers=staff)
        versions = await formulary.client.get(f"/v1/blends/{blend['id']}/versions", headers=staff)
        assert current.json()["name"] == "Glow plus"
        assert (first.json()["name"], first.json()["areas"], first.json()["current_version"]) == (
            "Glow",
            ["face", "neck"],
            2,
        )
        assert by_query.json() == first.json()
        assert [v["version"] for v in versions.json()] == [1, 2]
        missing = await formulary.client.get(f"/v1/blends/{blend['id']}/versions/3", headers=staff)
        assert missing.status_code == 404

    async def test_the_demo_blends_are_listed_for_staff(self, formulary: RunningService) -> None:
        network = await seeded_network(formulary)
        listed = await formulary.client.get(
            "/v1/blends?limit=4", headers=auth(formulary, network, "receptionist")
        )
        second = await formulary.client.get(
            f"/v1/blends?limit=4&cursor={listed.json()['next_cursor']}",
            headers=auth(formulary, network, "receptionist"),
        )
        names = {b["name"] for b in listed.json()["items"] + second.json()["items"]}
        assert len(names) == 6 and "Body contour" in names
        assert all(b["demo"] for b in listed.json()["items"])


class TestBadBlends:
    async def test_unapproved_over_the_limit_and_unknown_ingredients_are_422_naming_each(
        self, formulary: RunningService
    ) -> None:
        network = await seeded_network(formulary)
        body = {
            **GLOW,
            "components": [
                {"ingredient_code": "collagenase", "amount": "10"},  # withdrawn
                {"ingredient_code": "caffeine", "amount": "1000"},  # limit 100 mg
                {"ingredient_code": "unicorn_dust", "amount": "1"},
            ],
        }
        response = await formulary.client.post(
            "/v1/blends", json=body, headers=admin(formulary, network)
        )
        assert response.status_code == 422, response.text
        assert set(error_fields(response)) == {
            "components[0].ingredient_code",
            "components[1].amount",
            "components[2].ingredient_code",
        }

    async def test_an_ingredient_off_the_network_list_cannot_go_in_a_blend(
        self, formulary: RunningService
    ) -> None:
        network = await seeded_network(formulary)
        await formulary.client.put(
            "/v1/approved-list",
            json={"ingredient_codes": ["hyaluronic_acid"]},
            headers=admin(formulary, network),
        )
        response = await formulary.client.post(
            "/v1/blends", json=GLOW, headers=admin(formulary, network)
        )
        assert (response.status_code, error_fields(response)) == (
            422,
            ["components[1].ingredient_code"],
        )

    async def test_a_blend_without_areas_or_with_an_unknown_indication_is_422(
        self, formulary: RunningService
    ) -> None:
        network = await seeded_network(formulary)
        for change, field in (
            ({"areas": []}, "areas"),
            ({"indication": "magic"}, "indication"),
            ({"areas": ["fcae"]}, "areas.0"),
        ):
            response = await formulary.client.post(
                "/v1/blends", json={**GLOW, **change}, headers=admin(formulary, network)
            )
            assert response.status_code == 422 and field in error_fields(response)

    async def test_editing_or_reading_another_networks_blend_is_404(
        self, formulary: RunningService
    ) -> None:
        network = await seeded_network(formulary)
        theirs = blend_id(network, "Body contour")
        stranger = uuid4()
        read = await formulary.client.get(
            f"/v1/blends/{theirs}", headers=admin(formulary, stranger)
        )
        edit = await formulary.client.put(
            f"/v1/blends/{theirs}", json=GLOW, headers=admin(formulary, stranger)
        )
        assert (read.status_code, edit.status_code) == (404, 404)

    async def test_a_practitioner_may_not_edit_a_blend(self, formulary: RunningService) -> None:
        network = await seeded_network(formulary)
        response = await formulary.client.put(
            f"/v1/blends/{blend_id(network, 'Body contour')}",
            json=GLOW,
            headers=auth(formulary, network, "practitioner"),
        )
        assert response.status_code == 403
