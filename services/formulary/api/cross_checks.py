"""The cross-check booking calls before a session starts, and the safety-profile replica it uses.

It reads only formulary's own tables (the replica is kept from PatientSafetyProfileChanged), so
it answers while records is down.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any
from uuid import UUID

from fastapi import APIRouter
from opentelemetry.metrics import Counter

from services.formulary import repository
from services.formulary.api.views import Reader, today
from services.formulary.domain import (
    Lot,
    PlannedComponent,
    UnknownCode,
    cross_check,
    effective_approved_codes,
    validate_planned_areas,
)
from services.formulary.schemas import (
    CrossCheckRead,
    CrossCheckRequest,
    FindingRead,
)
from shared import telemetry
from shared.db import Tx
from shared.errors import Forbidden, Invalid, NotFound
from shared.service import problem

router = APIRouter(tags=["cross-checks"])


@cache
def _verdicts() -> Counter:
    return telemetry.meter().create_counter(
        "cross_check_verdicts", description="Cross-checks answered, by verdict"
    )


@router.post(
    "/cross-checks",
    summary="Check a planned session against the patient's safety profile and the catalog",
    description=(
        "Send `patient_id` and either `blend_id` (optionally `blend_version`; default the "
        "current version) or `ingredient_codes` (optionally `amounts`, in the same order). "
        "`lot_numbers` are checked for expiry and recalls, `areas` against the blend's areas, "
        "`clinic_id` narrows the approved list to that clinic's. The verdict is the most severe "
        "finding: `contraindicated` blocks, `caution` needs a practitioner's acknowledgement, "
        "`ok` has no findings. A patient whose safety profile formulary has not received is "
        "`unknown_patient` (not a pass); catalog findings are still listed."
    ),
    responses={
        403: problem("Your token does not cover `clinic_id`"),
        404: problem("No such blend (or blend version) in your network"),
    },
)
async def run_cross_check(body: CrossCheckRequest, tx: Tx, who: Reader) -> CrossCheckRead:
    network_id = who.network_id
    if body.clinic_id is not None and not who.may_act_in(body.clinic_id):
        raise Forbidden("Your token does not cover that clinic.")
    ingredients = await repository.ingredients(tx, network_id=network_id)
    blend_version: int | None = None
    if body.blend_id is not None:
        row = await repository.get_blend(
            tx, network_id=network_id, id=body.blend_id, version=body.blend_version
        )
        if row is None:
            at = f" at version {body.blend_version}" if body.blend_version else ""
            raise NotFound(f"No blend {body.blend_id}{at} in your network.")
        blend = repository.blend_of(row)
        blend_version = row["version"]
        components: tuple[PlannedComponent, ...] = blend.components
        validate_planned_areas(body.areas, allowed_areas=blend.areas)
    else:
        codes = body.ingredient_codes or []
        amounts = body.amounts or [None] * len(codes)
        components = tuple(PlannedComponent(c, a) for c, a in zip(codes, amounts, strict=True))
    lots = await _lots(tx, network_id, body.lot_numbers)
    profile_row = await repository.get_profile(
        tx, network_id=network_id, patient_id=body.patient_id
    )
    network_codes = await repository.approved_codes(tx, network_id=network_id)
    clinic_codes = (
        await repository.clinic_codes(tx, network_id=network_id, clinic_id=body.clinic_id)
        if body.clinic_id is not None
        else None
    )
    try:
        result = cross_check(
            profile=repository.profile_of(profile_row) if profile_row is not None else None,
            components=components,
            ingredients=ingredients,
            allergen_classes=await repository.allergen_classes(tx, network_id=network_id),
            approved_codes=effective_approved_codes(network_codes, clinic_codes),
            lots=lots,
            areas=body.areas,
            today=today(),
        )
    except Invalid as exc:
        raise _in_request_terms(exc, by_blend=body.blend_id is not None) from exc
    _verdicts().add(1, {"verdict": str(result.verdict)})
    return CrossCheckRead(
        verdict=result.verdict,
        profile_version=result.profile_version,
        blend_id=body.blend_id,
        blend_version=blend_version,
        findings=[
            FindingRead(
                code=f.code,
                ingredient=f.ingredient,
                reason=f.reason,
                severity=f.severity,
                certainty=f.certainty,
                explanation=f.explanation,
            )
            for f in result.findings
        ],
    )


async def _lots(tx: Any, network_id: UUID, numbers: list[str]) -> list[Lot]:
    found = await repository.lots_by_number(tx, network_id=network_id, numbers=numbers)
    unknown = [
        {"field": f"lot_numbers[{i}]", "message": f"No lot {number!r} in your network."}
        for i, number in enumerate(numbers)
        if number not in found
    ]
    if unknown:
        raise UnknownCode("; ".join(e["message"] for e in unknown), errors=unknown)
    return [repository.lot_of(found[number]) for number in numbers]


_COMPONENT = re.compile(r"^components\[(\d+)\]\.(ingredient_code|amount)$")
_LOT = re.compile(r"^lots\[(\d+)\]\.ingredient_code$")


def _in_request_terms(exc: Invalid, *, by_blend: bool) -> Invalid:
    """The engine names its own fields (`components[0].amount`); name the request's instead."""

    def rename(field: str) -> str:
        if (m := _COMPONENT.match(field)) is not None:
            if by_blend:
                return "blend_id"
            return f"{'ingredient_codes' if m[2] == 'ingredient_code' else 'amounts'}[{m[1]}]"
        if (m := _LOT.match(field)) is not None:
            return f"lot_numbers[{m[1]}]"
        if field == "components":
            return "blend_id" if by_blend else "ingredient_codes"
        return field

    errors = [
        {"field": rename(e["field"]), "message": e["message"]} for e in exc.extra.get("errors", [])
    ]
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors) or exc.detail
    renamed = type(exc)(detail, **{**exc.extra, "errors": errors})
    return renamed
