"""The Staff pages (Admin): the network's staff accounts a page at a time, adding a person,
and one person's page: change their name, roles and clinics, reset their password, deactivate
the account (after a confirmation) or reactivate it.

The gateway lets only network admins manage staff (`policies.ADMINS`); the console asks for
these pages only for them and shows the others its refusal. Its rules stay the gateway's: a
password too short, an email that already has an account, a change that would leave the
network without an active admin are its answers, shown next to their field or at the top."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from urllib.parse import urlencode
from uuid import UUID

from services.gateway import policies
from services.gateway.console.clients import booking, gateway
from services.gateway.console.clients.booking import Clinic
from services.gateway.console.clients.calls import Answer, Caller, Items
from services.gateway.console.clients.gateway import StaffChange, StaffMember
from services.gateway.console.forms import Form
from services.gateway.console.forms import people as forms
from services.gateway.console.forms.people import StaffForm
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

LIST = "/console/admin/staff"
DONE = {
    "added": "The account is added: the person can sign in with this email and the password "
    "you gave them.",
    "changed": "The changes are saved: they apply from the person's next page.",
    "password": "The password is reset: the person's open sessions have ended; they sign in "
    "with the new password.",
    "deactivated": "The account is deactivated: the person is signed out and can no longer "
    "sign in.",
    "reactivated": "The account is active again: the person can sign in.",
}
"""What a page says after a form was carried out (`?done=`)."""


@dataclass(frozen=True, slots=True)
class PersonLine:
    """A staff member as the pages show them: roles, clinics and status in words."""

    id: str
    email: str
    name: str
    roles: str
    clinics: str
    active: bool
    status: str
    created_at: str


@dataclass(frozen=True, slots=True, kw_only=True)
class StaffListPage(View):
    template = "staff_list.html"
    title: str = "Staff"
    people: list[PersonLine]
    listed: bool
    later: str | None
    first: str | None
    done: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class NewStaffPage(View):
    template = "staff_new.html"
    title: str = "Add a staff member"
    form: StaffForm
    roles: list[Choice]
    clinics: list[Choice]


@dataclass(frozen=True, slots=True, kw_only=True)
class StaffMemberPage(View):
    template = "staff_member.html"
    person: PersonLine
    form: StaffForm
    roles: list[Choice]
    clinics: list[Choice]
    tz: str
    done: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DeactivatePage(View):
    template = "staff_deactivate.html"
    title: str = "Deactivate the account"
    person: PersonLine


def _admins_only() -> Refusal:
    return refusal(403, "For network admins", "Only network admins manage staff accounts.")


def _not_found() -> Refusal:
    return not_found("Staff account", LIST, "Back to staff")


def _manages(staff: StaffSession) -> bool:
    return staff.has_any(policies.ADMINS)


def _line(person: StaffMember, names: dict[str, str]) -> PersonLine:
    return PersonLine(
        id=person.id,
        email=person.email,
        name=person.display_name,
        roles=roles_in_words(person.roles),
        clinics=clinics_in_words(person.clinic_ids, names),
        active=person.active,
        status="Active" if person.active else "Deactivated",
        created_at=person.created_at,
    )


def _role_choices() -> list[Choice]:
    return [Choice(r, forms.role_label(r)) for r in forms.STAFF_ROLE_CHOICES]


def _as_typed(person: StaffMember) -> StaffForm:
    return StaffForm(
        email=person.email,
        display_name=person.display_name,
        roles=frozenset(person.roles),
        clinic_ids=frozenset(person.clinic_ids),
    )


def _uuid(text: str) -> UUID | None:
    try:
        return UUID(text)
    except ValueError:
        return None


# -- the list ----------------------------------------------------------------------------------


async def people(
    calls: Caller, own: Caller, staff: StaffSession, *, cursor: str | None, done: str = ""
) -> StaffListPage | Refusal:
    """A page of the network's staff, by email, with a link to the next."""
    if not _manages(staff):
        return _admins_only()
    listed, clinics = await asyncio.gather(
        gateway.staff(own, limit=PER_PAGE, cursor=cursor), booking.clinics(calls)
    )
    names = clinic_names(clinics.value.items)
    following = listed.value.next_cursor if listed.ok else None
    return StaffListPage(
        people=[_line(p, names) for p in listed.value.items],
        listed=listed.ok,
        later=f"{LIST}?{urlencode({'cursor': following})}" if following else None,
        first=LIST if cursor else None,
        done=DONE.get(done),
        problem=notice(listed.problem, clinics.problem),
    )


# -- adding a person ---------------------------------------------------------------------------


async def new_form(calls: Caller, staff: StaffSession) -> NewStaffPage | Refusal:
    if not _manages(staff):
        return _admins_only()
    clinics = await booking.clinics(calls)
    return _new_page(StaffForm(), clinics)


def _new_page(
    typed: StaffForm,
    clinics: Answer[Items[Clinic]],
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    problem: str | None = None,
) -> NewStaffPage:
    return NewStaffPage(
        status_code=status_code,
        form=typed,
        roles=_role_choices(),
        clinics=clinic_choices(clinics.value.items),
        errors=errors or {},
        problem=notice(problem, clinics.problem),
    )


async def add(
    calls: Caller, own: Caller, staff: StaffSession, form: Form
) -> NewStaffPage | Refusal | Done:
    """Add the person; on to their page, or the form again with the gateway's reasons."""
    if not _manages(staff):
        return _admins_only()
    clinics = await booking.clinics(calls)
    typed = forms.staff_form(form, [c.id for c in clinics.value.items])
    errors: dict[str, str] = {}
    body = forms.new_staff_body(typed, form.get("password", ""), errors)
    if errors:
        return _new_page(typed, clinics, status_code=422, errors=errors)
    answer = await gateway.add_staff_member(own, body)
    if answer.value is None:
        errors = forms.field_errors(answer.errors)
        return _new_page(
            typed,
            clinics,
            status_code=refused_status(answer),
            errors=errors,
            problem=None if errors else answer.problem,
        )
    return Done(f"{LIST}/{answer.value.id}?done=added")


# -- one person --------------------------------------------------------------------------------


async def _found(own: Caller, staff_id: str) -> tuple[UUID, StaffMember] | Refusal:
    """The account named in the address, or the refusal saying why it cannot be shown."""
    chosen = _uuid(staff_id)
    if chosen is None:
        return _not_found()
    answer = await gateway.staff_member(own, chosen)
    if answer.status == 404:
        return _not_found()
    if answer.value is None:
        return refusal(
            refused_status(answer),
            "The staff account cannot be shown",
            answer.problem,
            back=LIST,
            back_label="Back to staff",
        )
    return chosen, answer.value


async def member(
    calls: Caller, own: Caller, staff: StaffSession, staff_id: str, *, done: str = ""
) -> StaffMemberPage | Refusal:
    """The person's account, and the forms to change it."""
    if not _manages(staff):
        return _admins_only()
    found = await _found(own, staff_id)
    if isinstance(found, Refusal):
        return found
    clinics = await booking.clinics(calls)
    return _member_page(staff, found[1], clinics, done=DONE.get(done))


def _member_page(
    staff: StaffSession,
    person: StaffMember,
    clinics: Answer[Items[Clinic]],
    *,
    typed: StaffForm | None = None,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    problem: str | None = None,
    done: str | None = None,
) -> StaffMemberPage:
    return StaffMemberPage(
        status_code=status_code,
        title=person.display_name,
        person=_line(person, clinic_names(clinics.value.items)),
        form=typed or _as_typed(person),
        roles=_role_choices(),
        clinics=clinic_choices(clinics.value.items),
        tz=reader_zone(staff, clinics.value.items),
        errors=errors or {},
        problem=notice(problem, clinics.problem),
        done=done,
    )


async def _changed(
    calls: Caller,
    own: Caller,
    staff: StaffSession,
    staff_id: str,
    body: StaffChange,
    *,
    act: str,
    typed: StaffForm | None = None,
    errors: dict[str, str] | None = None,
    clinics: Answer[Items[Clinic]] | None = None,
) -> StaffMemberPage | Refusal | Done:
    """Send the change (unless the form has `errors`); on to the person's page saying what was
    done, or their page again with the gateway's reasons and the form as typed."""
    found = await _found(own, staff_id)
    if isinstance(found, Refusal):
        return found
    chosen, person = found
    if not errors:
        answer = await gateway.change_staff_member(own, chosen, body)
        if answer.ok:
            return Done(f"{LIST}/{chosen}?done={act}")
        if answer.status == 404:
            return _not_found()
        errors = forms.field_errors(answer.errors)
        problem, status_code = answer.problem, refused_status(answer)
    else:
        problem, status_code = None, 422
    return _member_page(
        staff,
        person,
        clinics or await booking.clinics(calls),
        typed=typed,
        status_code=status_code,
        errors=errors,
        problem=problem,
    )


async def change(
    calls: Caller, own: Caller, staff: StaffSession, staff_id: str, form: Form
) -> StaffMemberPage | Refusal | Done:
    """Change the person's name, roles and clinics."""
    if not _manages(staff):
        return _admins_only()
    clinics = await booking.clinics(calls)
    typed = forms.staff_form(form, [c.id for c in clinics.value.items])
    errors: dict[str, str] = {}
    body = forms.change_body(typed, errors)
    return await _changed(
        calls,
        own,
        staff,
        staff_id,
        body,
        act="changed",
        typed=typed,
        errors=errors,
        clinics=clinics,
    )


async def reset_password(
    calls: Caller, own: Caller, staff: StaffSession, staff_id: str, form: Form
) -> StaffMemberPage | Refusal | Done:
    """A new password for the person (their open sessions end)."""
    if not _manages(staff):
        return _admins_only()
    errors: dict[str, str] = {}
    body = forms.password_body(form.get("password", ""), errors)
    return await _changed(calls, own, staff, staff_id, body, act="password", errors=errors)


async def reactivate(
    calls: Caller, own: Caller, staff: StaffSession, staff_id: str
) -> StaffMemberPage | Refusal | Done:
    if not _manages(staff):
        return _admins_only()
    return await _changed(calls, own, staff, staff_id, StaffChange(active=True), act="reactivated")


async def deactivate_form(
    own: Caller, staff: StaffSession, staff_id: str
) -> DeactivatePage | Refusal:
    """The step before deactivating: what it does, and a confirmation."""
    if not _manages(staff):
        return _admins_only()
    found = await _found(own, staff_id)
    if isinstance(found, Refusal):
        return found
    return DeactivatePage(person=_line(found[1], {}))


async def deactivate(
    own: Caller, staff: StaffSession, staff_id: str, form: Form
) -> DeactivatePage | Refusal | Done:
    """Deactivate the account once confirmed; the gateway's refusal (the last active admin)
    is said on the same page."""
    if not _manages(staff):
        return _admins_only()
    found = await _found(own, staff_id)
    if isinstance(found, Refusal):
        return found
    chosen, person = found
    if form.get("confirm") != "yes":
        return DeactivatePage(
            status_code=422,
            person=_line(person, {}),
            errors={"confirm": "Confirm that this account is to be deactivated."},
        )
    answer = await gateway.change_staff_member(own, chosen, StaffChange(active=False))
    if answer.ok:
        return Done(f"{LIST}/{chosen}?done=deactivated")
    if answer.status == 404:
        return _not_found()
    return DeactivatePage(
        status_code=refused_status(answer),
        person=_line(person, {}),
        problem=answer.problem,
    )
