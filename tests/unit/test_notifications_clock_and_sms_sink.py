"""The manual clock tests use, and the local SMS sink's HTTP contract."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from devstack.ports import free_port
from devstack.sms_sink import start_sms_sink
from services.notifications.clock import ManualClock


def test_a_manual_clock_stands_still_until_moved() -> None:
    clock = ManualClock(datetime(2026, 3, 2, 12, tzinfo=UTC))

    clock.advance(timedelta(minutes=5))

    assert clock.now() == datetime(2026, 3, 2, 12, 5, tzinfo=UTC)
    with pytest.raises(ValueError):
        ManualClock(datetime(2026, 3, 2, 12))


def test_the_sms_sink_keeps_what_it_accepts_and_can_refuse() -> None:
    server = start_sms_sink(free_port())
    try:
        server.sink.refuse_next = 1
        refused = httpx.post(server.url, json={"to": "+34600000000", "body": "hi"})
        accepted = httpx.post(server.url, json={"to": "+34600000000", "body": "hi"})
        malformed = httpx.post(server.url, json={"to": 1})
        kept = httpx.get(server.url).json()
    finally:
        server.stop()

    assert (refused.status_code, accepted.status_code, malformed.status_code) == (503, 202, 400)
    assert [m["to"] for m in kept] == ["+34600000000"]
