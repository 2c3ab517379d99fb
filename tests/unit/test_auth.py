"""Token verification: HS256 with the configured secret, RS256 through a JWKS URL."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from uuid import UUID, uuid4

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from shared.auth import Principal, RateLimiter, TokenVerifier, mint_token
from shared.errors import TooManyRequests, Unauthorized
from shared.settings import PlatformSettings

PLATFORM = PlatformSettings(env="test")


def test_a_minted_token_verifies_to_its_principal() -> None:
    network, clinic = uuid4(), uuid4()
    token = mint_token(
        PLATFORM,
        sub="ana@clinic.test",
        network_id=network,
        roles=["practitioner"],
        clinic_ids=[clinic],
    )
    assert TokenVerifier(PLATFORM).verify(token) == Principal(
        sub="ana@clinic.test",
        network_id=network,
        roles=frozenset({"practitioner"}),
        clinic_ids=frozenset({clinic}),
    )


def test_unknown_roles_in_a_token_grant_nothing() -> None:
    token = mint_token(PLATFORM, sub="x", network_id=uuid4(), roles=["superuser", "receptionist"])
    assert TokenVerifier(PLATFORM).verify(token).roles == frozenset({"receptionist"})


@pytest.mark.parametrize(
    ("claim", "value"),
    [("aud", "someone-else"), ("iss", "https://evil.test"), ("network_id", "not-a-uuid")],
)
def test_a_token_with_a_wrong_claim_is_refused(claim: str, value: str) -> None:
    token = mint_token(
        PLATFORM, sub="x", network_id=uuid4(), roles=["receptionist"], extra={claim: value}
    )
    with pytest.raises(Unauthorized):
        TokenVerifier(PLATFORM).verify(token)


def test_an_unsigned_token_is_refused() -> None:
    claims = {
        "sub": "x",
        "network_id": str(uuid4()),
        "roles": ["network_admin"],
        "iss": "mesocare",
        "aud": "mesocare",
        "exp": datetime.now(UTC) + timedelta(minutes=5),
    }
    token = jwt.encode(claims, key=None, algorithm="none")
    with pytest.raises(Unauthorized):
        TokenVerifier(PLATFORM).verify(token)


def test_principal_without_clinic_limits_may_act_in_every_clinic() -> None:
    everywhere = Principal(sub="a", network_id=uuid4(), roles=frozenset({"network_admin"}))
    one = Principal(sub="b", network_id=uuid4(), roles=frozenset(), clinic_ids=frozenset({uuid4()}))
    assert everywhere.may_act_in(uuid4())
    assert not one.may_act_in(uuid4())


@pytest.fixture
def jwks_server() -> Iterator[tuple[str, rsa.RSAPrivateKey]]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    body = json.dumps({"keys": [{**public, "kid": "k1", "use": "sig", "alg": "RS256"}]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/.well-known/jwks.json", key
    server.shutdown()


def test_rs256_tokens_verify_against_the_jwks_url(
    jwks_server: tuple[str, rsa.RSAPrivateKey],
) -> None:
    url, key = jwks_server
    platform = PlatformSettings(env="production", jwt_jwks_url=url, cursor_secret="c" * 40)
    network = uuid4()
    claims = {
        "sub": "idp|42",
        "network_id": str(network),
        "roles": ["clinic_manager"],
        "iss": "mesocare",
        "aud": "mesocare",
        "iat": datetime.now(UTC),
        "exp": datetime.now(UTC) + timedelta(minutes=5),
    }
    token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})

    principal = TokenVerifier(platform).verify(token)

    assert principal.network_id == network
    assert principal.roles == frozenset({"clinic_manager"})


def test_with_a_jwks_url_an_hs256_token_is_refused(
    jwks_server: tuple[str, rsa.RSAPrivateKey],
) -> None:
    url, _ = jwks_server
    platform = PlatformSettings(env="production", jwt_jwks_url=url, cursor_secret="c" * 40)
    token = mint_token(PLATFORM, sub="x", network_id=uuid4(), roles=["network_admin"])
    with pytest.raises(Unauthorized):
        TokenVerifier(platform).verify(token)


class TestRememberedTokens:
    def test_a_remembered_token_is_refused_once_it_expires(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        import shared.auth

        verifier = TokenVerifier(PLATFORM, remember_seconds=3600)
        token = mint_token(
            PLATFORM, sub="x", network_id=uuid4(), roles=["receptionist"], ttl=timedelta(minutes=5)
        )
        assert verifier.verify(token).sub == "x"
        later = datetime.now(UTC) + timedelta(minutes=6)
        monkeypatch.setattr(shared.auth.time, "time", lambda: later.timestamp())
        monkeypatch.setattr(jwt.api_jwt, "datetime", _FrozenDatetime(later), raising=False)
        with pytest.raises(Unauthorized, match="expired"):
            verifier.verify(token)

    def test_a_token_differing_in_one_character_is_verified_afresh(self) -> None:
        verifier = TokenVerifier(PLATFORM)
        token = mint_token(PLATFORM, sub="x", network_id=uuid4(), roles=["network_admin"])
        verifier.verify(token)
        forged = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
        with pytest.raises(Unauthorized):
            verifier.verify(forged)

    def test_it_remembers_a_bounded_number_of_tokens(self) -> None:
        verifier = TokenVerifier(PLATFORM, remember=3)
        tokens = [
            mint_token(PLATFORM, sub=f"s{n}", network_id=uuid4(), roles=["receptionist"])
            for n in range(5)
        ]
        assert [verifier.verify(t).sub for t in tokens] == ["s0", "s1", "s2", "s3", "s4"]
        assert len(verifier._verified) == 3


class _FrozenDatetime:
    """`datetime` as PyJWT's expiry check sees it, at a chosen instant."""

    def __init__(self, at: datetime) -> None:
        self._at = at

    def now(self, tz: object = None) -> datetime:
        return self._at

    def __getattr__(self, name: str) -> object:
        return getattr(datetime, name)


class TestRateLimits:
    def who(self, *roles: str, network: UUID | None = None) -> Principal:
        return Principal(
            sub="a@example.test", network_id=network or uuid4(), roles=frozenset(roles)
        )

    def test_a_burst_up_to_the_budget_passes_then_429_with_retry_after(self) -> None:
        limiter = RateLimiter(per_minute=5, integration_per_minute=50)
        caller = self.who("receptionist")
        for _ in range(5):
            limiter.take(caller, now=100.0)
        with pytest.raises(TooManyRequests) as refused:
            limiter.take(caller, now=100.0)
        assert refused.value.status == 429
        assert refused.value.retry_after == 12  # one request every 60/5 s

    def test_the_budget_refills_with_time(self) -> None:
        limiter = RateLimiter(per_minute=60, integration_per_minute=60)
        caller = self.who("practitioner")
        for _ in range(60):
            limiter.take(caller, now=0.0)
        with pytest.raises(TooManyRequests):
            limiter.take(caller, now=0.5)
        limiter.take(caller, now=1.0)

    def test_each_caller_and_network_has_its_own_budget(self) -> None:
        limiter = RateLimiter(per_minute=1, integration_per_minute=1)
        network = uuid4()
        limiter.take(self.who("receptionist", network=network), now=0.0)
        limiter.take(self.who("receptionist"), now=0.0)  # same subject, another network
        with pytest.raises(TooManyRequests):
            limiter.take(self.who("receptionist", network=network), now=0.0)

    def test_integrations_have_a_budget_of_their_own(self) -> None:
        limiter = RateLimiter(per_minute=2, integration_per_minute=10)
        machine = self.who("integration")
        for _ in range(10):
            limiter.take(machine, now=0.0)
        with pytest.raises(TooManyRequests):
            limiter.take(machine, now=0.0)
