"""The cross-check booking calls before a session starts (and after, with what was given).

It reads only formulary's own tables (the safety profile is the replica kept from
PatientSafetyProfileChanged), so it answers while records is down. What the answer says is
authorized property by property: roles that may not read the safety profile get the verdict
and each finding's code, reason and severity, never the ingredient, certainty or explanation.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cache
from typing import cast
from uuid import UUID

from opentelemetry.metrics import Counter

from services.formulary import repository
from services.formulary.domain import (
    Blend,
    CrossCheckResult,
    FieldError,
    Lot,
    PlannedComponent,
    UnknownCode,
    check_lots_given,
    cross_check,
    effective_approved_codes,
)
from services.formulary.policies import require_clinic
from services.formulary.repository import BlendVersion
from services.formulary.schemas import (
    CrossCheckRead,
    CrossCheckRequest,
    FindingRead,
    SeverityName,
    VerdictName,
)
from services.formulary.usecases.lots import today
from shared import telemetry
from shared.auth import Principal
from shared.errors import Invalid, NotFound
from shared.uow import UnitOfWork


@cache
def _verdicts() -> Counter:
    return telemetry.meter().create_counter(
        "cross_check_verdicts", description="Cross-checks answered, by verdict"
    )


async def run_cross_check(
    uow: UnitOfWork, who: Principal, cmd: CrossCheckRequest
) -> CrossCheckRead:
    """Check a planned or given session against the patient's safety profile and the catalog.

    403 when the token does not cover `clinic_id`, 404 for a blend (version) the network does
    not have, 422 naming the request's fields for codes or lots it does not have.
    """
    network_id = who.network_id
    if cmd.clinic_id is not None:
        require_clinic(who, cmd.clinic_id)
    ingredients = await repository.ingredients(uow.tx, network_id=network_id)
    followed = await _followed_blend(uow, network_id, cmd)
    blend = followed.blend if followed is not None else None
    profile = await repository.get_profile(uow.tx, network_id=network_id, patient_id=cmd.patient_id)
    network_codes = await repository.approved_codes(uow.tx, network_id=network_id)
    clinic_codes = (
        await repository.clinic_codes(uow.tx, network_id=network_id, clinic_id=cmd.clinic_id)
        if cmd.clinic_id is not None
        else None
    )
    given = cmd.administered or []
    try:
        lots = await _lots(uow, network_id, cmd.lot_numbers + [a.lot_number for a in given])
        result = cross_check(
            profile=profile,
            components=_components(cmd, blend),
            ingredients=ingredients,
            allergen_classes=await repository.allergen_classes(uow.tx, network_id=network_id),
            approved_codes=effective_approved_codes(network_codes, clinic_codes),
            lots=lots,
            areas=cmd.areas,
            blend=blend,
            indication=cmd.indication,
            today=today(),
        )
        check_lots_given([a.ingredient_code for a in given], lots)
    except Invalid as exc:
        raise _in_request_terms(exc, cmd) from exc
    _verdicts().add(1, {"verdict": str(result.verdict)})
    return _answer(result, cmd, followed, clinical=who.may_read_clinical)


async def _followed_blend(
    uow: UnitOfWork, network_id: UUID, cmd: CrossCheckRequest
) -> BlendVersion | None:
    """The version of the blend the request follows, if it names one (404 if unknown)."""
    if cmd.blend_id is None:
        return None
    found = await repository.get_blend(
        uow.tx, network_id=network_id, id=cmd.blend_id, version=cmd.blend_version
    )
    if found is None:
        at = f" at version {cmd.blend_version}" if cmd.blend_version else ""
        raise NotFound(f"No blend {cmd.blend_id}{at} in your network.")
    return found


def _components(cmd: CrossCheckRequest, blend: Blend | None) -> tuple[PlannedComponent, ...]:
    """What is checked: the ingredients given or named, else the blend's."""
    if cmd.administered is not None:
        return tuple(
            PlannedComponent(a.ingredient_code, a.amount, a.unit) for a in cmd.administered
        )
    if cmd.ingredient_codes is not None:
        amounts: list[Decimal | None] = (
            [*cmd.amounts] if cmd.amounts else [None] * len(cmd.ingredient_codes)
        )
        return tuple(
            PlannedComponent(c, a) for c, a in zip(cmd.ingredient_codes, amounts, strict=True)
        )
    assert blend is not None  # the request names one of the three
    return blend.components


async def _lots(uow: UnitOfWork, network_id: UUID, numbers: list[str]) -> list[Lot]:
    found = await repository.lots_by_number(uow.tx, network_id=network_id, numbers=numbers)
    unknown: list[FieldError] = [
        {"field": f"lots[{i}].lot_number", "message": f"No lot {number!r} in your network."}
        for i, number in enumerate(numbers)
        if number not in found
    ]
    if unknown:
        raise UnknownCode("; ".join(e["message"] for e in unknown), errors=unknown)
    return [found[number].lot for number in numbers]


_ENGINE_FIELD = re.compile(r"^(components|lots)\[(\d+)\]\.(\w+)$")


def _in_request_terms(exc: Invalid, cmd: CrossCheckRequest) -> Invalid:
    """The engine names its own fields (`components[0].amount`); name the request's instead."""
    listed = len(cmd.lot_numbers)

    def rename(field: str) -> str:
        if field == "components":
            return "blend_id" if cmd.blend_id and not cmd.ingredient_codes else "ingredient_codes"
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
        if cmd.administered is not None:
            return f"administered[{index}].{name}"
        if cmd.ingredient_codes is not None:
            return f"{'ingredient_codes' if name == 'ingredient_code' else 'amounts'}[{index}]"
        return "blend_id"

    errors: list[FieldError] = [
        {"field": rename(e["field"]), "message": e["message"]} for e in exc.extra.get("errors", [])
    ]
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors) or exc.detail
    return type(exc)(detail, **{**exc.extra, "errors": errors})


def _answer(
    result: CrossCheckResult,
    cmd: CrossCheckRequest,
    followed: BlendVersion | None,
    *,
    clinical: bool,
) -> CrossCheckRead:
    """The answer as the caller may read it: clinical details only when `clinical`."""
    return CrossCheckRead(
        # The read model spells verdicts and severities as literals; the engine's enums'
        # values are exactly those words.
        verdict=cast(VerdictName, str(result.verdict)),
        profile_version=result.profile_version,
        blend_id=cmd.blend_id,
        blend_version=followed.version if followed is not None else None,
        findings=[
            FindingRead(
                code=f.code,
                reason=f.reason,
                severity=cast(SeverityName, str(f.severity)),
                ingredient=f.ingredient if clinical else None,
                certainty=f.certainty if clinical else None,
                explanation=f.explanation if clinical else None,
            )
            for f in result.findings
        ],
    )
