"""Request and response models of the formulary API (`XCreate / XUpdate / XRead`).

Request bodies are `shared.inputs.Strict` (unknown fields and NUL characters refused); names and
dates follow the shared rules (`Name`: not blank; `Day`: the years 1900 to 2999).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, Field, model_validator

from services.formulary.domain import Category, Certainty, Indication, IngredientStatus
from shared import vocabulary
from shared.inputs import INT4_MAX, Day, Flag, Name, Strict
from shared.pagination import Page

Code = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        pattern=r"^[a-z][a-z0-9_]*$",
        description="Lower snake case: a-z, 0-9 and _",
        examples=["hyaluronic_acid"],
    ),
]


def _known_area(area: str) -> str:
    if not vocabulary.is_treatment_area(area):
        known = ", ".join(vocabulary.TREATMENT_AREAS)
        raise ValueError(f"{area!r} is not a treatment area; use one of {known}")
    return area


Area = Annotated[
    str,
    Field(min_length=1, max_length=64, examples=["face"]),
    AfterValidator(_known_area),
]
LotNumber = Annotated[
    str, Field(min_length=1, max_length=100, pattern=r"\S", description="Not blank")
]
Amount = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=4)]
ReasonText = Annotated[str, Field(min_length=3, max_length=1000)]
Unit = Annotated[str, Field(min_length=1, max_length=20)]


# ---------------------------------------------------------------------------------------------
# Allergen classes


class AllergenClassCreate(Strict):
    code: Code
    name: Name
    cross_reacts_with: dict[Code, Literal["probable", "possible"]] = Field(
        default_factory=dict,
        description="Classes an allergy to this one also flags (read in both directions)",
        examples=[{"sesquiterpene_lactones": "probable"}],
    )


class AllergenClassUpdate(Strict):
    name: Name | None = None
    cross_reacts_with: dict[Code, Literal["probable", "possible"]] | None = None


class AllergenClassRead(BaseModel):
    code: str
    name: str
    cross_reacts_with: dict[str, Certainty]
    demo: bool
    created_at: datetime
    updated_at: datetime


# ---------------------------------------------------------------------------------------------
# Ingredients


class IngredientCreate(Strict):
    code: Code
    name: Name
    category: Category
    allergen_classes: list[Code] = Field(default_factory=list, max_length=50)
    max_amount_per_session: Amount
    unit: Unit
    contraindicated_conditions: list[Code] = Field(default_factory=list, max_length=50)
    pigmentation_risk: Flag = False
    approved: Flag = Field(True, description="Put it on the network's approved list at once")


class IngredientUpdate(Strict):
    """Only the fields sent change; `status: withdrawn` also takes it off the approved list."""

    name: Name | None = None
    category: Category | None = None
    allergen_classes: list[Code] | None = Field(None, max_length=50)
    max_amount_per_session: Amount | None = None
    unit: Unit | None = None
    contraindicated_conditions: list[Code] | None = Field(None, max_length=50)
    pigmentation_risk: Flag | None = None
    status: IngredientStatus | None = None


class IngredientRead(BaseModel):
    code: str
    name: str
    category: Category
    allergen_classes: list[str]
    max_amount_per_session: Decimal
    unit: str
    contraindicated_conditions: list[str]
    pigmentation_risk: bool
    status: IngredientStatus
    approved: bool = Field(description="On the network's approved list")
    demo: bool
    created_at: datetime
    updated_at: datetime


# ---------------------------------------------------------------------------------------------
# Approved lists


class ApprovedList(Strict):
    ingredient_codes: list[Code] = Field(max_length=1000)


class ApprovedListRead(BaseModel):
    ingredient_codes: list[str]
    clinic_id: UUID | None = None
    narrowed: bool = Field(False, description="For a clinic: whether it narrows the network's list")
    effective_codes: list[str] = Field(
        default_factory=list, description="What the clinic may use: the network's list ∩ its own"
    )


# ---------------------------------------------------------------------------------------------
# Blends


class ComponentIn(Strict):
    ingredient_code: Code
    amount: Amount


class BlendCreate(Strict):
    name: Name
    indication: Indication
    areas: list[Area] = Field(min_length=1, max_length=20)
    components: list[ComponentIn] = Field(min_length=1, max_length=30)


class ComponentRead(BaseModel):
    ingredient_code: str
    ingredient_name: str | None
    amount: Decimal | None
    unit: str | None


class BlendRead(BaseModel):
    id: UUID
    version: int
    current_version: int
    name: str
    indication: Indication
    areas: list[str]
    components: list[ComponentRead]
    demo: bool
    created_at: datetime = Field(description="When this version was made")
    created_by: str


# ---------------------------------------------------------------------------------------------
# Lots and recalls


class LotCreate(Strict):
    ingredient_code: Code
    supplier: Name
    lot_number: LotNumber
    expires_on: Day


class RecallCreate(Strict):
    reason: ReasonText


class RecallRead(BaseModel):
    reason: str
    recalled_at: datetime
    recalled_by: str
    exposed_patients: int


LotStatusName = Literal["active", "recalled"]


class LotRead(BaseModel):
    id: UUID
    ingredient_code: str
    supplier: str
    lot_number: str
    expires_on: date
    expired: bool
    status: LotStatusName
    demo: bool
    received_at: datetime
    received_by: str
    recall: RecallRead | None = None


class ExposureRead(BaseModel):
    patient_id: UUID
    appointment_id: UUID
    clinic_id: UUID
    practitioner_id: UUID
    administered_at: datetime
    ingredient_code: str
    amount: Decimal
    unit: str
    recall_notified_at: datetime | None


# ---------------------------------------------------------------------------------------------
# The cross-check


class AdministeredIn(Strict):
    """One ingredient as given: from which lot, how much, in which unit."""

    ingredient_code: Code
    lot_number: LotNumber
    amount: Amount
    unit: str = Field(
        min_length=1,
        max_length=20,
        description="Must be the ingredient's own unit (422 otherwise: never converted)",
    )


class CrossCheckRequest(Strict):
    """What is planned, or was given: a blend, ingredient codes, or the ingredients given."""

    patient_id: UUID
    blend_id: UUID | None = Field(
        None,
        description="The blend followed. Alone, its components are checked; with "
        "`ingredient_codes` or `administered`, those are checked and the blend's indication "
        "and areas are compared with `indication` and `areas`",
    )
    blend_version: int | None = Field(None, ge=1, le=INT4_MAX)
    ingredient_codes: list[Code] | None = Field(None, min_length=1, max_length=50)
    amounts: list[Amount] | None = Field(
        None,
        max_length=50,
        description="Amounts for `ingredient_codes`, in the same order and each ingredient's unit",
    )
    administered: list[AdministeredIn] | None = Field(
        None,
        min_length=1,
        max_length=50,
        description="What was actually injected, each ingredient with its lot, amount and "
        "unit (a session's record, checked after the fact); each lot must be of its ingredient",
    )
    lot_numbers: list[LotNumber] = Field(default_factory=list, max_length=50)
    areas: list[Area] = Field(default_factory=list, max_length=20)
    indication: Indication | None = Field(
        None,
        description="What the session treats; a blend made for another indication is a "
        "`caution` finding (`indication_mismatch`)",
    )
    clinic_id: UUID | None = Field(
        None, description="Apply this clinic's narrowing of the approved list"
    )

    @model_validator(mode="after")
    def _one_plan(self) -> CrossCheckRequest:
        from shared.errors import Invalid

        named = [f for f in ("ingredient_codes", "administered") if getattr(self, f) is not None]
        if len(named) > 1:
            raise Invalid("Send `ingredient_codes` or `administered`, not both.", field=named[1])
        if self.blend_id is None and not named:
            raise Invalid(
                "Send `blend_id`, `ingredient_codes` or `administered`.", field="blend_id"
            )
        if self.blend_version is not None and self.blend_id is None:
            raise Invalid("`blend_version` needs a `blend_id`.", field="blend_version")
        if self.amounts is not None:
            if self.ingredient_codes is None:
                raise Invalid("`amounts` go with `ingredient_codes`.", field="amounts")
            if len(self.amounts) != len(self.ingredient_codes):
                raise Invalid(
                    "Give one amount per ingredient code, in the same order.", field="amounts"
                )
        return self


VerdictName = Literal["ok", "caution", "contraindicated", "unknown_patient"]
SeverityName = Literal["contraindicated", "caution"]


class FindingRead(BaseModel):
    code: str
    ingredient: str | None = Field(
        None, description="Only for roles that may read the safety profile"
    )
    reason: str
    severity: SeverityName
    certainty: Certainty | None = Field(
        None, description="Only for roles that may read the safety profile"
    )
    explanation: str | None = Field(
        None,
        description="The clinical explanation (allergen, reaction, condition): only for "
        "roles that may read the safety profile (network_admin, clinic_manager, practitioner)",
    )


class CrossCheckRead(BaseModel):
    verdict: VerdictName
    profile_version: int | None = Field(
        description="The safety-profile version used; null for `unknown_patient`"
    )
    blend_id: UUID | None = None
    blend_version: int | None = None
    findings: list[FindingRead]


AllergenClassPage = Page[AllergenClassRead]
IngredientPage = Page[IngredientRead]
BlendPage = Page[BlendRead]
LotPage = Page[LotRead]
ExposurePage = Page[ExposureRead]
