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
