"""Which comparisons a reader sees first: regressions by severity then size, and the
order of verdicts in lists and tables (what needs attention first)."""

from __future__ import annotations

from collections.abc import Iterable

from perfkit.model import Comparison, Report, Severity, Verdict

SEVERITY_ORDER = {Severity.CRITICAL: 0, Severity.MAJOR: 1, Severity.MINOR: 2, None: 3}
VERDICT_ORDER = (
    Verdict.REGRESSION,
    Verdict.FAILED,
    Verdict.MISSING,
    Verdict.NOT_COMPARABLE,
    Verdict.IMPROVEMENT,
    Verdict.INCONCLUSIVE,
    Verdict.NEW,
    Verdict.UNCHANGED,
    Verdict.SKIPPED,
)
BROKEN = (Verdict.MISSING, Verdict.FAILED, Verdict.NOT_COMPARABLE)
_RANK = {v: i for i, v in enumerate(VERDICT_ORDER)}


def _worse(c: Comparison) -> float:
    w = c.worse_fraction
    return w if w is not None and w == w else 0.0


def ranked_regressions(report: Report) -> list[Comparison]:
    """Regressions, most severe first, then the largest change, then by name."""
    regs = report.by_verdict(Verdict.REGRESSION)
    return sorted(regs, key=lambda c: (SEVERITY_ORDER[c.severity], -_worse(c), c.name))


def ranked_improvements(report: Report) -> list[Comparison]:
    """Improvements, the largest first."""
    return sorted(report.by_verdict(Verdict.IMPROVEMENT), key=lambda c: (_worse(c), c.name))


def broken(report: Report) -> list[Comparison]:
    """Missing, failed and not-comparable benchmarks (each fails the gate unless waived)."""
    return [c for c in report.comparisons if c.verdict in BROKEN]


def table_order(comparisons: Iterable[Comparison]) -> list[Comparison]:
    """What needs attention first; within a verdict, the report's own order."""
    return sorted(comparisons, key=lambda c: _RANK[c.verdict])


def counts(report: Report) -> list[tuple[Verdict, int]]:
    """(verdict, how many) for every verdict present, in attention order."""
    out = [(v, len(report.by_verdict(v))) for v in VERDICT_ORDER]
    return [(v, n) for v, n in out if n]


def label(verdict: Verdict) -> str:
    return verdict.value.replace("_", " ")


_PLURAL = {Verdict.REGRESSION: "regressions", Verdict.IMPROVEMENT: "improvements"}


def counted(verdict: Verdict, n: int) -> str:
    """``3 regressions``, ``1 regression``, ``2 unchanged``."""
    return f"{n} {_PLURAL.get(verdict, label(verdict)) if n != 1 else label(verdict)}"


def summary(report: Report) -> str:
    """``3 regressions · 1 failed · 12 unchanged`` (or ``nothing compared``)."""
    return " · ".join(counted(v, n) for v, n in counts(report)) or "nothing compared"
