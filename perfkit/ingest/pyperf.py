"""pyperf JSON files and suites (``.json`` or ``.json.gz``): every run kept apart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from perfkit.direction import infer_direction
from perfkit.errors import ResultsFormatError
from perfkit.ingest.jsonfile import check_name, check_value
from perfkit.model import BenchmarkKind, Measurement

UNITS = {"second": ("seconds", BenchmarkKind.TIME), "byte": ("bytes", BenchmarkKind.MEM),
         "integer": ("count", BenchmarkKind.TRACK)}  # fmt: skip


def sniff(data: Any) -> bool:
    return isinstance(data, dict) and "benchmarks" in data and isinstance(data.get("version"), str) \
        and "machine_info" not in data


def read(path: Path, data: Any) -> list[Measurement]:
    if data.get("version") != "1.0":
        raise ResultsFormatError(f"{path}: unsupported pyperf format version {data.get('version')!r} (expected '1.0')")
    common = data.get("metadata") or {}
    benches = data.get("benchmarks")
    if not isinstance(benches, list) or not benches:
        raise ResultsFormatError(f"{path}: the pyperf file holds no benchmarks")
    out, seen = [], set()
    for bench in benches:
        if not isinstance(bench, dict) or not isinstance(bench.get("runs"), list):
            raise ResultsFormatError(f"{path}: a benchmark has no list of runs")
        meta = {**common, **(bench.get("metadata") or {})}
        name = check_name(path, meta.get("name"))
        if name in seen:
            raise ResultsFormatError(f"{path}: benchmark {name!r} appears twice")
        seen.add(name)
        unit, kind = UNITS.get(meta.get("unit", "second"), (None, None))
        if unit is None:
            raise ResultsFormatError(f"{path}: {name}: unknown unit {meta.get('unit')!r}")
        runs = []
        for run in bench["runs"]:
            values = run.get("values") if isinstance(run, dict) else None
            if values is None:  # calibration / warmup-only runs carry no values
                continue
            if not isinstance(values, list):
                raise ResultsFormatError(f"{path}: {name}: run values must be a list")
            runs.append(tuple(check_value(path, name, v) for v in values))
        runs = [r for r in runs if r]
        if not runs:
            raise ResultsFormatError(f"{path}: {name}: no run has values")
        out.append(Measurement(name=name, benchmark=name, kind=kind, unit=unit,
                               direction=infer_direction(kind, unit), runs=tuple(runs),
                               runs_known=True, source=str(path),
                               commit=meta.get("commit_id") or meta.get("commit")))  # fmt: skip
    return out
