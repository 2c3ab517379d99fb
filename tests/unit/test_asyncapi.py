"""The AsyncAPI 3 document is generated from the event contracts and is internally consistent."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from jsonschema import Draft202012Validator, FormatChecker

from shared.asyncapi import PING_TYPE, asyncapi_document
from shared.events import EVENT_TYPES
from shared.events.booking import ClinicOpened
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


def webhook_body_errors(body: dict[str, Any], schema_name: str) -> list[str]:
    """What the document's webhook body schema `schema_name` finds wrong with `body`."""
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": DOC["components"]}
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    return [error.message for error in validator.iter_errors(body)]


def test_every_topic_is_a_channel_and_every_event_a_message_on_it() -> None:
    addresses = {c["address"]: c for c in DOC["channels"].values() if c["address"] is not None}
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


def test_every_event_and_the_ping_is_a_webhook_message_delivered_by_post() -> None:
    channel = DOC["channels"]["webhooks"]
    assert channel["servers"] == [{"$ref": "#/servers/webhooks"}]
    assert DOC["servers"]["webhooks"]["protocol"] == "https"
    expected = {f"{m.__name__}Webhook": m.type for m in EVENT_TYPES.values()}
    expected["PingWebhook"] = PING_TYPE
    assert set(channel["messages"]) == set(expected)
    for name, ce_type in expected.items():
        message = resolve(channel["messages"][name]["$ref"])
        body = resolve(message["payload"]["$ref"])
        assert message["x-ce-type"] == ce_type
        assert body["properties"]["type"]["const"] == ce_type
    deliver = DOC["operations"]["deliverWebhook"]
    assert deliver["action"] == "send"
    assert deliver["channel"] == {"$ref": "#/channels/webhooks"}
    assert deliver["bindings"]["http"]["method"] == "POST"
    assert {m["$ref"].rsplit("/", 1)[-1] for m in deliver["messages"]} == set(expected)


def test_a_webhook_body_carries_the_kafka_payload_schema_as_its_data() -> None:
    for model in EVENT_TYPES.values():
        body = DOC["components"]["schemas"][f"{model.__name__}Webhook"]
        assert body["properties"]["data"] == {"$ref": f"#/components/schemas/{model.__name__}"}
        assert (
            body["properties"]["source"]["const"]
            == f"mesocare/{model.__module__.removeprefix('shared.events.')}"
        )
        assert set(body["required"]) == {
            "specversion",
            "id",
            "type",
            "source",
            "time",
            "subject",
            "datacontenttype",
            "data",
        }
    ping = DOC["components"]["schemas"]["PingWebhook"]["properties"]["data"]
    assert set(resolve(ping["$ref"])["required"]) == {"endpoint_id", "network_id"}


def test_a_clinic_opened_cloudevent_is_a_valid_webhook_body_and_a_wrong_one_is_not() -> None:
    event = ClinicOpened(
        network_id=uuid4(),
        clinic_id=uuid4(),
        name="Clinique du Parc",
        timezone="Europe/Paris",
        currency="EUR",
        changed_at=datetime.now(UTC),
    )
    body = {
        "specversion": "1.0",
        "id": str(uuid4()),
        "type": ClinicOpened.type,
        "source": "mesocare/booking",
        "time": datetime.now(UTC).isoformat(),
        "subject": event.key,
        "datacontenttype": "application/json",
        "data": event.model_dump(mode="json"),
    }
    assert webhook_body_errors(body, "ClinicOpenedWebhook") == []
    assert webhook_body_errors(body, "ClinicChangedWebhook") != []
    assert webhook_body_errors({**body, "data": {"clinic_id": event.key}}, "ClinicOpenedWebhook")
    ping = {**body, "type": PING_TYPE, "source": "mesocare/notifications"}
    ping["data"] = {"endpoint_id": str(uuid4()), "network_id": str(uuid4())}
    assert webhook_body_errors(ping, "PingWebhook") == []


def test_webhook_headers_are_required_and_a_rotation_signature_matches_them() -> None:
    for name in DOC["channels"]["webhooks"]["messages"]:
        message = DOC["components"]["messages"][name]
        assert message["headers"] == {"$ref": "#/components/schemas/WebhookHeaders"}
    headers = DOC["components"]["schemas"]["WebhookHeaders"]
    assert set(headers["required"]) == {"webhook-id", "webhook-timestamp", "webhook-signature"}
    body = json.dumps({"specversion": "1.0"}).encode()
    signed = f"{uuid4()}.{int(datetime.now(UTC).timestamp())}.".encode() + body
    signatures = " ".join(
        "v1," + base64.b64encode(hmac.new(secret, signed, hashlib.sha256).digest()).decode()
        for secret in (b"old secret", b"new secret")
    )
    pattern = headers["properties"]["webhook-signature"]["pattern"]
    assert re.fullmatch(pattern, signatures)
    assert not re.fullmatch(pattern, "v2," + signatures[3:])


def test_kafka_channels_are_on_the_brokers_and_the_description_tells_the_delivery_rules() -> None:
    for channel_id, channel in DOC["channels"].items():
        if channel_id != "webhooks":
            assert channel["servers"] == [{"$ref": "#/servers/kafka"}]
    description = DOC["info"]["description"]
    for rule in ("2xx", "410", "24 h", "webhook-id", "in order", "At least once"):
        assert rule in description
