"""Event contracts and the CloudEvents binary-mode envelope."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from shared.events import EVENT_TYPES, Envelope, MalformedMessage, parse_event, read_envelope
from shared.events.records import PatientSafetyProfileChanged
from shared.topics import TOPICS, all_topic_names

CATALOG = {
    "ClinicOpened",
    "ClinicChanged",
    "AppointmentBooked",
    "AppointmentRescheduled",
    "AppointmentCancelled",
    "AppointmentNoShow",
    "SessionStarted",
    "SessionRechecked",
    "SessionCompleted",
    "PatientRegistered",
    "PatientContactChanged",
    "PatientSafetyProfileChanged",
    "AdverseEventReported",
    "LotRecalled",
    "RecalledLotExposure",
    "StaffAccountChanged",
}


def test_every_event_of_the_design_catalog_has_a_contract() -> None:
    assert {t.split(".")[2] for t in EVENT_TYPES} == CATALOG


def test_event_types_follow_the_naming_rule_and_travel_on_known_topics() -> None:
    topics = {t.name for t in TOPICS}
    for type_name, model in EVENT_TYPES.items():
        service = model.__module__.rsplit(".", 1)[-1]
        assert type_name == f"mesocare.{service}.{model.__name__}.v1"
        assert model.topic in topics
        assert model.key_field in model.model_fields
        assert "network_id" in model.model_fields


def test_every_topic_has_a_dead_letter_topic() -> None:
    assert set(all_topic_names()) == {t.name for t in TOPICS} | {f"{t.name}.dlq" for t in TOPICS}


def profile_event() -> PatientSafetyProfileChanged:
    return PatientSafetyProfileChanged(
        network_id=uuid4(),
        patient_id=uuid4(),
        version=3,
        fitzpatrick_skin_type=5,
        allergies=[{"code": "asteraceae", "reaction": "hives", "severity": "moderate"}],
    )


def test_an_envelope_survives_the_trip_through_kafka_headers() -> None:
    event = profile_event()
    traceparent = f"00-{uuid4().hex}-{uuid4().hex[:16]}-01"
    envelope = Envelope.wrap(event, source="mesocare/records", traceparent=traceparent)

    back = read_envelope(
        topic=event.topic,
        key=event.key.encode(),
        value=envelope.value(),
        headers=envelope.headers(),
    )

    assert back.id == envelope.id
    assert back.type == "mesocare.records.PatientSafetyProfileChanged.v1"
    assert back.traceparent == traceparent
    assert back.key == str(event.patient_id)
    assert parse_event(back) == event


def test_headers_are_cloudevents_binary_mode() -> None:
    envelope = Envelope.wrap(profile_event(), source="mesocare/records")
    names = {k for k, _ in envelope.headers()}
    assert {"ce_id", "ce_type", "ce_source", "ce_time", "ce_specversion"} <= names
    assert dict(envelope.headers())["ce_specversion"] == b"1.0"


@pytest.mark.parametrize(
    ("value", "headers", "reason"),
    [
        (b"{}", [("ce_type", b"t")], "missing CloudEvents headers"),
        (
            b"[1]",
            [
                ("ce_id", str(uuid4()).encode()),
                ("ce_type", b"t"),
                ("ce_source", b"s"),
                ("ce_specversion", b"1.0"),
            ],
            "not a JSON object",
        ),
        (
            b"{}",
            [
                ("ce_id", b"nope"),
                ("ce_type", b"t"),
                ("ce_source", b"s"),
                ("ce_specversion", b"1.0"),
            ],
            "ce_id is not a UUID",
        ),
    ],
)
def test_malformed_records_are_named_as_such(value: bytes, headers: list, reason: str) -> None:
    with pytest.raises(MalformedMessage, match=reason):
        read_envelope(topic="t", key=None, value=value, headers=headers)


def test_an_unknown_event_type_is_malformed_for_the_consumer() -> None:
    envelope = Envelope(
        id=uuid4(),
        type="mesocare.unknown.Thing.v1",
        source="s",
        time=datetime.now(UTC),
        topic="t",
        key="k",
        payload={},
    )
    with pytest.raises(MalformedMessage, match="unknown event type"):
        parse_event(envelope)
