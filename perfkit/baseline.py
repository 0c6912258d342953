"""Stored baselines: one human-readable, versioned JSON file per (baseline name, machine).

The file keeps the raw samples of every process so later comparisons can use the same
statistics as a live run. One benchmark per line keeps pull-request diffs reviewable.
The same format stores any measured run (``perfkit run`` writes base.json / head.json).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from perfkit.atomic import write_text_atomic
from perfkit.errors import BaselineError, ResultsFormatError
from perfkit.model import Baseline, BenchmarkKind, Direction, Measurement

SCHEMA = "perfkit-baseline"
VERSION = 1
DEFAULT_DIR = Path("baselines")
_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


@dataclass(frozen=True)
class BaselineInfo:
    name: str
    machine: str
    commit: str | None
    created_at: str
    benchmarks: int
    path: Path


def check_name(name: str, what: str = "baseline name") -> str:
    if not _SAFE.match(name):
        raise BaselineError(
            f"invalid {what} {name!r}: use letters, digits, '.', '_' or '-' (max 100)"
        )
    return name


def safe_machine(machine: str) -> str:
    """A file-name-safe form of an asv machine name (hostnames may hold anything)."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]", "_", machine).strip("._-")
    return cleaned[:100] or "unknown-machine"


def path_for(name: str, machine: str, directory: Path = DEFAULT_DIR) -> Path:
    return directory / f"{check_name(name)}--{safe_machine(machine)}.json"


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _measurement_to_dict(m: Measurement) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "benchmark": m.benchmark,
        "kind": m.kind.value,
        "unit": m.unit,
        "direction": m.direction.value,
        "params": [list(p) for p in m.params],
        "version": m.version,
        "runs": [list(run) for run in m.runs],
        "runs_known": m.runs_known,
    }
    for key in ("error", "environment", "started_at", "session"):
        value = getattr(m, key)
        if value not in (None, False):
            entry[key] = value
    if m.skipped:
        entry["skipped"] = True
    if m.calibration:
        entry["calibration"] = [list(c) for c in m.calibration]
    return entry


def dumps(baseline: Baseline) -> str:
    """JSON text: header fields indented, then one benchmark per line (sorted by name)."""
    header = {
        "schema": SCHEMA,
        "version": VERSION,
        "name": baseline.name,
        "machine": baseline.machine,
        "commit": baseline.commit,
        "created_at": baseline.created_at,
        "environment_info": baseline.environment_info,
    }
    head = json.dumps(header, indent=2, sort_keys=False)[:-2]  # drop "\n}"
    rows = [
        f"    {json.dumps(m.name)}: {json.dumps(_measurement_to_dict(m), allow_nan=False)}"
        for m in sorted(baseline.measurements, key=lambda m: m.name)
    ]
    body = ",\n".join(rows)
    return f'{head},\n  "benchmarks": {{\n{body}\n  }}\n}}\n'


def _measurement_from_dict(
    name: str, entry: dict[str, Any], baseline: dict[str, Any], source: str
) -> Measurement:
    runs = tuple(tuple(float(x) for x in run) for run in entry["runs"])
    # timings and sizes are positive (0 is a broken measurement); a count may be 0
    zero_ok = entry.get("kind") in (BenchmarkKind.TRACK.value, BenchmarkKind.OTHER.value)
    for run in runs:
        for x in run:
            if not x >= 0 or x == float("inf") or (x == 0 and not zero_ok):
                raise ValueError(f"benchmark {name!r} has an invalid sample {x!r}")
    return Measurement(
        name=name,
        benchmark=str(entry["benchmark"]),
        kind=BenchmarkKind(entry["kind"]),
        unit=str(entry["unit"]),
        direction=Direction(entry.get("direction", Direction.LOWER_IS_BETTER.value)),
        params=tuple((str(k), str(v)) for k, v in entry.get("params", [])),
        runs=runs,
        runs_known=bool(entry.get("runs_known", False)),
        commit=baseline.get("commit"),
        machine=baseline.get("machine"),
        environment=entry.get("environment"),
        started_at=entry.get("started_at"),
        version=entry.get("version"),
        source=source,
        error=entry.get("error"),
        skipped=bool(entry.get("skipped", False)),
        session=entry.get("session"),
        calibration=_calibration(entry.get("calibration"), runs),
    )


def _calibration(raw: Any, runs: tuple[tuple[float, ...], ...]) -> tuple[tuple[float, ...], ...]:
    """The calibration readings stored with a benchmark's runs, or () when they are absent
    or do not match the runs (an older or edited file: its samples are judged without)."""
    try:
        cal = tuple(tuple(float(x) for x in c) for c in raw)
    except (TypeError, ValueError):
        return ()
    if len(cal) != len(runs) or any(
        len(c) not in (0, len(r)) for c, r in zip(cal, runs, strict=True)
    ):
        return ()
    if not all(0 < x < float("inf") for c in cal for x in c):
        return ()
    return cal


def loads(text: str, source: str) -> Baseline:
    """Parse a baseline file; any defect is one ResultsFormatError naming the file."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ResultsFormatError(
            f"{source}: truncated or invalid JSON at line {exc.lineno} column {exc.colno}"
        ) from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise ResultsFormatError(f"{source}: not a perfkit baseline file (schema {SCHEMA!r})")
    if data.get("version") != VERSION:
        raise ResultsFormatError(
            f"{source}: unsupported baseline version {data.get('version')!r} (expected {VERSION})"
        )
    try:
        measurements = tuple(
            _measurement_from_dict(name, entry, data, source)
            for name, entry in data["benchmarks"].items()
        )
        return Baseline(
            name=str(data["name"]),
            machine=str(data["machine"]),
            commit=data.get("commit"),
            created_at=str(data["created_at"]),
            measurements=measurements,
            environment_info=dict(data.get("environment_info") or {}),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        what = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)
        raise ResultsFormatError(f"{source}: malformed baseline: {what}") from None


def is_baseline_file(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return f'"schema": "{SCHEMA}"'.encode() in fh.read(200)
    except OSError:
        return False


def read(path: Path) -> Baseline:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BaselineError(f"{path}: no such baseline file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BaselineError(f"{path}: cannot read ({exc})") from None
    if not text.strip():
        raise ResultsFormatError(f"{path}: empty file")
    return loads(text, str(path))


STALE_TMP = 3600.0  # seconds: a temporary file this old is left over from a killed save


def clean_stale_temporaries(
    directory: Path, *, older_than: float = STALE_TMP, now: float | None = None
) -> list[Path]:
    """Remove ``.NAME.json.*.tmp`` files an interrupted save left behind (older than an
    hour, so a save running right now keeps its own); returns what was removed."""
    now = time.time() if now is None else now
    removed = []
    for tmp in directory.glob(".*.json.*.tmp") if directory.is_dir() else ():
        try:
            if tmp.is_file() and now - tmp.stat().st_mtime > older_than:
                tmp.unlink()
                removed.append(tmp)
        except OSError:
            continue  # another process removed or renamed it meanwhile
    return removed


def save(baseline: Baseline, directory: Path = DEFAULT_DIR) -> Path:
    if not baseline.measurements:
        raise BaselineError(f"baseline {baseline.name!r} has no benchmarks: nothing saved")
    path = write_text_atomic(path_for(baseline.name, baseline.machine, directory), dumps(baseline))
    clean_stale_temporaries(directory)
    return path


def build(
    name: str,
    machine: str,
    measurements: Sequence[Measurement],
    *,
    commit: str | None = None,
    environment_info: dict[str, str] | None = None,
) -> Baseline:
    check_name(name)
    return Baseline(
        name=name,
        machine=machine,
        commit=commit,
        created_at=now_iso(),
        measurements=tuple(measurements),
        environment_info=dict(environment_info or {}),
    )


def list_baselines(directory: Path = DEFAULT_DIR) -> list[BaselineInfo]:
    infos = []
    for path in sorted(directory.glob("*--*.json")):
        b = read(path)
        infos.append(
            BaselineInfo(b.name, b.machine, b.commit, b.created_at, len(b.measurements), path)
        )
    return infos


def find(name: str, machine: str, directory: Path = DEFAULT_DIR) -> tuple[Baseline, list[str]]:
    """The baseline ``name`` for ``machine``; else the only one of that name, with a warning."""
    exact = path_for(name, machine, directory)
    if exact.exists():
        return read(exact), []
    others = sorted(directory.glob(f"{check_name(name)}--*.json"))
    if len(others) == 1:
        b = read(others[0])
        return b, [
            f"baseline {name!r} was taken on machine {b.machine!r}, this is {machine!r}: "
            "timings from different machines differ for reasons other than the code"
        ]
    if not others:
        raise BaselineError(
            f"no baseline named {name!r} in {directory}/ (create it with `perfkit baseline save {name}`)"
        )
    machines = ", ".join(p.stem.split("--", 1)[1] for p in others)
    raise BaselineError(f"no baseline {name!r} for machine {machine!r}; it exists for: {machines}")
