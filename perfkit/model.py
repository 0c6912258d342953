"""The data model: the words everyone in perfkit uses (see DESIGN.md).

Frozen dataclasses with explicit types; raw values only (formatting belongs to reporters).
Tuples, not lists, so every record is hashable and immutable once built.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum


class BenchmarkKind(StrEnum):
    TIME = "time"
    PEAKMEM = "peakmem"
    MEM = "mem"
    TRACK = "track"
    OTHER = "other"


class Direction(StrEnum):
    """Which way is better for a benchmark's value."""

    LOWER_IS_BETTER = "lower_is_better"
    HIGHER_IS_BETTER = "higher_is_better"


class Verdict(StrEnum):
    REGRESSION = "regression"
    IMPROVEMENT = "improvement"
    UNCHANGED = "unchanged"
    INCONCLUSIVE = "inconclusive"
    MISSING = "missing"  # in the baseline, not in head
    FAILED = "failed"  # failed on at least one side
    NEW = "new"  # in head, not in the baseline
    NOT_COMPARABLE = "not_comparable"  # benchmark version or unit changed
    SKIPPED = "skipped"  # skipped on both sides (asv NaN), nothing to compare


class Severity(StrEnum):
    MINOR = "Minor"
    MAJOR = "Major"
    CRITICAL = "Critical"


class ArtifactKind(StrEnum):
    FLAMEGRAPH = "flamegraph"  # one side's CPU flamegraph (SVG or HTML)
    DIFF_FLAMEGRAPH = "diff_flamegraph"  # head minus base, one HTML page
    CPU_PROFILE = "cpu_profile"  # speedscope JSON / folded stacks
    FOLDED_STACKS = "folded_stacks"
    MEMORY_FLAMEGRAPH = "memory_flamegraph"  # memray flamegraph HTML
    MEMORY_STATS = "memory_stats"  # memray stats JSON
    PLOT = "plot"


@dataclass(frozen=True)
class Measurement:
    """One benchmark (full name incl. parameter values) measured once at one commit.

    ``runs`` holds the samples of each measuring process separately, in the order the
    processes ran; ``runs_known`` is False when the source did not record process
    boundaries (asv concatenates its rounds), in which case ``runs`` is one group.
    A failed benchmark has ``error`` set and no samples; a skipped one has ``skipped``.
    """

    name: str  # full name, e.g. "sync.BlockRate.time_validate(tx_per_block=100)"
    benchmark: str  # name without parameters
    kind: BenchmarkKind
    unit: str  # "seconds", "bytes", or a track unit such as "messages/s"
    direction: Direction = Direction.LOWER_IS_BETTER
    params: tuple[tuple[str, str], ...] = ()  # (parameter name, value as written by the tool)
    runs: tuple[tuple[float, ...], ...] = ()
    runs_known: bool = False
    value: float | None = None  # the tool's own summary (asv: median), if any
    commit: str | None = None
    machine: str | None = None
    environment: str | None = None
    started_at: float | None = None  # unix seconds
    version: str | None = None  # benchmark code version (asv) — a change means not comparable
    source: str = ""  # file it came from
    error: str | None = None
    skipped: bool = False
    session: str | None = None  # id of a perfkit interleaved measuring session (pairs runs)
    # per run, per sample: seconds of perfkit's calibration loop timed around the sample (the
    # state of the CPU then, perfkit/measure/preload.py); () for a run without
    calibration: tuple[tuple[float, ...], ...] = ()

    @property
    def samples(self) -> tuple[float, ...]:
        return tuple(x for run in self.runs for x in run)

    @property
    def ok(self) -> bool:
        return self.error is None and not self.skipped and len(self.samples) > 0

    @property
    def suite(self) -> str:
        return self.benchmark.split(".", 1)[0]


@dataclass(frozen=True)
class Baseline:
    """A named set of Measurements for one machine, taken from one commit."""

    name: str
    machine: str
    commit: str | None
    created_at: str  # ISO 8601, UTC
    measurements: tuple[Measurement, ...]
    environment_info: dict[str, str] = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class Artifact:
    """A file attached to a Comparison; ``path`` is relative to the report directory."""

    kind: ArtifactKind
    path: str
    side: str = ""  # "base", "head", "diff" or ""
    description: str = ""


@dataclass(frozen=True)
class Evidence:
    """Why a verdict was reached: everything a reader needs to check it."""

    ratio: float  # head / base of the location estimate (raw units, not direction-adjusted)
    ci_low: float  # confidence interval of ratio
    ci_high: float
    p_value: float  # raw two-sided p for "no change"
    p_adjusted: float  # after Benjamini-Hochberg across the run
    threshold: float  # practical threshold as a fraction (0.05 = 5 %)
    confidence: float  # e.g. 0.95
    n_base_samples: int
    n_head_samples: int
    n_base_runs: int
    n_head_runs: int
    base_location: float
    head_location: float
    min_detectable: float  # smallest change (fraction) this data could have detected
    paired: bool = False
    method: str = ""


@dataclass(frozen=True)
class MemoryProfile:
    """memray's view of one call of the body, per side: heap bytes, not RSS (asv's peakmem_)."""

    base_peak_bytes: int
    head_peak_bytes: int
    base_allocations: int
    head_allocations: int


@dataclass(frozen=True)
class Comparison:
    """Baseline vs head for one benchmark."""

    name: str
    benchmark: str
    kind: BenchmarkKind
    unit: str
    direction: Direction
    verdict: Verdict
    severity: Severity | None = None
    evidence: Evidence | None = None
    message: str = ""  # one line saying why (always set for missing/failed/not-comparable)
    params: tuple[tuple[str, str], ...] = ()
    artifacts: tuple[Artifact, ...] = ()
    top_frames: tuple[str, ...] = ()  # top grown frames when profiled
    memory: MemoryProfile | None = None  # memray heap figures when profiled

    @property
    def change_percent(self) -> float | None:
        """Signed change of the raw value, head vs base, in percent."""
        if self.evidence is None or not math.isfinite(self.evidence.ratio):
            return None
        return (self.evidence.ratio - 1.0) * 100.0

    @property
    def worse_fraction(self) -> float | None:
        """How much worse head is than base, as a fraction (negative = better)."""
        if self.evidence is None:
            return None
        return worse_fraction(self.evidence.ratio, self.direction)


def worse_fraction(ratio: float, direction: Direction) -> float:
    """Turn a head/base ratio into 'fraction worse' for the benchmark's direction.

    Lower-is-better: ratio 1.2 -> 0.2 worse. Higher-is-better: ratio 1/1.2 -> 0.2 worse,
    so a throughput drop and the matching time increase get the same magnitude.
    """
    if direction is Direction.HIGHER_IS_BETTER:
        return 1.0 / ratio - 1.0 if ratio > 0 else math.inf
    return ratio - 1.0


@dataclass(frozen=True)
class GateDecision:
    passed: bool
    score: float
    min_score: float
    reasons: tuple[str, ...] = ()  # one line per reason it failed


@dataclass(frozen=True)
class ChangePoint:
    """In a series over commits, where the level changed."""

    series: str
    index: int  # first point of the new level
    commit: str | None
    ratio: float  # after / before
    ci_low: float
    ci_high: float
    p_value: float
    verdict: Verdict  # REGRESSION or IMPROVEMENT (direction-aware)
    direction: Direction = Direction.LOWER_IS_BETTER
    points_after: int | None = None  # valid points from this one to the series' end
    provisional: bool = False  # too few points after it yet: may be withdrawn later


@dataclass(frozen=True)
class Spend:
    """What perfkit's measuring protocol spent on a run, against its budget."""

    sides: int  # sides measured (2: base and head; 1: head against a stored baseline)
    first_rounds: int  # processes per side every benchmark got first
    max_rounds: int  # processes per side one benchmark could get in all
    processes: int  # processes spent, all sides
    budget: int  # processes the run could spend, all sides
    rounds: tuple[tuple[str, int], ...] = ()  # (benchmark, processes per side)
    stopped_at_budget: tuple[str, ...] = ()  # inconclusive, still open when the budget ran out
    stopped_at_cap: tuple[str, ...] = ()  # inconclusive after max_rounds processes per side


@dataclass(frozen=True)
class Report:
    """Everything about one comparison run; report.json is its serialisation."""

    generated_at: str  # ISO 8601 UTC
    base_label: str
    head_label: str
    comparisons: tuple[Comparison, ...]
    gate: GateDecision
    environment_info: dict[str, dict[str, str]] = field(default_factory=dict, hash=False)
    warnings: tuple[str, ...] = ()
    artifacts: tuple[Artifact, ...] = ()  # run-level artifacts (plots)
    spend: Spend | None = None  # what the measuring protocol spent (None: not measured here)

    @property
    def performance_score(self) -> float:
        return self.gate.score

    def by_verdict(self, verdict: Verdict) -> tuple[Comparison, ...]:
        return tuple(c for c in self.comparisons if c.verdict is verdict)
