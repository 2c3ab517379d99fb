"""The console's webhook endpoint form, pure: every event type notifications offers is a
checkbox in words under its service, "All events" is `["*"]`, a posted name the page did not
offer counts for nothing, and notifications' field messages land on the form's fields."""

from __future__ import annotations

import pytest

from services.gateway.console.forms import webhooks as forms
from services.notifications.usecases.webhooks import subscribable
from shared.events import EVENT_TYPES

BOOKED = "mesocare.booking.AppointmentBooked.v1"
RECALLED = "mesocare.formulary.LotRecalled.v1"


class TestTheEventsOffered:
    def test_are_every_type_notifications_takes_each_once_under_its_service(self) -> None:
        groups = forms.event_groups(EVENT_TYPES)

        offered = [e.type for g in groups for e in g.events]
        assert offered == subscribable()
        assert [g.name for g in groups] == [
            "Booking",
            "Formulary",
            "Staff accounts",
            "Patient records",
        ]
        assert all(e.type.split(".")[1] == g.key for g in groups for e in g.events)

    @pytest.mark.parametrize(
        ("event_type", "words"),
        [
            (BOOKED, "Appointment booked"),
            ("mesocare.records.PatientSafetyProfileChanged.v1", "Patient safety profile changed"),
            ("mesocare.webhooks.Ping.v1", "Ping"),
            ("not-a-type", "not-a-type"),
        ],
    )
    def test_are_named_in_words(self, event_type: str, words: str) -> None:
        assert forms.event_label(event_type) == words


class TestThePostedForm:
    def test_all_events_is_the_star_whatever_else_is_ticked(self) -> None:
        typed = forms.endpoint_form(
            {"url": " https://erp.example/hook ", "event_all": "yes", f"event_{BOOKED}": "yes"},
            EVENT_TYPES,
        )
        errors: dict[str, str] = {}

        body = forms.endpoint_body(typed, errors)

        assert errors == {}
        assert body.url == "https://erp.example/hook"
        assert body.event_types == ["*"]
        assert body.description is None

    def test_the_ticked_types_go_sorted_and_one_not_offered_counts_for_nothing(self) -> None:
        form = {
            "url": "https://erp.example/hook",
            "description": "ERP",
            f"event_{RECALLED}": "yes",
            f"event_{BOOKED}": "yes",
            "event_mesocare.invented.Thing.v1": "yes",
        }
        errors: dict[str, str] = {}

        body = forms.endpoint_body(forms.endpoint_form(form, EVENT_TYPES), errors)

        assert errors == {}
        assert body.event_types == [BOOKED, RECALLED]
        assert body.description == "ERP"

    def test_nothing_chosen_and_no_url_are_named_next_to_their_fields(self) -> None:
        errors: dict[str, str] = {}

        forms.endpoint_body(forms.endpoint_form({"description": "x" * 501}, EVENT_TYPES), errors)

        assert set(errors) == {"url", "description", "events"}

    def test_notifications_field_messages_land_on_the_form_fields(self) -> None:
        refused = {
            "url": "10.0.0.1 is a private address",
            "event_types[2]": "Value error, 'x' is not an event type",
        }

        assert forms.field_errors(refused) == {
            "url": "10.0.0.1 is a private address.",
            "events": "'x' is not an event type.",
        }
