"""pytest-benchmark JSON (``--benchmark-json``/``--benchmark-save``, raw data required)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from perfkit.errors import ResultsFormatError
from perfkit.ingest.jsonfile import check_name, check_value, shown
from perfkit.model import BenchmarkKind, Direction, Measurement

KNOWN_MAJOR = ("3", "4", "5")  # pytest-benchmark versions whose file layout this reader knows
SUMMARY = ("min", "max", "mean", "median")


def sniff(data: Any) -> bool:
    """machine_info, or (without it) the layout only pytest-benchmark writes: entries with
    ``fullname``/``stats`` or the top-level ``commit_info``/``datetime``."""
    if not isinstance(data, dict) or "benchmarks" not in data:
        return False
    if "machine_info" in data or "commit_info" in data:
        return True
    benches = data.get("benchmarks")
    return isinstance(benches, list) and any(
        isinstance(b, dict) and ("stats" in b or "fullname" in b) for b in benches
    )


def environment(data: dict[str, Any]) -> dict[str, str]:
    info = data.get("machine_info")
    if not isinstance(info, dict):
        return {}
    cpu = info.get("cpu") if isinstance(info.get("cpu"), dict) else {}
    pairs = {
        "hostname": info.get("node"),
        "cpu_model_name": cpu.get("brand_raw") or cpu.get("brand"),
        "cpu_count": cpu.get("count"),
        "python_version": info.get("python_version"),
        "python_implementation": info.get("python_implementation"),
        "arch": info.get("machine"),
        "platform": " ".join(str(info[k]) for k in ("system", "release") if info.get(k)) or None,
    }
    return {
        k: str(v) for k, v in pairs.items() if isinstance(v, str | int | float) and str(v).strip()
    }


def _checks(path: Path, data: dict[str, Any], warnings: list[str]) -> None:
    version = data.get("version")
    if not isinstance(version, str) or version.split(".")[0] not in KNOWN_MAJOR:
        warnings.append(
            f"pytest-benchmark: {path}: unknown file version {version!r} "
            f"(read as {'/'.join(KNOWN_MAJOR)}.x)"
        )
    if "machine_info" not in data:
        warnings.append(f"pytest-benchmark: {path}: no machine_info (machine unknown)")


def read(path: Path, data: Any, warnings: list[str] | None = None) -> list[Measurement]:
    warnings = [] if warnings is None else warnings
    benches = data.get("benchmarks")
    if not isinstance(benches, list) or not benches:
        raise ResultsFormatError(f"{path}: the pytest-benchmark file holds no benchmarks")
    _checks(path, data, warnings)
    commit = (
        (data.get("commit_info") or {}).get("id")
        if isinstance(data.get("commit_info"), dict)
        else None
    )
    out, seen = [], set()
    for bench in benches:
        if not isinstance(bench, dict):
            raise ResultsFormatError(f"{path}: a pytest-benchmark entry is not an object")
        name = check_name(path, bench.get("fullname") or bench.get("name"))
        if name in seen:
            raise ResultsFormatError(
                f"{path}: pytest-benchmark benchmark {shown(name)!r} appears twice"
            )
        seen.add(name)
        stats = bench.get("stats")
        if not isinstance(stats, dict):
            raise ResultsFormatError(
                f"{path}: {shown(name)}: pytest-benchmark stats are "
                f"{'missing' if stats is None else type(stats).__name__ + ', not an object'}"
            )
        samples = stats.get("data")
        if not isinstance(samples, list):
            raise ResultsFormatError(
                f"{path}: {shown(name)}: no raw samples (save with --benchmark-save-data)"
            )
        common = dict(
            name=name,
            benchmark=name,
            kind=BenchmarkKind.TIME,
            unit="seconds",
            direction=Direction.LOWER_IS_BETTER,
            source=str(path),
            commit=commit,
        )
        if not samples:  # nothing measured: this benchmark is missing, the others stand
            out.append(Measurement(**common))
            continue
        values = tuple(check_value(path, name, v) for v in samples)
        rounds = stats.get("rounds")
        if rounds is not None and rounds != len(values):
            warnings.append(
                f"pytest-benchmark: {path}: {shown(name)}: stats.rounds {rounds!r} but "
                f"{len(values)} samples in data (the samples are used)"
            )
        odd = [
            k
            for k in SUMMARY
            if k in stats and (isinstance(stats[k], bool) or not isinstance(stats[k], int | float))
        ]
        if odd:
            warnings.append(
                f"pytest-benchmark: {path}: {shown(name)}: stats {', '.join(odd)} not numbers "
                f"(ignored: the samples are used)"
            )
        out.append(Measurement(**common, runs=(values,), runs_known=False))
    return out
