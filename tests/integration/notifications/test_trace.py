"""One trace from the event to the SMTP reply: each send attempt is a span under the handler."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from shared.events.base import Envelope
from tests.integration.notifications.helpers import Stage, completed, new_patient, new_visit
from tests.support import eventually

HANDLER_SPAN = "booking.appointments.v1 process"


@pytest.fixture
def spans(stage: Stage) -> Iterator[InMemorySpanExporter]:
    """Finished spans of this process while the test runs (the service set up the provider)."""
    provider = trace.get_tracer_provider()
    assert isinstance(provider, TracerProvider), "the service installs the SDK tracer provider"
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield exporter
    exporter.shutdown()  # a provider keeps its processors: from now on this one stores nothing


def new_traceparent() -> tuple[str, str, str]:
    """(traceparent, trace id, span id) as booking's request would have sent them."""
    trace_id, span_id = uuid4().hex, uuid4().hex[:16]
    return f"00-{trace_id}-{span_id}-01", trace_id, span_id


async def publish_session(stage: Stage, traceparent: str, **patient: Any) -> tuple[UUID, str]:
    """A SessionCompleted carrying `traceparent`; (appointment id, the patient's email)."""
    who = await stage.register(new_patient(uuid4(), **patient))
    event = completed(who, new_visit(), stage.clock.now(), areas=["face"])
    envelope = Envelope.wrap(event, source="mesocare/booking", traceparent=traceparent)
    await stage.publish(event, envelope=envelope)
    assert who.email is not None
    return event.appointment_id, who.email


async def send_spans(
    exporter: InMemorySpanExporter, message_id: UUID, count: int = 1
) -> list[ReadableSpan]:
    async def finished() -> list[ReadableSpan] | None:
        found = [
            s
            for s in exporter.get_finished_spans()
            if s.name.startswith("send ")
            and (s.attributes or {}).get("mesocare.message.id") == str(message_id)
        ]
        return found if len(found) >= count else None

    return sorted(await eventually(finished), key=lambda s: s.start_time or 0)


def parent_of(span: ReadableSpan, exporter: InMemorySpanExporter) -> ReadableSpan:
    assert span.parent is not None, f"{span.name} has no parent"
    [parent] = [
        s
        for s in exporter.get_finished_spans()
        if s.context is not None and s.context.span_id == span.parent.span_id
    ]
    return parent


class TestTheSendIsInTheEventsTrace:
    async def test_the_aftercare_mail_is_sent_in_a_span_under_the_handler_of_the_event(
        self, stage: Stage, spans: InMemorySpanExporter
    ) -> None:
        traceparent, trace_id, booking_span_id = new_traceparent()

        appointment, _ = await publish_session(stage, traceparent)

        row = await stage.message(appointment_id=appointment, kind="aftercare")
        assert row["status"] == "sent"
        assert row["traceparent"].split("-")[1] == trace_id
        [send] = await send_spans(spans, row["id"])
        assert send.name == "send email"
        assert send.kind is SpanKind.CLIENT
        assert format(send.context.trace_id, "032x") == trace_id
        handler = parent_of(send, spans)
        assert handler.name == HANDLER_SPAN
        assert handler.parent is not None
        assert format(handler.parent.span_id, "016x") == booking_span_id
        assert row["traceparent"].split("-")[2] == format(handler.context.span_id, "016x")

    async def test_the_span_names_the_message_but_not_the_patient(
        self, stage: Stage, spans: InMemorySpanExporter
    ) -> None:
        appointment, address = await publish_session(stage, new_traceparent()[0])

        row = await stage.message(appointment_id=appointment, kind="aftercare")
        [send] = await send_spans(spans, row["id"])
        assert dict(send.attributes or {}) == {
            "mesocare.message.id": str(row["id"]),
            "mesocare.message.kind": "aftercare",
            "mesocare.message.channel": "email",
            "mesocare.message.attempt": 1,
            "mesocare.message.outcome": "sent",
        }
        shown = " ".join(str(v) for v in (send.attributes or {}).values())
        assert address not in shown and "Ana" not in shown

    async def test_an_sms_is_sent_in_a_send_sms_span(
        self, stage: Stage, spans: InMemorySpanExporter
    ) -> None:
        traceparent, trace_id, _ = new_traceparent()

        appointment, _ = await publish_session(
            stage, traceparent, phone="+34600777888", preferred_channel="sms"
        )

        row = await stage.message(appointment_id=appointment, kind="aftercare")
        [send] = await send_spans(spans, row["id"])
        assert send.name == "send sms"
        assert format(send.context.trace_id, "032x") == trace_id
        assert parent_of(send, spans).name == HANDLER_SPAN
        assert "+34600777888" not in " ".join(str(v) for v in (send.attributes or {}).values())

    async def test_each_retry_is_its_own_span_in_the_same_trace(
        self, stage: Stage, spans: InMemorySpanExporter
    ) -> None:
        traceparent, trace_id, _ = new_traceparent()
        stage.mail.refuse_next = 1

        appointment, address = await publish_session(stage, traceparent)

        async def retried() -> dict[str, Any] | None:
            row = await stage.message(appointment_id=appointment, kind="aftercare", settled=False)
            return row if row["attempts"] == 1 and row["status"] == "scheduled" else None

        row = await eventually(retried)
        stage.advance(timedelta(seconds=30))
        await stage.mail_to(address)
        first, second = await send_spans(spans, row["id"], count=2)
        assert [s.attributes["mesocare.message.attempt"] for s in (first, second)] == [1, 2]
        assert first.attributes["mesocare.message.outcome"] == "temporary_failure"
        assert first.status.status_code is StatusCode.ERROR
        assert second.attributes["mesocare.message.outcome"] == "sent"
        assert {format(s.context.trace_id, "032x") for s in (first, second)} == {trace_id}
        assert first.context.span_id != second.context.span_id
        assert parent_of(first, spans).name == parent_of(second, spans).name == HANDLER_SPAN
        assert first.parent == second.parent
