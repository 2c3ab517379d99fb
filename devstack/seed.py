"""The demo network of `make run`, loaded through the services' own APIs (DEMO DATA).

Formulary's catalog and the gateway's demo logins are seeded by those services at start
(MESOCARE_DEMO_NETWORK_ID); this loads what has to go through the public APIs so that the events
flow as in real use: booking's clinics and staff, records' patients and their safety profiles.
Every write carries a deterministic Idempotency-Key, so running it again changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import httpx

from shared.auth import mint_token
from shared.demo import DEMO_NETWORK_ID
from shared.settings import PlatformSettings

DEMO_PATIENTS: tuple[dict[str, Any], ...] = (
    {
        "patient": {
            "given_name": "Amélie",
            "family_name": "Durand",
            "date_of_birth": "1988-04-12",
            "email": "amelie.durand@demo.mesocare.test",
            "phone": "+33612345678",
            "locale": "en",
            "timezone": "Europe/Paris",
            "preferred_channel": "email",
            "consents": [{"kind": "treatment", "granted": True, "wording_version": "demo-1"}],
        },
        "profile": {
            "fitzpatrick_skin_type": 2,
            "allergies": [{"code": "compositae", "reaction": "hives", "severity": "moderate"}],
            "conditions": [],
            "medications": [],
        },
    },
    {
        "patient": {
            "given_name": "James",
            "family_name": "Carter",
            "date_of_birth": "1979-09-30",
            "email": "james.carter@demo.mesocare.test",
            "phone": "+12125550147",
            "locale": "en",
            "timezone": "America/New_York",
            "preferred_channel": "sms",
            "consents": [{"kind": "treatment", "granted": True, "wording_version": "demo-1"}],
        },
        "profile": {
            "fitzpatrick_skin_type": 5,
            "allergies": [],
            "conditions": [],
            "medications": [{"name": "Apixaban", "classes": ["anticoagulant"]}],
        },
    },
    {
        "patient": {
            "given_name": "Sofia",
            "family_name": "Marino",
            "date_of_birth": "1993-02-18",
            "email": "sofia.marino@demo.mesocare.test",
            "locale": "es",
            "timezone": "Europe/Paris",
            "consents": [
                {"kind": "treatment", "granted": True, "wording_version": "demo-1"},
                {"kind": "marketing", "granted": True, "wording_version": "demo-1"},
            ],
        },
        "profile": {
            "fitzpatrick_skin_type": 3,
            "allergies": [
                {"code": "amide_local_anaesthetics", "reaction": "swelling", "severity": "severe"}
            ],
            "conditions": [],
            "medications": [],
        },
    },
    {
        "patient": {
            "given_name": "Noah",
            "family_name": "Kim",
            "date_of_birth": "1990-07-05",
            "email": "noah.kim@demo.mesocare.test",
            "phone": "+12125550199",
            "locale": "en",
            "timezone": "America/New_York",
            "consents": [{"kind": "treatment", "granted": True, "wording_version": "demo-1"}],
        },
        "profile": None,
    },
)


@dataclass
class Seeder:
    urls: dict[str, str]
    platform: PlatformSettings
    network_id: UUID = DEMO_NETWORK_ID
    say: Callable[[str], None] = print

    def headers(self, role: str, key: str | None = None, **extra: str) -> dict[str, str]:
        token = mint_token(
            self.platform,
            sub=f"demo-seed-{role}@demo.mesocare.test",
            network_id=self.network_id,
            roles=[role],
        )
        headers = {"Authorization": f"Bearer {token}", **extra}
        if key:
            headers["Idempotency-Key"] = f"demo-seed:{key}"
        return headers

    def run(self) -> dict[str, int]:
        with httpx.Client(timeout=15) as client:
            patients = self.seed_patients(client)
        return {"patients": patients}

    def seed_patients(self, client: httpx.Client) -> int:
        records = self.urls["records"]
        added = 0
        for demo in DEMO_PATIENTS:
            body = demo["patient"]
            response = client.post(
                f"{records}/v1/patients",
                json=body,
                headers=self.headers("practitioner", f"patient:{body['email']}"),
            )
            _ensure(response, "register demo patient")
            patient = response.json()
            added += response.headers.get("idempotent-replayed") != "true"
            if demo["profile"] is None:
                continue
            profile_url = f"{records}/v1/patients/{patient['id']}/safety-profile"
            current = client.get(profile_url, headers=self.headers("practitioner"))
            _ensure(current, "read demo safety profile")
            if current.json()["version"] > 1:
                continue  # seeded by an earlier run
            response = client.put(
                profile_url,
                json=demo["profile"],
                headers=self.headers("practitioner", **{"If-Match": current.headers["etag"]}),
            )
            _ensure(response, "record demo safety profile")
        return added


class SeedError(RuntimeError):
    pass


def _ensure(response: httpx.Response, what: str) -> None:
    if response.status_code >= 400:
        raise SeedError(f"could not {what}: {response.status_code} {response.text[:500]}")
