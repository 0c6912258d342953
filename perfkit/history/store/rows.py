"""Measurements as store rows: one Arrow row per measurement, samples summarised.

The summary is the one :mod:`perfkit.history.series` computes (``n`` and the 0/25/50/75/100th
percentiles of the pooled samples, linear interpolation): a measurement without samples
but with asv's own value is that value with ``n`` 1; a failed or skipped one is NaN with
``n`` 0 and its error. Percentiles are computed for all measurements with the same number
of samples at once (numpy along an axis), not one call per measurement.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from perfkit.ingest import asv as asv_ingest
from perfkit.ingest.jsonfile import read_json
from perfkit.model import BenchmarkKind, Direction, Measurement

SCHEMA = pa.schema(
    [
        ("benchmark", pa.string()),  # without parameters
        ("name", pa.string()),  # full name with parameter values
        ("parameters", pa.string()),  # "k=v, k2=v2"
        ("machine", pa.string()),
        ("environment", pa.string()),
        ("commit", pa.string()),  # full hash as the result file wrote it
        ("order", pa.int32()),  # position in the repository's history; null: not in it
        ("date", pa.string()),  # committer date (ISO) from git
        ("kind", pa.string()),
        ("unit", pa.string()),
        ("direction", pa.string()),
        ("version", pa.string()),
        ("n", pa.int32()),
        ("median", pa.float64()),
        ("q25", pa.float64()),
        ("q75", pa.float64()),
        ("min", pa.float64()),
        ("max", pa.float64()),
        ("error", pa.string()),
        ("started_at", pa.float64()),  # unix seconds; the latest run wins on duplicates
        ("source", pa.string()),  # result file, relative to the results directory
        ("source_hash", pa.string()),  # content hash of that file
        # the rest rebuilds the Measurement exactly (perfkit compare reads commits from here)
        ("seq", pa.int32()),  # position in its result file
        ("param_names", pa.list_(pa.string())),
        ("param_values", pa.list_(pa.string())),
        ("runs", pa.list_(pa.list_(pa.float64()))),  # the samples, per measuring process
        ("runs_known", pa.bool_()),
        ("value", pa.float64()),  # the tool's own summary
        ("skipped", pa.bool_()),
        ("session", pa.string()),
    ]
)
_QUANTILES = (0.0, 25.0, 50.0, 75.0, 100.0)


def summaries(measurements: Sequence[Measurement]) -> tuple[np.ndarray, np.ndarray]:
    """(n per measurement, array [len, 5] of min, q25, median, q75, max)."""
    count = len(measurements)
    q = np.full((count, 5), math.nan)
    n = np.zeros(count, dtype=np.int32)
    by_size: dict[int, list[int]] = {}
    samples: list[tuple[float, ...]] = []
    for i, m in enumerate(measurements):
        s = m.samples
        samples.append(s)
        if m.ok:
            by_size.setdefault(len(s), []).append(i)
        elif m.error is None and not m.skipped and m.value is not None:
            q[i, :] = float(m.value)
            n[i] = 1
    for size, idx in by_size.items():
        block = np.array([samples[i] for i in idx], dtype=float).reshape(len(idx), size)
        q[idx] = np.percentile(block, _QUANTILES, axis=1).T
        n[idx] = size
    return n, q


PER_FILE = ("commit", "order", "date", "source", "source_hash")
PER_ROW = tuple(f.name for f in SCHEMA if f.name not in PER_FILE)
Columns = dict[str, Any]  # PER_ROW column -> list or numpy array, all of one length
# reads one result file into (its commit, its rows' columns, what asv recorded about the
# machine and interpreter: env_info); raises ResultsFormatError
FileReader = Callable[[Path, dict[str, Any]], tuple[str, Columns, str]]


def read_asv(path: Path, benchmarks: dict[str, Any]) -> tuple[str, Columns, str]:
    """One asv result file through perfkit's asv reader (:mod:`perfkit.ingest.asv`)."""
    data = read_json(path)
    measurements = asv_ingest.read_result_file(path, benchmarks, data=data)
    return measurements[0].commit or "", columns(measurements), env_info(data)


def env_info(data: Any) -> str:
    """What asv recorded about the machine and interpreter, as perfkit history compares it
    (``attrs["environment_info"]`` of :func:`perfkit.history.series.load`)."""
    from perfkit.history.series import _env_info

    return _env_info(data) if isinstance(data, dict) else ""


def columns(measurements: Sequence[Measurement]) -> Columns:
    """The per-row columns of ``measurements`` (summaries as the module doc says)."""
    n, q = summaries(measurements)
    return {
        "benchmark": [m.benchmark for m in measurements],
        "name": [m.name for m in measurements],
        "parameters": [", ".join(f"{k}={v}" for k, v in m.params) for m in measurements],
        "machine": [m.machine or "" for m in measurements],
        "environment": [m.environment or "" for m in measurements],
        "kind": [str(m.kind) for m in measurements],
        "unit": [m.unit for m in measurements],
        "direction": [str(m.direction) for m in measurements],
        "version": [m.version or "" for m in measurements],
        "n": n,
        "median": q[:, 2],
        "q25": q[:, 1],
        "q75": q[:, 3],
        "min": q[:, 0],
        "max": q[:, 4],
        "error": [m.error or ("skipped" if m.skipped else "") for m in measurements],
        "started_at": [m.started_at for m in measurements],
        "seq": np.arange(len(measurements), dtype=np.int32),
        "param_names": [[k for k, _ in m.params] for m in measurements],
        "param_values": [[v for _, v in m.params] for m in measurements],
        "runs": [m.runs for m in measurements],
        "runs_known": [m.runs_known for m in measurements],
        "value": [m.value for m in measurements],
        "skipped": [m.skipped for m in measurements],
        "session": [m.session for m in measurements],
    }


MEASUREMENT_COLUMNS = (
    "name",
    "benchmark",
    "kind",
    "unit",
    "direction",
    "param_names",
    "param_values",
    "runs",
    "runs_known",
    "value",
    "commit",
    "machine",
    "environment",
    "started_at",
    "version",
    "error",
    "skipped",
    "session",
)


def measurements(cols: dict[str, list], source: str) -> list[Measurement]:
    """The Measurements of rows (``MEASUREMENT_COLUMNS`` as Python lists, in file order):
    exactly what :func:`perfkit.ingest.asv.read_result_file` gave for file ``source``."""
    out = []
    for i in range(len(cols["name"])):
        error = cols["error"][i]
        skipped = bool(cols["skipped"][i])
        out.append(
            Measurement(
                name=cols["name"][i],
                benchmark=cols["benchmark"][i],
                kind=BenchmarkKind(cols["kind"][i]),
                unit=cols["unit"][i],
                direction=Direction(cols["direction"][i]),
                params=tuple(zip(cols["param_names"][i], cols["param_values"][i], strict=True)),
                runs=tuple(tuple(run) for run in cols["runs"][i]),
                runs_known=bool(cols["runs_known"][i]),
                value=cols["value"][i],
                commit=cols["commit"][i] or None,
                machine=cols["machine"][i] or None,
                environment=cols["environment"][i] or None,
                started_at=cols["started_at"][i],
                version=cols["version"][i] or None,
                source=source,
                error=None if error == "" or (skipped and error == "skipped") else error,
                skipped=skipped,
                session=cols["session"][i],
            )
        )
    return out


def table(
    cols: Columns, *, commit: str, order: int | None, date: str, source: str, source_hash: str
) -> pa.Table:
    """Rows of one result file (one commit: ``commit`` is its full hash when resolved)."""
    size = len(cols["name"])
    full = {c: cols[c] for c in PER_ROW}
    for name, value in (
        ("commit", commit),
        ("order", order),
        ("date", date),
        ("source", source),
        ("source_hash", source_hash),
    ):
        full[name] = pa.repeat(pa.scalar(value, SCHEMA.field(name).type), size)
    return pa.table(full, schema=SCHEMA)
