"""Report formats: golden files, JSON round trip, comment size limit, hostile text inert.
Regenerate the goldens after an intended change: PERFKIT_UPDATE_GOLDENS=1 pytest tests/unit/report"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from perfkit.errors import ResultsFormatError
from perfkit.model import (
    Artifact,
    ArtifactKind,
    BenchmarkKind,
    Comparison,
    Direction,
    Evidence,
    GateDecision,
    MemoryProfile,
    Report,
    Severity,
    Verdict,
)  # fmt: skip
from perfkit.report import render_comment, render_terminal, report_from_json, write_report
from perfkit.report.html import render_html
from perfkit.report.json_report import dumps

GOLDEN = Path(__file__).resolve().parents[2] / "data" / "report"
HOSTILE = "<script>alert(1)</script> **bold** | pipe @octocat #1 $(rm -rf /) `tick`\nnewline"


def ev(ratio: float, p: float = 1e-4) -> Evidence:
    return Evidence(ratio, ratio * 0.96, ratio * 1.04, p, min(1.0, p * 10), 0.05, 0.95, 24, 24, 8, 8,
                    0.01, 0.01 * ratio, 0.03, True, "paired moderated t on log process medians")  # fmt: skip


def comparison(name: str, verdict: Verdict, ratio: float | None, **kw) -> Comparison:
    return Comparison(name=name, benchmark=name.split("(")[0], kind=BenchmarkKind.TIME, unit="seconds",
                      direction=Direction.LOWER_IS_BETTER, verdict=verdict,
                      evidence=ev(ratio) if ratio else None, message=f"{verdict.value}", **kw)  # fmt: skip


def fixed_report(n_extra: int = 0) -> Report:
    comps = [
        comparison("sync.BlockProcessingRate.time_validate_chain", Verdict.REGRESSION, 1.31,
                   severity=Severity.CRITICAL, top_frames=("validate_chain (perfkit/workloads/chain.py)",),
                   memory=MemoryProfile(1000, 5000, 2, 4),
                   artifacts=(Artifact(ArtifactKind.DIFF_FLAMEGRAPH, "profiles/a/flamegraph-diff.html", "diff", "diff"),
                              Artifact(ArtifactKind.CPU_PROFILE, "profiles/a/cpu-head.speedscope.json", "head", "cpu"),
                              Artifact(ArtifactKind.MEMORY_FLAMEGRAPH, "profiles/a/memory-head.html", "head", "mem"))),
        comparison(f"actor.X.time_y(name='{HOSTILE}')", Verdict.REGRESSION, 1.07, severity=Severity.MINOR),
        comparison("actor.MailboxOverflow.time_overflow(policy='reject')", Verdict.IMPROVEMENT, 0.8),
        comparison("system.CachePerformanceAnalysis.time_chase(level='DRAM')", Verdict.INCONCLUSIVE, 1.04, ),
        comparison("system.AsyncTaskOverhead.time_spawn_and_await(tasks=100)", Verdict.UNCHANGED, 1.01),
        comparison("sync.Gone.time_x", Verdict.MISSING, None),
        comparison("sync.Broken.time_x", Verdict.FAILED, None),
    ] + [comparison(f"bulk.B{i:05d}.time_{'z' * 40}", Verdict.UNCHANGED, 1.0) for i in range(n_extra)]  # fmt: skip
    gate = GateDecision(False, 61.5, 75.0, ("2 regression(s)", "1 missing: sync.Gone.time_x"))
    return Report("2026-11-24T12:00:00Z", "baseline main@b717287d", f"head {HOSTILE}", tuple(comps), gate,
                  {"base": {"cpu_model_name": "AMD EPYC"}, "head": {"cpu_model_name": "AMD EPYC"}},
                  (f"ASLR is enabled {HOSTILE}",))  # fmt: skip


@pytest.mark.parametrize(("name", "render"), [("report.json", dumps), ("comment.md", render_comment),
                                              ("terminal.txt", render_terminal)])  # fmt: skip
def test_golden_files(name, render):
    text = render(fixed_report())
    path = GOLDEN / name
    if os.environ.get("PERFKIT_UPDATE_GOLDENS"):
        path.write_text(text)
    assert text == path.read_text(), f"{name} changed; regenerate with PERFKIT_UPDATE_GOLDENS=1 if intended"


def test_json_round_trip_is_exact(tmp_path: Path):
    report = fixed_report(5)
    paths = write_report(report, tmp_path)
    back = report_from_json(paths["report.json"])
    assert back.comparisons == report.comparisons and back.gate == report.gate
    assert back.warnings == report.warnings and back.environment_info == report.environment_info


def test_guide_fields_are_present():
    import json

    data = json.loads(dumps(fixed_report()))
    for key in ("benchmarks", "regressions", "improvements", "flamegraph_path", "cpu_profile_path",
                "memory_profile_path", "performance_score", "generated_at", "environment_info"):  # fmt: skip
        assert key in data
    first = data["regressions"][0]
    assert first["benchmark_name"].startswith("sync.BlockProcessingRate") and first["severity"] == "Critical"
    assert round(first["change_percent"], 6) == 31.0 and data["flamegraph_path"] == "profiles/a/flamegraph-diff.html"


@pytest.mark.parametrize("bad", ['{"schema": "perfkit-report", "version": 9}', '{"schema": "x"}',
                                 '{"schema": "perfkit-report", "version": 1}', '{"schema": "perf'])  # fmt: skip
def test_bad_reports_are_refused(tmp_path: Path, bad: str):
    path = tmp_path / "report.json"
    path.write_text(bad)
    with pytest.raises(ResultsFormatError) as info:
        report_from_json(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_comment_limit_keeps_every_regression_and_cuts_the_table():
    report = fixed_report(3000)
    text = render_comment(report, limit=65536)
    assert len(text) <= 65536
    assert "sync\\.BlockProcessingRate\\.time\\_validate\\_chain" in text and "Regressions (2)" in text
    assert re.search(r"\*\d+ more row\(s\) cut", text)
    assert text.startswith("<!-- perfkit-report -->\n## ❌ perfkit: gate FAILED — performance score 61.5")


def test_hostile_text_is_inert_in_markdown_and_html():
    report = fixed_report()
    md = render_comment(report)
    assert "<script>" not in md and "@octocat" not in md and "#1 " not in md
    assert "**bold**" not in md and "\nnewline" not in md
    page = render_html(report)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.count("<script") == 1  # only perfkit's own table script
