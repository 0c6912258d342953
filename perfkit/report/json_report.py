"""report.json: the versioned, strict-JSON serialisation of a Report.

It carries the guide's PerformanceReport fields (``benchmarks``, ``regressions`` with
``benchmark_name`` / ``change_percent`` / ``severity``, ``improvements``,
``flamegraph_path``, ``cpu_profile_path``, ``memory_profile_path``,
``performance_score``, ``generated_at``, ``environment_info``) plus the gate and every
verdict's evidence, as raw numbers. ``benchmarks``, ``gate``, labels, environment,
warnings, artifacts and ``spend`` (what the measuring protocol spent) are the source of
truth read back by ``report_from_json``; ``regressions``, ``improvements``, ``counts``
and the top-level paths are summaries derived from them for readers (jq, dashboards) and
are ignored on reading.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from perfkit.errors import ResultsFormatError
from perfkit.ingest.jsonfile import read_json
from perfkit.model import Artifact, Comparison, GateDecision, Report, Spend, Verdict
from perfkit.report import ranking
from perfkit.report.codec import DecodeError, decode, encode
from perfkit.report.profile_paths import KEYS, first_profiled, profile_paths
from perfkit.report.renderer import Samples, register

SCHEMA = "perfkit-report"
VERSION = 1


def _benchmark(c: Comparison) -> dict[str, Any]:
    return {**encode(c), "change_percent": encode(c.change_percent)}


def _float(x: float | None) -> Any:
    return x if type(x) is float and x - x == 0.0 else encode(x)


def _summary(c: Comparison) -> dict[str, Any]:
    """A regression or improvement as the guide lists it, with its interval and profiles
    (each value encoded as ``encode`` would, the common ones inline)."""
    ev = c.evidence
    return {
        "benchmark_name": c.name,
        "change_percent": _float(c.change_percent),
        "severity": encode(c.severity),
        "ratio": _float(ev.ratio) if ev else None,
        "ci_low": _float(ev.ci_low) if ev else None,
        "ci_high": _float(ev.ci_high) if ev else None,
        "ci_low_percent": _float((ev.ci_low - 1) * 100) if ev else None,
        "ci_high_percent": _float((ev.ci_high - 1) * 100) if ev else None,
        "confidence": _float(ev.confidence) if ev else None,
        "p_adjusted": _float(ev.p_adjusted) if ev else None,
        "threshold": _float(ev.threshold) if ev else None,
        "direction": encode(c.direction),
        "unit": c.unit,
        **encode(profile_paths(c)),
        "top_frames": encode(c.top_frames),
        "memory": encode(c.memory),
    }


def report_to_dict(report: Report) -> dict[str, Any]:
    regressions = ranking.ranked_regressions(report)
    profiled = first_profiled(regressions)
    top_paths = profile_paths(profiled) if profiled else dict.fromkeys(KEYS)
    return {
        "schema": SCHEMA,
        "version": VERSION,
        "generated_at": report.generated_at,
        "base_label": report.base_label,
        "head_label": report.head_label,
        "performance_score": encode(report.gate.score),
        "gate": encode(report.gate),
        "counts": {v.value: len(report.by_verdict(v)) for v in Verdict},
        "regressions": [_summary(c) for c in regressions],
        "improvements": [_summary(c) for c in ranking.ranked_improvements(report)],
        **top_paths,
        "benchmarks": [_benchmark(c) for c in report.comparisons],
        "environment_info": encode(report.environment_info),
        "warnings": list(report.warnings),
        "artifacts": encode(report.artifacts),
        # what perfkit's protocol spent (processes per side by benchmark, against the
        # budget); absent when the report's sides were not measured by it
        **({"spend": encode(report.spend)} if report.spend is not None else {}),
    }


# above this many benchmarks report.json is written without indentation: Python's
# indenting encoder is pure Python and would cost more than comparing them
INDENT_UP_TO = 2000


def dumps(report: Report) -> str:
    """Strict JSON (no NaN literals, ASCII with \\u escapes so any name survives), stable
    key order, one trailing newline; indented unless the report is large."""
    indent = 1 if len(report.comparisons) <= INDENT_UP_TO else None
    return json.dumps(report_to_dict(report), indent=indent, allow_nan=False) + "\n"


def report_from_dict(data: Any, where: str = "report") -> Report:
    """The Report a report.json dict describes; ResultsFormatError (one line) when it is
    not a perfkit report, has another version, or a field is missing or of the wrong type."""
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise ResultsFormatError(f'{where}: not a perfkit report (no "schema": {SCHEMA!r})')
    version = data.get("version")
    if type(version) is not int or version != VERSION:
        raise ResultsFormatError(
            f"{where}: unsupported report version {version!r} (this perfkit reads {VERSION})"
        )
    try:
        return Report(
            generated_at=decode(str, _get(data, "generated_at"), "generated_at"),
            base_label=decode(str, _get(data, "base_label"), "base_label"),
            head_label=decode(str, _get(data, "head_label"), "head_label"),
            comparisons=decode(tuple[Comparison, ...], _get(data, "benchmarks"), "benchmarks"),
            gate=decode(GateDecision, _get(data, "gate"), "gate"),
            environment_info=decode(
                dict[str, dict[str, str]], data.get("environment_info", {}), "environment_info"
            ),
            warnings=decode(tuple[str, ...], data.get("warnings", []), "warnings"),
            artifacts=decode(tuple[Artifact, ...], data.get("artifacts", []), "artifacts"),
            spend=decode(Spend | None, data.get("spend"), "spend"),
        )
    except DecodeError as exc:
        raise ResultsFormatError(f"{where}: malformed report: {exc}") from None


def _get(data: dict[str, Any], key: str) -> Any:
    if key not in data:
        raise DecodeError(f"missing field {key!r}")
    return data[key]


def report_from_json(path: Path) -> Report:
    """Read report.json (plain or gzip); every problem is one ResultsFormatError line."""
    return report_from_dict(read_json(path), str(path))


class JsonRenderer:
    name = "json"
    filename = "report.json"

    def render(self, report: Report, samples: Samples) -> str:
        return dumps(report)


register(JsonRenderer())
