"""Calendar feeds: a secret, revocable text/calendar URL of a practitioner's or a clinic's
appointments, read without a token (through the gateway too), parsed here by `icalendar`."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import icalendar
import pytest

from shared.events.base import Envelope
from shared.events.records import PatientContactChanged
from tests.integration.booking.helpers import Stage, World, at, make_world, ok
from tests.support import RunningService, eventually, produce, running_service, served
from tests.support import service_settings as settings_of

FEED_PREFIX = "/api/booking"


def soon(days: int = 10) -> date:
    return date.today() + timedelta(days=days)


async def make_feed(world: World, headers: Any = None, **body: Any) -> dict[str, Any]:
    path = f"/v1/practitioners/{world.practitioner['id']}/calendar-feeds"
    return await ok(await world.post(path, body or None, headers or world.admin))


def service_path(url: str) -> str:
    """The feed's path at booking itself: the URL is the gateway's `/api/booking/…`."""
    path = urlsplit(url).path
    assert path.startswith(FEED_PREFIX + "/v1/calendar-feeds/"), url
    return path.removeprefix(FEED_PREFIX)


async def read_feed(world: World, url: str, status: int = 200) -> Any:
    response = await world.stage.client.get(service_path(url))
    assert response.status_code == status, response.text
    return response


async def calendar_of(world: World, url: str) -> icalendar.Calendar:
    response = await read_feed(world, url)
    assert response.headers["content-type"].startswith("text/calendar")
    return icalendar.Calendar.from_ical(response.text)


def events(cal: icalendar.Calendar) -> dict[str, Any]:
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def uid(appointment: dict[str, Any]) -> str:
    return f"{appointment['id']}@mesocare"


class TestMakingAndReadingAFeed:
    async def test_a_feed_reads_without_a_token_as_text_calendar_with_one_event_each(
        self, stage: Stage
    ) -> None:
        world = await make_world(stage)
        first = await world.book(at(soon(), "10:00", world.tz))
        second = await world.book(at(soon(), "11:00", world.tz))

        made = await make_feed(world)
        cal = await calendar_of(world, made["url"])

        assert made["practitioner_id"] == world.practitioner["id"]
        assert urlsplit(made["url"]).path.endswith(".ics")
        assert str(cal["VERSION"]) == "2.0" and cal.get("PRODID")
        found = events(cal)
        assert set(found) == {uid(first), uid(second)}
        event = found[uid(first)]
        assert event["DTSTAMP"] and int(event["SEQUENCE"]) == 0
        assert str(event["STATUS"]) == "CONFIRMED"
        assert event["DTSTART"].params["TZID"] == "Europe/Paris"
        assert event["DTSTART"].dt.astimezone(UTC) == datetime.fromisoformat(first["start"])
        assert event["DTEND"].dt.astimezone(UTC) == datetime.fromisoformat(first["end"])

    async def test_the_location_is_the_clinic_with_its_address(self, stage: Stage) -> None:
        world = await make_world(stage)
        booked = await world.book(at(soon(), "10:00", world.tz))
        cal = await calendar_of(world, (await make_feed(world))["url"])

        location = str(events(cal)[uid(booked)]["LOCATION"])
        assert location == f"{world.clinic['name']}, {world.clinic['address']}"

    async def test_the_url_is_the_gateways_and_only_a_hash_of_its_secret_is_stored(
        self, stage: Stage
    ) -> None:
        world = await make_world(stage)
        made = await make_feed(world, label="My phone")
        base = stage.svc.settings.public_base_url  # type: ignore[attr-defined]
        secret = urlsplit(made["url"]).path.rsplit("/", 1)[1].removesuffix(".ics")

        assert made["url"] == f"{base}/api/booking/v1/calendar-feeds/{secret}.ics"
        assert len(secret) >= 43
        row = await stage.svc.pool.fetchrow(
            "SELECT * FROM calendar_feeds WHERE id = $1", UUID(made["id"])
        )
        assert row["secret_sha256"] == hashlib.sha256(secret.encode()).hexdigest()
        assert all(secret not in str(value) for value in row.values())

    async def test_the_listing_shows_the_feeds_but_never_their_urls(self, stage: Stage) -> None:
        world = await make_world(stage)
        made = await make_feed(world, label="My phone")
        listed = await ok(
            await world.get(f"/v1/practitioners/{world.practitioner['id']}/calendar-feeds"), 200
        )
        assert [(f["id"], f["label"]) for f in listed] == [(made["id"], "My phone")]
        assert "url" not in listed[0]
        secret = urlsplit(made["url"]).path.rsplit("/", 1)[1]
        assert secret.removesuffix(".ics") not in str(listed)

    async def test_an_unchanged_feed_answers_304_to_its_etag(self, stage: Stage) -> None:
        world = await make_world(stage)
        await world.book(at(soon(), "10:00", world.tz))
        url = (await make_feed(world))["url"]
        first = await read_feed(world, url)
        assert first.headers["cache-control"] == "private, max-age=300"

        again = await stage.client.get(
            service_path(url), headers={"If-None-Match": first.headers["etag"]}
        )
        assert again.status_code == 304
        assert again.headers["etag"] == first.headers["etag"]


class TestWhatAFeedTellsOverTime:
    async def test_the_uid_stays_and_the_sequence_rises_with_each_reschedule(
        self, stage: Stage
    ) -> None:
        world = await make_world(stage)
        booked = await world.book(at(soon(), "10:00", world.tz))
        url = (await make_feed(world))["url"]
        assert int(events(await calendar_of(world, url))[uid(booked)]["SEQUENCE"]) == 0

        for n, clock in enumerate(("14:00", "15:00"), start=1):
            moved = await world.act(
                booked["id"], "reschedule", {"start": at(soon(), clock, world.tz).isoformat()}
            )
            assert moved.status_code == 200, moved.text
            event = events(await calendar_of(world, url))[uid(booked)]
            assert int(event["SEQUENCE"]) == n
            assert event["DTSTART"].dt.astimezone(UTC) == datetime.fromisoformat(
                moved.json()["start"]
            )

    async def test_a_cancelled_appointment_stays_as_cancelled_with_a_new_sequence(
        self, stage: Stage
    ) -> None:
        world = await make_world(stage)
        booked = await world.book(at(soon(), "10:00", world.tz))
        url = (await make_feed(world))["url"]

        cancelled = await world.act(booked["id"], "cancel", {"reason": "Patient is unwell"})
        assert cancelled.status_code == 200, cancelled.text

        event = events(await calendar_of(world, url))[uid(booked)]
        assert str(event["STATUS"]) == "CANCELLED"
        assert int(event["SEQUENCE"]) == 1

    async def test_a_clinic_feed_shows_every_practitioner_of_the_clinic(self, stage: Stage) -> None:
        world = await make_world(stage)
        booked = await world.book(at(soon(), "10:00", world.tz))
        made = await ok(await world.post(f"/v1/clinics/{world.clinic['id']}/calendar-feeds", None))
        assert made["clinic_id"] == world.clinic["id"]
        event = events(await calendar_of(world, made["url"]))[uid(booked)]
        assert world.practitioner["name"] in str(event["SUMMARY"])


class TestPatientNames:
    async def test_patients_appear_by_initials_unless_the_network_shows_full_names(
        self, stage: Stage
    ) -> None:
        world = await make_world(stage)  # the patient is Camille Durand
        booked = await world.book(at(soon(), "10:00", world.tz))
        url = (await make_feed(world))["url"]

        summary = str(events(await calendar_of(world, url))[uid(booked)]["SUMMARY"])
        assert summary.startswith("C. D.")
        assert "Camille" not in (await read_feed(world, url)).text

        chosen = await stage.client.put(
            "/v1/settings/calendar", json={"show_patient_names": True}, headers=world.admin
        )
        assert chosen.status_code == 200, chosen.text
        assert chosen.json()["show_patient_names"] is True
        summary = str(events(await calendar_of(world, url))[uid(booked)]["SUMMARY"])
        assert summary.startswith("Camille Durand")

    async def test_a_changed_name_reaches_the_feed(self, stage: Stage) -> None:
        world = await make_world(stage)
        booked = await world.book(at(soon(), "10:00", world.tz))
        url = (await make_feed(world))["url"]
        envelope = Envelope.wrap(
            PatientContactChanged(
                network_id=world.network,
                patient_id=world.patient,
                given_name="Camille",
                family_name="Martin",
            ),
            source="mesocare/records",
        )
        await produce(
            stage.parts.kafka_bootstrap,
            envelope.topic,
            value=envelope.value(),
            key=envelope.key.encode(),
            headers=envelope.headers(),
        )

        async def renamed() -> bool:
            cal = await calendar_of(world, url)
            return str(events(cal)[uid(booked)]["SUMMARY"]).startswith("C. M.")

        await eventually(renamed, within=30)

    async def test_only_a_network_admin_chooses_and_the_default_is_initials(
        self, stage: Stage
    ) -> None:
        world = await make_world(stage, patient=False)
        shown = await ok(await world.get("/v1/settings/calendar", world.reception), 200)
        assert shown["show_patient_names"] is False
        refused = await stage.client.put(
            "/v1/settings/calendar",
            json={"show_patient_names": True},
            headers=stage.auth(world.network, "clinic_manager"),
        )
        assert refused.status_code == 403


class TestRevocation:
    async def test_a_revoked_feed_is_404_and_leaves_the_listing(self, stage: Stage) -> None:
        world = await make_world(stage, patient=False)
        made = await make_feed(world)
        path = f"/v1/practitioners/{world.practitioner['id']}/calendar-feeds"
        await read_feed(world, made["url"])

        revoked = await stage.client.delete(f"{path}/{made['id']}", headers=world.admin)
        assert revoked.status_code == 204

        gone = await read_feed(world, made["url"], 404)
        assert gone.headers["content-type"] == "application/problem+json"
        assert await ok(await world.get(path), 200) == []
        again = await stage.client.delete(f"{path}/{made['id']}", headers=world.admin)
        assert again.status_code == 404

    async def test_an_unknown_secret_is_404(self, stage: Stage) -> None:
        response = await stage.client.get(f"/v1/calendar-feeds/{'A' * 43}.ics")
        assert response.status_code == 404
        assert response.json()["type"].endswith("/not-found")

    async def test_a_clinic_feed_is_revoked_at_the_clinic(self, stage: Stage) -> None:
        world = await make_world(stage, patient=False)
        path = f"/v1/clinics/{world.clinic['id']}/calendar-feeds"
        made = await ok(await world.post(path, {"label": "Front desk"}))
        assert [f["id"] for f in await ok(await world.get(path), 200)] == [made["id"]]
        # Not through the practitioner's path: the feed is the clinic's.
        elsewhere = f"/v1/practitioners/{world.practitioner['id']}/calendar-feeds/{made['id']}"
        assert (await stage.client.delete(elsewhere, headers=world.admin)).status_code == 404
        assert (
            await stage.client.delete(f"{path}/{made['id']}", headers=world.admin)
        ).status_code == 204
        await read_feed(world, made["url"], 404)


class TestWhoMay:
    async def test_a_practitioner_and_a_manager_may_make_one_a_receptionist_may_not(
        self, stage: Stage
    ) -> None:
        world = await make_world(stage, patient=False)
        await make_feed(world, world.doctor)
        await make_feed(world, stage.auth(world.network, "clinic_manager"))
        path = f"/v1/practitioners/{world.practitioner['id']}/calendar-feeds"
        for role in ("receptionist", "integration"):
            refused = await world.post(path, None, stage.auth(world.network, role))
            assert refused.status_code == 403, role
            assert refused.headers["content-type"] == "application/problem+json"

    async def test_a_clinic_feed_is_for_managers_and_admins_only(self, stage: Stage) -> None:
        world = await make_world(stage, patient=False)
        path = f"/v1/clinics/{world.clinic['id']}/calendar-feeds"
        assert (await world.post(path, None, world.doctor)).status_code == 403
        assert (await world.get(path, world.doctor)).status_code == 403
        manager = stage.auth(world.network, "clinic_manager", clinic_ids=(world.clinic["id"],))
        await ok(await world.post(path, None, manager))

    async def test_a_manager_of_another_clinic_may_not(self, stage: Stage) -> None:
        world = await make_world(stage, patient=False)
        elsewhere = stage.auth(world.network, "clinic_manager", clinic_ids=(uuid4(),))
        for path in (
            f"/v1/practitioners/{world.practitioner['id']}/calendar-feeds",
            f"/v1/clinics/{world.clinic['id']}/calendar-feeds",
        ):
            assert (await world.post(path, None, elsewhere)).status_code == 403, path

    async def test_another_networks_practitioner_clinic_and_feed_are_404(
        self, stage: Stage
    ) -> None:
        ours = await make_world(stage, patient=False)
        theirs = await make_world(stage, patient=False)
        made = await make_feed(ours)
        clinic_feed = await ok(
            await ours.post(f"/v1/clinics/{ours.clinic['id']}/calendar-feeds", None)
        )
        practitioner = f"/v1/practitioners/{ours.practitioner['id']}/calendar-feeds"
        clinic = f"/v1/clinics/{ours.clinic['id']}/calendar-feeds"

        for path in (practitioner, clinic):
            assert (await theirs.post(path, None)).status_code == 404
            assert (await theirs.get(path)).status_code == 404
        delete = stage.client.delete
        assert (
            await delete(f"{practitioner}/{made['id']}", headers=theirs.admin)
        ).status_code == 404
        assert (
            await delete(f"{clinic}/{clinic_feed['id']}", headers=theirs.admin)
        ).status_code == 404
        # Their own practitioner's path with our feed's id is no way in either.
        own = f"/v1/practitioners/{theirs.practitioner['id']}/calendar-feeds/{made['id']}"
        assert (await delete(own, headers=theirs.admin)).status_code == 404
        await read_feed(ours, made["url"])

    async def test_an_unknown_practitioner_or_clinic_is_404(self, stage: Stage) -> None:
        world = await make_world(stage, patient=False)
        for path in (f"/v1/practitioners/{uuid4()}", f"/v1/clinics/{uuid4()}"):
            response = await world.post(f"{path}/calendar-feeds", None)
            assert response.status_code == 404, path
            assert response.json()["type"].endswith("/not-found")


class TestBadInput:
    @pytest.mark.parametrize(
        "path",
        [
            "/v1/practitioners/not-a-uuid/calendar-feeds",
            "/v1/clinics/12345/calendar-feeds",
        ],
    )
    async def test_a_malformed_id_is_a_422_problem(self, stage: Stage, path: str) -> None:
        admin = stage.auth(uuid4(), "network_admin")
        for response in (
            await stage.client.post(path, headers=admin),
            await stage.client.get(path, headers=admin),
            await stage.client.delete(f"{path}/{uuid4()}", headers=admin),
        ):
            assert response.status_code == 422, response.text
            assert response.headers["content-type"] == "application/problem+json"

    async def test_a_malformed_feed_id_is_a_422_problem(self, stage: Stage) -> None:
        world = await make_world(stage, patient=False)
        path = f"/v1/practitioners/{world.practitioner['id']}/calendar-feeds/nope"
        response = await stage.client.delete(path, headers=world.admin)
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"

    @pytest.mark.parametrize("secret", ["x", "A" * 200, "%00", "..%2F..%2Fetc", "é" * 43])
    async def test_a_malformed_secret_is_a_404_problem(self, stage: Stage, secret: str) -> None:
        response = await stage.client.get(f"/v1/calendar-feeds/{secret}.ics")
        assert response.status_code == 404, response.text
        assert response.headers["content-type"] == "application/problem+json"

    @pytest.mark.parametrize(
        "body", [{"label": ""}, {"label": "x" * 101}, {"colour": "red"}, {"label": "a\u0000"}]
    )
    async def test_a_bad_body_is_a_422_problem(self, stage: Stage, body: Any) -> None:
        world = await make_world(stage, patient=False)
        response = await world.post(
            f"/v1/practitioners/{world.practitioner['id']}/calendar-feeds", body
        )
        assert response.status_code == 422, response.text

    async def test_settings_take_only_a_json_boolean(self, stage: Stage) -> None:
        admin = stage.auth(uuid4(), "network_admin")
        for body in ({"show_patient_names": 1}, {"show_patient_names": "yes"}, {}):
            response = await stage.client.put("/v1/settings/calendar", json=body, headers=admin)
            assert response.status_code == 422, body


# -- daylight saving time ------------------------------------------------------------------------


def next_clock_change(zone: str, after: date, within: int) -> date | None:
    """The first day in (after, after + within] on which `zone`'s UTC offset changes."""
    tz = ZoneInfo(zone)

    def offset(day: date) -> timedelta | None:
        return datetime(day.year, day.month, day.day, 12, tzinfo=tz).utcoffset()

    for n in range(1, within + 1):
        day = after + timedelta(days=n)
        if offset(day) != offset(day - timedelta(days=1)):
            return day
    return None


def dst_case() -> tuple[str, date]:
    """A clinic zone and the day its clocks change, ahead of today and inside a feed's window:
    Paris if it changes soon enough (2027-03-28 from today, 2026-12), else a zone that does."""
    for zone in ("Europe/Paris", "America/New_York", "Australia/Sydney", "Pacific/Auckland"):
        day = next_clock_change(zone, date.today() + timedelta(days=2), 165)
        if day is not None:
            return zone, day
    raise AssertionError("no clock change within the window in any zone tried")


def utc_by_vtimezone(cal: icalendar.Calendar, zone: str, local: datetime) -> datetime:
    """`local` (naive, in `zone`) in UTC by the feed's own VTIMEZONE: the offset of the latest
    observance whose onset is not after it."""
    (component,) = [c for c in cal.walk("VTIMEZONE") if str(c["TZID"]) == zone]
    rules = sorted(
        (rule["DTSTART"].dt.replace(tzinfo=None), rule["TZOFFSETTO"].td)
        for rule in component.subcomponents
        if rule.name in ("STANDARD", "DAYLIGHT")
    )
    in_force = [offset for onset, offset in rules if onset <= local]
    assert in_force, f"the VTIMEZONE does not reach back to {local}"
    return (local - in_force[-1]).replace(tzinfo=UTC)


class TestDaylightSavingTime:
    async def test_local_times_hold_across_a_clock_change_with_the_zones_vtimezone(
        self, stage: Stage
    ) -> None:
        zone, change = dst_case()
        world = await make_world(stage, tz=zone)
        before = await world.book(at(change - timedelta(days=1), "10:00", zone))
        after = await world.book(at(change, "10:00", zone))
        cal = await calendar_of(world, (await make_feed(world))["url"])
        found = events(cal)

        for booked, day in ((before, change - timedelta(days=1)), (after, change)):
            start = found[uid(booked)]["DTSTART"]
            assert start.params["TZID"] == zone
            assert start.dt.replace(tzinfo=None) == datetime(day.year, day.month, day.day, 10)
            expected = datetime.fromisoformat(booked["start"])
            assert start.dt.astimezone(UTC) == expected
            assert utc_by_vtimezone(cal, zone, start.dt.replace(tzinfo=None)) == expected
        hours = (
            datetime.fromisoformat(before["start"]).hour,
            datetime.fromisoformat(after["start"]).hour,
        )
        assert abs(hours[0] - hours[1]) == 1, "10:00 local moves by an hour in UTC"
        if zone == "Europe/Paris" and change.month == 3:
            assert hours == (9, 8)  # 10:00 CET = 09:00Z, 10:00 CEST = 08:00Z
        kinds = {c.name for c in cal.walk("VTIMEZONE")[0].subcomponents}
        assert kinds == {"STANDARD", "DAYLIGHT"}


# -- through the gateway, as a calendar app reads it -------------------------------------------


@pytest.fixture(scope="module")
async def gateway(stage: Stage) -> AsyncIterator[RunningService]:
    """A gateway in front of this booking service, served over HTTP."""
    async with served(stage.svc.app) as booking_url:
        settings = settings_of("gateway", stage.parts.platform(), booking_url=booking_url)
        async with running_service(settings) as running:
            yield running


class TestThroughTheGateway:
    async def test_a_calendar_app_reads_the_url_through_the_gateway_without_a_token(
        self, stage: Stage, gateway: RunningService
    ) -> None:
        world = await make_world(stage)
        booked = await world.book(at(soon(), "10:00", world.tz))
        made = await make_feed(world)

        response = await gateway.client.get(urlsplit(made["url"]).path)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/calendar")
        assert uid(booked) in events(icalendar.Calendar.from_ical(response.text))

        await stage.client.delete(
            f"/v1/practitioners/{world.practitioner['id']}/calendar-feeds/{made['id']}",
            headers=world.admin,
        )
        assert (await gateway.client.get(urlsplit(made["url"]).path)).status_code == 404
