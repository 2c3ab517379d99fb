"""A practitioner's calendar feeds."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.gateway.console.pages import feeds
from services.gateway.console.rendering import render, respond
from services.gateway.console.routes.deps import Calls
from services.gateway.console.sessions import CurrentStaff, checked_form

router = APIRouter()


@router.get("/practitioners/{practitioner_id}/calendar-feeds")
async def calendar_feeds(
    request: Request,
    staff: CurrentStaff,
    calls: Calls,
    practitioner_id: str,
    revoked: bool = False,
) -> Response:
    """The practitioner's live feeds and the form to make one."""
    view = await feeds.feeds_page(calls, staff, practitioner_id, revoked=revoked)
    return render(request, staff, view)


@router.post("/practitioners/{practitioner_id}/calendar-feeds")
async def make_calendar_feed(
    request: Request, staff: CurrentStaff, calls: Calls, practitioner_id: str
) -> Response:
    """Make a feed; its address is on the page this answers with, and only there."""
    form = await checked_form(request, staff)
    return render(request, staff, await feeds.make(calls, staff, practitioner_id, form))


@router.post("/practitioners/{practitioner_id}/calendar-feeds/{feed_id}/revoke")
async def revoke_calendar_feed(
    request: Request, staff: CurrentStaff, calls: Calls, practitioner_id: str, feed_id: str
) -> Response:
    """Revoke a feed, then back to the list."""
    await checked_form(request, staff)
    return respond(request, staff, await feeds.revoke(calls, staff, practitioner_id, feed_id))
