"""A practitioner's calendar feeds: make one (its address shown once, to copy into a calendar
app), see the live ones and revoke them. Booking decides who may; the page offers the form only
to the roles booking accepts it from."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from uuid import UUID

from services.gateway import policies
from services.gateway.console.clients import booking
from services.gateway.console.clients.booking import (
    CalendarFeed,
    MadeCalendarFeed,
    NewCalendarFeed,
    Practitioner,
)
from services.gateway.console.clients.calls import Caller
from services.gateway.console.pages.clinics import reader_zone
from services.gateway.console.pages.outcomes import Done, notice, refused_status
from services.gateway.console.rendering import Refusal, View, refusal
from services.gateway.console.sessions import StaffSession

MAX_LABEL = 100


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedsPage(View):
    template = "calendar_feeds.html"
    practitioner: Practitioner
    feeds: list[CalendarFeed]
    tz: str
    full_names: bool | None
    """Whether the network's feeds name patients in full (None: booking did not say)."""
    may_manage: bool
    made: MadeCalendarFeed | None = None
    """The feed just made: its address is on this page and nowhere else, ever."""
    revoked: bool = False
    form: Mapping[str, str] = field(default_factory=dict)


def _not_found() -> Refusal:
    return refusal(
        404,
        "Practitioner not found",
        "There is no such practitioner in your network. The address may have been mistyped, "
        "or the practitioner belongs to another network.",
        back="/console/day",
        back_label="Back to the clinic day",
    )


def _practitioner_id(text: str) -> UUID | None:
    try:
        return UUID(text)
    except ValueError:
        return None


async def feeds_page(
    calls: Caller, staff: StaffSession, practitioner_id: str, *, revoked: bool = False
) -> FeedsPage | Refusal:
    """The practitioner's live feeds, and the form to make one."""
    chosen = _practitioner_id(practitioner_id)
    if chosen is None:
        return _not_found()
    return await _page(calls, staff, chosen, revoked=revoked)


async def _page(
    calls: Caller,
    staff: StaffSession,
    practitioner_id: UUID,
    *,
    status_code: int = 200,
    made: MadeCalendarFeed | None = None,
    revoked: bool = False,
    errors: Mapping[str, str] | None = None,
    problem: str | None = None,
    form: Mapping[str, str] | None = None,
) -> FeedsPage | Refusal:
    found, settings, clinics = await asyncio.gather(
        booking.practitioner(calls, str(practitioner_id)),
        booking.calendar_settings(calls),
        booking.clinics(calls),
    )
    if found.status == 404 or (found.value is None and found.status == 422):
        return _not_found()
    if found.value is None:
        return refusal(refused_status(found), "Calendar feed", found.problem)
    may_manage = staff.has_any(policies.CALENDAR_FEED_MAKERS)
    listed = await booking.calendar_feeds(calls, practitioner_id) if may_manage else None
    return FeedsPage(
        title=f"Calendar feed · {found.value.name}",
        status_code=status_code,
        practitioner=found.value,
        feeds=list(listed.value.root) if listed and listed.value else [],
        tz=reader_zone(staff, clinics.value.items),
        full_names=settings.value.show_patient_names if settings.value else None,
        may_manage=may_manage,
        made=made,
        revoked=revoked,
        form=form or {},
        errors=errors or {},
        problem=notice(problem, listed.problem if listed else None, clinics.problem),
    )


async def make(
    calls: Caller, staff: StaffSession, practitioner_id: str, form: Mapping[str, str]
) -> FeedsPage | Refusal:
    """A new feed: the page again, with the feed's address shown this once."""
    chosen = _practitioner_id(practitioner_id)
    if chosen is None:
        return _not_found()
    label = form.get("label", "").strip()
    if len(label) > MAX_LABEL:
        return await _page(
            calls,
            staff,
            chosen,
            status_code=422,
            errors={"label": f"Keep the name to at most {MAX_LABEL} characters."},
            form={"label": label},
        )
    answer = await booking.make_calendar_feed(calls, chosen, NewCalendarFeed(label=label or None))
    if answer.status == 404:
        return _not_found()
    if answer.value is None:
        return await _page(
            calls,
            staff,
            chosen,
            status_code=refused_status(answer),
            errors=answer.errors,
            problem=answer.problem,
            form={"label": label},
        )
    return await _page(calls, staff, chosen, made=answer.value)


async def revoke(
    calls: Caller, staff: StaffSession, practitioner_id: str, feed_id: str
) -> FeedsPage | Refusal | Done:
    """Revoke a feed: its address answers nothing from now on."""
    chosen, feed = _practitioner_id(practitioner_id), _practitioner_id(feed_id)
    if chosen is None:
        return _not_found()
    if feed is None:
        return await _page(calls, staff, chosen, status_code=404, problem="No such feed.")
    answer = await booking.revoke_calendar_feed(calls, chosen, feed)
    if not answer.ok:
        problem = "This feed was already revoked." if answer.status == 404 else answer.problem
        return await _page(
            calls, staff, chosen, status_code=refused_status(answer), problem=problem
        )
    return Done(f"/console/practitioners/{chosen}/calendar-feeds?revoked=true")
