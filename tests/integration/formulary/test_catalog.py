"""The catalog API: allergen classes, ingredients, approved lists; roles, tenancy, bad input."""

from __future__ import annotations

from uuid import uuid4

import pytest

from tests.integration.formulary.helpers import (
    admin,
    auth,
    error_fields,
    known_clinic,
    seeded_network,
)
from tests.support import RunningService

ARNICA = {
    "code": "arnica_test",
    "name": "Arnica test extract",
    "category": "plant_extract",
    "allergen_classes": ["daisies"],
    "max_amount_per_session": "1.5",
    "unit": "ml",
    "contraindicated_conditions": ["pregnancy"],
}


async def _class(formulary: RunningService, network, code: str, **links: str):
    response = await formulary.client.post(
        "/v1/allergen-classes",
        json={"code": code, "name": code.title(), "cross_reacts_with": links},
        headers=admin(formulary, network),
    )
    assert response.status_code == 201, response.text
    return response.json()


class TestAllergenClasses:
    async def test_an_admin_adds_classes_that_cross_react_and_staff_read_them(
        self, formulary: RunningService
    ) -> None:
        network = uuid4()
        await _class(formulary, network, "ragweed")
        created = await _class(formulary, network, "daisies", ragweed="probable")
        assert created["cross_reacts_with"] == {"ragweed": "probable"}
        listed = await formulary.client.get(
            "/v1/allergen-classes", headers=auth(formulary, network, "receptionist")
        )
        assert [c["code"] for c in listed.json()["items"]] == ["daisies", "ragweed"]

    async def test_a_class_crossing_to_an_unknown_class_is_422_naming_it(
        self, formulary: RunningService
    ) -> None:
        response = await formulary.client.post(
            "/v1/allergen-classes",
            json={"code": "daisies", "name": "Daisies", "cross_reacts_with": {"nope": "possible"}},
            headers=admin(formulary, uuid4()),
        )
        assert response.status_code == 422
        assert error_fields(response) == ["cross_reacts_with.nope"]

    async def test_the_same_code_twice_is_409(self, formulary: RunningService) -> None:
        network = uuid4()
        await _class(formulary, network, "ragweed")
        again = await formulary.client.post(
            "/v1/allergen-classes",
            json={"code": "ragweed", "name": "Ragweed"},
            headers=admin(formulary, network),
        )
        assert again.status_code == 409


class TestIngredients:
    async def test_an_admin_adds_an_ingredient_and_it_is_approved_for_the_network(
        self, formulary: RunningService
    ) -> None:
        network = uuid4()
        await _class(formulary, network, "daisies")
        response = await formulary.client.post(
            "/v1/ingredients", json=ARNICA, headers=admin(formulary, network)
        )
        assert response.status_code == 201, response.text
        body = response.json()
        assert (body["approved"], body["status"], body["max_amount_per_session"]) == (
            True,
            "approved",
            "1.5",
        )
        approved = await formulary.client.get(
            "/v1/approved-list", headers=auth(formulary, network, "practitioner")
        )
        assert approved.json()["ingredient_codes"] == ["arnica_test"]

    async def test_withdrawing_an_ingredient_takes_it_off_the_approved_list(
        self, formulary: RunningService
    ) -> None:
        network = await seeded_network(formulary)
        response = await formulary.client.patch(
            "/v1/ingredients/caffeine",
            json={"status": "withdrawn"},
            headers=admin(formulary, network),
        )
        assert response.status_code == 200, response.text
        assert (response.json()["status"], response.json()["approved"]) == ("withdrawn", False)

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"allergen_classes": ["no_such_class"]}, "allergen_classes"),
            ({"max_amount_per_session": "0"}, "max_amount_per_session"),
            ({"category": "potion"}, "category"),
            ({"code": "Not Snake"}, "code"),
            ({"contraindicated_conditions": ["pregnancyy"]}, "contraindicated_conditions[0]"),
            ({"colour": "red"}, "colour"),
        ],
    )
    async def test_a_bad_ingredient_is_422_naming_the_field(
        self, formulary: RunningService, change: dict, field: str
    ) -> None:
        network = uuid4()
        await _class(formulary, network, "daisies")
        response = await formulary.client.post(
            "/v1/ingredients", json={**ARNICA, **change}, headers=admin(formulary, network)
        )
        assert response.status_code == 422, response.text
        assert field in error_fields(response)

    async def test_malformed_json_is_400_not_500(self, formulary: RunningService) -> None:
        response = await formulary.client.post(
            "/v1/ingredients",
            content=b"{not json",
            headers={**admin(formulary, uuid4()), "content-type": "application/json"},
        )
        assert response.status_code == 400

    async def test_an_idempotency_key_repeats_the_first_answer(
        self, formulary: RunningService
    ) -> None:
        network = uuid4()
        await _class(formulary, network, "daisies")
        headers = {**admin(formulary, network), "Idempotency-Key": "ingredient-1"}
        first = await formulary.client.post("/v1/ingredients", json=ARNICA, headers=headers)
        second = await formulary.client.post("/v1/ingredients", json=ARNICA, headers=headers)
        other = await formulary.client.post(
            "/v1/ingredients", json={**ARNICA, "name": "Other"}, headers=headers
        )
        assert (first.status_code, second.status_code, other.status_code) == (201, 201, 409)
        assert second.json() == first.json()


class TestApprovedLists:
    async def test_a_clinic_narrows_the_network_list_and_can_stop_narrowing(
        self, formulary: RunningService
    ) -> None:
        network = await seeded_network(formulary)
        clinic = await known_clinic(formulary, network)
        put = await formulary.client.put(
            f"/v1/clinics/{clinic}/approved-list",
            json={"ingredient_codes": ["caffeine", "biotin"]},
            headers=admin(formulary, network),
        )
        assert put.status_code == 200, put.text
        assert put.json()["effective_codes"] == ["biotin", "caffeine"]
        assert put.json()["narrowed"] is True
        deleted = await formulary.client.delete(
            f"/v1/clinics/{clinic}/approved-list", headers=admin(formulary, network)
        )
        assert deleted.json()["narrowed"] is False
        assert len(deleted.json()["effective_codes"]) > 20

    async def test_approving_an_unknown_or_withdrawn_ingredient_is_422_naming_it(
        self, formulary: RunningService
    ) -> None:
        network = await seeded_network(formulary)
        response = await formulary.client.put(
            "/v1/approved-list",
            json={"ingredient_codes": ["caffeine", "unicorn_dust"]},
            headers=admin(formulary, network),
        )
        assert (response.status_code, error_fields(response)) == (422, ["ingredient_codes[1]"])
        withdrawn = await formulary.client.put(
            "/v1/approved-list",
            json={"ingredient_codes": ["collagenase"]},
            headers=admin(formulary, network),
        )
        assert (withdrawn.status_code, error_fields(withdrawn)) == (422, ["ingredient_codes[0]"])


class TestRolesAndTenancy:
    @pytest.mark.parametrize(
        "role", ["practitioner", "receptionist", "clinic_manager", "integration"]
    )
    async def test_only_a_network_admin_edits_the_catalog(
        self, formulary: RunningService, role: str
    ) -> None:
        network = uuid4()
        headers = auth(formulary, network, role)
        attempts = [
            formulary.client.post(
                "/v1/allergen-classes", json={"code": "x", "name": "X"}, headers=headers
            ),
            formulary.client.post("/v1/ingredients", json=ARNICA, headers=headers),
            formulary.client.put(
                "/v1/approved-list", json={"ingredient_codes": []}, headers=headers
            ),
            formulary.client.patch("/v1/ingredients/caffeine", json={"name": "x"}, headers=headers),
        ]
        for attempt in attempts:
            assert (await attempt).status_code == 403

    async def test_a_request_without_a_token_is_401(self, formulary: RunningService) -> None:
        assert (await formulary.client.get("/v1/ingredients")).status_code == 401

    async def test_another_network_sees_none_of_the_catalog(
        self, formulary: RunningService
    ) -> None:
        network = await seeded_network(formulary)
        stranger = uuid4()
        headers = auth(formulary, stranger, "network_admin")
        listed = await formulary.client.get("/v1/ingredients", headers=headers)
        assert listed.json()["items"] == []
        one = await formulary.client.get("/v1/ingredients/caffeine", headers=headers)
        patched = await formulary.client.patch(
            "/v1/ingredients/caffeine", json={"name": "Mine now"}, headers=headers
        )
        assert (one.status_code, patched.status_code) == (404, 404)
        mine = await formulary.client.get(
            "/v1/ingredients/caffeine", headers=admin(formulary, network)
        )
        assert mine.json()["name"] == "Caffeine"


class TestNeverA500:
    @pytest.mark.parametrize(
        ("method", "path", "body"),
        [
            ("get", "/v1/ingredients/%00", None),
            ("get", "/v1/ingredients/Caffeine", None),
            ("get", "/v1/allergen-classes/" + "a" * 500, None),
            ("get", "/v1/lots?lot_number=%00", None),
            ("get", "/v1/lots?status=lost", None),
            ("get", "/v1/lots?cursor=not-a-cursor", None),
            ("get", "/v1/blends?cursor=WyJ4Il0", None),
            ("get", "/v1/blends/not-a-uuid", None),
            ("get", "/v1/blends/00000000-0000-0000-0000-000000000000?version=0", None),
            (
                "post",
                "/v1/lots",
                {
                    "ingredient_code": "caffeine",
                    "supplier": "A\u0000",
                    "lot_number": "x",
                    "expires_on": "2099-01-01",
                },
            ),
            (
                "post",
                "/v1/lots",
                {
                    "ingredient_code": "caffeine",
                    "supplier": "A",
                    "lot_number": "   ",
                    "expires_on": "2099-01-01",
                },
            ),
            (
                "post",
                "/v1/allergen-classes",
                {"code": "a", "name": "x", "cross_reacts_with": {"a": "possible"}},
            ),
            (
                "post",
                "/v1/ingredients",
                {**ARNICA, "allergen_classes": [], "max_amount_per_session": "1e999"},
            ),
            ("post", "/v1/cross-checks", {"patient_id": "x", "ingredient_codes": []}),
            ("post", "/v1/cross-checks", []),
            ("put", "/v1/approved-list", {"ingredient_codes": "caffeine"}),
        ],
    )
    async def test_odd_input_is_a_4xx_problem(
        self, formulary: RunningService, method: str, path: str, body: object
    ) -> None:
        response = await formulary.client.request(
            method, path, json=body, headers=admin(formulary, uuid4())
        )
        assert 400 <= response.status_code < 500, response.text
        assert response.headers["content-type"] == "application/problem+json"


class TestTheSharedInputRules:
    """Issue 14, item 3: the rules every service applies (shared/inputs.py), here in formulary."""

    @pytest.mark.parametrize("blank", ["   ", "\u00a0", "\u200b", "\t\u3000"])
    async def test_a_blank_name_is_422_naming_it(
        self, formulary: RunningService, blank: str
    ) -> None:
        network = await seeded_network(formulary)
        headers = admin(formulary, network)
        attempts = [
            ("post", "/v1/allergen-classes", {"code": "blanks", "name": blank}, "name"),
            ("post", "/v1/ingredients", {**ARNICA, "allergen_classes": [], "name": blank}, "name"),
            ("patch", "/v1/ingredients/caffeine", {"name": blank}, "name"),
            (
                "post",
                "/v1/blends",
                {
                    "name": blank,
                    "indication": "skin_rejuvenation",
                    "areas": ["face"],
                    "components": [{"ingredient_code": "biotin", "amount": "1"}],
                },
                "name",
            ),
            (
                "post",
                "/v1/lots",
                {
                    "ingredient_code": "caffeine",
                    "supplier": blank,
                    "lot_number": "L-1",
                    "expires_on": "2099-01-01",
                },
                "supplier",
            ),
        ]
        for method, path, body, field in attempts:
            response = await formulary.client.request(method, path, json=body, headers=headers)
            assert response.status_code == 422, (path, response.text)
            assert error_fields(response) == [field], (path, response.text)

    @pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
    async def test_a_lot_expiring_outside_1900_to_2999_is_422(
        self, formulary: RunningService, day: str
    ) -> None:
        network = await seeded_network(formulary)
        response = await formulary.client.post(
            "/v1/lots",
            json={
                "ingredient_code": "caffeine",
                "supplier": "Lab",
                "lot_number": f"FAR-{day}",
                "expires_on": day,
            },
            headers=admin(formulary, network),
        )
        assert response.status_code == 422, response.text
        assert error_fields(response) == ["expires_on"]

    async def test_a_nul_character_in_a_reason_or_a_unit_is_422(
        self, formulary: RunningService
    ) -> None:
        network = await seeded_network(formulary)
        response = await formulary.client.patch(
            "/v1/ingredients/caffeine", json={"unit": "m\x00g"}, headers=admin(formulary, network)
        )
        assert response.status_code == 422, response.text
        assert error_fields(response) == ["unit"]
