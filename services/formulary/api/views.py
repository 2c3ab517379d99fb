"""Rows to response models, and the roles the formulary's routes need."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated

from fastapi import Depends

from services.formulary.domain import Ingredient
from services.formulary.repository import Row
from services.formulary.schemas import (
    AllergenClassRead,
    BlendRead,
    ComponentRead,
    ExposureRead,
    IngredientRead,
    LotRead,
    RecallRead,
)
from shared.auth import ROLES, Principal, require_roles
from shared.service import problem

Admin = Annotated[Principal, Depends(require_roles("network_admin"))]
"""Catalog changes and recalls: the network admin only (DESIGN §5)."""

Reader = Annotated[Principal, Depends(require_roles(*sorted(ROLES)))]
"""Reading the catalog and running cross-checks: every staff role and integrations."""

FORBIDDEN = problem("Only a network admin may change the formulary")
NOT_FOUND = problem("No such object in your network")


def today() -> date:
    """The formulary's day for expiry: UTC (lots are usable through their expiry day)."""
    return datetime.now(UTC).date()


def plain(value: Decimal | str) -> Decimal:
    """A decimal without trailing zeros or an exponent: 10.500 -> 10.5, 1E+2 -> 100."""
    return Decimal(f"{Decimal(value).normalize():f}")


def allergen_class_read(row: Row) -> AllergenClassRead:
    return AllergenClassRead(
        code=row["code"],
        name=row["name"],
        cross_reacts_with=row["cross_reacts_with"],
        demo=row["demo"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def ingredient_read(row: Row, *, approved: bool) -> IngredientRead:
    return IngredientRead(
        code=row["code"],
        name=row["name"],
        category=row["category"],
        allergen_classes=list(row["allergen_classes"]),
        max_amount_per_session=plain(row["max_amount_per_session"]),
        unit=row["unit"],
        contraindicated_conditions=list(row["contraindicated_conditions"]),
        pigmentation_risk=row["pigmentation_risk"],
        status=row["status"],
        approved=approved,
        demo=row["demo"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def blend_read(row: Row, ingredients: dict[str, Ingredient]) -> BlendRead:
    components = []
    for c in row["components"]:
        ingredient = ingredients.get(c["ingredient_code"])
        components.append(
            ComponentRead(
                ingredient_code=c["ingredient_code"],
                ingredient_name=ingredient.name if ingredient else None,
                amount=plain(c["amount"]) if c["amount"] is not None else None,
                unit=ingredient.unit if ingredient else None,
            )
        )
    return BlendRead(
        id=row["id"],
        version=row["version"],
        current_version=row["current_version"],
        name=row["name"],
        indication=row["indication"],
        areas=list(row["areas"]),
        components=components,
        demo=row["demo"],
        created_at=row["created_at"],
        created_by=row["created_by"],
    )


def lot_read(row: Row) -> LotRead:
    recall = None
    if row["status"] == "recalled":
        recall = RecallRead(
            reason=row["recall_reason"],
            recalled_at=row["recalled_at"],
            recalled_by=row["recalled_by"],
            exposed_patients=row["exposed_patients"] or 0,
        )
    return LotRead(
        id=row["id"],
        ingredient_code=row["ingredient_code"],
        supplier=row["supplier"],
        lot_number=row["lot_number"],
        expires_on=row["expires_on"],
        expired=row["expires_on"] < today(),
        status=row["status"],
        demo=row["demo"],
        received_at=row["received_at"],
        received_by=row["received_by"],
        recall=recall,
    )


def exposure_read(row: Row) -> ExposureRead:
    return ExposureRead(
        patient_id=row["patient_id"],
        appointment_id=row["appointment_id"],
        clinic_id=row["clinic_id"],
        practitioner_id=row["practitioner_id"],
        administered_at=row["administered_at"],
        ingredient_code=row["ingredient_code"],
        amount=plain(row["amount"]),
        unit=row["unit"],
        recall_notified_at=row["recall_notified_at"],
    )
