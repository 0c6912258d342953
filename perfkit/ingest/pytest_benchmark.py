"""pytest-benchmark JSON (``--benchmark-json``/``--benchmark-save``, raw data required)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from perfkit.errors import ResultsFormatError
from perfkit.ingest.jsonfile import check_name, check_value
from perfkit.model import BenchmarkKind, Direction, Measurement


def sniff(data: Any) -> bool:
    return isinstance(data, dict) and "benchmarks" in data and "machine_info" in data


def read(path: Path, data: Any) -> list[Measurement]:
    benches = data.get("benchmarks")
    if not isinstance(benches, list) or not benches:
        raise ResultsFormatError(f"{path}: the pytest-benchmark file holds no benchmarks")
    commit = (data.get("commit_info") or {}).get("id")
    out, seen = [], set()
    for bench in benches:
        if not isinstance(bench, dict):
            raise ResultsFormatError(f"{path}: a benchmark entry is not an object")
        name = check_name(path, bench.get("fullname") or bench.get("name"))
        if name in seen:
            raise ResultsFormatError(f"{path}: benchmark {name!r} appears twice")
        seen.add(name)
        stats = bench.get("stats")
        samples = stats.get("data") if isinstance(stats, dict) else None
        if not isinstance(samples, list) or not samples:
            raise ResultsFormatError(f"{path}: {name}: no raw samples (save with --benchmark-save-data)")
        values = tuple(check_value(path, name, v) for v in samples)
        out.append(Measurement(name=name, benchmark=name, kind=BenchmarkKind.TIME, unit="seconds",
                               direction=Direction.LOWER_IS_BETTER, runs=(values,),
                               runs_known=False, source=str(path), commit=commit))  # fmt: skip
    return out
