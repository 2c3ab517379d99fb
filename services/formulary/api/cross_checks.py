"""The cross-check booking calls before a session starts (see `usecases.cross_checks`)."""

from __future__ import annotations

from fastapi import APIRouter

from services.formulary.api.deps import Reader
from services.formulary.schemas import CrossCheckRead, CrossCheckRequest
from services.formulary.usecases import cross_checks
from shared.openapi import problem
from shared.uow import UnitOfWorkRoute, UoW

router = APIRouter(tags=["cross-checks"], route_class=UnitOfWorkRoute)


@router.post(
    "/cross-checks",
    summary="Check a planned session against the patient's safety profile and the catalog",
    description=(
        "Send `patient_id` and `blend_id` (optionally `blend_version`; default the current "
        "version), `ingredient_codes` (optionally `amounts` and their `units`, in the same "
        "order), or both: the ingredients as actually given of the blend followed. "
        "`lot_numbers` are checked for expiry and recalls; with a blend, `areas` and "
        "`indication` are compared with the blend's (a mismatch is a `caution`); `clinic_id` "
        "narrows the approved list to that clinic's. The verdict is the most severe finding: "
        "`contraindicated` blocks, `caution` needs a practitioner's acknowledgement, `ok` has "
        "no findings. A patient whose safety profile formulary has not received is "
        "`unknown_patient` (not a pass); catalog findings are still listed. Roles that may not "
        "read the safety profile (receptionist, integration) get the verdict and each "
        "finding's `code`, `reason` and `severity`, without the ingredient, certainty or "
        "clinical explanation."
    ),
    responses={
        403: problem("Your token does not cover `clinic_id`"),
        404: problem("No such blend (or blend version) in your network"),
    },
)
async def run_cross_check(body: CrossCheckRequest, who: Reader, uow: UoW) -> CrossCheckRead:
    return await cross_checks.run_cross_check(uow, who, body)
