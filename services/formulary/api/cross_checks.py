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
    Blend,
    Lot,
    PlannedComponent,
    UnknownCode,
    check_lots_given,
    cross_check,
    effective_approved_codes,
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
async def run_cross_check(body: CrossCheckRequest, tx: Tx, who: Reader) -> CrossCheckRead:
    network_id = who.network_id
    if body.clinic_id is not None and not who.may_act_in(body.clinic_id):
        raise Forbidden("Your token does not cover that clinic.")
    ingredients = await repository.ingredients(tx, network_id=network_id)
    blend: Blend | None = None
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
    profile_row = await repository.get_profile(
        tx, network_id=network_id, patient_id=body.patient_id
    )
    network_codes = await repository.approved_codes(tx, network_id=network_id)
    clinic_codes = (
        await repository.clinic_codes(tx, network_id=network_id, clinic_id=body.clinic_id)
        if body.clinic_id is not None
        else None
    )
    given = body.administered or []
    try:
        lots = await _lots(tx, network_id, body.lot_numbers + [a.lot_number for a in given])
        result = cross_check(
            profile=repository.profile_of(profile_row) if profile_row is not None else None,
            components=_components(body, blend),
            ingredients=ingredients,
            allergen_classes=await repository.allergen_classes(tx, network_id=network_id),
            approved_codes=effective_approved_codes(network_codes, clinic_codes),
            lots=lots,
            areas=body.areas,
            blend=blend,
            indication=body.indication,
            today=today(),
        )
        check_lots_given([a.ingredient_code for a in given], lots)
    except Invalid as exc:
        raise _in_request_terms(exc, body) from exc
    _verdicts().add(1, {"verdict": str(result.verdict)})
    clinical = who.may_read_clinical
    return CrossCheckRead(
        verdict=result.verdict,
        profile_version=result.profile_version,
        blend_id=body.blend_id,
        blend_version=blend_version,
        findings=[
            FindingRead(
                code=f.code,
                reason=f.reason,
                severity=f.severity,
                ingredient=f.ingredient if clinical else None,
                certainty=f.certainty if clinical else None,
                explanation=f.explanation if clinical else None,
            )
            for f in result.findings
        ],
    )


def _components(body: CrossCheckRequest, blend: Blend | None) -> tuple[PlannedComponent, ...]:
    """What is checked: the ingredients given or named, else the blend's."""
    if body.administered is not None:
        return tuple(
            PlannedComponent(a.ingredient_code, a.amount, a.unit) for a in body.administered
        )
    if body.ingredient_codes is not None:
        amounts = body.amounts or [None] * len(body.ingredient_codes)
        return tuple(
            PlannedComponent(c, a) for c, a in zip(body.ingredient_codes, amounts, strict=True)
        )
    assert blend is not None  # the request names one of the three
    return blend.components


async def _lots(tx: Any, network_id: UUID, numbers: list[str]) -> list[Lot]:
    found = await repository.lots_by_number(tx, network_id=network_id, numbers=numbers)
    unknown = [
        {"field": f"lots[{i}].lot_number", "message": f"No lot {number!r} in your network."}
        for i, number in enumerate(numbers)
        if number not in found
    ]
    if unknown:
        raise UnknownCode("; ".join(e["message"] for e in unknown), errors=unknown)
    return [repository.lot_of(found[number]) for number in numbers]


_ENGINE_FIELD = re.compile(r"^(components|lots)\[(\d+)\]\.(\w+)$")


def _in_request_terms(exc: Invalid, body: CrossCheckRequest) -> Invalid:
    """The engine names its own fields (`components[0].amount`); name the request's instead."""
    listed = len(body.lot_numbers)

    def rename(field: str) -> str:
        if field == "components":
            return "blend_id" if body.blend_id and not body.ingredient_codes else "ingredient_codes"
        m = _ENGINE_FIELD.match(field)
        if m is None:
            return field
        room, index, name = m[1], int(m[2]), m[3]
        if room == "lots":
            return (
                f"lot_numbers[{index}]"
                if index < listed
                else f"administered[{index - listed}].lot_number"
            )
        if body.administered is not None:
            return f"administered[{index}].{name}"
        if body.ingredient_codes is not None:
            return f"{'ingredient_codes' if name == 'ingredient_code' else 'amounts'}[{index}]"
        return "blend_id"

    errors = [
        {"field": rename(e["field"]), "message": e["message"]} for e in exc.extra.get("errors", [])
    ]
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors) or exc.detail
    renamed = type(exc)(detail, **{**exc.extra, "errors": errors})
    return renamed
