"""What a run found wrong, in one structure: the input of alerts, artifacts and the flow's final state.

A `RunReport` gathers every problem of one flow run — failed expectations, parse anomalies, a stale
or unreachable source — so that one message per run can be sent (never one per row).
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from typing import Any, Literal

Kind = Literal["validation", "anomaly", "stale", "unreachable"]
Severity = Literal["critical", "warning"]

# How many example rows an alert or artifact shows per problem.
MAX_EXAMPLES = 3


@dataclass(frozen=True)
class Example:
    """One offending row or document, with what a person needs to look at it."""

    detail: str  # e.g. "value=12711.0 (casualties_daily_avg 2024-09-01..2024-09-30)"
    quote: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Problem:
    kind: Kind
    check: str  # an expectation name, or an anomaly name such as "body_not_found"
    severity: Severity
    count: int  # rows (validation) or documents (anomaly) affected
    examples: tuple[Example, ...] = ()
    why: str | None = None  # the expectation's meta.why, or a sentence on the anomaly
    # Found by an earlier run and still unresolved (an open quarantined row): alerted, and it keeps
    # an alert open, but this run did not cause it and does not fail for it.
    carried: bool = False

    @property
    def key(self) -> str:
        """Identifies "the same failure" across runs (counts and examples may change)."""
        return f"{self.kind}:{self.check}:{self.severity}"


@dataclass(frozen=True)
class RunReport:
    source: str
    run_id: str
    problems: tuple[Problem, ...] = ()
    # Where the full report lies: the Data Docs page, or a SQL query to run.
    report_location: str | None = None
    flow_run_url: str | None = None

    @property
    def status(self) -> Literal["clean", "warning", "critical"]:
        """Over every open problem, carried ones included: what alerting goes by."""
        return _status(self.problems)

    @property
    def run_status(self) -> Literal["clean", "warning", "critical"]:
        """Over what this run found: what the flow's final state goes by."""
        return _status(tuple(p for p in self.problems if not p.carried))

    @property
    def fingerprint(self) -> str:
        """Equal for two runs with the same set of problems, whatever their counts."""
        keys = "\n".join(sorted({p.key for p in self.problems}))
        return hashlib.sha256(keys.encode()).hexdigest()[:16]

    def to_dict(self) -> dict[str, Any]:
        record = asdict(self)
        record.update(status=self.status, fingerprint=self.fingerprint)
        return record


def _status(problems: tuple[Problem, ...]) -> Literal["clean", "warning", "critical"]:
    if any(p.severity == "critical" for p in problems):
        return "critical"
    return "warning" if problems else "clean"
