"""A fixed, constructed Report (no statistics module involved) used by the report tests
and by ``tools/report_goldens.py`` to regenerate the golden files in tests/data/report/."""

from __future__ import annotations

import math
import re
from pathlib import Path

from perfkit.model import (
    Artifact,
    ArtifactKind,
    BenchmarkKind,
    Comparison,
    Direction,
    Evidence,
    GateDecision,
    Measurement,
    MemoryProfile,
    Report,
    Severity,
    Verdict,
)

GOLDEN = Path(__file__).resolve().parents[2] / "data" / "report"
HOSTILE = "<script>alert(1)</script> **bold** | pipe @octocat #1 $(rm -rf /) `tick`\nnewline"
HOSTILE_NAME = f"actor.X.time_y(name='{HOSTILE}')"
MAIN_REGRESSION = "sync.BlockProcessingRate.time_validate_chain(tx_per_block=100)"


def evidence(ratio: float, half_width: float = 0.04, p: float = 1e-4, runs: int = 8) -> Evidence:
    return Evidence(
        ratio=ratio,
        ci_low=ratio * (1 - half_width),
        ci_high=ratio * (1 + half_width),
        p_value=p,
        p_adjusted=min(1.0, p * 10),
        threshold=0.05,
        confidence=0.95,
        n_base_samples=3 * runs,
        n_head_samples=3 * runs,
        n_base_runs=runs,
        n_head_runs=runs,
        base_location=0.0125,
        head_location=0.0125 * ratio,
        min_detectable=0.03,
        paired=True,
        method="paired moderated t on log process medians",
    )


def comparison(name: str, verdict: Verdict, ev: Evidence | None, **kw) -> Comparison:
    defaults = dict(
        benchmark=name.split("(")[0],
        kind=BenchmarkKind.TIME,
        unit="seconds",
        direction=Direction.LOWER_IS_BETTER,
        message=f"{verdict.value}",
    )
    return Comparison(name=name, verdict=verdict, evidence=ev, **{**defaults, **kw})


PROFILE = (
    Artifact(
        ArtifactKind.DIFF_FLAMEGRAPH,
        "profiles/sync.Block-1a2b3c4d/flamegraph-diff.html",
        "diff",
        "differential flamegraph (head minus base, per call)",
    ),
    Artifact(
        ArtifactKind.FLAMEGRAPH,
        "profiles/sync.Block-1a2b3c4d/flamegraph-head.html",
        "head",
        "CPU flamegraph (head)",
    ),
    Artifact(
        ArtifactKind.CPU_PROFILE,
        "profiles/sync.Block-1a2b3c4d/cpu-head.speedscope.json",
        "head",
        "speedscope profile (head)",
    ),
    Artifact(
        ArtifactKind.MEMORY_FLAMEGRAPH,
        "profiles/sync.Block-1a2b3c4d/memory-head.html",
        "head",
        "memray flamegraph (head)",
    ),
)


def comparisons() -> list[Comparison]:
    return [
        comparison(
            "actor.MailboxOverflow.time_overflow(policy='reject')",
            Verdict.IMPROVEMENT,
            evidence(0.8),
            params=(("policy", "'reject'"),),
        ),
        comparison(
            MAIN_REGRESSION,
            Verdict.REGRESSION,
            evidence(1.31),
            severity=Severity.CRITICAL,
            params=(("tx_per_block", "100"),),
            message="31 % slower; p_adj 0.001 < 0.05",
            top_frames=(
                "validate_chain (workloads/perfkit_workloads/chain.py)",
                "hash_block (workloads/perfkit_workloads/hash.py)",
            ),
            memory=MemoryProfile(1_000_000, 5_000_000, 2, 4),
            artifacts=PROFILE,
        ),
        comparison(
            HOSTILE_NAME,
            Verdict.REGRESSION,
            evidence(1.07),
            severity=Severity.MINOR,
            params=(("name", f"'{HOSTILE}'"),),
            message=f"slower {HOSTILE}",
            top_frames=(f"evil {HOSTILE}",),
            artifacts=(
                Artifact(ArtifactKind.FLAMEGRAPH, "javascript:alert(1)/x y.html", "head", HOSTILE),
            ),
        ),
        comparison(
            "actor.Throughput.track_messages",
            Verdict.REGRESSION,
            evidence(0.85),
            severity=Severity.MAJOR,
            kind=BenchmarkKind.TRACK,
            unit="messages/s",
            direction=Direction.HIGHER_IS_BETTER,
        ),
        comparison(
            "system.CachePerformanceAnalysis.time_chase(level='DRAM')",
            Verdict.INCONCLUSIVE,
            evidence(1.04, half_width=0.09, p=0.2),
        ),
        comparison(
            "system.AsyncTaskOverhead.time_spawn_and_await(tasks=100)",
            Verdict.UNCHANGED,
            evidence(1.01, p=0.6),
        ),
        comparison(
            "system.Memory.peakmem_alloc",
            Verdict.UNCHANGED,
            evidence(1.0, p=1.0),
            kind=BenchmarkKind.PEAKMEM,
            unit="bytes",
        ),
        comparison(
            "sync.Gone.time_x",
            Verdict.MISSING,
            None,
            message="in the baseline, not measured at head",
        ),
        comparison("sync.Broken.time_x", Verdict.FAILED, None, message="head: ValueError: boom"),
        comparison(
            "sync.Changed.time_x",
            Verdict.NOT_COMPARABLE,
            None,
            message="benchmark version changed (a1 -> b2)",
        ),
        comparison("sync.Fresh.time_x", Verdict.NEW, None, message="not in the baseline"),
        comparison(
            "sync.Weird.time_x",
            Verdict.INCONCLUSIVE,
            Evidence(
                math.nan,
                0.0,
                math.inf,
                math.nan,
                math.nan,
                0.05,
                0.95,
                1,
                1,
                1,
                1,
                0.0,
                0.0,
                math.inf,
            ),
        ),
    ]


def bulk(n: int) -> list[Comparison]:
    return [
        comparison(f"bulk.B{i:05d}.time_{'z' * 40}", Verdict.UNCHANGED, evidence(1.0, p=0.9))
        for i in range(n)
    ]


def fixed_report(n_extra: int = 0) -> Report:
    gate = GateDecision(
        False,
        61.5,
        75.0,
        (
            "3 regression(s) (max 0)",
            "1 missing: sync.Gone.time_x",
            "1 failed: sync.Broken.time_x",
            f"1 not comparable: {HOSTILE}",
        ),
    )
    env = {
        "base": {
            "cpu_model_name": "AMD EPYC 7B13",
            "aslr": "Full randomization (2)",
            "python_version": "3.11.9",
        },
        "head": {
            "cpu_model_name": "AMD EPYC 7B13",
            "aslr": "Full randomization (2)",
            "python_version": f"3.11.10 {HOSTILE}",
        },
    }
    warnings = (
        "ASLR is enabled (full randomization): memory layout varies between processes",
        f"base and head were measured on differently configured systems: python_version {HOSTILE!r}",
    )
    return Report(
        "2026-11-24T12:00:00Z",
        "baseline main@b717287d",
        f"head {HOSTILE}",
        tuple(comparisons() + bulk(n_extra)),
        gate,
        env,
        warnings,
    )


def measurement(name: str, scale: float, runs: int = 4, known: bool = True) -> Measurement:
    values = tuple(
        tuple(scale * 0.0125 * (1 + 0.01 * i + 0.004 * j) for j in range(3)) for i in range(runs)
    )
    return Measurement(
        name=name,
        benchmark=name.split("(")[0],
        kind=BenchmarkKind.TIME,
        unit="seconds",
        runs=values if known else (tuple(x for r in values for x in r),),
        runs_known=known,
    )


def samples() -> dict[str, tuple[Measurement | None, Measurement | None]]:
    return {
        MAIN_REGRESSION: (measurement(MAIN_REGRESSION, 1.0), measurement(MAIN_REGRESSION, 1.31)),
        HOSTILE_NAME: (
            measurement(HOSTILE_NAME, 1.0, known=False),
            measurement(HOSTILE_NAME, 1.07, known=False),
        ),
    }


def normalised_html(page: str) -> str:
    """index.html with the (binary, matplotlib-version dependent) plot images elided."""
    return re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "data:image/png;base64,…", page)


def golden_texts() -> dict[str, str]:
    """Golden file name -> expected text, from the fixed report."""
    from perfkit.report import dumps, render_comment, render_html, render_terminal

    report = fixed_report()
    return {
        "report.json": dumps(report),
        "comment.md": render_comment(report),
        "terminal.txt": render_terminal(report) + "\n",
        "index.normalised.html": normalised_html(render_html(report, samples())),
    }
