"""The Admin area: its index lists the sections the signed-in role may use, each the pages of a
service's rule (`policies`): staff and integration clients (the gateway's network admins),
the setup data booking lets its editors change, the webhooks notifications lets admins manage.
Also what its people pages share: the clinics to choose from, and a person's or a client's
roles and clinics in words."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from services.gateway import policies
from services.gateway.console.clients.booking import Clinic
from services.gateway.console.forms.people import role_label
from services.gateway.console.rendering import Refusal, View, refusal
from services.gateway.console.sessions import StaffSession

INDEX = "/console/admin"
PER_PAGE = 50
"""Staff members or clients a page of their list shows."""


@dataclass(frozen=True, slots=True)
class Section:
    href: str
    title: str
    about: str
    roles: frozenset[str]


SECTIONS = [
    Section(
        "/console/admin/staff",
        "Staff",
        "Who signs in to the console: add a person, change their roles, clinics or name, reset "
        "a password, deactivate an account.",
        policies.ADMINS,
    ),
    Section(
        "/console/admin/clients",
        "Integration clients",
        "The chain's own systems that call the API: register one (its secret is shown once), "
        "deactivate it.",
        policies.ADMINS,
    ),
    Section(
        "/console/admin/clinics",
        "Clinics and rooms",
        "The network's clinics, their addresses, time zones and rooms.",
        policies.SETUP_EDITORS,
    ),
    Section(
        "/console/admin/practitioners",
        "Practitioners, hours and time off",
        "Who treats at which clinic, their working hours and their time off.",
        policies.SETUP_EDITORS,
    ),
    Section(
        "/console/admin/treatment-types",
        "Treatment types and prices",
        "What can be booked, how long it takes, and what it costs.",
        policies.SETUP_EDITORS,
    ),
    Section(
        "/console/admin/webhooks",
        "Webhooks",
        "The network's events, sent as they happen to the chain's own systems.",
        policies.WEBHOOK_MANAGERS,
    ),
]
"""The Admin area's sections, each for the roles whose service lets them do what it does."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AdminPage(View):
    template = "admin.html"
    title: str = "Admin"
    sections: list[Section]


def sections_of(staff: StaffSession) -> list[Section]:
    return [s for s in SECTIONS if staff.has_any(s.roles)]


def index(staff: StaffSession) -> AdminPage | Refusal:
    """The sections the staff member may use; none: the Admin area is not theirs."""
    mine = sections_of(staff)
    if not mine:
        return refusal(
            403,
            "For network admins and clinic managers",
            "The Admin area is for network admins and clinic managers.",
        )
    return AdminPage(sections=mine)


@dataclass(frozen=True, slots=True)
class Choice:
    """A checkbox of a form: the value it sends and its label."""

    value: str
    label: str


def clinic_choices(clinics: Sequence[Clinic]) -> list[Choice]:
    return [Choice(c.id, c.name) for c in sorted(clinics, key=lambda c: c.name)]


def clinics_in_words(clinic_ids: Iterable[str], names: Mapping[str, str]) -> str:
    """ "All clinics" for none (the API's every clinic), else their names."""
    chosen = list(clinic_ids)
    if not chosen:
        return "All clinics"
    return ", ".join(sorted(names.get(c, f"Clinic {c}") for c in chosen))


def roles_in_words(roles: Iterable[str]) -> str:
    return ", ".join(role_label(r) for r in roles)
