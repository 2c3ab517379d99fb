"""Small builders for the records tests: patients, tokens, events on the broker."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from shared.events.base import Envelope
from shared.events.booking import (
    AdministeredIngredient,
    ClinicRef,
    PractitionerRef,
    Preparation,
    SessionCompleted,
)
from tests.support import RunningService, bearer, header, produce, read_topic


def a_phone() -> str:
    """A valid French mobile number, different each call."""
    return f"+3361{random.randint(1_000_000, 9_999_999)}"


def an_email() -> str:
    return f"patient-{uuid4().hex[:10]}@example.test"


def patient_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "given_name": "Amélie",
        "family_name": "Durand",
        "date_of_birth": "1988-04-12",
        "email": an_email(),
        "phone": a_phone(),
        "locale": "fr",
        "timezone": "Europe/Paris",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not ...}


def auth(records: RunningService, network: UUID, *roles: str, **kw: Any) -> dict[str, str]:
    return bearer(records.settings.platform, network, *roles, **kw)


async def register(
    records: RunningService, network: UUID, role: str = "receptionist", **overrides: Any
) -> dict[str, Any]:
    response = await records.client.post(
        "/v1/patients", json=patient_body(**overrides), headers=auth(records, network, role)
    )
    assert response.status_code == 201, response.text
    return response.json()


def error_fields(response: Any) -> list[str]:
    return [e["field"] for e in response.json().get("errors", [])]


async def events_for(
    bootstrap: str,
    topic: str,
    key: str,
    *,
    types: set[str],
    count: int = 1,
    within: float = 15.0,
) -> list[tuple[str, dict[str, Any]]]:
    """(ce_type, payload) of the records on `topic` keyed `key`, once each of `types` is there
    at least `count` times."""

    def mine(recs: list[Any]) -> list[Any]:
        return [r for r in recs if r.key == key.encode()]

    def enough(recs: list[Any]) -> bool:
        seen = [header(r, "ce_type") for r in mine(recs)]
        return all(seen.count(t) >= count for t in types)

    records = await read_topic(bootstrap, topic, within=within, until=enough)
    return [(header(r, "ce_type") or "", json.loads(r.value)) for r in mine(records)]


def session_completed(
    network: UUID, patient: UUID, *, appointment: UUID | None = None, **overrides: Any
) -> SessionCompleted:
    now = datetime.now(UTC)
    values: dict[str, Any] = {
        "network_id": network,
        "appointment_id": appointment or uuid4(),
        "patient_id": patient,
        "clinic": ClinicRef(clinic_id=uuid4(), name="Clinique Opéra", timezone="Europe/Paris"),
        "practitioner": PractitionerRef(practitioner_id=uuid4(), name="Dr Martin"),
        "room_id": uuid4(),
        "treatment_type_id": uuid4(),
        "treatment_name": "Face revitalisation",
        "kind": "treatment",
        "indication": "skin_rejuvenation",
        "areas": ["face", "neck"],
        "starts_at": now,
        "ends_at": now,
        "completed_at": now,
        "completed_by": "dr.martin@clinic.test",
        "preparation": Preparation(
            disinfection="chlorhexidine", numbing_cream=True, numbing_product="Lidocaine 5%"
        ),
        "blend_id": uuid4(),
        "blend_version": 2,
        "blend_name": "Revitalising face",
        "ingredients": [
            AdministeredIngredient(
                ingredient_code="hyaluronic_acid",
                ingredient_name="Hyaluronic acid",
                lot_number="HA-2026-07",
                amount=Decimal("10"),
                unit="mg",
            ),
            AdministeredIngredient(
                ingredient_code="ascorbic_acid",
                ingredient_name="Vitamin C",
                lot_number="VC-118",
                amount=Decimal("100"),
                unit="mg",
            ),
        ],
        "technique": "nappage",
        "depth_mm": Decimal("1.5"),
        "injection_count": 40,
        "immediate_reactions": ["redness"],
    }
    values.update(overrides)
    return SessionCompleted(**values)


async def deliver(
    bootstrap: str, event: SessionCompleted, envelope: Envelope | None = None
) -> Envelope:
    """Put a SessionCompleted on booking's topic as booking's relay would (or resend one)."""
    envelope = envelope or Envelope.wrap(event, source="mesocare/booking")
    await produce(
        bootstrap,
        envelope.topic,
        value=envelope.value(),
        key=envelope.key.encode(),
        headers=envelope.headers(),
    )
    return envelope
