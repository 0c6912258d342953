"""pyperf JSON files and suites (``.json`` or ``.json.gz``): every run kept apart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from perfkit.errors import ResultsFormatError
from perfkit.ingest.jsonfile import check_name, check_value, shown
from perfkit.measure.environment import RELEVANT
from perfkit.model import BenchmarkKind, Measurement
from perfkit.verdict.direction import infer_direction

UNITS = {
    "second": ("seconds", BenchmarkKind.TIME),
    "byte": ("bytes", BenchmarkKind.MEM),
    "integer": ("count", BenchmarkKind.TRACK),
}


def sniff(data: Any) -> bool:
    """pyperf: a string version and benchmarks made of runs (or metadata), no pytest-benchmark keys."""
    if not (
        isinstance(data, dict) and "benchmarks" in data and isinstance(data.get("version"), str)
    ):
        return False
    if "machine_info" in data or "commit_info" in data:
        return False
    benches = data.get("benchmarks")
    return not (
        isinstance(benches, list)
        and benches
        and all(isinstance(b, dict) and ("stats" in b or "fullname" in b) for b in benches)
    )


def environment(data: dict[str, Any]) -> dict[str, str]:
    """The metadata pyperf collected (file-wide, completed by the first benchmark's)."""
    meta: dict[str, Any] = {}
    benches = data.get("benchmarks")
    if isinstance(benches, list) and benches and isinstance(benches[0], dict):
        first = benches[0].get("metadata")
        meta.update(first if isinstance(first, dict) else {})
    common = data.get("metadata")
    meta.update(common if isinstance(common, dict) else {})
    return {k: str(meta[k]) for k in RELEVANT if isinstance(meta.get(k), str | int | float)}


def _warmups_ok(run: dict[str, Any]) -> bool:
    warmups = run.get("warmups", [])
    return isinstance(warmups, list) and all(
        isinstance(w, list)
        and len(w) == 2
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in w)
        for w in warmups
    )


def _loops_ok(meta: dict[str, Any]) -> bool:
    loops = meta.get("loops", 1)
    return isinstance(loops, int) and not isinstance(loops, bool) and loops >= 1


def read(path: Path, data: Any, warnings: list[str] | None = None) -> list[Measurement]:
    warnings = [] if warnings is None else warnings
    if data.get("version") != "1.0":
        raise ResultsFormatError(
            f"{path}: unsupported pyperf format version {data.get('version')!r} (expected '1.0')"
        )
    common = data.get("metadata") or {}
    benches = data.get("benchmarks")
    if not isinstance(benches, list) or not benches:
        raise ResultsFormatError(f"{path}: the pyperf file holds no benchmarks")
    out, seen = [], set()
    for bench in benches:
        if not isinstance(bench, dict) or not isinstance(bench.get("runs"), list):
            raise ResultsFormatError(f"{path}: a pyperf benchmark has no list of runs")
        meta = {**common, **(bench.get("metadata") or {})}
        name = check_name(path, meta.get("name"))
        if name in seen:
            raise ResultsFormatError(f"{path}: pyperf benchmark {shown(name)!r} appears twice")
        seen.add(name)
        unit, kind = UNITS.get(meta.get("unit", "second"), (None, None))
        if unit is None:
            raise ResultsFormatError(
                f"{path}: {shown(name)}: unknown unit {meta.get('unit')!r} (pyperf)"
            )
        runs, odd_warmups, odd_loops = [], 0, 0 if _loops_ok(meta) else 1
        for run in bench["runs"]:
            values = run.get("values") if isinstance(run, dict) else None
            if isinstance(run, dict):
                odd_warmups += not _warmups_ok(run)
                odd_loops += not _loops_ok(run.get("metadata") or {})
            if values is None:  # calibration / warmup-only runs carry no values
                continue
            if not isinstance(values, list):
                raise ResultsFormatError(f"{path}: {shown(name)}: pyperf run values must be a list")
            runs.append(
                tuple(
                    check_value(path, name, v, positive=kind is not BenchmarkKind.TRACK)
                    for v in values
                )
            )
        if odd_warmups:
            warnings.append(
                f"pyperf: {path}: {shown(name)}: {odd_warmups} run(s) with malformed warmups (ignored)"
            )
        if odd_loops:
            warnings.append(
                f"pyperf: {path}: {shown(name)}: loops is not a positive integer (ignored: values are per loop)"
            )
        runs = [r for r in runs if r]
        common_fields = dict(
            name=name,
            benchmark=name,
            kind=kind,
            unit=unit,
            direction=infer_direction(kind, unit),
            source=str(path),
            commit=meta.get("commit_id") or meta.get("commit"),
        )
        if not runs:  # nothing measured: this benchmark is missing, the others stand
            out.append(Measurement(**common_fields))
            continue
        out.append(Measurement(**common_fields, runs=tuple(runs), runs_known=True))
    return out
