"""The pure rules of outgoing webhooks: which receivers, which subscriptions, when to retry."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from services.notifications.domain import webhooks
from services.notifications.domain.webhooks import ForbiddenWebhookUrl
from shared.errors import Invalid

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


class TestUrls:
    def test_https_to_any_host_is_taken_apart(self) -> None:
        r = webhooks.parse_url("https://Hooks.Example.com:8443/in?x=1", allow_loopback=False)
        assert (r.scheme, r.host, r.port) == ("https", "hooks.example.com", 8443)

    @pytest.mark.parametrize(
        "url", ["http://127.0.0.1:9000/in", "http://localhost/in", "http://[::1]:81/in"]
    )
    def test_plain_http_reaches_loopback_only_in_development(self, url: str) -> None:
        assert webhooks.parse_url(url, allow_loopback=True).scheme == "http"
        with pytest.raises(ForbiddenWebhookUrl, match="https"):
            webhooks.parse_url(url, allow_loopback=False)

    @pytest.mark.parametrize(
        "url",
        [
            "http://hooks.example.com/in",
            "file:///etc/passwd",
            "https://a:b@hooks.example.com/",
            "https://hooks.example.com/#frag",
            "https://hooks.example.com:99999/",
            "https://" + "a" * 2100 + ".com/",
        ],
    )
    def test_refused(self, url: str) -> None:
        with pytest.raises(ForbiddenWebhookUrl) as refused:
            webhooks.parse_url(url, allow_loopback=True)
        assert refused.value.extra["errors"][0]["field"] == "url"


class TestAddresses:
    @pytest.mark.parametrize(
        ("address", "kind"),
        [
            ("10.0.0.5", "private"),
            ("172.16.3.4", "private"),
            ("192.168.1.1", "private"),
            ("169.254.169.254", "cloud metadata"),
            ("fd00:ec2::254", "cloud metadata"),
            ("fe80::1", "link-local"),
            ("127.0.0.1", "loopback"),
            ("::ffff:127.0.0.1", "loopback"),
            ("100.64.0.1", "not a public"),
            ("0.0.0.0", "unspecified"),
            ("224.0.0.1", "multicast"),
        ],
    )
    def test_only_public_addresses_receive_in_production(self, address: str, kind: str) -> None:
        with pytest.raises(ForbiddenWebhookUrl, match=kind):
            webhooks.check_addresses("h", [address], allow_loopback=False)

    def test_one_private_address_among_public_ones_is_enough_to_refuse(self) -> None:
        with pytest.raises(ForbiddenWebhookUrl, match=r"10\.0\.0\.1"):
            webhooks.check_addresses("h", ["93.184.216.34", "10.0.0.1"], allow_loopback=False)

    def test_loopback_in_development_and_public_anywhere(self) -> None:
        assert webhooks.check_addresses("h", ["127.0.0.1"], allow_loopback=True) == "127.0.0.1"
        assert webhooks.check_addresses("h", ["2606:2800::1"], allow_loopback=False)
        with pytest.raises(ForbiddenWebhookUrl, match="private"):
            webhooks.check_addresses("h", ["192.168.0.2"], allow_loopback=True)

    def test_a_name_that_resolves_to_nothing_is_refused(self) -> None:
        with pytest.raises(ForbiddenWebhookUrl, match="does not resolve"):
            webhooks.check_addresses("nowhere.example", [], allow_loopback=False)


class TestSubscriptions:
    KNOWN = ["mesocare.a.One.v1", "mesocare.a.Two.v1"]

    def test_every_event_or_known_ones_without_repeats(self) -> None:
        assert webhooks.check_event_types(["*"], self.KNOWN) == ["*"]
        two, one = self.KNOWN[1], self.KNOWN[0]
        assert webhooks.check_event_types([two, one, two], self.KNOWN) == [two, one]

    def test_unknown_types_are_named(self) -> None:
        with pytest.raises(Invalid) as refused:
            webhooks.check_event_types([self.KNOWN[0], "x"], self.KNOWN)
        assert refused.value.extra["errors"][0]["field"] == "event_types[1]"


class TestRetries:
    def test_backoff_grows_with_jitter_and_ends_after_a_day(self) -> None:
        rng = random.Random(7)
        waits = [webhooks.next_attempt(n, now=NOW, rng=rng) - NOW for n in range(1, 9)]
        steps = [*webhooks.RETRY_DELAYS, webhooks.RETRY_DELAYS[-1], webhooks.RETRY_DELAYS[-1]]
        for wait, step in zip(waits, steps, strict=True):
            assert step * 0.8 <= wait <= step * 1.2
        assert sum(webhooks.RETRY_DELAYS, timedelta()) + webhooks.RETRY_DELAYS[-1] > timedelta(
            hours=24
        )
        assert not webhooks.given_up(None, NOW)
        assert not webhooks.given_up(NOW - timedelta(hours=23), NOW)
        assert webhooks.given_up(NOW - timedelta(hours=24), NOW)


class TestSigning:
    def test_the_previous_secret_signs_beside_the_new_one_until_its_time(self) -> None:
        new, old = webhooks.new_secret(), webhooks.new_secret()
        until = NOW + timedelta(hours=24)
        assert webhooks.secrets_in_use(new, old, until, now=NOW) == [new, old]
        assert webhooks.secrets_in_use(new, old, until, now=until) == [new]
        headers = webhooks.signed_headers([new, old], webhook_id="e1", timestamp=1, body=b"{}")
        assert len(headers["webhook-signature"].split(" ")) == 2
        assert all(s.startswith("v1,") for s in headers["webhook-signature"].split(" "))
