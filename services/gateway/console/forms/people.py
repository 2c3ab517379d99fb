"""The Admin forms for people and machines: a staff member (added, changed, a password reset)
and an integration client, read into the bodies the gateway's API is sent, and the API's field
messages keyed by the forms' fields.

Roles are one checkbox each (`role_<role>`), clinics one checkbox each (`clinic_<id>`): none
ticked means every clinic of the network, as the API reads an empty `clinic_ids`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from services.gateway.console.clients.gateway import NewClient, NewStaffMember, StaffChange
from services.gateway.console.forms import Form
from services.gateway.console.forms.patient import readable
from shared.auth import STAFF_ROLES

ROLE_ORDER = ("network_admin", "clinic_manager", "practitioner", "receptionist")
STAFF_ROLE_CHOICES = [r for r in ROLE_ORDER if r in STAFF_ROLES] + sorted(
    STAFF_ROLES - set(ROLE_ORDER)
)
"""The staff roles the forms offer, the widest first."""
INTEGRATION = "integration"
FIELDS = {"clinic_ids": "clinics"}
"""The API's field names that are named otherwise in the forms."""


@dataclass(frozen=True, slots=True)
class StaffForm:
    """A staff member's form as typed (to show it again); never the password."""

    email: str = ""
    display_name: str = ""
    roles: frozenset[str] = field(default_factory=frozenset)
    clinic_ids: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True)
class ClientForm:
    name: str = ""
    roles: frozenset[str] = field(default_factory=frozenset)
    clinic_ids: frozenset[str] = field(default_factory=frozenset)


def role_label(role: str) -> str:
    """'network_admin' → 'Network admin'."""
    return role.replace("_", " ").capitalize()


def _ticked(form: Form, prefix: str, offered: Iterable[str]) -> frozenset[str]:
    return frozenset(v for v in offered if form.get(f"{prefix}_{v}") == "yes")


def staff_form(form: Form, clinics: Iterable[str]) -> StaffForm:
    """The posted form; only the roles and clinics the page offered count."""
    return StaffForm(
        email=form.get("email", "").strip(),
        display_name=form.get("display_name", "").strip(),
        roles=_ticked(form, "role", STAFF_ROLE_CHOICES),
        clinic_ids=_ticked(form, "clinic", clinics),
    )


def _ordered(roles: frozenset[str]) -> list[str]:
    return [r for r in STAFF_ROLE_CHOICES if r in roles]


def new_staff_body(typed: StaffForm, password: str, errors: dict[str, str]) -> NewStaffMember:
    """What the gateway is sent to add the person; what the console can tell before asking is
    in `errors` (the password's rules are the gateway's, said next to the field)."""
    if not typed.email:
        errors["email"] = "Enter the email the person signs in with."
    if not password:
        errors["password"] = "Enter a first password for the person."
    _details(typed, errors)
    return NewStaffMember(
        email=typed.email,
        display_name=typed.display_name,
        password=password,
        roles=_ordered(typed.roles),
        clinic_ids=sorted(typed.clinic_ids),
    )


def change_body(typed: StaffForm, errors: dict[str, str]) -> StaffChange:
    """A change of the person's name, roles and clinics."""
    _details(typed, errors)
    return StaffChange(
        display_name=typed.display_name,
        roles=_ordered(typed.roles),
        clinic_ids=sorted(typed.clinic_ids),
    )


def _details(typed: StaffForm, errors: dict[str, str]) -> None:
    if not typed.display_name:
        errors["display_name"] = "Enter the person's name."
    if not typed.roles:
        errors["roles"] = "Tick at least one role."


def password_body(password: str, errors: dict[str, str]) -> StaffChange:
    """An admin's reset of the person's password."""
    if not password:
        errors["password"] = "Enter the new password."
    return StaffChange(password=password)


def client_form(form: Form, clinics: Iterable[str]) -> ClientForm:
    return ClientForm(
        name=form.get("name", "").strip(),
        roles=_ticked(form, "role", STAFF_ROLE_CHOICES),
        clinic_ids=_ticked(form, "clinic", clinics),
    )


def client_body(typed: ClientForm, errors: dict[str, str]) -> NewClient:
    """A client always has `integration`; the staff roles ticked are those it acts with."""
    if not typed.name:
        errors["name"] = "Enter a name saying whose system this is."
    return NewClient(
        name=typed.name,
        roles=[INTEGRATION, *_ordered(typed.roles)],
        clinic_ids=sorted(typed.clinic_ids),
    )


def field_errors(problem_errors: Mapping[str, str]) -> dict[str, str]:
    """The gateway's field messages by the form's fields."""
    errors: dict[str, str] = {}
    for name, message in problem_errors.items():
        errors.setdefault(FIELDS.get(name, name), readable(message))
    return errors
