"""The performance score (0-100) and the fail-closed gate.

Score: every compared benchmark i contributes
    s_i = 100 * clamp(1 - max(0, w_i - t_i) / 0.5, 0, 1)
with w_i its estimated worseness (fraction, direction-aware: +0.20 = 20 % slower or 20 %
less throughput) and t_i its practical threshold. Changes inside the threshold cost
nothing; beyond it each point of worseness costs 2 points of score, so 20 % slower
everywhere scores 70. Failed, missing and not-comparable benchmarks score 0 (unless
allow-listed); new and skipped ones do not count. The score is the mean of the s_i
(an empty run scores 0).

Gate: passes when score >= gate.min_score, regressions <= gate.max_regressions, nothing
failed / missing / not comparable (outside the allow-list) and the run is not empty.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from perfkit.config import Config
from perfkit.model import Comparison, GateDecision, Verdict

SLOPE_SPAN = 0.5  # worseness beyond the threshold at which a benchmark scores 0
FAIL_CLOSED = (Verdict.FAILED, Verdict.MISSING, Verdict.NOT_COMPARABLE)
EXCLUDED = (Verdict.NEW, Verdict.SKIPPED)


def _finite_evidence(c: Comparison) -> bool:
    ev = c.evidence
    if ev is None:
        return True
    numbers = (
        ev.ratio,
        ev.ci_low,
        ev.ci_high,
        ev.p_value,
        ev.p_adjusted,
        ev.threshold,
        ev.min_detectable,
        ev.base_location,
        ev.head_location,
    )
    return all(isinstance(x, int | float) and math.isfinite(x) for x in numbers)


def benchmark_score(c: Comparison) -> float:
    if c.verdict in FAIL_CLOSED or c.evidence is None or not _finite_evidence(c):
        return 0.0
    worse = c.worse_fraction or 0.0
    penalty = max(0.0, worse - c.evidence.threshold) / SLOPE_SPAN
    return 100.0 * min(1.0, max(0.0, 1.0 - penalty))


def performance_score(comparisons: Sequence[Comparison], config: Config = Config()) -> float:
    counted = [
        c
        for c in comparisons
        if c.verdict not in EXCLUDED and not (c.verdict in FAIL_CLOSED and config.allowed(c.name))
    ]
    if not counted:
        return 0.0
    return sum(benchmark_score(c) for c in counted) / len(counted)


def gate(comparisons: Sequence[Comparison], config: Config = Config()) -> GateDecision:
    score = performance_score(comparisons, config)
    reasons = []
    compared = [c for c in comparisons if c.verdict not in EXCLUDED]
    if not compared:
        reasons.append("empty run: no benchmark was compared with the baseline")
    regressions = [c for c in comparisons if c.verdict is Verdict.REGRESSION]
    if len(regressions) > config.gate.max_regressions:
        names = ", ".join(
            f"{c.name} ({c.severity.value if c.severity else '?'})" for c in regressions
        )
        reasons.append(
            f"{len(regressions)} regression(s) (allowed {config.gate.max_regressions}): {names}"
        )
    for verdict in FAIL_CLOSED:
        hit = [c for c in comparisons if c.verdict is verdict and not config.allowed(c.name)]
        if hit:
            label = verdict.value.replace("_", "-")
            reasons.append(
                f"{len(hit)} {label}: " + "; ".join(f"{c.name}: {c.message}" for c in hit)
            )
    broken = [c for c in comparisons if not _finite_evidence(c) and not config.allowed(c.name)]
    if broken:  # a report read back from a file may carry what perfkit never writes: fail closed
        reasons.append(
            f"{len(broken)} with non-finite evidence (Inf or NaN): "
            + "; ".join(c.name for c in broken)
        )
    if not math.isfinite(score):
        score = 0.0
    if score < config.gate.min_score:
        reasons.append(
            f"performance score {score:.1f} is below the minimum {config.gate.min_score:g}"
        )
    return GateDecision(
        passed=not reasons, score=score, min_score=config.gate.min_score, reasons=tuple(reasons)
    )
