"""The AsyncAPI 3 document is generated from the event contracts and is internally consistent."""

from __future__ import annotations

from typing import Any

from shared.asyncapi import asyncapi_document
from shared.events import EVENT_TYPES
from shared.topics import TOPICS

DOC = asyncapi_document()


def resolve(ref: str) -> Any:
    node: Any = DOC
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for v in node.values() for r in refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in refs(v)]
    return []


def test_it_is_an_asyncapi_3_document() -> None:
    assert DOC["asyncapi"] == "3.0.0"
    assert {"info", "channels", "operations", "components"} <= set(DOC)


def test_every_topic_is_a_channel_and_every_event_a_message_on_it() -> None:
    addresses = {c["address"]: c for c in DOC["channels"].values()}
    assert set(addresses) == {t.name for t in TOPICS}
    for model in EVENT_TYPES.values():
        channel = addresses[model.topic]
        assert model.__name__ in channel["messages"]
        assert DOC["components"]["messages"][model.__name__]["x-ce-type"] == model.type


def test_every_reference_resolves() -> None:
    for ref in refs(DOC):
        assert resolve(ref) is not None, ref


def test_payload_schemas_carry_the_fields_consumers_rely_on() -> None:
    completed = DOC["components"]["schemas"]["SessionCompleted"]
    for field in (
        "network_id",
        "appointment_id",
        "patient_id",
        "areas",
        "ingredients",
        "next_session_due",
    ):
        assert field in completed["properties"]
    assert "network_id" in completed["required"]


def test_headers_are_the_cloudevents_binary_mode_set() -> None:
    headers = DOC["components"]["schemas"]["CloudEventHeaders"]
    assert {"ce_id", "ce_type", "ce_source", "ce_time", "ce_specversion"} == set(
        headers["required"]
    )
    assert "traceparent" in headers["properties"]


def test_session_completed_is_received_by_its_three_consumers() -> None:
    receivers = {
        op_id.split("_receives_")[0]
        for op_id, op in DOC["operations"].items()
        if op["action"] == "receive"
        and any(m["$ref"].endswith("/SessionCompleted") for m in op["messages"])
    }
    assert receivers == {"records", "formulary", "notifications"}
