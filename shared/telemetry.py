"""OpenTelemetry tracing and metrics, JSON logs carrying trace ids.

Trace context crosses Kafka in the `traceparent` header. With an outbox, the request that causes
an event and the relay that publishes it run in different contexts, so the `traceparent` is
captured when the outbox row is written and sent with the message; consumers run their handler
in a span whose parent is that context.

Logs are JSON lines carrying the request id and the trace and span ids. They name patients by id
only; as a safety net, anything shaped like an email address or an international phone number
is replaced by `[email]` / `[phone]` before a line is written (a name has no shape to catch, so
code must never log one).
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from opentelemetry import metrics, propagate, trace
from opentelemetry.exporter.prometheus import PrometheusMetricReader
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SpanExporter,
)
from opentelemetry.sdk.trace.sampling import Decision, ParentBased, Sampler, SamplingResult
from opentelemetry.trace import SpanKind

from shared.settings import PlatformSettings

_configured = False

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)


def setup(service: str, platform: PlatformSettings) -> None:
    """Install tracer and meter providers and JSON logging, once per process."""
    global _configured
    configure_logging(service, platform.log_level)
    if _configured:
        return
    _configured = True
    resource = Resource.create({"service.name": f"mesocare-{service}"})
    provider = TracerProvider(resource=resource, sampler=ParentBased(root=NoLoneQueries()))
    exporter = _span_exporter(platform)
    if exporter is not None:
        provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    # Prometheus reader: OTel instruments are exposed on each service's /metrics.
    metrics.set_meter_provider(
        MeterProvider(resource=resource, metric_readers=[PrometheusMetricReader()])
    )
    if platform.trace_queries:
        from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor

        AsyncPGInstrumentor().instrument()


class NoLoneQueries(Sampler):
    """Samples every trace except one a database query would start on its own.

    Used as the root sampler under `ParentBased`: queries inside a request or a handler are in
    its trace, while the relay's and the dispatcher's polling (every second, in every service)
    does not fill the trace store with one-span traces.
    """

    def should_sample(
        self,
        parent_context: Any,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Any = None,
        links: Any = None,
        trace_state: Any = None,
    ) -> SamplingResult:
        if attributes and ("db.system" in attributes or "db.system.name" in attributes):
            return SamplingResult(Decision.DROP)
        return SamplingResult(Decision.RECORD_AND_SAMPLE, attributes)

    def get_description(self) -> str:
        return "NoLoneQueries"


def _span_exporter(platform: PlatformSettings) -> SpanExporter | None:
    if platform.otel_traces_exporter == "console":
        return ConsoleSpanExporter(out=sys.stderr)
    if platform.otel_traces_exporter == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        endpoint = platform.otel_exporter_otlp_endpoint
        return OTLPSpanExporter(endpoint=f"{endpoint.rstrip('/')}/v1/traces" if endpoint else None)
    return None


_tracers: dict[str, trace.Tracer] = {}


def tracer(name: str = "mesocare") -> trace.Tracer:
    """One tracer per name for the process (a proxy until `setup` installs the provider, then
    it follows it), rather than a new one asked of the provider for every span."""
    found = _tracers.get(name)
    if found is None:
        found = _tracers[name] = trace.get_tracer(name)
    return found


def meter(name: str = "mesocare") -> metrics.Meter:
    return metrics.get_meter(name)


def current_traceparent() -> str | None:
    """The W3C traceparent of the active span, to be stored with an outbox row."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get("traceparent")


def current_trace_id() -> str | None:
    ctx = trace.get_current_span().get_span_context()
    return format(ctx.trace_id, "032x") if ctx.is_valid else None


def context_from(traceparent: str | bytes | None, tracestate: str | bytes | None = None) -> Any:
    """The OTel context carried by W3C `traceparent` (and `tracestate`); empty when none."""
    carrier = {
        name: value.decode("latin-1") if isinstance(value, bytes) else value
        for name, value in (("traceparent", traceparent), ("tracestate", tracestate))
        if value
    }
    return propagate.extract(carrier)


@contextmanager
def span_from(traceparent: str | None, name: str, kind: SpanKind, **attrs: Any) -> Iterator[Any]:
    """A span whose parent is the context carried in `traceparent` (a new trace if none)."""
    ctx = context_from(traceparent)
    with tracer().start_as_current_span(name, context=ctx, kind=kind, attributes=attrs) as span:
        yield span


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"\+\d[\d ().-]{6,18}\d")


_FEED_SECRET = re.compile(r"(/calendar-feeds/)[A-Za-z0-9_-]{20,}(\.ics)")


def scrub(text: str) -> str:
    """`text` with email addresses, international phone numbers and calendar feed secrets
    replaced."""
    return _PHONE.sub("[phone]", _EMAIL.sub("[email]", scrub_path(text)))


def scrub_path(path: str) -> str:
    """A request path without the secrets it may carry: a calendar feed's URL is its key
    (booking's `/v1/calendar-feeds/{secret}.ics`), so it stays out of traces and logs."""
    return _FEED_SECRET.sub(r"\1[secret]\2", path)


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the trace and span ids of the active span."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    _skip = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message"}

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "message": scrub(record.getMessage()),
        }
        request_id = request_id_var.get()
        if request_id:
            entry["request_id"] = scrub(request_id)
        ctx = trace.get_current_span().get_span_context()
        if ctx.is_valid:
            entry["trace_id"] = format(ctx.trace_id, "032x")
            entry["span_id"] = format(ctx.span_id, "016x")
        for key, value in record.__dict__.items():
            if key not in self._skip and not key.startswith("_"):
                if isinstance(value, int | float | bool):
                    entry[key] = value
                else:
                    entry[key] = scrub(value if isinstance(value, str) else str(value))
        if record.exc_info:
            entry["exception"] = scrub(self.formatException(record.exc_info))
        return json.dumps(entry)


def configure_logging(service: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # httpx logs every URL it calls at INFO, query string included (a patient search by name).
    for noisy in ("aiokafka", "kafka", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    logging.captureWarnings(True)  # warnings become JSON lines too, not raw stderr text
