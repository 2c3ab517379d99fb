"""Observability over the running local stack: one trace per clinical action, the metrics on
/metrics, and JSON logs that never name the patient.

The five services run as processes (as `make run` starts them) and export their spans over
OTLP/HTTP to a receiver in this test. One clinical action on the demo network: a patient is
registered in records, has a consultation, then a treatment that passes formulary's cross-check
and is completed; the completion's trace must reach every consumer and the aftercare email.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from uuid import uuid4

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from devstack.stack import SERVICES, LocalStack
from services.formulary.demo_catalog import demo_lots
from services.formulary.seeding import demo_blend_id
from shared.auth import mint_token
from shared.demo import DEMO_NETWORK_ID, DEMO_PASSWORD
from shared.settings import PlatformSettings
from tests.e2e.otlp_receiver import OtlpReceiver, ReceivedSpan, otlp_receiver
from tests.e2e.stacks import local_stack
from tests.support import Parts

T = TypeVar("T")

APPOINTMENTS_TOPIC = "booking.appointments.v1"
CONSUMERS_OF_SESSION_COMPLETED = (
    ("records", "records"),
    ("formulary", "formulary"),
    ("notifications", "notifications"),
    ("notifications", "notifications-webhooks"),  # the webhook fan-out, a group of its own
)
"""(service, consumer group) of each handler of SessionCompleted."""
PLATFORM = PlatformSettings(env="test")

# The first test also waits for the five services to start and for the clinical action.
pytestmark = pytest.mark.timeout(600)


@dataclass(frozen=True)
class Patient:
    given_name: str
    family_name: str
    email: str
    phone: str

    @property
    def identifying(self) -> list[str]:
        """What must never reach a log line: names, email, phone (as given and in E.164)."""
        return [self.given_name, self.family_name, self.email, self.phone, self.phone[1:]]


@dataclass(frozen=True)
class ClinicalAction:
    patient: Patient
    patient_id: str
    appointment_id: str
    trace_id: str
    """The trace of the request that completed the treatment session."""
    caller_span_id: str
    """The span the caller sent in its `traceparent`: the parent of booking's server span."""
    request_id: str


@dataclass(frozen=True)
class Unreachable:
    """A patient with neither email nor phone, allergic to chamomile, booked for a consultation."""

    patient_id: str
    appointment_id: str


# -- the stack, exporting to the receiver -------------------------------------------------------


@pytest.fixture(scope="module")
def receiver() -> Iterator[OtlpReceiver]:
    with otlp_receiver() as running:
        yield running


@pytest.fixture(scope="module")
def stack(
    parts: Parts, receiver: OtlpReceiver, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LocalStack]:
    otel = {
        "OTEL_TRACES_EXPORTER": "otlp",
        "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
        "OTEL_BSP_SCHEDULE_DELAY": "200",  # export every 0.2 s rather than every 5 s
        "MESOCARE_TRACE_QUERIES": "true",
    }
    root = tmp_path_factory.mktemp("observed-stack")
    with local_stack(parts, root, databases="observed", extra_env=otel) as running:
        yield running


@pytest.fixture(scope="module")
def action(stack: LocalStack) -> ClinicalAction:
    with httpx.Client(timeout=15) as client:
        return treat_a_new_patient(Clinic(client, stack))


@pytest.fixture(scope="module")
def unreachable(stack: LocalStack) -> Unreachable:
    with httpx.Client(timeout=15) as client:
        return book_a_patient_nobody_can_reach(Clinic(client, stack))


# -- the clinical action -------------------------------------------------------------------------


def headers(role: str, **extra: str) -> dict[str, str]:
    token = mint_token(
        PLATFORM,
        sub=f"{role}@demo.mesocare.test",
        network_id=DEMO_NETWORK_ID,
        roles=[role],
    )
    return {"Authorization": f"Bearer {token}", **extra}


@dataclass
class Clinic:
    """The demo network's Paris clinic, driven over the services' HTTP APIs."""

    client: httpx.Client
    stack: LocalStack

    def call(
        self, method: str, service: str, path: str, role: str, expect: int = 200, **kw: Any
    ) -> httpx.Response:
        extra = kw.pop("headers", {})
        response = self.client.request(
            method, f"{self.stack.url(service)}/v1{path}", headers=headers(role, **extra), **kw
        )
        assert response.status_code == expect, f"{method} {path}: {response.text}"
        return response

    def find(self, service: str, path: str, name: str, **params: Any) -> dict[str, Any]:
        items = self.call("GET", service, path, "network_admin", params=params).json()["items"]
        return next(item for item in items if item["name"] == name)

    def act(self, appointment_id: str, action: str, role: str, **kw: Any) -> httpx.Response:
        return self.call("POST", "booking", f"/appointments/{appointment_id}/{action}", role, **kw)


def treat_a_new_patient(clinic: Clinic) -> ClinicalAction:
    """Register, consult, treat (cross-checked) and complete, as a practice would."""
    tag = uuid4().hex[:8]
    patient = Patient(
        given_name="Zéphyrine",
        family_name=f"Quillacq{tag}",
        email=f"zephyrine.quillacq.{tag}@example.test",
        phone=f"+3375{int(tag, 16) % 10**7:07d}",
    )
    patient_id = clinic.call(
        "POST",
        "records",
        "/patients",
        "practitioner",
        expect=201,
        json={
            "given_name": patient.given_name,
            "family_name": patient.family_name,
            "email": patient.email,
            "phone": patient.phone,
            "timezone": "Europe/Paris",
            "fitzpatrick_skin_type": 2,
            "consents": [{"kind": "treatment", "granted": True, "wording_version": "demo-1"}],
        },
    ).json()["id"]

    consultation = clinic.find("booking", "/treatment-types", "Consultation: skin rejuvenation")
    treatment = clinic.find("booking", "/treatment-types", "Face and neck revitalisation")

    consulted, consultation_over = book(clinic, patient_id, consultation["id"])
    clinic.act(consulted, "check-in", "receptionist")
    clinic.act(consulted, "start", "practitioner", json={})
    clinic.act(consulted, "complete", "practitioner", json={})

    treated, _ = book(clinic, patient_id, treatment["id"], after=consultation_over)
    clinic.act(treated, "check-in", "receptionist")
    blend = {"blend_id": str(demo_blend_id(DEMO_NETWORK_ID, "Revitalising face"))}
    # The patient's safety profile reaches formulary as an event; until then, no start.
    poll(lambda: _started(clinic, treated, blend), within=60)

    trace_id, caller_span_id, request_id = uuid4().hex, uuid4().hex[:16], f"obs-{uuid4()}"
    clinic.act(
        treated,
        "complete",
        "practitioner",
        json=completion_record(),
        headers={
            "traceparent": f"00-{trace_id}-{caller_span_id}-01",
            "X-Request-ID": request_id,
        },
    )
    return ClinicalAction(patient, patient_id, treated, trace_id, caller_span_id, request_id)


def book(
    clinic: Clinic, patient_id: str, type_id: str, *, after: str | None = None
) -> tuple[str, str]:
    """The Paris doctor's first free slot (after `after`), booked: the appointment id, its end."""
    paris = clinic.find("booking", "/clinics", "MesoCare Demo Paris")
    doctor = clinic.find("booking", "/practitioners", "Dr Claire Moreau", clinic_id=paris["id"])
    first_day = date.today() + timedelta(days=7)
    slots = clinic.call(
        "GET",
        "booking",
        "/availability",
        "receptionist",
        params={
            "clinic_id": paris["id"],
            "treatment_type_id": type_id,
            "practitioner_id": doctor["id"],
            "from": first_day.isoformat(),
            "to": (first_day + timedelta(days=14)).isoformat(),
        },
    ).json()["slots"]
    slot = next(s for s in slots if after is None or s["start"] >= after)
    body = {
        "clinic_id": paris["id"],
        "room_id": slot["room_id"],
        "practitioner_id": doctor["id"],
        "patient_id": patient_id,
        "treatment_type_id": type_id,
        "start": slot["start"],
    }
    booked = clinic.call(
        "POST", "booking", "/appointments", "receptionist", expect=201, json=body
    ).json()
    return booked["id"], booked["occupied_until"]


def book_a_patient_nobody_can_reach(clinic: Clinic) -> Unreachable:
    """Registered without email or phone, declaring a chamomile allergy; cross-checked against
    a chamomile blend (contraindicated) and booked, so the confirmation is skipped."""
    patient_id = clinic.call(
        "POST",
        "records",
        "/patients",
        "receptionist",
        expect=201,
        json={
            "given_name": "Odile",
            "family_name": f"Sanscontact{uuid4().hex[:8]}",
            "timezone": "Europe/Paris",
            "declared_allergies": [{"code": "chamomile", "severity": "moderate"}],
        },
    ).json()["id"]

    def verdict() -> str | None:
        response = clinic.call(
            "POST",
            "formulary",
            "/cross-checks",
            "practitioner",
            json={
                "patient_id": patient_id,
                "blend_id": str(demo_blend_id(DEMO_NETWORK_ID, "Revitalising face")),
            },
        )
        found = response.json()["verdict"]
        return None if found == "unknown_patient" else found  # the profile is on its way

    assert poll(verdict, within=60) == "contraindicated"

    def known_to_notifications() -> bool:
        url = f"{clinic.stack.url('notifications')}/v1/patients/{patient_id}/preferences"
        return clinic.client.get(url, headers=headers("network_admin")).status_code == 200

    # Booked before notifications has the contact data, the confirmation would wait for it.
    poll(known_to_notifications, within=60)
    consultation = clinic.find("booking", "/treatment-types", "Consultation: skin rejuvenation")
    appointment_id, _ = book(clinic, patient_id, consultation["id"])
    return Unreachable(patient_id, appointment_id)


def _started(clinic: Clinic, appointment_id: str, blend: dict[str, str]) -> bool:
    response = clinic.client.post(
        f"{clinic.stack.url('booking')}/v1/appointments/{appointment_id}/start",
        json=blend,
        headers=headers("practitioner"),
    )
    if response.status_code == 409 and response.json()["type"].endswith(
        "/cross-check-unknown-patient"
    ):
        return False
    if response.status_code == 503:
        return False  # formulary slow to answer on a loaded machine: the start fails closed
    assert response.status_code == 200, response.text
    assert response.json()["cross_check"]["verdict"] == "ok"
    return True


def completion_record() -> dict[str, Any]:
    today = datetime.now(UTC).date()
    lot = next(
        lot
        for lot in demo_lots(today)
        if lot.ingredient_code == "hyaluronic_acid" and lot.expires_on > today
    )
    return {
        "preparation": {
            "disinfection": "chlorhexidine 0.5%",
            "numbing_cream": True,
            "numbing_product": "lidocaine 5% cream",
        },
        "ingredients": [
            {
                "ingredient_code": "hyaluronic_acid",
                "ingredient_name": "Hyaluronic acid",
                "lot_number": lot.lot_number,
                "amount": "10",
                "unit": "mg",
            }
        ],
        "technique": "nappage",
        "immediate_reactions": ["redness"],
    }


def poll(probe: Callable[[], T], *, within: float, interval: float = 0.25) -> T:
    """`probe()` once it is truthy; fails with the last value after `within` seconds."""
    deadline = time.monotonic() + within
    while True:
        value = probe()
        if value or time.monotonic() > deadline:
            assert value, f"not reached within {within}s (last: {value!r})"
            return value
        time.sleep(interval)


# -- traces --------------------------------------------------------------------------------------


@dataclass
class Trace:
    spans: list[ReceivedSpan]

    def of(self, service: str, name: str | None = None, kind: str | None = None) -> list[Any]:
        return [
            s
            for s in self.spans
            if s.service == f"mesocare-{service}"
            and (name is None or s.name == name)
            and (kind is None or s.kind == kind)
        ]

    def one(
        self, service: str, name: str | None = None, kind: str | None = None, group: str = ""
    ) -> ReceivedSpan:
        """The one span of `service` so named (of consumer group `group`, if given)."""
        found = [
            s
            for s in self.of(service, name, kind)
            if not group or s.attributes.get("messaging.consumer.group.name") == group
        ]
        assert len(found) == 1, f"{service} {name or ''} {kind or ''}: {self.summary()}"
        return found[0]

    def ancestors(self, span: ReceivedSpan) -> list[ReceivedSpan]:
        by_id = {s.span_id: s for s in self.spans}
        chain = []
        while span.parent_span_id in by_id:
            span = by_id[span.parent_span_id]
            chain.append(span)
        return chain

    def summary(self) -> str:
        return "; ".join(sorted({f"{s.service}: {s.kind} {s.name}" for s in self.spans}))


def completion_trace(receiver: OtlpReceiver, action: ClinicalAction) -> Trace:
    """The trace once every consumer's handler and the aftercare email have reported."""

    def complete() -> Trace | None:
        trace = Trace(receiver.trace(action.trace_id))
        consumed = all(
            any(
                s.attributes.get("messaging.consumer.group.name") == group
                for s in trace.of(service, f"{APPOINTMENTS_TOPIC} process", "CONSUMER")
            )
            for service, group in CONSUMERS_OF_SESSION_COMPLETED
        )
        return trace if consumed and trace.of("notifications", "send email") else None

    try:
        return poll(complete, within=45)
    except AssertionError:
        trace = Trace(receiver.trace(action.trace_id))
        raise AssertionError(f"incomplete trace {action.trace_id}: {trace.summary()}") from None


class TestOneTracePerClinicalAction:
    def test_the_completion_request_is_a_booking_server_span_in_the_callers_trace(
        self, receiver: OtlpReceiver, action: ClinicalAction
    ) -> None:
        trace = completion_trace(receiver, action)
        server = trace.one("booking", kind="SERVER")
        assert server.attributes["http.route"] == "/v1/appointments/{appointment_id}/complete"
        assert server.attributes["http.response.status_code"] == 200

    def test_the_relay_publishes_as_a_child_of_the_request(
        self, receiver: OtlpReceiver, action: ClinicalAction
    ) -> None:
        trace = completion_trace(receiver, action)
        publish = trace.one("booking", f"{APPOINTMENTS_TOPIC} publish", "PRODUCER")
        assert trace.one("booking", kind="SERVER") in trace.ancestors(publish)
        assert publish.attributes["messaging.destination.name"] == APPOINTMENTS_TOPIC

    def test_each_consumer_handles_session_completed_under_the_published_message(
        self, receiver: OtlpReceiver, action: ClinicalAction
    ) -> None:
        trace = completion_trace(receiver, action)
        publish = trace.one("booking", f"{APPOINTMENTS_TOPIC} publish", "PRODUCER")
        for service, group in CONSUMERS_OF_SESSION_COMPLETED:
            handler = trace.one(service, f"{APPOINTMENTS_TOPIC} process", "CONSUMER", group)
            assert handler.parent_span_id == publish.span_id, group
            assert (
                handler.attributes["cloudevents.event_type"]
                == "mesocare.booking.SessionCompleted.v1"
            )

    def test_the_aftercare_email_is_sent_inside_the_notifications_handler_trace(
        self, receiver: OtlpReceiver, action: ClinicalAction
    ) -> None:
        trace = completion_trace(receiver, action)
        handler = trace.one(
            "notifications", f"{APPOINTMENTS_TOPIC} process", "CONSUMER", "notifications"
        )
        sends = trace.of("notifications", "send email")
        assert sends, trace.summary()
        assert all(handler in trace.ancestors(send) for send in sends)

    def test_the_trace_spans_the_four_services_and_stays_one_trace(
        self, receiver: OtlpReceiver, action: ClinicalAction
    ) -> None:
        trace = completion_trace(receiver, action)
        assert {s.service for s in trace.spans} == {
            "mesocare-booking",
            "mesocare-records",
            "mesocare-formulary",
            "mesocare-notifications",
        }
        # Every span descends from the caller's: no hop lost the context on the way.
        roots = [s for s in trace.spans if not trace.ancestors(s)]
        assert [s.parent_span_id for s in roots] == [action.caller_span_id]
        assert roots == [trace.one("booking", kind="SERVER")]

    def test_database_queries_are_traced_inside_requests_and_handlers_only(
        self, receiver: OtlpReceiver, action: ClinicalAction
    ) -> None:
        trace = completion_trace(receiver, action)
        assert any("db.system" in s.attributes for s in trace.of("booking"))
        # The relays' and the dispatcher's polling, every second, starts no trace of its own.
        lone = [
            s.name for s in receiver.spans if "db.system" in s.attributes and not s.parent_span_id
        ]
        assert lone == []

    def test_no_span_carries_the_patients_name_or_contact_details(
        self, receiver: OtlpReceiver, action: ClinicalAction
    ) -> None:
        completion_trace(receiver, action)
        exported = json.dumps([s.attributes for s in receiver.spans], ensure_ascii=False)
        for value in action.patient.identifying:
            assert value.lower() not in exported.lower()


# -- metrics -------------------------------------------------------------------------------------


def scrape(stack: LocalStack, service: str) -> dict[str, list[Any]]:
    """Samples of the service's /metrics by sample name (`x_total`, `x_bucket`, …)."""
    text = httpx.get(f"{stack.url(service)}/metrics", timeout=10).text
    samples: dict[str, list[Any]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append(sample)
    return samples


def total(samples: dict[str, list[Any]], name: str, **labels: str) -> float:
    assert name in samples, f"{name} not exposed; have {sorted(samples)}"
    return sum(
        s.value for s in samples[name] if all(s.labels.get(k) == v for k, v in labels.items())
    )


class TestMetrics:
    def test_http_duration_is_counted_per_route_and_status(
        self, stack: LocalStack, action: ClinicalAction
    ) -> None:
        again = httpx.post(
            f"{stack.url('booking')}/v1/appointments/{action.appointment_id}/complete",
            json=completion_record(),
            headers=headers("practitioner"),
        )
        assert again.status_code == 409  # a completed session cannot be completed twice
        booking = scrape(stack, "booking")
        route = "/v1/appointments/{appointment_id}/complete"
        count = "http_server_request_duration_seconds_count"
        assert total(booking, count, http_route=route, http_response_status_code="200") >= 2
        assert total(booking, count, http_route=route, http_response_status_code="409") >= 1
        assert total(booking, "http_server_request_duration_seconds_sum", http_route=route) > 0

    def test_every_service_reports_its_outbox_backlog_and_oldest_unsent_age(
        self, stack: LocalStack, action: ClinicalAction
    ) -> None:
        for name in SERVICES:
            samples = scrape(stack, name)
            assert total(samples, "outbox_backlog", service=name) >= 0
            assert total(samples, "outbox_oldest_unsent_age_seconds", service=name) >= 0
            assert [s.labels["service"] for s in samples["outbox_backlog"]] == [name]

    def test_consumers_report_lag_per_topic_and_handler_duration(
        self, stack: LocalStack, receiver: OtlpReceiver, action: ClinicalAction
    ) -> None:
        completion_trace(receiver, action)  # every consumer has handled SessionCompleted
        for name, group in CONSUMERS_OF_SESSION_COMPLETED:
            samples = scrape(stack, name)
            topics = {s.labels["topic"] for s in samples["consumer_lag"]}
            assert APPOINTMENTS_TOPIC in topics, name
            assert all(s.value >= 0 for s in samples["consumer_lag"])
            handled = total(
                samples,
                "consumer_handler_duration_seconds_count",
                group=group,
                topic=APPOINTMENTS_TOPIC,
                type="mesocare.booking.SessionCompleted.v1",
            )
            assert handled >= 1, group
            assert total(samples, "consumer_events_total", group=group, outcome="handled") >= 1

    def test_cross_check_verdicts_are_counted(
        self, stack: LocalStack, action: ClinicalAction, unreachable: Unreachable
    ) -> None:
        formulary = scrape(stack, "formulary")
        assert total(formulary, "cross_check_verdicts_total", verdict="ok") >= 1
        assert total(formulary, "cross_check_verdicts_total", verdict="contraindicated") >= 1

    def test_notifications_count_messages_per_channel_and_outcome(
        self, stack: LocalStack, receiver: OtlpReceiver, action: ClinicalAction
    ) -> None:
        completion_trace(receiver, action)  # the aftercare email has been sent
        notifications = scrape(stack, "notifications")
        assert (
            total(notifications, "notifications_messages_total", channel="email", outcome="sent")
            >= 1
        )

    def test_a_message_nobody_can_receive_is_counted_as_skipped(
        self, stack: LocalStack, unreachable: Unreachable
    ) -> None:
        def skipped() -> list[Any]:
            response = httpx.get(
                f"{stack.url('notifications')}/v1/messages",
                params={"appointment_id": unreachable.appointment_id, "status": "skipped"},
                headers=headers("network_admin"),
                timeout=10,
            )
            assert response.status_code == 200, response.text
            return response.json()["items"]

        poll(skipped, within=30)  # the booking confirmation, with no email or phone to go to
        notifications = scrape(stack, "notifications")
        assert (
            total(notifications, "notifications_messages_total", channel="none", outcome="skipped")
            >= 1
        )

    def test_the_gateway_counts_its_requests_per_route(self, stack: LocalStack) -> None:
        signed_in = httpx.post(
            f"{stack.url('gateway')}/auth/token",
            data={
                "grant_type": "password",
                "username": "reception@demo.mesocare.test",
                "password": DEMO_PASSWORD,
            },
            timeout=10,
        )
        assert signed_in.status_code == 200, signed_in.text
        gateway = scrape(stack, "gateway")
        count = "http_server_request_duration_seconds_count"
        assert total(gateway, count, http_route="/auth/token", http_response_status_code="200") >= 1


# -- logs ----------------------------------------------------------------------------------------


def log_lines(stack: LocalStack) -> dict[str, list[str]]:
    return {
        name: Path(stack.logs / f"{name}.log").read_text(encoding="utf-8").splitlines()
        for name in SERVICES
    }


class TestLogs:
    def test_every_line_of_every_service_is_a_json_object(
        self, stack: LocalStack, receiver: OtlpReceiver, action: ClinicalAction
    ) -> None:
        completion_trace(receiver, action)
        for name, lines in log_lines(stack).items():
            assert lines, f"{name} wrote no log"
            for line in lines:
                entry = json.loads(line)
                assert entry["service"] == name
                assert {"time", "level", "logger", "message"} <= set(entry)

    def test_no_line_names_the_patient_gives_their_contact_details_or_a_password(
        self, stack: LocalStack, receiver: OtlpReceiver, action: ClinicalAction
    ) -> None:
        completion_trace(receiver, action)
        for name, lines in log_lines(stack).items():
            text = "\n".join(lines).lower()
            for value in action.patient.identifying:
                assert value.lower() not in text, f"{name}'s log holds {value!r}"
                # json.dumps escapes non-ASCII letters: look for the escaped form too.
                escaped = json.dumps(value)[1:-1].lower()
                assert escaped not in text, f"{name}'s log holds {value!r}"
            assert DEMO_PASSWORD not in text, f"{name}'s log holds a password"

    def test_the_completion_request_is_logged_with_its_request_and_trace_ids(
        self, stack: LocalStack, action: ClinicalAction
    ) -> None:
        entries = [json.loads(line) for line in log_lines(stack)["booking"]]
        logged = [e for e in entries if e.get("request_id") == action.request_id]
        assert logged, "no line of booking carries the request id"
        request = next(e for e in logged if e["message"] == "request")
        assert request["trace_id"] == action.trace_id
        assert request["route"] == "/v1/appointments/{appointment_id}/complete"
        assert request["method"] == "POST"
        assert request["status"] == 200
        assert str(action.appointment_id) not in json.dumps(request)
