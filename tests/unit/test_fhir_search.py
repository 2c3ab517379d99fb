"""What every FHIR search shares: parameters, dates, references, paging, errors."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest
from starlette.requests import Request

from shared import fhir
from shared.fhir import InvalidSearch


def request(query: str, prefer: str | None = None) -> Request:
    headers = [(b"prefer", prefer.encode())] if prefer else []
    return Request(
        {
            "type": "http",
            "method": "GET",
            "path": "/fhir/R4/Patient",
            "query_string": query.encode(),
            "headers": headers,
        }
    )


class TestParameters:
    def test_known_parameters_by_name(self) -> None:
        found = fhir.search_parameters(request("name=dur&_count=5&name=am"), "Patient")
        assert found == {"name": ["dur", "am"], "_count": ["5"]}

    def test_an_unknown_parameter_is_named_unless_lenient(self) -> None:
        with pytest.raises(InvalidSearch) as refused:
            fhir.search_parameters(request("colour=red"), "Patient")
        assert refused.value.extra["errors"][0]["field"] == "colour"
        lenient = fhir.search_parameters(
            request("colour=red&name=x", "handling=lenient"), "Patient"
        )
        assert lenient == {"name": ["x"]}

    @pytest.mark.parametrize("count", ["0", "101", "ten"])
    def test_count_is_bounded(self, count: str) -> None:
        with pytest.raises(InvalidSearch):
            fhir.count_of({"_count": [count]})
        assert fhir.count_of({}) == fhir.DEFAULT_COUNT


class TestDates:
    def test_prefixes_make_an_interval(self) -> None:
        got = fhir.date_range("date", ["ge2026-03-01", "le2026-03"])
        assert got.start == datetime(2026, 3, 1, tzinfo=UTC)
        assert got.end == datetime(2026, 4, 1, tzinfo=UTC)
        assert got.contains(datetime(2026, 3, 31, 23, tzinfo=UTC))
        assert not got.contains(datetime(2026, 4, 1, tzinfo=UTC))

    @pytest.mark.parametrize(
        "value", ["2026-13-01", "yesterday", "ne2026-01-01", "2026-03-01T10:00"]
    )
    def test_a_malformed_date_is_named(self, value: str) -> None:
        with pytest.raises(InvalidSearch) as refused:
            fhir.date_range("date", [value])
        assert refused.value.extra["errors"][0]["field"] == "date"


class TestReferences:
    def test_typed_or_bare_ids(self) -> None:
        some = uuid4()
        assert fhir.reference_id("patient", f"Patient/{some}", "Patient") == some
        assert fhir.reference_id("patient", str(some), "Patient") == some

    @pytest.mark.parametrize("value", ["Practitioner/{id}", "Patient/42", "nope"])
    def test_a_malformed_reference_is_named(self, value: str) -> None:
        with pytest.raises(InvalidSearch) as refused:
            fhir.reference_id("patient", value.format(id=uuid4()), "Patient")
        assert refused.value.extra["errors"][0]["field"] == "patient"


class TestBundles:
    def test_a_page_links_to_the_next_with_the_same_search(self) -> None:
        bundle = fhir.searchset(
            request("name=dur&_count=1"),
            base_url="https://api.example",
            resource_type="Patient",
            resources=[{"resourceType": "Patient", "id": "p1"}],
            total=2,
            next_position=["Durand", "p1"],
        )
        assert bundle["total"] == 2
        assert bundle["entry"][0]["fullUrl"] == "https://api.example/fhir/R4/Patient/p1"
        links = {link["relation"]: link["url"] for link in bundle["link"]}
        assert links["next"].startswith(
            "https://api.example/fhir/R4/Patient?name=dur&_count=1&_cursor="
        )
        cursor = links["next"].split("_cursor=")[1]
        from urllib.parse import unquote

        assert fhir.cursor_of({"_cursor": [unquote(cursor)]}, "Patient", 2) == ["Durand", "p1"]
        with pytest.raises(InvalidSearch):
            fhir.cursor_of({"_cursor": [unquote(cursor)]}, "Practitioner", 2)

    def test_a_problem_becomes_an_operation_outcome(self) -> None:
        outcome = fhir.outcome_of_problem(
            {"status": 404, "title": "Not found", "detail": "No patient x.", "errors": []}
        )
        assert outcome == {
            "resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": "not-found", "diagnostics": "No patient x."}],
        }
