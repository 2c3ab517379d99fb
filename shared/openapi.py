"""The OpenAPI document tells the whole truth: every answer an operation can give.

FastAPI documents what a route declares. What every route of a kind can answer comes from the
platform, not from the route, so it is added here from what the route depends on:

- a bearer token (`shared.auth.current_principal`): 401, and 429 with `Retry-After` (the
  per-token budget), and the `bearer` security scheme; a role check narrower than every role:
  403;
- parameters or a body: 422 naming the fields; a body: 400 (malformed JSON) and 413 (over the
  platform's size limit);
- a `cursor` query parameter: 400 `invalid-cursor` (a cursor this API did not issue).

Rules a schema cannot state (one field before another, an id that must name something of the
network, a cursor only the API issues) are listed on the answer that refuses them, in its
description and under the `x-rules` extension: a route declares its own with `rules(...)`, and
the shared input types of `shared.inputs` (names, timezones, dates) carry theirs in their JSON
Schema, gathered here onto the operation's 422. A request the schemas allow is either served or
refused by a documented rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts

from shared.auth import ROLES, current_principal, roles_required
from shared.errors import PROBLEM_JSON
from shared.inputs import RULES

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
    "required": ["type", "title", "status"],
}


CURSOR_RULE = "`cursor` must be the `next_cursor` of an earlier page, unchanged (`invalid-cursor`)"


Responses = dict[int | str, dict[str, Any]]
"""The `responses` of an operation, by status code."""


def problem(description: str) -> dict[str, Any]:
    """An OpenAPI response entry for a problem+json answer."""
    return {"description": description, "content": {PROBLEM_JSON: {"schema": PROBLEM_SCHEMA}}}


def rules(description: str, *refused: str) -> dict[str, Any]:
    """A problem answer that also refuses requests the schemas allow: `refused` names each
    rule, in the description and under `x-rules`."""
    return {**problem(_with_rules(description, list(refused))), RULES: list(refused)}


def _with_rules(description: str, refused: list[str], *, first: bool = True) -> str:
    heading = "\n\nAlso refused, though the schemas allow it:" if first else ""
    return description + heading + "".join(f"\n- {rule}" for rule in refused)


UNAUTHORIZED = problem("Missing, invalid or expired bearer token")
TOO_MANY = {
    **problem("More requests a minute than the token's budget; wait `Retry-After` seconds"),
    "headers": {
        "Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}},
    },
}
FORBIDDEN = problem("Your role does not allow this")
INVALID = problem("The request is not valid; `errors` names the fields")
MALFORMED = problem("Malformed JSON body")
TOO_LARGE = problem("The request body is over the size limit")

BEARER = {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}


def complete_document(app: FastAPI) -> None:
    """Make `app.openapi()` add to each operation the answers its kind of route can give."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                openapi_version=app.openapi_version,
                description=app.description,
                routes=app.routes,
            )
            for route in _api_routes(app):
                for method in route.methods or ():
                    operation = document["paths"].get(route.path_format, {}).get(method.lower())
                    if operation is not None:
                        _complete(operation, route.dependant)
                        for rule in _schema_rules(operation, document):
                            _add_rule(operation["responses"], "422", INVALID["description"], rule)
            if _authenticated_somewhere(app):
                components = document.setdefault("components", {})
                components.setdefault("securitySchemes", {})["bearer"] = BEARER
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _complete(operation: dict[str, Any], dependant: Dependant) -> None:
    answers: dict[str, Any] = operation.setdefault("responses", {})
    calls = list(_calls(dependant))
    parameters = operation.get("parameters", [])
    has_body = "requestBody" in operation
    if current_principal in calls:
        operation.setdefault("security", [{"bearer": []}])
        answers.setdefault("401", dict(UNAUTHORIZED))
        answers.setdefault("429", dict(TOO_MANY))
    if any((roles_required(call) or ROLES) < ROLES for call in calls):
        answers.setdefault("403", dict(FORBIDDEN))
    if parameters or has_body:
        # FastAPI's own entry says application/json; the platform answers problem+json.
        if PROBLEM_JSON not in answers.get("422", {}).get("content", {}):
            answers["422"] = dict(INVALID)
    if has_body:
        answers.setdefault("400", dict(MALFORMED))
        answers.setdefault("413", dict(TOO_LARGE))
    if any(p["in"] == "query" and p["name"] == "cursor" for p in parameters):
        _add_rule(answers, "400", "A cursor this API did not issue", CURSOR_RULE)


def _add_rule(answers: dict[str, Any], status: str, description: str, rule: str) -> None:
    answer = answers.setdefault(status, problem(description))
    if "content" not in answer:
        answer.update(problem(answer.get("description") or description))
    listed = answer.setdefault(RULES, [])
    if rule not in listed:
        answer["description"] = _with_rules(answer["description"], [rule], first=not listed)
        listed.append(rule)


def _schema_rules(operation: dict[str, Any], document: dict[str, Any]) -> list[str]:
    """The rules beyond JSON Schema that the schemas of the operation's parameters and body
    list (`shared.inputs.rules`), each once."""
    found: list[str] = []
    seen: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
                if ref not in seen:
                    seen.add(ref)
                    walk(document["components"]["schemas"][ref.rsplit("/", 1)[1]])
                return
            for rule in node.get(RULES, ()):
                if rule not in found:
                    found.append(rule)
            for key, value in node.items():
                if key != RULES and key != "examples":
                    walk(value)

    walk(operation.get("parameters", []))
    walk(operation.get("requestBody", {}))
    return found


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    """Every function the route depends on, however deep."""
    for dependency in dependant.dependencies:
        if dependency.call is not None:
            yield dependency.call
        yield from _calls(dependency)


def _api_routes(app: FastAPI) -> Iterator[RouteContext]:
    """The app's documented routes, those of included routers too."""
    for route in iter_route_contexts(app.routes):
        if isinstance(route.original_route, APIRoute) and route.include_in_schema:
            yield route


def _authenticated_somewhere(app: FastAPI) -> bool:
    return any(current_principal in _calls(route.dependant) for route in _api_routes(app))
