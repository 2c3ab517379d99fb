"""The webhook endpoint form: a URL, a description and the events to send, read into the body
notifications is sent, and notifications' field messages keyed by the form's fields.

The events are one checkbox per event type (`event_<type>`), grouped by the service that emits
them, and "All events" (`event_all`), which also covers types added later."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from services.gateway.console.clients.notifications import NewWebhookEndpoint
from services.gateway.console.forms import Form
from services.gateway.console.forms.patient import readable

ALL_EVENTS = "*"
MAX_URL = 2048
MAX_DESCRIPTION = 500
SERVICE_NAMES = {
    "booking": "Booking",
    "records": "Patient records",
    "formulary": "Formulary",
    "gateway": "Staff accounts",
}
"""Whose events: the service of a type's `mesocare.<service>.` prefix, in words."""


@dataclass(frozen=True, slots=True)
class EventChoice:
    type: str
    """The event's `ce_type`, e.g. mesocare.booking.AppointmentBooked.v1."""
    label: str
    """In words: "Appointment booked"."""


@dataclass(frozen=True, slots=True)
class EventGroup:
    """The event types of one service, as one fieldset of the form."""

    key: str
    name: str
    events: list[EventChoice]


@dataclass(frozen=True, slots=True)
class EndpointForm:
    """The form as typed (to show it again), the ticked event types among them."""

    url: str = ""
    description: str = ""
    all_events: bool = False
    chosen: frozenset[str] = field(default_factory=frozenset)
    idempotency_key: str = ""


def event_label(event_type: str) -> str:
    """A `ce_type` in words: mesocare.booking.AppointmentBooked.v1 → "Appointment booked"."""
    parts = event_type.split(".")
    name = parts[2] if len(parts) >= 4 else event_type
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).split(" ")
    return " ".join([words[0], *(w.lower() for w in words[1:])])


def event_groups(event_types: Iterable[str]) -> list[EventGroup]:
    """The event types by the service that emits them, each group and its types sorted."""
    grouped: dict[str, list[EventChoice]] = {}
    for event_type in sorted(event_types):
        service = event_type.split(".")[1] if event_type.count(".") >= 2 else "other"
        grouped.setdefault(service, []).append(EventChoice(event_type, event_label(event_type)))
    return [
        EventGroup(key, SERVICE_NAMES.get(key, key.capitalize()), events)
        for key, events in grouped.items()
    ]


def endpoint_form(form: Form, offered: Iterable[str]) -> EndpointForm:
    """The posted form; only the event types the page offered count."""
    return EndpointForm(
        url=form.get("url", "").strip(),
        description=form.get("description", "").strip(),
        all_events=form.get("event_all") == "yes",
        chosen=frozenset(t for t in offered if form.get(f"event_{t}") == "yes"),
        idempotency_key=form.get("idempotency_key", ""),
    )


def endpoint_body(typed: EndpointForm, errors: dict[str, str]) -> NewWebhookEndpoint:
    """What notifications is sent; what the console can tell before asking is in `errors`."""
    if not typed.url:
        errors["url"] = "Enter the URL the deliveries are sent to, starting with https://."
    elif len(typed.url) > MAX_URL:
        errors["url"] = f"Keep the URL to at most {MAX_URL} characters."
    if len(typed.description) > MAX_DESCRIPTION:
        errors["description"] = f"Keep the description to at most {MAX_DESCRIPTION} characters."
    if not typed.all_events and not typed.chosen:
        errors["events"] = "Tick the events to send, or All events."
    return NewWebhookEndpoint(
        url=typed.url,
        event_types=[ALL_EVENTS] if typed.all_events else sorted(typed.chosen),
        description=typed.description or None,
    )


def field_errors(problem_errors: Mapping[str, str]) -> dict[str, str]:
    """notifications' field messages by the form's fields: `event_types[2]` (one of the ticked
    types) and `event_types` are the events fieldset's."""
    errors: dict[str, str] = {}
    for name, message in problem_errors.items():
        key = "events" if name.startswith("event_types") else name
        errors.setdefault(key, readable(message))
    return errors
