"""The verification snippets of docs/integrations.md work: each is run as written, against
deliveries signed by the `standardwebhooks` package (not by the project's own signing code)."""

from __future__ import annotations

import json
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from standardwebhooks import Webhook

from services.notifications.domain.webhooks import new_secret

GUIDE = Path(__file__).parents[2] / "docs" / "integrations.md"


def snippet(language: str) -> str:
    blocks = re.findall(rf"```{language}\n(.*?)```", GUIDE.read_text(), flags=re.S)
    [verifying] = [b for b in blocks if "verify" in b]
    return verifying


def delivery(secret: str, body: bytes, *, at: datetime | None = None) -> dict[str, str]:
    at = at or datetime.now(UTC)
    return {
        "webhook-id": "0d6c1a6e-6a35-4d5a-9a55-61e1b1c7a001",
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign("0d6c1a6e-6a35-4d5a-9a55-61e1b1c7a001", at, body),
    }


BODY = json.dumps(
    {
        "specversion": "1.0",
        "type": "mesocare.booking.AppointmentBooked.v1",
        "subject": "5b0e7c1d-0000-4000-8000-000000000001",
        "data": {"x": "é"},
    }
).encode()


def run_node(secret: str, body: bytes, headers: dict[str, str]) -> bool:
    program = snippet("js") + (
        "\nconst chunks = [];"
        "\nprocess.stdin.on('data', (c) => chunks.push(c));"
        "\nprocess.stdin.on('end', () => {"
        f"\n  const given = {json.dumps(headers)};"
        f"\n  const ok = verify({json.dumps(secret)}, Buffer.concat(chunks), given);"
        "\n  process.stdout.write(ok ? 'valid' : 'invalid');"
        "\n});"
    )
    done = subprocess.run(
        ["node", "-e", program], input=body, capture_output=True, timeout=60, check=True
    )
    return done.stdout.decode() == "valid"


class TestTheNodeSnippet:
    def test_accepts_a_signed_delivery_and_refuses_a_changed_one(self) -> None:
        secret = new_secret()
        headers = delivery(secret, BODY)
        assert run_node(secret, BODY, headers)
        assert not run_node(secret, BODY.replace(b"Booked", b"Cancel"), headers)
        assert not run_node(new_secret(), BODY, headers)

    def test_accepts_either_signature_during_a_rotation(self) -> None:
        old, new = new_secret(), new_secret()
        headers = delivery(old, BODY)
        headers["webhook-signature"] = (
            f"{delivery(new, BODY)['webhook-signature']} " + headers["webhook-signature"]
        )
        assert run_node(old, BODY, headers) and run_node(new, BODY, headers)

    def test_refuses_an_old_timestamp(self) -> None:
        secret = new_secret()
        stale = delivery(secret, BODY, at=datetime(2020, 1, 1, tzinfo=UTC))
        assert not run_node(secret, BODY, stale)


class TestThePythonSnippet:
    def test_answers_204_to_a_signed_delivery_and_400_to_a_changed_one(self) -> None:
        secret = new_secret()
        handled: list[Any] = []
        scope: dict[str, Any] = {
            "SECRET": secret,
            "already_seen": lambda webhook_id: False,
            "handle": lambda *args: handled.append(args),
        }
        exec(snippet("python"), scope)  # the guide's code, as written
        headers = delivery(secret, BODY)

        assert scope["receive"](BODY, headers) == 204
        assert handled == [
            (
                "mesocare.booking.AppointmentBooked.v1",
                "5b0e7c1d-0000-4000-8000-000000000001",
                {"x": "é"},
            )
        ]
        assert scope["receive"](BODY + b" ", headers) == 400


@pytest.fixture(autouse=True, scope="module")
def _node_is_there() -> None:
    assert subprocess.run(["node", "--version"], capture_output=True).returncode == 0, (
        "Node.js runs the guide's JavaScript; `make test` installs it (apt) where it is missing"
    )
