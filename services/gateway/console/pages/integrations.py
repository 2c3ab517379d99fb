"""The Integration clients pages (Admin): the network's clients a page at a time and the form
to register one, its secret on the page that answers (once: the gateway keeps only its hash,
and the page is not stored), and one client's page: deactivate it (after a confirmation) or
activate it again. Only network admins (`policies.ADMINS`), as the gateway's API says."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode
from uuid import UUID

from services.gateway import policies
from services.gateway.console.clients import booking, gateway
from services.gateway.console.clients.booking import Clinic
from services.gateway.console.clients.calls import Answer, Caller, Items
from services.gateway.console.clients.gateway import ClientSwitch, IntegrationClient
from services.gateway.console.forms import Form
from services.gateway.console.forms import people as forms
from services.gateway.console.forms.people import ClientForm
from services.gateway.console.pages.admin import (
    PER_PAGE,
    Choice,
    clinic_choices,
    clinics_in_words,
    roles_in_words,
)
from services.gateway.console.pages.clinics import clinic_names, reader_zone
from services.gateway.console.pages.formulary import not_found
from services.gateway.console.pages.outcomes import Done, notice, refused_status
from services.gateway.console.rendering import Refusal, View, refusal
from services.gateway.console.sessions import StaffSession

LIST = "/console/admin/clients"
DONE = {
    "deactivated": "The client is deactivated: it gets no new tokens (those it holds run out "
    "within minutes).",
    "reactivated": "The client is active again: it can get tokens with its secret.",
}


@dataclass(frozen=True, slots=True)
class ClientLine:
    id: str
    client_id: str
    name: str
    roles: str
    clinics: str
    active: bool
    status: str
    created_at: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientsPage(View):
    template = "clients.html"
    title: str = "Integration clients"
    clients: list[ClientLine]
    listed: bool
    later: str | None
    first: str | None
    form: ClientForm
    roles: list[Choice]
    clinics: list[Choice]
    done: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SecretPage(View):
    """The one page that shows a client's secret: right after it is registered."""

    template = "client_secret.html"
    title: str = "Integration client registered"
    client: ClientLine
    secret: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientPage(View):
    template = "client.html"
    client: ClientLine
    tz: str
    done: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DeactivatePage(View):
    template = "client_deactivate.html"
    title: str = "Deactivate the client"
    client: ClientLine


def _admins_only() -> Refusal:
    return refusal(403, "For network admins", "Only network admins manage integration clients.")


def _not_found() -> Refusal:
    return not_found("Integration client", LIST, "Back to integration clients")


def _manages(staff: StaffSession) -> bool:
    return staff.has_any(policies.ADMINS)


def _line(client: IntegrationClient, names: dict[str, str]) -> ClientLine:
    return ClientLine(
        id=client.id,
        client_id=client.client_id,
        name=client.name,
        roles=roles_in_words(client.roles),
        clinics=clinics_in_words(client.clinic_ids, names),
        active=client.active,
        status="Active" if client.active else "Deactivated",
        created_at=client.created_at,
    )


def _role_choices() -> list[Choice]:
    return [Choice(r, forms.role_label(r)) for r in forms.STAFF_ROLE_CHOICES]


# -- the list and the form to register one -----------------------------------------------------


async def listing(
    calls: Caller, own: Caller, staff: StaffSession, *, cursor: str | None, done: str = ""
) -> ClientsPage | Refusal:
    if not _manages(staff):
        return _admins_only()
    clinics = await booking.clinics(calls)
    return await _clients_page(own, ClientForm(), clinics, cursor=cursor, done=DONE.get(done))


async def _clients_page(
    own: Caller,
    typed: ClientForm,
    clinics: Answer[Items[Clinic]],
    *,
    cursor: str | None = None,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    problem: str | None = None,
    done: str | None = None,
) -> ClientsPage:
    listed = await gateway.clients(own, limit=PER_PAGE, cursor=cursor)
    names = clinic_names(clinics.value.items)
    following = listed.value.next_cursor if listed.ok else None
    return ClientsPage(
        status_code=status_code,
        clients=[_line(c, names) for c in listed.value.items],
        listed=listed.ok,
        later=f"{LIST}?{urlencode({'cursor': following})}#clients-heading" if following else None,
        first=f"{LIST}#clients-heading" if cursor else None,
        form=typed,
        roles=_role_choices(),
        clinics=clinic_choices(clinics.value.items),
        errors=errors or {},
        problem=notice(problem, listed.problem, clinics.problem),
        done=done,
    )


async def register(
    calls: Caller, own: Caller, staff: StaffSession, form: Form
) -> ClientsPage | SecretPage | Refusal:
    """Register the client; its secret is shown on the page this answers with, only there."""
    if not _manages(staff):
        return _admins_only()
    clinics = await booking.clinics(calls)
    typed = forms.client_form(form, [c.id for c in clinics.value.items])
    errors: dict[str, str] = {}
    body = forms.client_body(typed, errors)
    if errors:
        return await _clients_page(own, typed, clinics, status_code=422, errors=errors)
    answer = await gateway.register_client(own, body)
    if answer.value is None:
        errors = forms.field_errors(answer.errors)
        return await _clients_page(
            own,
            typed,
            clinics,
            status_code=refused_status(answer),
            errors=errors,
            problem=None if errors else answer.problem,
        )
    return SecretPage(
        client=_line(answer.value, clinic_names(clinics.value.items)),
        secret=answer.value.client_secret,
    )


# -- one client --------------------------------------------------------------------------------


async def _found(own: Caller, client_id: str) -> tuple[UUID, IntegrationClient] | Refusal:
    try:
        chosen = UUID(client_id)
    except ValueError:
        return _not_found()
    answer = await gateway.client(own, chosen)
    if answer.status == 404:
        return _not_found()
    if answer.value is None:
        return refusal(
            refused_status(answer),
            "The integration client cannot be shown",
            answer.problem,
            back=LIST,
            back_label="Back to integration clients",
        )
    return chosen, answer.value


async def client_page(
    calls: Caller, own: Caller, staff: StaffSession, client_id: str, *, done: str = ""
) -> ClientPage | Refusal:
    if not _manages(staff):
        return _admins_only()
    found = await _found(own, client_id)
    if isinstance(found, Refusal):
        return found
    clinics = await booking.clinics(calls)
    return ClientPage(
        title=found[1].name,
        client=_line(found[1], clinic_names(clinics.value.items)),
        tz=reader_zone(staff, clinics.value.items),
        done=DONE.get(done),
        problem=clinics.problem,
    )


async def reactivate(own: Caller, staff: StaffSession, client_id: str) -> Refusal | Done:
    """Activate the client again; the gateway's refusal, if any, on a refusal page."""
    if not _manages(staff):
        return _admins_only()
    found = await _found(own, client_id)
    if isinstance(found, Refusal):
        return found
    answer = await gateway.switch_client(own, found[0], ClientSwitch(active=True))
    if answer.status == 404:
        return _not_found()
    if not answer.ok:
        return refusal(
            refused_status(answer),
            "The client was not activated",
            answer.problem,
            back=f"{LIST}/{found[0]}",
            back_label="Back to the client",
        )
    return Done(f"{LIST}/{found[0]}?done=reactivated")


async def deactivate_form(
    own: Caller, staff: StaffSession, client_id: str
) -> DeactivatePage | Refusal:
    if not _manages(staff):
        return _admins_only()
    found = await _found(own, client_id)
    if isinstance(found, Refusal):
        return found
    return DeactivatePage(client=_line(found[1], {}))


async def deactivate(
    own: Caller, staff: StaffSession, client_id: str, form: Form
) -> DeactivatePage | Refusal | Done:
    """Deactivate the client once confirmed."""
    if not _manages(staff):
        return _admins_only()
    found = await _found(own, client_id)
    if isinstance(found, Refusal):
        return found
    chosen, client = found
    if form.get("confirm") != "yes":
        return DeactivatePage(
            status_code=422,
            client=_line(client, {}),
            errors={"confirm": "Confirm that this client is to be deactivated."},
        )
    answer = await gateway.switch_client(own, chosen, ClientSwitch(active=False))
    if answer.ok:
        return Done(f"{LIST}/{chosen}?done=deactivated")
    if answer.status == 404:
        return _not_found()
    return DeactivatePage(
        status_code=refused_status(answer), client=_line(client, {}), problem=answer.problem
    )
