"""What `shared.openapi` adds to each operation of a service's document: the answers its kind of
route gives (a token: 401 and 429; a narrower role: 403; a body: 400 and 413; parameters: 422 as
problem+json; a cursor: the `invalid-cursor` 400), and the rules beyond the schemas that a
refusal documents (`x-rules`)."""

from __future__ import annotations

from typing import Annotated, Any

import pytest
from fastapi import APIRouter, Depends, FastAPI
from pydantic import ValidationError

from shared.auth import CurrentPrincipal, Principal, require_roles
from shared.errors import PROBLEM_JSON
from shared.inputs import Flag, Name, Strict, Timezone
from shared.openapi import CURSOR_RULE, complete_document, rules
from shared.pagination import Cursor, Limit

Admin = Annotated[Principal, Depends(require_roles("network_admin"))]


class ClinicCreate(Strict):
    name: Name
    timezone: Timezone


def document() -> dict[str, Any]:
    router = APIRouter()

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {}

    @router.get("/clinics")
    async def clinics(who: CurrentPrincipal, limit: Limit = 50, cursor: Cursor = None) -> list[str]:
        return []

    @router.post("/clinics", status_code=201)
    async def create(body: ClinicCreate, who: Admin) -> dict[str, str]:
        return {}

    @router.post(
        "/visits", responses={409: rules("Taken", "One visit at a time for a practitioner")}
    )
    async def visit(who: CurrentPrincipal, day: str) -> dict[str, str]:
        return {}

    app = FastAPI()
    complete_document(app)
    app.include_router(router, prefix="/v1")
    return app.openapi()


@pytest.fixture(scope="module")
def paths() -> dict[str, Any]:
    return document()["paths"]


def answers(operation: dict[str, Any]) -> set[str]:
    return set(operation["responses"])


class TestWhatEveryKindOfRouteAnswers:
    def test_a_route_with_no_token_parameters_or_body_answers_only_its_own(self, paths) -> None:
        assert answers(paths["/v1/healthz"]["get"]) == {"200"}
        assert "security" not in paths["/v1/healthz"]["get"]

    def test_a_route_taking_a_token_says_so_and_may_answer_401_and_429(self, paths) -> None:
        listing = paths["/v1/clinics"]["get"]
        assert listing["security"] == [{"bearer": []}]
        assert {"401", "429"} <= answers(listing)
        assert "Retry-After" in listing["responses"]["429"]["headers"]

    def test_only_a_role_narrower_than_all_may_answer_403(self, paths) -> None:
        assert "403" in answers(paths["/v1/clinics"]["post"])
        assert "403" not in answers(paths["/v1/clinics"]["get"])

    def test_a_body_may_be_malformed_or_too_large(self, paths) -> None:
        assert {"400", "413", "422"} <= answers(paths["/v1/clinics"]["post"])

    def test_refusals_are_problem_json(self, paths) -> None:
        for status in ("400", "401", "413", "422", "429"):
            assert PROBLEM_JSON in paths["/v1/clinics"]["post"]["responses"][status]["content"]


class TestRulesBeyondTheSchemas:
    def test_a_cursor_is_documented_as_refused_with_400_when_not_issued(self, paths) -> None:
        refusal = paths["/v1/clinics"]["get"]["responses"]["400"]
        assert refusal["x-rules"] == [CURSOR_RULE]
        assert CURSOR_RULE in refusal["description"]

    def test_the_shared_input_types_list_their_rules_on_the_422(self, paths) -> None:
        refusal = paths["/v1/clinics"]["post"]["responses"]["422"]
        assert any("NUL" in rule for rule in refusal["x-rules"])
        assert any("visible character" in rule for rule in refusal["x-rules"])
        assert any("IANA" in rule for rule in refusal["x-rules"])

    def test_a_route_lists_its_own_rules_on_the_answer_refusing_them(self, paths) -> None:
        taken = paths["/v1/visits"]["post"]["responses"]["409"]
        assert taken["x-rules"] == ["One visit at a time for a practitioner"]
        assert "One visit at a time" in taken["description"]


class TestFlags:
    class Change(Strict):
        active: Flag | None = None

    @pytest.mark.parametrize("value", ["0", "1", '"true"', '"no"'])
    def test_only_true_and_false_are_flags(self, value: str) -> None:
        with pytest.raises(ValidationError):
            self.Change.model_validate_json(f'{{"active": {value}}}')

    def test_true_false_and_null_are(self) -> None:
        for value in ("true", "false", "null"):
            self.Change.model_validate_json(f'{{"active": {value}}}')
