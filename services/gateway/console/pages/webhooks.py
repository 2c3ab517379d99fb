"""The Webhooks pages (Admin): the network's webhook endpoints and the form to add one, each
endpoint with its deliveries, and what an admin does to it: enable or disable it, ping it,
rotate its secret, delete it, send a delivery again.

notifications lets only network admins (and integration clients) manage webhooks; the console
asks for these pages only for those roles (`policies.WEBHOOK_MANAGERS`), and shows the others
its refusal. A secret is in one answer of notifications only (creating, rotating): the page of
that answer shows it, and nothing keeps it."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, replace
from urllib.parse import urlencode
from uuid import UUID, uuid4

from services.gateway import policies
from services.gateway.console.clients import booking, notifications
from services.gateway.console.clients.calls import Answer, Caller
from services.gateway.console.clients.notifications import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from services.gateway.console.forms import Form
from services.gateway.console.forms import webhooks as forms
from services.gateway.console.forms.webhooks import EndpointForm, EventGroup
from services.gateway.console.pages.clinics import reader_zone
from services.gateway.console.pages.formulary import not_found
from services.gateway.console.pages.outcomes import Done, notice, refused_status
from services.gateway.console.rendering import Refusal, View, refusal
from services.gateway.console.sessions import StaffSession
from shared.events import EVENT_TYPES

LIST = "/console/admin/webhooks"
DELIVERIES_PER_PAGE = 25
DONE = {
    "pinged": "A ping is on its way: its delivery is below; reload the page for its answer.",
    "retried": "The delivery is being sent again now.",
    "enabled": "The endpoint is enabled: deliveries are sent to it again, what waited first.",
    "disabled": "The endpoint is disabled: nothing is sent to it until it is enabled again.",
    "deleted": "The endpoint is deleted, with its deliveries: nothing more is sent to it.",
}
"""What a page says after a form was carried out (`?done=`)."""
SIGNATURES = (
    "Receivers check each delivery's webhook-signature header with this secret (Standard "
    "Webhooks: an HMAC-SHA256 of the webhook-id, the webhook-timestamp and the body); "
    "docs/integrations.md shows how."
)


@dataclass(frozen=True, slots=True)
class EndpointLine:
    """An endpoint as the pages show it: its events and its state in words."""

    id: str
    url: str
    description: str | None
    events: list[str]
    """The events it is sent, in words ("All events", or each event's name)."""
    enabled: bool
    state: str
    """"Enabled", "Enabled, failing" or "Disabled"."""
    disabled_reason: str | None
    disabled_at: str | None
    failing_since: str | None
    created_at: str


@dataclass(frozen=True, slots=True)
class DeliveryLine:
    """A delivery as the endpoint's page lists it: its state in words, its last answer."""

    id: str
    event_id: str
    event: str
    event_type: str
    status: str
    state: str
    attempts: int
    created_at: str
    finished_at: str | None
    next_attempt_at: str | None
    last_attempt_at: str | None
    last_status_code: int | None
    last_error: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhooksPage(View):
    template = "webhooks.html"
    title: str = "Webhooks"
    endpoints: list[EndpointLine]
    listed: bool
    groups: list[EventGroup]
    form: EndpointForm
    tz: str
    done: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SecretPage(View):
    """The one page that shows a secret: right after an endpoint is added, or its secret is
    rotated."""

    template = "webhook_secret.html"
    endpoint: EndpointLine
    secret: str
    rotated: bool
    previous_until: str | None
    tz: str
    signatures: str = SIGNATURES


@dataclass(frozen=True, slots=True, kw_only=True)
class EndpointPage(View):
    template = "webhook_endpoint.html"
    endpoint: EndpointLine
    deliveries: list[DeliveryLine]
    later: str | None
    first: str | None
    tz: str
    done: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DeletePage(View):
    template = "webhook_delete.html"
    endpoint: EndpointLine


def _admins_only() -> Refusal:
    return refusal(
        403,
        "For network admins",
        "Only network admins manage the network's webhooks.",
    )


def _endpoint_not_found() -> Refusal:
    return not_found("Webhook endpoint", LIST, "Back to webhooks")


def _manages(staff: StaffSession) -> bool:
    return staff.has_any(policies.WEBHOOK_MANAGERS)


def _line(endpoint: WebhookEndpoint) -> EndpointLine:
    enabled = endpoint.status == "enabled"
    if not enabled:
        state = "Disabled"
    elif endpoint.failing_since:
        state = "Enabled, failing"
    else:
        state = "Enabled"
    return EndpointLine(
        id=endpoint.id,
        url=endpoint.url,
        description=endpoint.description,
        events=_events(endpoint.event_types),
        enabled=enabled,
        state=state,
        disabled_reason=endpoint.disabled_reason,
        disabled_at=endpoint.disabled_at,
        failing_since=endpoint.failing_since,
        created_at=endpoint.created_at,
    )


def _events(event_types: Sequence[str]) -> list[str]:
    if forms.ALL_EVENTS in event_types:
        return ["All events"]
    return [forms.event_label(t) for t in event_types]


def _delivery(delivery: WebhookDelivery) -> DeliveryLine:
    last = delivery.attempts_log[-1] if delivery.attempts_log else None
    return DeliveryLine(
        id=delivery.id,
        event_id=delivery.event_id,
        event=forms.event_label(delivery.event_type),
        event_type=delivery.event_type,
        status=delivery.status,
        state=_delivery_state(delivery),
        attempts=delivery.attempts,
        created_at=delivery.created_at,
        finished_at=delivery.finished_at,
        next_attempt_at=delivery.next_attempt_at,
        last_attempt_at=last.attempted_at if last else None,
        last_status_code=last.status_code if last else None,
        last_error=_said(last),
    )


def _said(attempt: WebhookAttempt | None) -> str | None:
    """The attempt's error, unless it only repeats the status code ("HTTP 500")."""
    if attempt is None or not attempt.error:
        return None
    return None if attempt.error == f"HTTP {attempt.status_code}" else attempt.error


def _delivery_state(delivery: WebhookDelivery) -> str:
    if delivery.status == "delivered":
        return "Delivered"
    if delivery.status == "failed":
        return "Failed, given up"
    return "Failed, to be retried" if delivery.attempts else "Waiting to be sent"


async def _zone(calls: Caller, staff: StaffSession) -> str:
    """The zone of the reader's clinics when they keep one, else UTC (the filters say which)."""
    clinics = await booking.clinics(calls)
    return reader_zone(staff, clinics.value.items)


# -- the list and the form to add one ----------------------------------------------------------


def _offered() -> list[str]:
    return sorted(EVENT_TYPES)


async def endpoints(
    calls: Caller, staff: StaffSession, *, done: str = ""
) -> WebhooksPage | Refusal:
    """The network's endpoints, and the form to add one."""
    if not _manages(staff):
        return _admins_only()
    return await _endpoints_page(
        calls, staff, EndpointForm(idempotency_key=str(uuid4())), done=DONE.get(done)
    )


async def _endpoints_page(
    calls: Caller,
    staff: StaffSession,
    form: EndpointForm,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    problem: str | None = None,
    done: str | None = None,
) -> WebhooksPage:
    listed, tz = await asyncio.gather(notifications.webhook_endpoints(calls), _zone(calls, staff))
    return WebhooksPage(
        status_code=status_code,
        endpoints=[_line(e) for e in listed.value.items],
        listed=listed.ok,
        groups=forms.event_groups(_offered()),
        form=form,
        tz=tz,
        done=done,
        errors=errors or {},
        problem=notice(problem, listed.problem),
    )


async def add(
    calls: Caller, staff: StaffSession, form: Form
) -> WebhooksPage | SecretPage | Refusal:
    """Register the endpoint once (the form's idempotency key); its secret is shown then."""
    if not _manages(staff):
        return _admins_only()
    typed = forms.endpoint_form(form, _offered())
    typed = replace(typed, idempotency_key=_key(typed.idempotency_key))
    errors: dict[str, str] = {}
    body = forms.endpoint_body(typed, errors)
    if errors:
        return await _endpoints_page(calls, staff, typed, status_code=422, errors=errors)
    answer = await notifications.create_webhook_endpoint(
        calls, body, idempotency_key=typed.idempotency_key
    )
    if answer.value is None:
        errors = forms.field_errors(answer.errors)
        return await _endpoints_page(
            calls,
            staff,
            typed,
            status_code=refused_status(answer),
            errors=errors,
            problem=answer.problem if answer.status != 422 or not errors else None,
        )
    created = answer.value
    return SecretPage(
        title="Endpoint added",
        endpoint=_line(created),
        secret=created.secret,
        rotated=False,
        previous_until=None,
        tz=await _zone(calls, staff),
    )


def _key(text: str) -> str:
    """The form's idempotency key, or a fresh one when the posted one is not a uuid."""
    try:
        return str(UUID(text))
    except ValueError:
        return str(uuid4())


# -- one endpoint ------------------------------------------------------------------------------


async def _found(calls: Caller, endpoint_id: str) -> tuple[UUID, WebhookEndpoint] | Refusal:
    """The endpoint named in the address, or the refusal saying why it cannot be shown."""
    try:
        chosen = UUID(endpoint_id)
    except ValueError:
        return _endpoint_not_found()
    answer = await notifications.webhook_endpoint(calls, chosen)
    if answer.status == 404:
        return _endpoint_not_found()
    if answer.value is None:
        return refusal(
            refused_status(answer),
            "The webhook endpoint cannot be shown",
            answer.problem,
            back=LIST,
            back_label="Back to webhooks",
        )
    return chosen, answer.value


async def endpoint_page(
    calls: Caller,
    staff: StaffSession,
    endpoint_id: str,
    *,
    done: str = "",
    cursor: str | None = None,
) -> EndpointPage | Refusal:
    """One endpoint: its details, what can be done to it, and its deliveries newest first, a
    page at a time from `cursor` with a link to the next."""
    if not _manages(staff):
        return _admins_only()
    found = await _found(calls, endpoint_id)
    if isinstance(found, Refusal):
        return found
    return await _endpoint_page(calls, staff, *found, done=DONE.get(done), cursor=cursor)


async def _endpoint_page(
    calls: Caller,
    staff: StaffSession,
    endpoint_id: UUID,
    endpoint: WebhookEndpoint,
    *,
    status_code: int = 200,
    problem: str | None = None,
    done: str | None = None,
    cursor: str | None = None,
) -> EndpointPage:
    listed, tz = await asyncio.gather(
        notifications.webhook_deliveries(
            calls, endpoint_id, limit=DELIVERIES_PER_PAGE, cursor=cursor
        ),
        _zone(calls, staff),
    )
    following = listed.value.next_cursor if listed.ok else None
    base = f"{LIST}/{endpoint_id}"
    return EndpointPage(
        status_code=status_code,
        title=endpoint.description or endpoint.url,
        endpoint=_line(endpoint),
        deliveries=[_delivery(d) for d in listed.value.items],
        later=f"{base}?{urlencode({'cursor': following})}#deliveries-heading"
        if following
        else None,
        first=f"{base}#deliveries-heading" if cursor else None,
        tz=tz,
        done=done,
        problem=notice(problem, listed.problem),
    )


async def _after(
    calls: Caller,
    staff: StaffSession,
    endpoint_id: str,
    act: str,
    answer: Answer[None],
) -> EndpointPage | Refusal | Done:
    """On to the endpoint's page saying what was done, or its page with notifications' reason."""
    if answer.status == 404:
        return _endpoint_not_found()
    if answer.ok:
        return Done(f"{LIST}/{endpoint_id}?done={act}")
    found = await _found(calls, endpoint_id)
    if isinstance(found, Refusal):
        return found
    return await _endpoint_page(
        calls, staff, *found, status_code=refused_status(answer), problem=answer.problem
    )


async def switch(
    calls: Caller, staff: StaffSession, endpoint_id: str, form: Form
) -> EndpointPage | Refusal | Done:
    """Disable the endpoint, or enable it again."""
    if not _manages(staff):
        return _admins_only()
    chosen = _uuid(endpoint_id)
    if chosen is None:
        return _endpoint_not_found()
    disabled = form.get("disabled") == "yes"
    answer = await notifications.switch_webhook_endpoint(
        calls, chosen, notifications.WebhookEndpointSwitch(disabled=disabled)
    )
    return await _after(calls, staff, endpoint_id, "disabled" if disabled else "enabled", answer)


async def ping(
    calls: Caller, staff: StaffSession, endpoint_id: str
) -> EndpointPage | Refusal | Done:
    """Queue a ping delivery (notifications refuses it while the endpoint is disabled)."""
    if not _manages(staff):
        return _admins_only()
    chosen = _uuid(endpoint_id)
    if chosen is None:
        return _endpoint_not_found()
    answer = await notifications.ping_webhook_endpoint(calls, chosen)
    return await _after(calls, staff, endpoint_id, "pinged", answer.but(None))


async def retry(
    calls: Caller, staff: StaffSession, endpoint_id: str, delivery_id: str
) -> EndpointPage | Refusal | Done:
    """Send one delivery again now (notifications refuses it while the endpoint is disabled)."""
    if not _manages(staff):
        return _admins_only()
    chosen, delivery = _uuid(endpoint_id), _uuid(delivery_id)
    if chosen is None or delivery is None:
        return _endpoint_not_found()
    answer = await notifications.retry_webhook_delivery(calls, chosen, delivery)
    return await _after(calls, staff, endpoint_id, "retried", answer)


async def rotate(
    calls: Caller, staff: StaffSession, endpoint_id: str
) -> SecretPage | EndpointPage | Refusal | Done:
    """A new secret, shown once, and until when the previous one still signs."""
    if not _manages(staff):
        return _admins_only()
    found = await _found(calls, endpoint_id)
    if isinstance(found, Refusal):
        return found
    chosen, endpoint = found
    answer = await notifications.rotate_webhook_secret(calls, chosen)
    if answer.value is None:
        return await _after(calls, staff, endpoint_id, "rotated", answer.but(None))
    return SecretPage(
        title="New secret",
        endpoint=_line(endpoint),
        secret=answer.value.secret,
        rotated=True,
        previous_until=answer.value.previous_secret_expires_at,
        tz=await _zone(calls, staff),
    )


async def delete_form(calls: Caller, staff: StaffSession, endpoint_id: str) -> DeletePage | Refusal:
    """The step before deleting: what goes with the endpoint, and a confirmation."""
    if not _manages(staff):
        return _admins_only()
    found = await _found(calls, endpoint_id)
    if isinstance(found, Refusal):
        return found
    return DeletePage(title="Delete the endpoint", endpoint=_line(found[1]))


async def delete(
    calls: Caller, staff: StaffSession, endpoint_id: str, form: Form
) -> DeletePage | Refusal | Done:
    """Delete the endpoint and its deliveries, once confirmed."""
    if not _manages(staff):
        return _admins_only()
    found = await _found(calls, endpoint_id)
    if isinstance(found, Refusal):
        return found
    chosen, endpoint = found
    if form.get("confirm") != "yes":
        return DeletePage(
            title="Delete the endpoint",
            status_code=422,
            endpoint=_line(endpoint),
            errors={"confirm": "Confirm that this endpoint is to be deleted."},
        )
    answer = await notifications.delete_webhook_endpoint(calls, chosen)
    if answer.ok or answer.status == 404:
        return Done(f"{LIST}?done=deleted")
    return DeletePage(
        title="Delete the endpoint",
        status_code=refused_status(answer),
        endpoint=_line(endpoint),
        problem=answer.problem,
    )


def _uuid(text: str) -> UUID | None:
    try:
        return UUID(text)
    except ValueError:
        return None
