"""report.json: the versioned serialisation of a Report (raw numbers, named keys).

It carries the guide's PerformanceReport fields (benchmarks, regressions with
benchmark_name / change_percent / severity, improvements, flamegraph_path,
cpu_profile_path, memory_profile_path, performance_score, generated_at,
environment_info) plus every verdict's evidence.
"""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

from perfkit.errors import ResultsFormatError
from perfkit.ingest.jsonfile import read_json
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

SCHEMA = "perfkit-report"
VERSION = 1
PATH_KINDS = {"flamegraph_path": (ArtifactKind.DIFF_FLAMEGRAPH, ""),
              "cpu_profile_path": (ArtifactKind.CPU_PROFILE, "head"),
              "memory_profile_path": (ArtifactKind.MEMORY_FLAMEGRAPH, "head")}  # fmt: skip
SEVERITY_ORDER = {Severity.CRITICAL: 0, Severity.MAJOR: 1, Severity.MINOR: 2, None: 3}


def artifact_path(c: Comparison, key: str) -> str | None:
    kind, side = PATH_KINDS[key]
    return next((a.path for a in c.artifacts if a.kind is kind and (not side or a.side == side)), None)


def _comparison(c: Comparison) -> dict[str, Any]:
    return {
        "name": c.name, "benchmark": c.benchmark, "params": [list(p) for p in c.params],
        "kind": c.kind.value, "unit": c.unit, "direction": c.direction.value,
        "verdict": c.verdict.value, "severity": c.severity.value if c.severity else None,
        "change_percent": c.change_percent, "message": c.message,
        "evidence": asdict(c.evidence) if c.evidence else None,
        "artifacts": [{**asdict(a), "kind": a.kind.value} for a in c.artifacts],
        "top_frames": list(c.top_frames),
        "memory": asdict(c.memory) if c.memory else None,
    }  # fmt: skip


def _summary_entry(c: Comparison) -> dict[str, Any]:
    ev = c.evidence
    return {
        "benchmark_name": c.name, "change_percent": c.change_percent,
        "severity": c.severity.value if c.severity else None,
        "ci_low_percent": (ev.ci_low - 1) * 100 if ev else None,
        "ci_high_percent": (ev.ci_high - 1) * 100 if ev else None,
        "p_adjusted": ev.p_adjusted if ev else None,
        **{key: artifact_path(c, key) for key in PATH_KINDS},
        "top_frames": list(c.top_frames),
    }  # fmt: skip


def ranked_regressions(report: Report) -> list[Comparison]:
    regs = report.by_verdict(Verdict.REGRESSION)
    return sorted(regs, key=lambda c: (SEVERITY_ORDER[c.severity], -(c.worse_fraction or 0), c.name))


def report_to_dict(report: Report) -> dict[str, Any]:
    regressions = ranked_regressions(report)
    profiled = next((c for c in regressions if c.artifacts), None)
    return {
        "schema": SCHEMA, "version": VERSION,
        "generated_at": report.generated_at, "base": report.base_label, "head": report.head_label,
        "performance_score": report.gate.score,
        "gate": {**asdict(report.gate), "reasons": list(report.gate.reasons)},
        "counts": {v.value: len(report.by_verdict(v)) for v in Verdict},
        "regressions": [_summary_entry(c) for c in regressions],
        "improvements": [_summary_entry(c) for c in report.by_verdict(Verdict.IMPROVEMENT)],
        **{key: artifact_path(profiled, key) if profiled else None for key in PATH_KINDS},
        "benchmarks": [_comparison(c) for c in report.comparisons],
        "environment_info": report.environment_info,
        "warnings": list(report.warnings),
        "artifacts": [{**asdict(a), "kind": a.kind.value} for a in report.artifacts],
    }  # fmt: skip


def dumps(report: Report) -> str:
    return json.dumps(report_to_dict(report), indent=1, allow_nan=True) + "\n"


def _artifact(d: dict[str, Any]) -> Artifact:
    return Artifact(ArtifactKind(d["kind"]), d["path"], d.get("side", ""), d.get("description", ""))


def _comparison_from(d: dict[str, Any]) -> Comparison:
    ev = d.get("evidence")
    mem = d.get("memory")
    return Comparison(
        name=d["name"], benchmark=d["benchmark"], kind=BenchmarkKind(d["kind"]), unit=d["unit"],
        direction=Direction(d["direction"]), verdict=Verdict(d["verdict"]),
        severity=Severity(d["severity"]) if d.get("severity") else None,
        evidence=Evidence(**{f.name: ev[f.name] for f in fields(Evidence)}) if ev else None,
        message=d.get("message", ""), params=tuple((str(k), str(v)) for k, v in d.get("params", [])),
        artifacts=tuple(_artifact(a) for a in d.get("artifacts", [])),
        top_frames=tuple(d.get("top_frames", [])),
        memory=MemoryProfile(**mem) if mem else None,
    )  # fmt: skip


def report_from_json(path: Path) -> Report:
    data = read_json(path)
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise ResultsFormatError(f"{path}: not a perfkit report (schema {SCHEMA!r})")
    if data.get("version") != VERSION:
        raise ResultsFormatError(f"{path}: unsupported report version {data.get('version')!r} (expected {VERSION})")
    try:
        g = data["gate"]
        return Report(
            generated_at=data["generated_at"], base_label=data["base"], head_label=data["head"],
            comparisons=tuple(_comparison_from(c) for c in data["benchmarks"]),
            gate=GateDecision(bool(g["passed"]), float(g["score"]), float(g["min_score"]), tuple(g["reasons"])),
            environment_info=data.get("environment_info", {}), warnings=tuple(data.get("warnings", [])),
            artifacts=tuple(_artifact(a) for a in data.get("artifacts", [])),
        )  # fmt: skip
    except (KeyError, TypeError, ValueError) as exc:
        what = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc).splitlines()[0]
        raise ResultsFormatError(f"{path}: malformed report: {what}") from None
