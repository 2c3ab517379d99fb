"""Records to response models, and the problems the formulary's routes document."""

from __future__ import annotations

from decimal import Decimal
from typing import cast

from services.formulary.repository import AllergenClassEntry, Exposure, LotEntry
from services.formulary.schemas import (
    AllergenClassRead,
    ApprovedListRead,
    BlendRead,
    ComponentRead,
    ExposureRead,
    IngredientRead,
    LotRead,
    LotStatusName,
    RecallRead,
)
from services.formulary.usecases.blends import CatalogBlend
from services.formulary.usecases.catalog import ApprovedCodes, ListedIngredient
from services.formulary.usecases.lots import today
from shared.openapi import problem

FORBIDDEN = problem("Only a network admin may change the formulary")
NOT_FOUND = problem("No such object in your network")


def plain(value: Decimal | str) -> Decimal:
    """A decimal without trailing zeros or an exponent: 10.500 -> 10.5, 1E+2 -> 100."""
    return Decimal(f"{Decimal(value).normalize():f}")


def allergen_class_read(entry: AllergenClassEntry) -> AllergenClassRead:
    allergen_class = entry.allergen_class
    return AllergenClassRead(
        code=allergen_class.code,
        name=allergen_class.name,
        cross_reacts_with=dict(allergen_class.cross_reacts_with),
        demo=entry.demo,
        created_at=entry.created_at,
        updated_at=entry.updated_at,
    )


def ingredient_read(listed: ListedIngredient) -> IngredientRead:
    ingredient = listed.entry.ingredient
    return IngredientRead(
        code=ingredient.code,
        name=ingredient.name,
        category=ingredient.category,
        allergen_classes=sorted(ingredient.allergen_classes),
        max_amount_per_session=plain(ingredient.max_amount_per_session),
        unit=ingredient.unit,
        contraindicated_conditions=sorted(ingredient.contraindicated_conditions),
        pigmentation_risk=ingredient.pigmentation_risk,
        status=ingredient.status,
        approved=listed.approved,
        demo=listed.entry.demo,
        created_at=listed.entry.created_at,
        updated_at=listed.entry.updated_at,
    )


def approved_list_read(approved: ApprovedCodes) -> ApprovedListRead:
    return ApprovedListRead(
        ingredient_codes=approved.ingredient_codes,
        clinic_id=approved.clinic_id,
        narrowed=approved.narrowed,
        effective_codes=approved.effective_codes,
    )


def blend_read(shown: CatalogBlend) -> BlendRead:
    version, blend = shown.version, shown.version.blend
    components = []
    for c in blend.components:
        ingredient = shown.ingredients.get(c.ingredient_code)
        components.append(
            ComponentRead(
                ingredient_code=c.ingredient_code,
                ingredient_name=ingredient.name if ingredient else None,
                amount=plain(c.amount) if c.amount is not None else None,
                unit=ingredient.unit if ingredient else None,
            )
        )
    return BlendRead(
        id=version.id,
        version=version.version,
        current_version=version.current_version,
        name=blend.name,
        indication=blend.indication,
        areas=list(blend.areas),
        components=components,
        demo=version.demo,
        created_at=version.created_at,
        created_by=version.created_by,
    )


def lot_read(entry: LotEntry) -> LotRead:
    recall = entry.recall
    return LotRead(
        id=entry.id,
        ingredient_code=entry.ingredient_code,
        supplier=entry.supplier,
        lot_number=entry.lot_number,
        expires_on=entry.expires_on,
        expired=entry.expires_on < today(),
        # LotStatus's values are exactly the read model's words.
        status=cast(LotStatusName, str(entry.status)),
        demo=entry.demo,
        received_at=entry.received_at,
        received_by=entry.received_by,
        recall=(
            RecallRead(
                reason=recall.reason,
                recalled_at=recall.recalled_at,
                recalled_by=recall.recalled_by,
                exposed_patients=recall.exposed_patients,
            )
            if recall is not None
            else None
        ),
    )


def exposure_read(exposure: Exposure) -> ExposureRead:
    return ExposureRead(
        patient_id=exposure.patient_id,
        appointment_id=exposure.appointment_id,
        clinic_id=exposure.clinic_id,
        practitioner_id=exposure.practitioner_id,
        administered_at=exposure.administered_at,
        ingredient_code=exposure.ingredient_code,
        amount=plain(exposure.amount),
        unit=exposure.unit,
        recall_notified_at=exposure.recall_notified_at,
    )
