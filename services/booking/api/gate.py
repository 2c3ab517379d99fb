"""The safety gate before a session starts: formulary's cross-check, failing closed.

`POST {formulary_url}/v1/cross-checks` with the caller's token →
`{verdict: ok | caution | contraindicated | unknown_patient, profile_version, findings}`.
Anything but a well-formed `ok`, or a `caution` the practitioner acknowledged, keeps the
session from starting.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from fastapi import Request
from pydantic import BaseModel, ValidationError

from services.booking.schemas import Acknowledgement, Finding
from shared.errors import Conflict, DomainError, Unavailable
from shared.http import ServiceClient


class CrossCheckAnswer(BaseModel):
    verdict: str
    profile_version: int | None = None
    findings: list[Finding] = []


class Contraindicated(Conflict):
    type = "contraindicated"
    title = "The cross-check found a contraindication; the session may not start"


class CrossCheckUnknownPatient(Conflict):
    type = "cross-check-unknown-patient"
    title = "Formulary has no safety profile for this patient; the session may not start"


class CautionNotAcknowledged(Conflict):
    type = "caution-not-acknowledged"
    title = "The cross-check advises caution; a practitioner must acknowledge every finding"


class CrossCheckRefused(DomainError):
    type = "cross-check-refused"
    title = "Formulary refused to cross-check what was planned"


def _findings(answer: CrossCheckAnswer) -> list[dict[str, Any]]:
    return [f.model_dump(mode="json") for f in answer.findings]


async def cross_check(
    request: Request,
    *,
    patient_id: UUID,
    blend_id: UUID | None,
    blend_version: int | None,
    ingredient_codes: Sequence[str] | None,
    lot_numbers: Sequence[str],
    areas: Sequence[str],
    acknowledgement: Acknowledgement | None,
) -> dict[str, Any]:
    """The passing cross-check (`ok`, or an acknowledged `caution`); raises otherwise."""
    body: dict[str, Any] = {"patient_id": str(patient_id), "areas": list(areas)}
    if blend_id is not None:
        body["blend_id"] = str(blend_id)
        if blend_version is not None:
            body["blend_version"] = blend_version
    if ingredient_codes is not None:
        body["ingredient_codes"] = list(ingredient_codes)
    if lot_numbers:
        body["lot_numbers"] = list(lot_numbers)
    formulary: ServiceClient = request.app.state.formulary
    reply = await formulary.request(
        "POST",
        "/v1/cross-checks",
        authorization=request.headers.get("authorization"),
        json=body,
    )
    if reply.status_code in (400, 404, 422):
        detail = _detail(reply)
        raise CrossCheckRefused(
            f"Formulary refused the cross-check: {detail}",
            errors=[{"field": "blend_id" if blend_id else "ingredient_codes", "message": detail}],
        )
    if reply.status_code not in (200, 201):
        raise Unavailable(
            f"Formulary answered the cross-check with {reply.status_code}; the session does "
            "not start without one.",
            service="formulary",
        )
    try:
        answer = CrossCheckAnswer.model_validate(reply.json())
    except (ValueError, ValidationError):
        raise Unavailable(
            "Formulary's cross-check answer could not be read; the session does not start.",
            service="formulary",
        ) from None
    facts = {"profile_version": answer.profile_version, "findings": _findings(answer)}
    if answer.verdict == "contraindicated":
        raise Contraindicated(
            "The planned injection is contraindicated for this patient: "
            + "; ".join(f"{f.code} ({f.reason})" for f in answer.findings),
            **facts,
        )
    if answer.verdict == "unknown_patient":
        raise CrossCheckUnknownPatient(
            "Formulary has no safety profile for this patient yet; record it in the patient's "
            "chart first.",
            **facts,
        )
    if answer.verdict not in ("ok", "caution") or answer.profile_version is None:
        raise Unavailable(
            f"Formulary answered an unexpected verdict {answer.verdict!r}; the session does "
            "not start.",
            service="formulary",
        )
    if answer.verdict == "caution":
        codes = {f.code for f in answer.findings}
        acknowledged = set(acknowledgement.finding_codes) if acknowledgement else set()
        missing = sorted(codes - acknowledged)
        if acknowledgement is None or missing:
            raise CautionNotAcknowledged(
                "Acknowledge every finding code with a reason to start: "
                + ", ".join(missing or sorted(codes)),
                unacknowledged_codes=missing or sorted(codes),
                **facts,
            )
    return {"verdict": answer.verdict, **facts}


def _detail(reply: Any) -> str:
    try:
        payload = reply.json()
    except ValueError:
        return reply.text[:200] or str(reply.status_code)
    if isinstance(payload, dict):
        return str(payload.get("detail") or payload.get("title") or payload)[:500]
    return str(payload)[:500]
