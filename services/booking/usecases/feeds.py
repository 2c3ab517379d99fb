"""Calendar feeds: made, listed and revoked by staff for a practitioner or a clinic, and read by
calendar apps with nothing but the secret in the URL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID, uuid4

from services.booking import repository
from services.booking.domain import feeds
from services.booking.policies import require_clinic
from services.booking.repository import CalendarFeed, FeedAppointment, Owner
from services.booking.schemas import CalendarFeedCreate
from shared.auth import Principal
from shared.errors import NotFound
from shared.uow import Database, UnitOfWork

FEED_PATH = "/api/booking/v1/calendar-feeds/{secret}.ics"
"""Where the gateway routes a feed's URL: booking's `GET /v1/calendar-feeds/{secret}.ics`."""


@dataclass(frozen=True, slots=True)
class FeedOf:
    """Whose appointments a feed shows: `owner` is the column naming them."""

    owner: Owner
    owner_id: UUID

    @classmethod
    def practitioner(cls, practitioner_id: UUID) -> FeedOf:
        return cls("practitioner_id", practitioner_id)

    @classmethod
    def clinic(cls, clinic_id: UUID) -> FeedOf:
        return cls("clinic_id", clinic_id)


@dataclass(frozen=True, slots=True)
class MadeFeed:
    feed: CalendarFeed
    url: str
    """With the secret: shown once, in the answer to the request that made the feed."""


@dataclass(frozen=True, slots=True)
class Feed:
    """A feed's document and what it is named."""

    name: str
    body: str


async def _may_manage(uow: UnitOfWork, who: Principal, of: FeedOf) -> str:
    """The owner's name once they are the network's (else NotFound) and in the caller's clinic
    scope (else Forbidden): a practitioner's feed shows them at every clinic they work at, so
    each of those clinics must be."""
    if of.owner == "clinic_id":
        clinic = await repository.get_clinic(uow.tx, network_id=who.network_id, id=of.owner_id)
        if clinic is None:
            raise NotFound(f"No clinic {of.owner_id} in your network.")
        require_clinic(who, clinic.id)
        return clinic.name
    practitioner = await repository.get_practitioner(
        uow.tx, network_id=who.network_id, id=of.owner_id
    )
    if practitioner is None:
        raise NotFound(f"No practitioner {of.owner_id} in your network.")
    for clinic_id in practitioner.clinic_ids:
        require_clinic(who, clinic_id)
    return practitioner.name


async def make(
    uow: UnitOfWork, who: Principal, of: FeedOf, cmd: CalendarFeedCreate, *, public_base_url: str
) -> MadeFeed:
    """A new feed of the owner's appointments; its URL (with the secret) is shown only now."""
    await _may_manage(uow, who, of)
    secret = feeds.new_secret()
    feed = await repository.insert_feed(
        uow.tx,
        id=uuid4(),
        network_id=who.network_id,
        owner=of.owner,
        owner_id=of.owner_id,
        secret_sha256=feeds.secret_hash(secret),
        label=cmd.label,
        created_by=who.sub,
    )
    return MadeFeed(feed, public_base_url.rstrip("/") + FEED_PATH.format(secret=secret))


async def listed(uow: UnitOfWork, who: Principal, of: FeedOf) -> list[CalendarFeed]:
    """The owner's live feeds, oldest first (never their secrets)."""
    await _may_manage(uow, who, of)
    return await repository.list_feeds(
        uow.tx, network_id=who.network_id, owner=of.owner, owner_id=of.owner_id
    )


async def revoke(uow: UnitOfWork, who: Principal, of: FeedOf, feed_id: UUID) -> None:
    """The feed's URL answers 404 from now on; NotFound when the owner has no such live feed."""
    await _may_manage(uow, who, of)
    if not await repository.revoke_feed(
        uow.tx,
        network_id=who.network_id,
        owner=of.owner,
        owner_id=of.owner_id,
        id=feed_id,
        by=who.sub,
    ):
        raise NotFound(f"No calendar feed {feed_id} here.")


async def read(db: Database, secret: str, *, now: datetime | None = None) -> Feed:
    """The document of the feed whose URL holds `secret`; NotFound for an unknown or revoked
    one. No token says which network asks: a system unit finds the feed by its secret's hash,
    then the feed's network is the tenant of the rest."""
    unknown = NotFound("No such calendar feed (it may have been revoked).")
    if not feeds.looks_like_secret(secret):
        raise unknown
    async with db.unit(None) as system:
        found = await repository.feed_by_secret_hash(
            system.tx, secret_sha256=feeds.secret_hash(secret)
        )
    if found is None:
        raise unknown
    window = feeds.FeedWindow.around(now or datetime.now(UTC))
    async with db.unit(found.network_id) as uow:
        feed = await repository.get_live_feed(uow.tx, network_id=found.network_id, id=found.id)
        if feed is None:
            raise unknown  # revoked since
        of = (
            FeedOf.practitioner(feed.practitioner_id)
            if feed.practitioner_id is not None
            else FeedOf.clinic(_present(feed.clinic_id))
        )
        name = await _owner_name(uow, feed.network_id, of)
        settings = await repository.network_settings(uow.tx, network_id=feed.network_id)
        appointments = await repository.feed_appointments(
            uow.tx,
            network_id=feed.network_id,
            owner=of.owner,
            owner_id=of.owner_id,
            start=window.start,
            end=window.end,
            cancelled_since=window.cancelled_since,
        )
    events = [
        _event(a, full_names=settings.show_patient_names, name_practitioner=of.owner == "clinic_id")
        for a in appointments
    ]
    calendar_name = f"{name} (MesoCare)"
    return Feed(calendar_name, feeds.calendar(calendar_name, events, window))


def _present(value: UUID | None) -> UUID:
    assert value is not None, "a feed names a practitioner or a clinic (a CHECK says so)"
    return value


async def _owner_name(uow: UnitOfWork, network_id: UUID, of: FeedOf) -> str:
    if of.owner == "clinic_id":
        clinic = await repository.get_clinic(uow.tx, network_id=network_id, id=of.owner_id)
        return clinic.name if clinic else "Clinic"
    practitioner = await repository.get_practitioner(uow.tx, network_id=network_id, id=of.owner_id)
    return practitioner.name if practitioner else "Practitioner"


def _event(a: FeedAppointment, *, full_names: bool, name_practitioner: bool) -> feeds.FeedEvent:
    patient = feeds.patient_label(a.given_name, a.family_name, full_names=full_names)
    summary = f"{patient} · {a.treatment_name}"
    if name_practitioner:
        summary += f" ({a.practitioner_name})"
    return feeds.FeedEvent(
        appointment_id=str(a.id),
        revision=a.revision,
        cancelled=a.status == "cancelled",
        starts_at=a.starts_at,
        ends_at=a.ends_at,
        timezone=a.clinic_timezone,
        last_modified=a.updated_at,
        summary=summary,
        location=", ".join(part for part in (a.clinic_name, a.clinic_address) if part),
        description=feeds.description(
            [
                ("Patient", patient),
                ("Treatment", a.treatment_name),
                ("Practitioner", a.practitioner_name),
                ("Room", a.room_name),
                ("Status", a.status.replace("_", " ")),
            ]
        ),
    )
