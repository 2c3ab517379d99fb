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


DEMO_CLINICS: tuple[dict[str, Any], ...] = (
    {
        "key": "paris",
        "clinic": {
            "name": "MesoCare Demo Paris",
            "address": "12 rue de la Paix, 75002 Paris",
            "timezone": "Europe/Paris",
            "currency": "EUR",
            "slot_grid_minutes": 15,
            "phone": "+33140000000",
            "email": "paris@demo.mesocare.test",
        },
        "rooms": ("Salle 1", "Salle 2"),
    },
    {
        "key": "new_york",
        "clinic": {
            "name": "MesoCare Demo New York",
            "address": "350 5th Avenue, New York, NY 10118",
            "timezone": "America/New_York",
            "currency": "USD",
            "slot_grid_minutes": 15,
            "phone": "+12125550100",
            "email": "newyork@demo.mesocare.test",
        },
        "rooms": ("Room A", "Room B"),
    },
)

ALL_INDICATIONS = [
    "skin_rejuvenation",
    "hair_loss",
    "fat_reduction",
    "cellulite",
    "scars_stretch_marks",
    "pigmentation",
]

DEMO_PRACTITIONERS: tuple[dict[str, Any], ...] = (
    {
        "name": "Dr Claire Moreau",
        "email": "claire.moreau@demo.mesocare.test",
        "licence_number": "FR-DEMO-0001",
        "licence_expires_on": "2029-12-31",
        "clinic_ids": ["paris"],
        "indications": ALL_INDICATIONS,
        "experience_tier": "senior",
    },
    {
        "name": "Dr Lucía Romero",
        "email": "lucia.romero@demo.mesocare.test",
        "licence_number": "FR-DEMO-0002",
        "licence_expires_on": "2029-06-30",
        "clinic_ids": ["paris"],
        "indications": ["skin_rejuvenation", "hair_loss", "pigmentation"],
        "experience_tier": "junior",
    },
    {
        "name": "Dr Ethan Brooks",
        "email": "ethan.brooks@demo.mesocare.test",
        "licence_number": "NY-DEMO-0001",
        "licence_expires_on": "2029-12-31",
        "clinic_ids": ["new_york"],
        "indications": ALL_INDICATIONS,
        "experience_tier": "expert",
    },
)

DEMO_WEEK = [
    {"weekday": day, "start": start, "end": end}
    for day in range(5)
    for start, end in (("09:00", "13:00"), ("14:00", "18:00"))
] + [{"weekday": 5, "start": "10:00", "end": "14:00"}]

DEMO_TREATMENT_TYPES: tuple[dict[str, Any], ...] = tuple(
    [
        {
            "type": {
                "name": f"Consultation: {label}",
                "kind": "consultation",
                "indication": indication,
            },
            "prices": {},
        }
        for indication, label in (
            ("skin_rejuvenation", "skin rejuvenation"),
            ("hair_loss", "hair loss"),
            ("fat_reduction", "fat reduction"),
            ("cellulite", "cellulite"),
            ("scars_stretch_marks", "scars and stretch marks"),
            ("pigmentation", "pigmentation"),
        )
    ]
    + [
        # Session prices inside the guide's usual range of 250 to 600 USD a session.
        {
            "type": {
                "name": "Face and neck revitalisation",
                "kind": "treatment",
                "indication": "skin_rejuvenation",
                "areas": ["face", "neck"],
            },
            "prices": {"paris": 38000, "new_york": 45000},
        },
        {
            "type": {
                "name": "Scalp treatment for hair loss",
                "kind": "treatment",
                "indication": "hair_loss",
                "areas": ["scalp"],
            },
            "prices": {"paris": 32000, "new_york": 40000},
        },
        {
            "type": {
                "name": "Abdomen contouring",
                "kind": "treatment",
                "indication": "fat_reduction",
                "areas": ["abdomen"],
            },
            "prices": {"paris": 42000, "new_york": 52000},
        },
        {
            "type": {
                "name": "Thighs cellulite",
                "kind": "treatment",
                "indication": "cellulite",
                "areas": ["thighs"],
            },
            "prices": {"paris": 40000, "new_york": 48000},
        },
        {
            "type": {
                "name": "Pigmentation, face",
                "kind": "treatment",
                "indication": "pigmentation",
                "areas": ["face"],
            },
            "prices": {"paris": 30000, "new_york": 38000},
        },
        {
            "type": {
                "name": "Follow-up visit",
                "kind": "follow_up",
                "indication": "skin_rejuvenation",
            },
            "prices": {},
        },
    ]
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
            clinics = self.seed_booking_setup(client)
            patients = self.seed_patients(client)
        return {"clinics": clinics, "patients": patients}

    def seed_booking_setup(self, client: httpx.Client) -> int:
        """Clinics, rooms, practitioners, hours, treatment types and prices; once per network."""
        booking = self.urls["booking"]
        admin = self.headers("network_admin")

        def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
            response = client.post(f"{booking}/v1{path}", json=body, headers=admin)
            _ensure(response, f"create demo {path}")
            return response.json()

        existing = client.get(f"{booking}/v1/clinics", headers=admin)
        _ensure(existing, "list demo clinics")
        if existing.json()["items"]:
            return 0
        clinics = {}
        for clinic in DEMO_CLINICS:
            created = post("/clinics", clinic["clinic"])
            clinics[clinic["key"]] = created
            for room in clinic["rooms"]:
                post(f"/clinics/{created['id']}/rooms", {"name": room})
        for practitioner in DEMO_PRACTITIONERS:
            body = {
                **practitioner,
                "clinic_ids": [clinics[k]["id"] for k in practitioner["clinic_ids"]],
            }
            created = post("/practitioners", body)
            for clinic_id in body["clinic_ids"]:
                response = client.put(
                    f"{booking}/v1/practitioners/{created['id']}/clinics/{clinic_id}/working-hours",
                    json={"hours": DEMO_WEEK},
                    headers=admin,
                )
                _ensure(response, "set demo working hours")
        for treatment in DEMO_TREATMENT_TYPES:
            created = post("/treatment-types", treatment["type"])
            for key, clinic in clinics.items():
                amount = treatment["prices"].get(key)
                if amount is not None:
                    post(
                        "/prices",
                        {
                            "clinic_id": clinic["id"],
                            "treatment_type_id": created["id"],
                            "amount_minor": amount,
                            "currency": clinic["currency"],
                        },
                    )
        return len(clinics)

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
