"""Calendar feeds of practitioners and clinics, the feeds themselves (read without a token), and
the network's calendar settings."""

from __future__ import annotations

import hashlib
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request, Response

from services.booking.api.deps import (
    ClinicFeeds,
    NetworkAdmin,
    PractitionerFeeds,
    PublicBaseUrl,
    Reader,
)
from services.booking.repository import CalendarFeed, NetworkSettings
from services.booking.schemas import (
    CalendarFeedCreate,
    CalendarFeedCreated,
    CalendarFeedRead,
    CalendarSettingsRead,
    CalendarSettingsSet,
)
from services.booking.usecases import feeds, settings
from services.booking.usecases.feeds import FeedOf, MadeFeed
from shared.openapi import problem
from shared.uow import Db, UnitOfWorkRoute, UoW

router = APIRouter(route_class=UnitOfWorkRoute, tags=["calendar feeds"])

FORBIDDEN = problem("Your role or clinic scope does not allow this")
NO_PRACTITIONER = problem("No such practitioner (or feed of theirs) in your network")
NO_CLINIC = problem("No such clinic (or feed of its) in your network")

CALENDAR = "text/calendar; charset=utf-8"
CACHE_CONTROL = "private, max-age=300"


def read(feed: CalendarFeed) -> CalendarFeedRead:
    return CalendarFeedRead(
        id=feed.id,
        practitioner_id=feed.practitioner_id,
        clinic_id=feed.clinic_id,
        label=feed.label,
        created_at=feed.created_at,
        created_by=feed.created_by,
    )


def created(made: MadeFeed, response: Response, collection: str) -> CalendarFeedCreated:
    response.headers["Location"] = f"{collection}/{made.feed.id}"
    response.headers["Cache-Control"] = "no-store"  # the answer holds the secret
    return CalendarFeedCreated(**read(made.feed).model_dump(), url=made.url)


# Not IdempotentUoW: a stored answer would keep the feed's secret, of which only the hash may
# be kept. A repeated POST makes a second feed, which is revoked like any other.
@router.post(
    "/practitioners/{practitioner_id}/calendar-feeds",
    status_code=201,
    summary="Make a secret calendar feed (text/calendar URL) of a practitioner's appointments",
    description=(
        "The answer's `url` holds the feed's secret and is shown only once: calendar apps read "
        "it without a token until the feed is revoked."
    ),
    responses={403: FORBIDDEN, 404: NO_PRACTITIONER},
)
async def create_practitioner_feed(
    practitioner_id: UUID,
    who: PractitionerFeeds,
    uow: UoW,
    response: Response,
    base: PublicBaseUrl,
    body: CalendarFeedCreate | None = None,
) -> CalendarFeedCreated:
    made = await feeds.make(
        uow,
        who,
        FeedOf.practitioner(practitioner_id),
        body or CalendarFeedCreate(),
        public_base_url=base,
    )
    return created(made, response, f"/v1/practitioners/{practitioner_id}/calendar-feeds")


@router.get(
    "/practitioners/{practitioner_id}/calendar-feeds",
    summary="A practitioner's live calendar feeds (without their secrets)",
    responses={403: FORBIDDEN, 404: NO_PRACTITIONER},
)
async def list_practitioner_feeds(
    practitioner_id: UUID, who: PractitionerFeeds, uow: UoW
) -> list[CalendarFeedRead]:
    return [read(f) for f in await feeds.listed(uow, who, FeedOf.practitioner(practitioner_id))]


@router.delete(
    "/practitioners/{practitioner_id}/calendar-feeds/{feed_id}",
    status_code=204,
    summary="Revoke a practitioner's calendar feed: its URL answers 404 from now on",
    responses={403: FORBIDDEN, 404: NO_PRACTITIONER},
)
async def revoke_practitioner_feed(
    practitioner_id: UUID, feed_id: UUID, who: PractitionerFeeds, uow: UoW
) -> Response:
    await feeds.revoke(uow, who, FeedOf.practitioner(practitioner_id), feed_id)
    return Response(status_code=204)


@router.post(
    "/clinics/{clinic_id}/calendar-feeds",
    status_code=201,
    summary="Make a secret calendar feed (text/calendar URL) of a clinic's appointments",
    description=(
        "The answer's `url` holds the feed's secret and is shown only once: calendar apps read "
        "it without a token until the feed is revoked."
    ),
    responses={403: FORBIDDEN, 404: NO_CLINIC},
)
async def create_clinic_feed(
    clinic_id: UUID,
    who: ClinicFeeds,
    uow: UoW,
    response: Response,
    base: PublicBaseUrl,
    body: CalendarFeedCreate | None = None,
) -> CalendarFeedCreated:
    made = await feeds.make(
        uow, who, FeedOf.clinic(clinic_id), body or CalendarFeedCreate(), public_base_url=base
    )
    return created(made, response, f"/v1/clinics/{clinic_id}/calendar-feeds")


@router.get(
    "/clinics/{clinic_id}/calendar-feeds",
    summary="A clinic's live calendar feeds (without their secrets)",
    responses={403: FORBIDDEN, 404: NO_CLINIC},
)
async def list_clinic_feeds(clinic_id: UUID, who: ClinicFeeds, uow: UoW) -> list[CalendarFeedRead]:
    return [read(f) for f in await feeds.listed(uow, who, FeedOf.clinic(clinic_id))]


@router.delete(
    "/clinics/{clinic_id}/calendar-feeds/{feed_id}",
    status_code=204,
    summary="Revoke a clinic's calendar feed: its URL answers 404 from now on",
    responses={403: FORBIDDEN, 404: NO_CLINIC},
)
async def revoke_clinic_feed(
    clinic_id: UUID, feed_id: UUID, who: ClinicFeeds, uow: UoW
) -> Response:
    await feeds.revoke(uow, who, FeedOf.clinic(clinic_id), feed_id)
    return Response(status_code=204)


def calendar_settings(found: NetworkSettings) -> CalendarSettingsRead:
    return CalendarSettingsRead(
        show_patient_names=found.show_patient_names,
        updated_at=found.updated_at,
        updated_by=found.updated_by,
    )


@router.get("/settings/calendar", summary="How the network's calendar feeds name patients")
async def get_calendar_settings(who: Reader, uow: UoW) -> CalendarSettingsRead:
    return calendar_settings(await settings.get(uow, who))


@router.put(
    "/settings/calendar",
    summary="Choose whether calendar feeds name patients in full or by their initials",
    responses={403: problem("Only network admins change the network's settings")},
)
async def set_calendar_settings(
    body: CalendarSettingsSet, who: NetworkAdmin, uow: UoW
) -> CalendarSettingsRead:
    return calendar_settings(await settings.set_calendar(uow, who, body))


# -- the feeds themselves: no token, the secret in the path is the key -------------------------

public = APIRouter(tags=["calendar feeds"])

CALENDAR_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {
        "description": (
            "The feed (RFC 5545): one VEVENT per appointment from 30 days back to 180 days "
            "ahead, cancelled ones for 30 days after their cancellation"
        ),
        "content": {"text/calendar": {"schema": {"type": "string"}}},
        "headers": {
            "ETag": {"description": "Send it as If-None-Match", "schema": {"type": "string"}}
        },
    },
    304: {"description": "Not modified since the ETag sent in If-None-Match"},
    404: problem("No such feed, or it was revoked"),
}


@public.get(
    "/calendar-feeds/{secret}.ics",
    summary="A calendar feed, read by calendar apps: the secret in the URL is the only key",
    response_class=Response,
    responses=CALENDAR_ANSWER,
)
async def read_feed(secret: str, db: Db, request: Request) -> Response:
    feed = await feeds.read(db, secret)
    body = feed.body.encode()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {
        "ETag": etag,
        "Cache-Control": CACHE_CONTROL,
        "X-Robots-Tag": "noindex, nofollow",
    }
    if etag in _etags(request.headers.get("if-none-match", "")):
        return Response(status_code=304, headers=headers)
    return Response(
        body,
        media_type=CALENDAR,
        headers={**headers, "Content-Disposition": 'inline; filename="calendar.ics"'},
    )


def _etags(header: str) -> set[str]:
    """The entity tags of an If-None-Match header (weak ones compared as strong: the body is
    the same byte for byte, or the tag differs)."""
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}
