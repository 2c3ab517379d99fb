"""What a chaos run found: the faults as they happened, the checks, the figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class FaultResult:
    name: str
    detail: str
    seconds: float
    ended_at: datetime
    ended: float
    exercised: bool = True
    recovered_in: float | None = None


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


@dataclass
class Report:
    faults: list[FaultResult] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    figures: list[str] = field(default_factory=list)
    numbers: dict[str, float] = field(default_factory=dict)
    quiet_in: float | None = None

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    def failed(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]

    def text(self) -> str:
        lines = ["", "Faults", *self._fault_lines(), "", "Figures", *self.figures, "", "Checks"]
        lines += [f"  {'✓' if c.ok else '✗'} {c.name}: {c.detail}" for c in self.checks]
        lines.append("")
        lines.append("chaos: all checks passed" if self.ok else "chaos: FAILED")
        return "\n".join(lines)

    def _fault_lines(self) -> list[str]:
        out = []
        for f in self.faults:
            recovered = f"{f.recovered_in:.1f} s" if f.recovered_in is not None else "—"
            mark = "" if f.exercised else "  (NOT EXERCISED)"
            out.append(f"  • {f.name} ({f.seconds:.1f} s), recovered after {recovered}{mark}")
            out.append(f"      {f.detail}")
        return out
