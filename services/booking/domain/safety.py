"""The safety gate around an injection: before it (start, re-check) and after it (complete).

Formulary answers the cross-check; these rules decide what its answer lets the practitioner do.

- Before injecting, a plan passes when the verdict is `ok`, or `caution` with every finding
  acknowledged with a reason. `contraindicated` and `unknown_patient` never pass.
- After injecting, what was given is checked again. A finding the last passing check did not
  cover (every `contraindicated` one; a `caution` whose code was not acknowledged then) is a
  **deviation**: the completion is refused until the practitioner acknowledges each deviation
  code with a reason, and is then recorded truthfully, flagged, and escalated.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from shared.errors import Conflict

Verdict = Literal["ok", "caution", "contraindicated", "unknown_patient"]
UNKNOWN_PATIENT_CODE = "unknown_patient"


@dataclass(frozen=True, slots=True)
class Finding:
    """One finding of formulary's cross-check."""

    code: str
    reason: str
    severity: str
    ingredient: str | None = None
    certainty: str | None = None
    explanation: str | None = None

    @property
    def contraindicated(self) -> bool:
        return self.severity == "contraindicated"


@dataclass(frozen=True, slots=True)
class CrossCheck:
    """formulary's answer: the verdict, the profile version it used, and the findings."""

    verdict: Verdict
    profile_version: int | None
    findings: tuple[Finding, ...]
    blend_version: int | None = None
    """The version of the blend checked (its current one when none was named)."""


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    """A practitioner's word: these finding codes are known, and why they go ahead anyway."""

    reason: str
    finding_codes: frozenset[str]


@dataclass(frozen=True, slots=True)
class Given:
    """One ingredient as injected: from which lot."""

    ingredient_code: str
    lot_number: str


@dataclass(frozen=True, slots=True)
class Deviation:
    """Something injected outside a passing cross-check, with what formulary found."""

    ingredient_code: str | None
    lot_numbers: tuple[str, ...]
    findings: tuple[Finding, ...]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(f.code for f in self.findings)


def finding_facts(findings: Iterable[Finding]) -> list[dict[str, object]]:
    """Findings as a problem's `findings` member."""
    return [
        {
            "code": f.code,
            "ingredient": f.ingredient,
            "reason": f.reason,
            "severity": f.severity,
            "certainty": f.certainty,
            "explanation": f.explanation,
        }
        for f in findings
    ]


class Contraindicated(Conflict):
    type = "contraindicated"
    title = "The cross-check found a contraindication; the session may not start"


class CrossCheckUnknownPatient(Conflict):
    type = "cross-check-unknown-patient"
    title = "Formulary has no safety profile for this patient; the session may not start"


class CautionNotAcknowledged(Conflict):
    type = "caution-not-acknowledged"
    title = "The cross-check advises caution; a practitioner must acknowledge every finding"


class UncheckedAdministration(Conflict):
    type = "unchecked-administration"
    title = "What was administered did not pass a cross-check; acknowledge each deviation"


def passing(check: CrossCheck, acknowledgement: Acknowledgement | None) -> Acknowledgement | None:
    """The acknowledgement that lets a planned injection go ahead (None when `ok`); raises.

    `contraindicated` → Contraindicated; `unknown_patient` → CrossCheckUnknownPatient;
    `caution` without every finding code acknowledged → CautionNotAcknowledged.
    """
    facts = {"profile_version": check.profile_version, "findings": finding_facts(check.findings)}
    if check.verdict == "contraindicated":
        raise Contraindicated(
            "The planned injection is contraindicated for this patient: "
            + "; ".join(f"{f.code} ({f.reason})" for f in check.findings if f.contraindicated),
            **facts,
        )
    if check.verdict == "unknown_patient":
        raise CrossCheckUnknownPatient(
            "Formulary has no safety profile for this patient yet; record it in the patient's "
            "chart first.",
            **facts,
        )
    if check.verdict == "ok":
        return None
    codes = {f.code for f in check.findings}
    acknowledged = acknowledgement.finding_codes if acknowledgement else frozenset()
    missing = sorted(codes - acknowledged)
    if acknowledgement is None or missing:
        raise CautionNotAcknowledged(
            "Acknowledge every finding code with a reason to go ahead: "
            + ", ".join(missing or sorted(codes)),
            unacknowledged_codes=missing or sorted(codes),
            **facts,
        )
    return acknowledgement


def deviations(
    check: CrossCheck, *, covered: Iterable[str], given: Sequence[Given]
) -> tuple[Deviation, ...]:
    """What the check of the injection found that the last passing check did not cover.

    `covered` are the caution codes acknowledged when the plan last passed; a contraindicated
    finding is never covered. An unknown patient is one deviation for the whole session: no
    allergy, condition or medication was checked. One deviation per ingredient (session-wide
    findings under None), in the order the ingredients were given.
    """
    acknowledged = frozenset(covered)
    found = [f for f in check.findings if f.contraindicated or f.code not in acknowledged]
    if check.verdict == "unknown_patient":
        found.insert(
            0,
            Finding(
                code=UNKNOWN_PATIENT_CODE,
                reason="unknown_patient",
                severity="contraindicated",
                explanation="Formulary has no safety profile for this patient: nothing given "
                "was checked against allergies, conditions or medications.",
            ),
        )
    lots: dict[str | None, list[str]] = {}
    for item in given:
        lots.setdefault(item.ingredient_code, [])
        if item.lot_number not in lots[item.ingredient_code]:
            lots[item.ingredient_code].append(item.lot_number)
    order = [None, *lots]
    by_ingredient: dict[str | None, list[Finding]] = {}
    for finding in found:
        key = finding.ingredient if finding.ingredient in lots else None
        by_ingredient.setdefault(key, []).append(finding)
    return tuple(
        Deviation(key, tuple(lots.get(key, [])), tuple(by_ingredient[key]))
        for key in order
        if key in by_ingredient
    )


def require_acknowledged(
    found: Sequence[Deviation], acknowledgement: Acknowledgement | None
) -> Acknowledgement | None:
    """The acknowledgement covering every deviation (None when there is none); raises 409."""
    if not found:
        return None
    codes = sorted({code for d in found for code in d.codes})
    acknowledged = acknowledgement.finding_codes if acknowledgement else frozenset()
    missing = [c for c in codes if c not in acknowledged]
    if acknowledgement is not None and not missing:
        return acknowledgement
    raise UncheckedAdministration(
        "What was administered includes "
        + "; ".join(_described(d) for d in found)
        + ". Correct the record if it is wrong; if it is right, acknowledge each finding "
        "code with a reason: the completion is then recorded as a deviation and the clinic's "
        "manager is alerted.",
        deviations=[
            {
                "ingredient_code": d.ingredient_code,
                "lot_numbers": list(d.lot_numbers),
                "findings": finding_facts(d.findings),
            }
            for d in found
        ],
        unacknowledged_codes=missing,
    )


def _described(deviation: Deviation) -> str:
    what = deviation.ingredient_code or "the session"
    return f"{what}: " + ", ".join(f"{f.code} ({f.severity})" for f in deviation.findings)
