"""asv result format 1 (asv 0.1-0.4, "version": 1), turned into format 2 for the reader.

Format 1 (still in many published histories) keeps one dict per field instead of
positional rows:

* ``results``: benchmark -> a bare number (asv 0.1/0.2: the result, no samples), ``null``
  (failed), or a dict ``{"result": value or list, "params": [[repr, ...], ...],
  "stats": dict or list of dicts, "samples": list or list of lists}`` (asv 0.3/0.4);
* ``started_at``, ``duration``, ``benchmark_version``: benchmark -> value (times in ms);
* ``env_name`` may be missing (asv derived it from ``python`` and ``requirements``).

:func:`to_v2` rebuilds the dict the way asv's own ``Results.update_to_2`` does (same
column names and order), so :mod:`perfkit.ingest.asv` reads both formats through one
path. Every defect is one ResultsFormatError line naming the file.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from perfkit.errors import ResultsFormatError

VERSION = 1
_STATS = (
    ("stats_ci_99_a", "ci_99", 0),
    ("stats_ci_99_b", "ci_99", 1),
    ("stats_q_25", "q_25", None),
    ("stats_q_75", "q_75", None),
    ("stats_number", "number", None),
    ("stats_repeat", "repeat", None),
)
COLUMNS = (
    "result",
    "params",
    "version",
    "started_at",
    "duration",
    *(c for c, _, _ in _STATS),
    "samples",
    "profile",
)


def sniff(data: Any) -> bool:
    """A format-1 asv result file (no ``result_columns``; ``version`` 1)."""
    return (
        isinstance(data, dict)
        and data.get("version") == VERSION
        and "results" in data
        and "result_columns" not in data
        and "commit_hash" in data
    )


def env_name(data: dict[str, Any]) -> str:
    """``env_name``, or asv's backward-compatible name from python and requirements."""
    if isinstance(data.get("env_name"), str):
        return data["env_name"]
    reqs = data.get("requirements") or {}
    parts = [f"py{data.get('python', '')}"]
    if isinstance(reqs, dict):
        parts += [f"{k}{v}" if v else str(k) for k, v in sorted(reqs.items())]
    return re.sub(r"[^\w.-]", "_", "-".join(parts))


def _field(path: Path, data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key) or {}
    if not isinstance(value, dict):
        raise ResultsFormatError(f"{path}: format 1 field {key!r} is not an object")
    return value


def _entry(path: Path, name: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        return {"result": [value], "params": [], "stats": None, "samples": None}
    if "result" not in value:
        raise ResultsFormatError(f"{path}: {name}: format 1 entry has no 'result'")
    out = dict(value)
    if not isinstance(out["result"], list):
        out["result"] = [out["result"]]
    if "stats" in out and out["stats"] is not None and not isinstance(out["stats"], list):
        out["stats"] = [out["stats"]]
    out.setdefault("stats", None)
    out.setdefault("samples", None)
    out["params"] = out.get("params") or []
    return out


def _stat(path: Path, name: str, stats: Any, key: str, index: int | None) -> Any:
    if stats is None:
        return None
    if not isinstance(stats, list):
        raise ResultsFormatError(f"{path}: {name}: stats must be a list")
    values = []
    for s in stats:
        if s is None:
            values.append(None)
            continue
        if not isinstance(s, dict):
            raise ResultsFormatError(f"{path}: {name}: stats entries must be objects")
        v = s.get(key)
        if index is not None:
            v = v[index] if isinstance(v, list) and len(v) > index else None
        values.append(v)
    return None if all(v is None for v in values) else values


def to_v2(path: Path, data: dict[str, Any]) -> dict[str, Any]:
    """The format-2 dict equivalent to format-1 ``data`` (asv's own migration)."""
    results = data.get("results")
    if not isinstance(results, dict):
        raise ResultsFormatError(f"{path}: format 1 'results' is not an object")
    started = _field(path, data, "started_at")
    duration = _field(path, data, "duration")
    version = _field(path, data, "benchmark_version")
    profiles = _field(path, data, "profiles")
    rows: dict[str, list[Any]] = {}
    for name in sorted(results):
        entry = _entry(path, name, results[name])
        samples = entry["samples"]
        if isinstance(samples, list) and all(s is None for s in samples):
            samples = None
        row = [
            entry["result"],
            entry["params"],
            version.get(name),
            started.get(name),
            duration.get(name),
            *(_stat(path, name, entry["stats"], key, i) for _, key, i in _STATS),
            samples,
            profiles.get(name),
        ]
        if isinstance(row[0], list) and all(v is None for v in row[0]):
            row[0] = None
        while row and row[-1] is None:
            row.pop()
        rows[name] = row
    out = {
        k: v
        for k, v in data.items()
        if k not in ("results", "started_at", "duration", "benchmark_version", "profiles")
    }
    out.update(env_name=env_name(data), result_columns=list(COLUMNS), results=rows, version=2)
    return out
