"""Formulary's cross-check, asked with the caller's token; it fails closed.

`POST {formulary_url}/v1/cross-checks` → `{verdict, profile_version, findings}`. A timeout, an
unreachable formulary or an answer that cannot be read is `Unavailable` (503): nothing is
injected or recorded on a guess. A 400/404/422 from formulary means the request named something
it does not know (an ingredient, a lot, a blend): `CrossCheckRefused` (422), naming booking's
own field through `rename`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

import httpx
from pydantic import BaseModel, ValidationError

from services.booking.domain.safety import CrossCheck, Finding
from shared.errors import DomainError, Unavailable
from shared.http import ServiceClient


class CrossCheckRefused(DomainError):
    type = "cross-check-refused"
    title = "Formulary refused to cross-check what was named"


@dataclass(frozen=True, slots=True)
class AdministeredItem:
    ingredient_code: str
    lot_number: str
    amount: Decimal
    unit: str


@dataclass(frozen=True, slots=True)
class CheckRequest:
    """What to check: a blend, ingredient codes, or what was administered; for whom, where."""

    patient_id: UUID
    clinic_id: UUID
    indication: str
    areas: Sequence[str]
    blend_id: UUID | None = None
    blend_version: int | None = None
    ingredient_codes: Sequence[str] | None = None
    lot_numbers: Sequence[str] = ()
    administered: Sequence[AdministeredItem] | None = None

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "patient_id": str(self.patient_id),
            "clinic_id": str(self.clinic_id),
            "indication": self.indication,
            "areas": list(self.areas),
        }
        if self.blend_id is not None:
            body["blend_id"] = str(self.blend_id)
            if self.blend_version is not None:
                body["blend_version"] = self.blend_version
        if self.ingredient_codes is not None:
            body["ingredient_codes"] = list(self.ingredient_codes)
        if self.lot_numbers:
            body["lot_numbers"] = list(self.lot_numbers)
        if self.administered is not None:
            body["administered"] = [
                {
                    "ingredient_code": a.ingredient_code,
                    "lot_number": a.lot_number,
                    "amount": str(a.amount),
                    "unit": a.unit,
                }
                for a in self.administered
            ]
        return body


class _FindingIn(BaseModel):
    code: str
    reason: str
    severity: Literal["caution", "contraindicated"]
    ingredient: str | None = None
    certainty: str | None = None
    explanation: str | None = None


class _Answer(BaseModel):
    verdict: Literal["ok", "caution", "contraindicated", "unknown_patient"]
    profile_version: int | None = None
    blend_version: int | None = None
    findings: list[_FindingIn] = []


@dataclass(frozen=True, slots=True)
class FormularyClient:
    service: ServiceClient

    async def cross_check(
        self,
        request: CheckRequest,
        *,
        authorization: str | None,
        rename: Callable[[str], str] = lambda f: f,
    ) -> CrossCheck:
        """formulary's answer about `request`; raises CrossCheckRefused or Unavailable."""
        reply = await self.service.request(
            "POST",
            "/v1/cross-checks",
            authorization=authorization,
            replayable=True,  # a question, not a change: asking twice is asking once
            json=request.as_json(),
        )
        if reply.status_code in (400, 404, 422):
            raise _refused(reply, rename)
        if reply.status_code != 200:
            raise Unavailable(
                f"Formulary answered the cross-check with {reply.status_code}; nothing goes "
                "ahead without one.",
                service="formulary",
            )
        try:
            answer = _Answer.model_validate(reply.json())
        except (ValueError, ValidationError):
            raise Unavailable(
                "Formulary's cross-check answer could not be read; nothing goes ahead.",
                service="formulary",
            ) from None
        if answer.verdict != "unknown_patient" and answer.profile_version is None:
            raise Unavailable(
                "Formulary's cross-check answer named no safety-profile version.",
                service="formulary",
            )
        return CrossCheck(
            verdict=answer.verdict,
            profile_version=answer.profile_version,
            findings=tuple(Finding(**f.model_dump()) for f in answer.findings),
            blend_version=answer.blend_version,
        )


def _refused(reply: httpx.Response, rename: Callable[[str], str]) -> CrossCheckRefused:
    try:
        payload = reply.json()
    except ValueError:
        payload = {}
    if not isinstance(payload, dict):
        payload = {}
    errors = [
        {"field": rename(str(e.get("field", ""))), "message": str(e.get("message", ""))}
        for e in payload.get("errors") or []
        if isinstance(e, dict)
    ]
    if errors:
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    else:
        detail = str(payload.get("detail") or payload.get("title") or reply.status_code)[:500]
        errors = [{"field": rename("blend_id"), "message": detail}]
    return CrossCheckRefused(f"Formulary refused the cross-check: {detail}", errors=errors)
