"""JSON logs carry the trace and request ids; trace context survives the trip through a header."""

from __future__ import annotations

import json
import logging
from uuid import uuid4

from opentelemetry.trace import SpanKind

from shared import telemetry
from shared.settings import PlatformSettings

telemetry.setup("tests", PlatformSettings(env="test"))


def formatted(message: str, **extra: object) -> dict:
    record = logging.LogRecord("mesocare.test", logging.INFO, __file__, 1, message, None, None)
    for key, value in extra.items():
        setattr(record, key, value)
    return json.loads(telemetry.JsonFormatter("booking").format(record))


def test_a_log_line_inside_a_span_carries_its_trace_id() -> None:
    trace_id = uuid4().hex
    parent = f"00-{trace_id}-{uuid4().hex[:16]}-01"
    with telemetry.span_from(parent, "handle", SpanKind.CONSUMER):
        line = formatted("handled", event_type="x")
    assert line["trace_id"] == trace_id
    assert line["service"] == "booking"
    assert line["event_type"] == "x"


def test_a_log_line_carries_the_request_id() -> None:
    token = telemetry.request_id_var.set("req-42")
    try:
        assert formatted("hello")["request_id"] == "req-42"
    finally:
        telemetry.request_id_var.reset(token)


def test_the_traceparent_of_a_span_continues_its_trace() -> None:
    trace_id = uuid4().hex
    with telemetry.span_from(f"00-{trace_id}-{uuid4().hex[:16]}-01", "request", SpanKind.SERVER):
        captured = telemetry.current_traceparent()
    assert captured is not None and captured.split("-")[1] == trace_id
    with telemetry.span_from(captured, "handler", SpanKind.CONSUMER):
        assert telemetry.current_trace_id() == trace_id


def test_without_a_traceparent_a_new_trace_starts() -> None:
    with telemetry.span_from(None, "orphan", SpanKind.CONSUMER):
        assert telemetry.current_trace_id() not in (None, "0" * 32)


class TestContactDetailsNeverReachALogLine:
    def test_an_email_address_in_the_message_is_replaced(self) -> None:
        line = formatted("could not send to amelie.durand@example.com: mailbox full")
        assert line["message"] == "could not send to [email]: mailbox full"

    def test_phone_numbers_in_international_form_are_replaced_however_spaced(self) -> None:
        line = formatted("sms to +33612345678 failed", number="+33 6 12 34 56 78")
        assert line["message"] == "sms to [phone] failed"
        assert line["number"] == "[phone]"

    def test_an_error_quoting_a_unique_violation_loses_the_address(self) -> None:
        error = "Key (email)=(Camille.Roux@Example.org) already exists."
        assert formatted("insert failed", error=error)["error"] == (
            "Key (email)=([email]) already exists."
        )

    def test_an_exception_text_is_scrubbed_too(self) -> None:
        try:
            raise ValueError("no patient with phone +12125550147")
        except ValueError:
            import sys

            record = logging.LogRecord(
                "mesocare.test", logging.ERROR, __file__, 1, "failed", None, sys.exc_info()
            )
        line = json.loads(telemetry.JsonFormatter("records").format(record))
        assert "+12125550147" not in line["exception"]
        assert "no patient with phone [phone]" in line["exception"]

    def test_ids_times_and_numbers_are_left_alone(self) -> None:
        patient_id = str(uuid4())
        line = formatted(
            "handled",
            patient_id=patient_id,
            at="2026-11-25T10:00:00+01:00",
            offset=1234567890,
            amount="+1.5",
        )
        assert line["patient_id"] == patient_id
        assert line["at"] == "2026-11-25T10:00:00+01:00"
        assert line["offset"] == 1234567890
        assert line["amount"] == "+1.5"


class TestCalendarFeedSecretsNeverReachALogLineOrATrace:
    SECRET = "HHLkq6b7G0uDU1c9YCgKFqZX1B6H137x0q2DPQNUz1M"

    def test_a_feed_path_loses_its_secret(self) -> None:
        path = f"/api/booking/v1/calendar-feeds/{self.SECRET}.ics"
        assert telemetry.scrub_path(path) == "/api/booking/v1/calendar-feeds/[secret].ics"

    def test_a_log_line_naming_a_feed_url_loses_its_secret(self) -> None:
        line = formatted("fetched", path=f"/v1/calendar-feeds/{self.SECRET}.ics")
        assert self.SECRET not in json.dumps(line)

    def test_other_paths_are_left_alone(self) -> None:
        path = f"/v1/practitioners/{uuid4()}/calendar-feeds"
        assert telemetry.scrub_path(path) == path


class TestSampling:
    def test_a_query_outside_any_request_or_handler_starts_no_trace(self) -> None:
        polling = {"db.system": "postgresql"}
        with telemetry.tracer().start_as_current_span("SELECT", attributes=polling) as query:
            assert not query.is_recording()

    def test_a_query_inside_a_handler_is_part_of_its_trace(self) -> None:
        trace_id = uuid4().hex
        with telemetry.span_from(f"00-{trace_id}-{uuid4().hex[:16]}-01", "h", SpanKind.CONSUMER):
            query = telemetry.tracer().start_span("SELECT", attributes={"db.system": "postgresql"})
            assert query.is_recording()
            assert format(query.get_span_context().trace_id, "032x") == trace_id
            query.end()
