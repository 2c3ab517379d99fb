"""The safety check's findings and deviations, as booking and records send them."""

from __future__ import annotations

from services.gateway.console.clients.model import Model


class Finding(Model):
    """One finding of formulary's cross-check (booking's and records' shape, in their order)."""

    code: str = ""
    ingredient: str | None = None
    reason: str = ""
    severity: str | None = None
    certainty: str | None = None
    explanation: str | None = None


class Deviation(Model):
    """What was given outside a passing check: an ingredient (None: the whole session), its
    lots, and the findings about it."""

    ingredient_code: str | None = None
    lot_numbers: list[str] = []
    findings: list[Finding] = []

    @property
    def contraindicated(self) -> bool:
        return any(f.severity == "contraindicated" for f in self.findings)
