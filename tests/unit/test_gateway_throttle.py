"""The sign-in throttle's rules (services/gateway/domain/throttle.py): free failures, then a wait
that doubles up to a cap; per (account, address) always, per account only for addresses the
account has not signed in from."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.gateway.domain.throttle import Backoff, Policy, Record, retry_after
from services.gateway.settings import Settings
from services.gateway.usecases.sign_in import throttle_policy

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
BACKOFF = Backoff(free=5, first=timedelta(seconds=30), cap=timedelta(minutes=15))
POLICY = Policy(per_address=BACKOFF, per_account=Backoff(20, BACKOFF.first, BACKOFF.cap))


def seconds_ago(seconds: float) -> datetime:
    return NOW - timedelta(seconds=seconds)


def record(
    address: int = 0,
    account: int = 0,
    *,
    newest: datetime | None = NOW,
    known: bool = False,
) -> Record:
    return Record(
        address_failures=address,
        address_newest=newest if address else None,
        account_failures=account,
        account_newest=newest if account else None,
        known_address=known,
        now=NOW,
    )


class TestBackoff:
    def test_the_free_failures_cost_nothing_then_the_wait_doubles_up_to_the_cap(self) -> None:
        waits = [BACKOFF.wait(n).total_seconds() for n in range(13)]

        assert waits == [0, 0, 0, 0, 0, 30, 60, 120, 240, 480, 900, 900, 900]

    def test_any_number_of_failures_is_at_most_the_cap(self) -> None:
        assert BACKOFF.wait(10**6) == timedelta(minutes=15)

    def test_the_wait_runs_from_the_newest_failure(self) -> None:
        assert BACKOFF.retry_after(5, seconds_ago(10), NOW) == 20
        assert BACKOFF.retry_after(5, seconds_ago(30), NOW) is None
        assert BACKOFF.retry_after(6, seconds_ago(30), NOW) == 30
        assert BACKOFF.retry_after(4, NOW, NOW) is None

    def test_a_part_of_a_second_left_is_a_whole_second(self) -> None:
        assert BACKOFF.retry_after(5, seconds_ago(29.9), NOW) == 1


class TestPolicy:
    def test_an_address_past_its_free_failures_waits_even_where_the_account_is_known(
        self,
    ) -> None:
        assert retry_after(POLICY, record(address=5, known=True)) == 30

    def test_an_account_guessed_at_from_many_addresses_makes_a_new_address_wait(self) -> None:
        assert retry_after(POLICY, record(address=0, account=20)) == 30

    def test_but_not_an_address_it_signed_in_from(self) -> None:
        assert retry_after(POLICY, record(address=0, account=20, known=True)) is None

    def test_below_both_limits_nobody_waits(self) -> None:
        assert retry_after(POLICY, record(address=4, account=19)) is None

    def test_the_longer_wait_wins(self) -> None:
        assert retry_after(POLICY, record(address=6, account=20)) == 60
        assert retry_after(POLICY, record(address=5, account=22)) == 120


def test_the_settings_make_the_documented_policy() -> None:
    assert throttle_policy(Settings()) == POLICY


def test_a_cap_below_the_first_wait_is_the_first_wait() -> None:
    policy = throttle_policy(Settings(login_backoff_seconds=60, login_backoff_max_seconds=10))

    assert policy.per_address.cap == timedelta(seconds=60)
