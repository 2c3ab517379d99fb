"""Lookups several resources share: a patient id's existence, a price."""

from __future__ import annotations

from uuid import UUID

from fastapi import Request

from services.booking import repository
from services.booking.domain import ExperienceTier, Money, Price, PriceList, PriceNotSet
from shared.db import Transaction
from shared.errors import DomainError, Unavailable
from shared.http import ServiceClient


class UnknownPatient(DomainError):
    type = "unknown-patient"
    title = "No such patient in your network"

    def __init__(self, patient_id: UUID) -> None:
        super().__init__(
            f"Records knows no patient {patient_id} in your network.",
            errors=[{"field": "patient_id", "message": "unknown patient"}],
        )


async def ensure_patient_known(
    tx: Transaction, request: Request, *, network_id: UUID, patient_id: UUID
) -> None:
    """Pass when the replica (from PatientRegistered) knows the patient; else ask records.

    Records answering 404 → UnknownPatient (422); records unreachable, timing out or answering
    anything else → Unavailable (503): a booking for a patient nobody can vouch for fails closed.
    """
    if await repository.patient_known(tx, network_id=network_id, patient_id=patient_id):
        return
    records: ServiceClient = request.app.state.records
    answer = await records.request(
        "GET",
        f"/v1/patients/{patient_id}",
        authorization=request.headers.get("authorization"),
    )
    if answer.status_code == 404:
        raise UnknownPatient(patient_id)
    if answer.status_code != 200:
        raise Unavailable(
            f"Records could not confirm patient {patient_id} (it answered "
            f"{answer.status_code}); try again.",
            service="records",
        )
    await repository.remember_patient(
        tx, network_id=network_id, patient_id=patient_id, source="records-check"
    )


async def price_for(
    tx: Transaction,
    *,
    network_id: UUID,
    clinic_id: UUID,
    treatment_type_id: UUID,
    tier: str | None,
) -> Money | None:
    """The clinic's price for the type (the tier's, else the untiered one); None when unset."""
    rows = await repository.list_prices(
        tx, network_id=network_id, clinic_id=clinic_id, treatment_type_id=treatment_type_id
    )
    prices = PriceList(
        Price(
            clinic_id=r["clinic_id"],
            treatment_type_id=r["treatment_type_id"],
            amount=Money(r["amount_minor"], r["currency"]),
            tier=ExperienceTier(r["tier"]) if r["tier"] else None,
        )
        for r in rows
    )
    try:
        return prices.lookup(
            clinic_id=clinic_id,
            treatment_type_id=treatment_type_id,
            tier=ExperienceTier(tier) if tier else None,
        ).amount
    except PriceNotSet:
        return None
