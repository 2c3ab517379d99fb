"""The sign-in throttle (docs/gateway.md, "Throttle"), against the real gateway and its database:
an address guessing at an account waits, exponentially longer and at most 15 minutes; staff
with the right password still get in from elsewhere, and from a throttled address into other
accounts; an account guessed at from many addresses makes new addresses wait, not the places
it signs in from. Time passes by moving the recorded failures back in the database."""

from __future__ import annotations

import asyncio
import random
from uuid import uuid4

import httpx

from tests.integration.gateway.serving import basic, create_staff, from_address, password_grant
from tests.integration.gateway.test_token_endpoint import create_client
from tests.support import Parts, RunningService, running_service, service_settings

PASSWORD = "a-long-enough-password"


def unique_email(who: str = "staff") -> str:
    return f"{who}-{uuid4().hex[:10]}@clinic.example"


def an_address() -> str:
    return f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"


async def account(gateway: RunningService) -> str:
    email = unique_email()
    await create_staff(gateway, uuid4(), email, password=PASSWORD)
    return email


async def fail(client: httpx.AsyncClient, email: str, times: int) -> list[int]:
    return [(await password_grant(client, email, "wrong")).status_code for _ in range(times)]


async def time_passes(gateway: RunningService, email: str, seconds: float) -> None:
    """Every failure recorded for `email` happened `seconds` earlier."""
    await gateway.pool.execute(
        "UPDATE login_failures SET failed_at = failed_at - make_interval(secs => $2) "
        "WHERE subject = $1",
        f"user:{email}",
        seconds,
    )


def waits(response: httpx.Response) -> int:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert "Too many failed sign-in attempts" in response.json()["detail"]
    return int(response.headers["retry-after"])


class TestOneAddressGuessingAtAnAccount:
    async def test_after_five_failures_that_address_waits_30_s_even_with_the_right_password(
        self, gateway: RunningService
    ) -> None:
        email = await account(gateway)

        async with from_address(gateway) as client:
            failures = await fail(client, email, 5)
            refused = await password_grant(client, email, PASSWORD)

        assert failures == [400] * 5
        assert 25 <= waits(refused) <= 30

    async def test_each_further_failure_doubles_the_wait_up_to_15_minutes(
        self, gateway: RunningService
    ) -> None:
        email = await account(gateway)
        seen = []
        async with from_address(gateway) as client:
            assert await fail(client, email, 5) == [400] * 5
            for _ in range(7):
                wait = waits(await password_grant(client, email, "wrong"))
                seen.append(wait)
                await time_passes(gateway, email, wait)  # the wait is over: one more guess
                assert await fail(client, email, 1) == [400]
            final = waits(await password_grant(client, email, PASSWORD))

        # Rounded up to whole seconds after the time the database took to answer.
        assert [round(s, -1) for s in seen] == [30, 60, 120, 240, 480, 900, 900]
        assert 890 <= final <= 900

    async def test_the_right_password_gets_in_from_elsewhere_while_one_address_hammers(
        self, gateway: RunningService
    ) -> None:
        email = await account(gateway)
        async with from_address(gateway) as attacker, from_address(gateway) as staff:
            assert await fail(attacker, email, 5) == [400] * 5
            hammering, signed_in = await asyncio.gather(
                fail(attacker, email, 10), password_grant(staff, email, PASSWORD)
            )
            still_refused = await password_grant(attacker, email, PASSWORD)

        assert hammering == [429] * 10
        assert signed_in.status_code == 200, signed_in.text
        assert still_refused.status_code == 429

    async def test_a_day_of_guessing_from_one_address_does_not_make_other_addresses_wait(
        self, gateway: RunningService
    ) -> None:
        email = await account(gateway)
        async with from_address(gateway, "10.251.0.1") as attacker:
            await fail(attacker, email, 5)
        # What one address gets through its backoff in a day: about a hundred guesses.
        await gateway.pool.execute(
            """INSERT INTO login_failures (subject, address, failed_at)
               SELECT $1, '10.251.0.1', now() - make_interval(mins => 15 * n)
                 FROM generate_series(1, 95) AS n""",
            f"user:{email}",
        )

        async with from_address(gateway) as new_place:
            response = await password_grant(new_place, email, PASSWORD)

        assert response.status_code == 200, response.text

    async def test_a_success_forgives_that_address_s_failures(
        self, gateway: RunningService
    ) -> None:
        email = await account(gateway)

        async with from_address(gateway) as client:
            await fail(client, email, 4)
            assert (await password_grant(client, email, PASSWORD)).status_code == 200
            await fail(client, email, 4)
            still_open = await password_grant(client, email, PASSWORD)

        assert still_open.status_code == 200

    async def test_parallel_guesses_are_held_to_the_same_five(
        self, gateway: RunningService
    ) -> None:
        email = await account(gateway)

        async with from_address(gateway) as client:
            answers = await asyncio.gather(
                *(password_grant(client, email, "wrong") for _ in range(12))
            )

        assert sorted(a.status_code for a in answers) == [400] * 5 + [429] * 7


class TestManyAddressesAndAccounts:
    async def test_a_throttled_address_still_lets_staff_into_their_own_accounts(
        self, gateway: RunningService
    ) -> None:
        """A clinic behind one address: someone there guesses at one account and at twenty
        unknown emails; a colleague with the right password signs in from the same address."""
        guessed_at, colleague = await account(gateway), await account(gateway)
        async with from_address(gateway, "10.252.0.1") as clinic:
            await fail(clinic, guessed_at, 5)
            for _ in range(20):
                await fail(clinic, unique_email("nobody"), 1)
            locked = await password_grant(clinic, guessed_at, PASSWORD)
            colleague_signs_in = await password_grant(clinic, colleague, PASSWORD)

        assert locked.status_code == 429
        assert colleague_signs_in.status_code == 200, colleague_signs_in.text

    async def test_guessing_from_many_addresses_makes_new_addresses_wait_not_known_ones(
        self, gateway: RunningService
    ) -> None:
        email = await account(gateway)
        usual = an_address()
        async with from_address(gateway, usual) as usual_place:
            assert (await password_grant(usual_place, email, PASSWORD)).status_code == 200
        for _ in range(4):  # 4 addresses x 5 failures: the account's 20
            async with from_address(gateway) as guesser:
                assert await fail(guesser, email, 5) == [400] * 5

        async with from_address(gateway) as new_place:
            from_a_new_place = await password_grant(new_place, email, PASSWORD)
        async with from_address(gateway) as another_guesser:
            fresh_guesser = await password_grant(another_guesser, email, "wrong")
        async with from_address(gateway, usual) as usual_place:
            from_the_usual_place = await password_grant(usual_place, email, PASSWORD)

        assert 25 <= waits(from_a_new_place) <= 30
        assert fresh_guesser.status_code == 429
        assert from_the_usual_place.status_code == 200, from_the_usual_place.text

        await time_passes(gateway, email, 30)
        async with from_address(gateway) as new_place:
            after_the_wait = await password_grant(new_place, email, PASSWORD)
        assert after_the_wait.status_code == 200, after_the_wait.text


class TestIntegrationClients:
    async def test_a_client_id_is_throttled_per_address_too(self, gateway: RunningService) -> None:
        created = await create_client(gateway, uuid4())
        wrong = basic(created["client_id"], "guess")
        right = basic(created["client_id"], created["client_secret"])
        grant = {"grant_type": "client_credentials"}

        async with from_address(gateway) as guesser, from_address(gateway) as integration:
            failures = [
                (await guesser.post("/auth/token", data=grant, headers=wrong)).status_code
                for _ in range(5)
            ]
            refused = await guesser.post("/auth/token", data=grant, headers=right)
            elsewhere = await integration.post("/auth/token", data=grant, headers=right)

        assert failures == [401] * 5
        assert waits(refused) > 0
        assert elsewhere.status_code == 200, elsewhere.text


class TestReplicas:
    async def test_the_count_holds_across_gateway_replicas(
        self, parts: Parts, gateway: RunningService
    ) -> None:
        email = await account(gateway)
        async with from_address(gateway, "10.253.0.1") as client:
            await fail(client, email, 5)

        settings = service_settings("gateway", parts.platform())
        async with (
            running_service(settings) as replica,
            from_address(replica, "10.253.0.1") as client,
        ):
            response = await password_grant(client, email, PASSWORD)

        assert response.status_code == 429
