"""What every service answers at its boundary: probes, metrics, OpenAPI and problem+json errors."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from shared.auth import LEEWAY_SECONDS, mint_token
from tests.integration.booking.helpers import Stage
from tests.integration.lifecycle import completed_treatment
from tests.support import RunningService, bearer, eventually

PATH = "/v1/clinics"
"""A creating endpoint any network admin may call: the platform's behaviour is the same on all."""


def clinic_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "name": "Clinique Opéra",
        "address": "12 rue de la Paix, 75002 Paris",
        "timezone": "Europe/Paris",
        "currency": "EUR",
    }
    body.update(overrides)
    return body


def admin(booking: RunningService, network: UUID) -> dict[str, str]:
    return bearer(booking.settings.platform, network, "network_admin")


async def clinics_of(booking: RunningService, network: UUID) -> int:
    return await booking.pool.fetchval(
        "SELECT count(*) FROM clinics WHERE network_id = $1", network
    )


class TestProbes:
    async def test_healthz_says_alive(self, booking: RunningService) -> None:
        response = await booking.client.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}

    async def test_readyz_checks_database_and_broker(self, booking: RunningService) -> None:
        response = await booking.client.get("/readyz")
        assert response.status_code == 200
        assert response.json() == {
            "status": "ready",
            "checks": {"database": True, "broker": True},
        }

    async def test_metrics_expose_http_and_outbox_figures(
        self, treating: Stage, formulary: RunningService
    ) -> None:
        service = treating.svc.settings.service
        before = figures(await treating.client.get("/metrics"), service)
        done = await completed_treatment(treating, formulary)
        written = await treating.svc.pool.fetchval(
            "SELECT count(*) FROM outbox WHERE payload->>'network_id' = $1", str(done.network)
        )

        async def all_published() -> bool:
            now = figures(await treating.client.get("/metrics"), service)
            return now.get(PUBLISHED, 0) - before.get(PUBLISHED, 0) >= written

        await eventually(all_published)
        # One process holds every service of the session here, and an observable gauge reports
        # for the relay that registered it first: the gauges are there, of whichever service.
        text = (await treating.client.get("/metrics")).text
        assert "outbox_backlog{" in text
        assert "outbox_oldest_unsent_age_seconds{" in text
        assert "http_server_request_duration_seconds_count{" in text

    async def test_openapi_documents_problem_answers(self, booking: RunningService) -> None:
        spec = (await booking.client.get("/openapi.json")).json()
        responses = spec["paths"][PATH]["post"]["responses"]
        assert {"201", "400", "401", "403", "422"} <= set(responses)
        assert "application/problem+json" in responses["401"]["content"]


PUBLISHED = "outbox_published_total"


def figures(metrics: Any, service: str) -> dict[str, float]:
    """The samples labelled with `service` on a /metrics answer, by name."""
    from prometheus_client.parser import text_string_to_metric_families

    found: dict[str, float] = {}
    for family in text_string_to_metric_families(metrics.text):
        for sample in family.samples:
            if sample.labels.get("service") == service:
                found[sample.name] = found.get(sample.name, 0) + sample.value
    return found


class TestAuthentication:
    async def test_no_token_is_401_problem(self, booking: RunningService) -> None:
        response = await booking.client.post(PATH, json=clinic_body())
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["type"].endswith("/unauthorized")

    async def test_token_signed_with_another_secret_is_401(self, booking: RunningService) -> None:
        forged = booking.settings.platform.model_copy(update={"jwt_secret": "x" * 40})
        response = await booking.client.post(
            PATH, json=clinic_body(), headers=bearer(forged, uuid4(), "network_admin")
        )
        assert response.status_code == 401
        assert "not valid" in response.json()["detail"]

    async def test_expired_token_is_401(self, booking: RunningService) -> None:
        token = mint_token(
            booking.settings.platform,
            sub="a",
            network_id=uuid4(),
            roles=["network_admin"],
            ttl=timedelta(seconds=-(LEEWAY_SECONDS + 5)),
        )
        response = await booking.client.post(
            PATH, json=clinic_body(), headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 401
        assert response.json()["detail"] == "The token has expired."

    async def test_a_role_that_may_not_act_is_403(self, booking: RunningService) -> None:
        network = uuid4()
        response = await booking.client.post(
            PATH,
            json=clinic_body(),
            headers=bearer(booking.settings.platform, network, "receptionist"),
        )
        assert response.status_code == 403
        assert response.headers["content-type"] == "application/problem+json"
        assert "network_admin" in response.json()["detail"]
        assert await clinics_of(booking, network) == 0


class TestBadInput:
    async def test_malformed_json_is_400_problem(self, booking: RunningService) -> None:
        response = await booking.client.post(
            PATH,
            content=b'{"name": ',
            headers={**admin(booking, uuid4()), "content-type": "application/json"},
        )
        assert response.status_code == 400
        assert response.json()["title"] == "Malformed JSON body"

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"timezone": "Europe/Atlantis"}, "timezone"),
            ({"currency": "euros"}, "currency"),
            ({"surprise": 1}, "surprise"),
        ],
    )
    async def test_wrong_fields_are_422_naming_them(
        self, booking: RunningService, change: dict, field: str
    ) -> None:
        response = await booking.client.post(
            PATH, json=clinic_body(**change), headers=admin(booking, uuid4())
        )
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        assert [e["field"] for e in response.json()["errors"]] == [field]

    async def test_refused_request_writes_nothing(self, booking: RunningService) -> None:
        network = uuid4()

        refused = await booking.client.post(
            PATH, json=clinic_body(timezone="Europe/Atlantis"), headers=admin(booking, network)
        )
        assert refused.status_code == 422
        assert await clinics_of(booking, network) == 0
        # The same request, corrected, does write: the count above would have seen it.
        accepted = await booking.client.post(
            PATH, json=clinic_body(), headers=admin(booking, network)
        )
        assert accepted.status_code == 201, accepted.text
        assert await clinics_of(booking, network) == 1

    @pytest.mark.parametrize(
        ("method", "path", "allow"),
        [
            ("DELETE", PATH, "GET, POST"),
            ("PUT", f"{PATH}/{uuid4()}", "GET, PATCH"),
            ("OPTIONS", f"/v1/practitioners/{uuid4()}/time-off/{uuid4()}", "DELETE"),
            ("POST", "/healthz", "GET"),
        ],
    )
    async def test_a_method_the_path_does_not_answer_is_405_allowing_every_one_it_does(
        self, booking: RunningService, method: str, path: str, allow: str
    ) -> None:
        response = await booking.client.request(method, path, headers=admin(booking, uuid4()))
        assert response.status_code == 405
        assert response.headers["allow"] == allow
        assert response.json()["type"].endswith("/method-not-allowed")

    async def test_unknown_path_is_404_problem(self, booking: RunningService) -> None:
        response = await booking.client.get("/v1/nothing-here")
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"


class TestTenancy:
    async def test_another_networks_clinic_is_404(self, booking: RunningService) -> None:
        mine = await booking.client.post(PATH, json=clinic_body(), headers=admin(booking, uuid4()))
        assert mine.status_code == 201, mine.text
        theirs = bearer(booking.settings.platform, uuid4(), "network_admin")

        response = await booking.client.get(f"{PATH}/{mine.json()['id']}", headers=theirs)

        assert response.status_code == 404
        assert response.json()["type"].endswith("/not-found")

    async def test_own_clinic_is_visible(self, booking: RunningService) -> None:
        network = uuid4()
        mine = await booking.client.post(PATH, json=clinic_body(), headers=admin(booking, network))
        assert mine.status_code == 201, mine.text
        response = await booking.client.get(
            f"{PATH}/{mine.json()['id']}",
            headers=bearer(booking.settings.platform, network, "receptionist"),
        )
        assert response.status_code == 200
        assert response.json() == mine.json()


class TestEveryRequest:
    """One SERVER span, one duration sample and one log line a request, by route template."""

    async def test_a_request_is_a_span_under_the_callers_trace_named_by_its_route(
        self, booking: RunningService, caplog: pytest.LogCaptureFixture
    ) -> None:
        from opentelemetry import trace
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

        provider = trace.get_tracer_provider()
        assert isinstance(provider, TracerProvider)
        exporter = InMemorySpanExporter()
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        trace_id, caller = uuid4().hex, uuid4().hex[:16]
        clinic = uuid4()
        try:
            with caplog.at_level("INFO", logger="mesocare.service"):
                response = await booking.client.get(
                    f"/v1/clinics/{clinic}",
                    headers={
                        **bearer(booking.settings.platform, uuid4(), "receptionist"),
                        "traceparent": f"00-{trace_id}-{caller}-01",
                        "tracestate": "clinicchain=abc",
                        "X-Request-ID": "req-abc",
                    },
                )
        finally:
            exporter.shutdown()
        assert response.status_code == 404
        assert response.headers["x-request-id"] == "req-abc"
        [span] = [s for s in exporter.get_finished_spans() if s.kind.name == "SERVER"]
        assert span.name == "GET /v1/clinics/{clinic_id}"
        assert format(span.context.trace_id, "032x") == trace_id
        assert span.parent is not None and format(span.parent.span_id, "016x") == caller
        assert span.context.trace_state.get("clinicchain") == "abc"
        assert span.attributes["http.route"] == "/v1/clinics/{clinic_id}"
        assert span.attributes["http.response.status_code"] == 404
        [line] = [r for r in caplog.records if r.getMessage() == "request"]
        assert (line.route, line.status, line.method) == ("/v1/clinics/{clinic_id}", 404, "GET")
        assert str(clinic) not in str(line.__dict__)

        metrics = (await booking.client.get("/metrics")).text
        assert any(
            'http_route="/v1/clinics/{clinic_id}"' in m and 'http_response_status_code="404"' in m
            for m in metrics.splitlines()
            if m.startswith("http_server_request_duration_seconds_count")
        )

    async def test_probes_are_neither_traced_nor_logged(
        self, booking: RunningService, caplog: pytest.LogCaptureFixture
    ) -> None:
        from opentelemetry import trace
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

        exporter = InMemorySpanExporter()
        trace.get_tracer_provider().add_span_processor(SimpleSpanProcessor(exporter))  # type: ignore[attr-defined]
        try:
            with caplog.at_level("INFO", logger="mesocare.service"):
                for probe in ("/healthz", "/readyz?checks=database", "/metrics"):
                    response = await booking.client.get(probe, headers={"X-Request-ID": "p-1"})
                    assert response.headers["x-request-id"] == "p-1"
                # A request that is traced, for contrast: the exporter does see spans.
                await booking.client.get("/v1/clinics")
        finally:
            exporter.shutdown()
        logged = [r for r in caplog.records if r.getMessage() == "request"]
        assert [getattr(r, "route", None) for r in logged] == ["/v1/clinics"]
        server_spans = [s.name for s in exporter.get_finished_spans() if s.kind.name == "SERVER"]
        assert server_spans == ["GET /v1/clinics"]
