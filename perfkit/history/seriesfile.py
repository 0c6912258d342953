"""Plain metric series from CSV or JSON, as a history table (see :mod:`perfkit.history.series`).

Like Otava's CSV import: rows are commits in history order, one column (CSV) or array
(JSON) per metric, and an optional ``commit`` column (else the row number is the commit
label); an optional ``date`` column is kept. JSON may be an object of equal-length arrays
(``{"commit": [...], "latency": [...]}``) or a list of records
(``[{"commit": "a1", "latency": 1.2}, ...]``). Empty cells are missing points.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from perfkit.errors import ResultsFormatError
from perfkit.history.series import no_gc

LABEL_COLUMNS = ("commit", "date")


def read_csv(path: Path | str) -> pd.DataFrame:
    path = Path(path)
    try:
        # low_memory=False: one pass, not chunks concatenated column by column (half the CPU)
        with no_gc():
            raw = pd.read_csv(path, dtype={"commit": str}, low_memory=False)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise ResultsFormatError(f"{path}: not a readable CSV file ({_first_line(exc)})") from None
    return to_history(raw, str(path))


def read_json(path: Path | str) -> pd.DataFrame:
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ResultsFormatError(f"{path}: not a readable JSON file ({_first_line(exc)})") from None
    if isinstance(data, dict):
        lengths = {len(v) if isinstance(v, list) else -1 for v in data.values()}
        if not data or -1 in lengths or len(lengths) != 1:
            raise ResultsFormatError(f"{path}: expected an object of equal-length arrays")
        raw = pd.DataFrame(data)
    elif isinstance(data, list) and data and all(isinstance(r, dict) for r in data):
        raw = pd.DataFrame.from_records(data)
    else:
        raise ResultsFormatError(f"{path}: expected an object of arrays or a list of records")
    if "commit" in raw.columns:
        raw["commit"] = raw["commit"].astype(str)
    return to_history(raw, str(path))


def to_history(raw: pd.DataFrame, source: str) -> pd.DataFrame:
    """Wide table (rows = commits, columns = metrics) -> tidy history rows."""
    positions = [i for i, c in enumerate(raw.columns) if str(c) not in LABEL_COLUMNS]
    metrics = [raw.columns[i] for i in positions]
    if raw.empty or not metrics:
        raise ResultsFormatError(f"{source}: no metric columns and rows to read")
    commits = raw["commit"] if "commit" in raw.columns else pd.Series(range(len(raw))).astype(str)
    if commits.duplicated().any():
        dup = commits[commits.duplicated()].iloc[0]
        raise ResultsFormatError(f"{source}: commit {dup!r} appears more than once")
    n, k = len(raw), len(metrics)
    values = np.empty((k, n))
    kinds = [dtype.kind for dtype in raw.dtypes]
    numeric = [i for i, at in enumerate(positions) if kinds[at] in "fiu"]
    if numeric:  # one block for every numeric column: no Series per metric
        at = [positions[i] for i in numeric]
        # contiguous columns (the usual layout) as a slice: no take per column
        cols = slice(at[0], at[-1] + 1) if at == list(range(at[0], at[-1] + 1)) else at
        block = raw.iloc[:, cols].to_numpy(float)
        values[numeric] = block.T
    for i, metric in enumerate(metrics):
        if kinds[positions[i]] in "fiu":
            continue
        column = raw.iloc[:, positions[i]]
        numbers = pd.to_numeric(column, errors="coerce")
        bad = column.notna() & numbers.isna()
        if bad.any():
            raise ResultsFormatError(
                f"{source}: metric {metric!r} row {int(bad.idxmax()) + 1}: not a number"
            )
        values[i] = numbers.to_numpy(float)
    # categoricals: a million-row table of repeated labels costs codes, not strings
    names = pd.Categorical.from_codes(np.repeat(np.arange(k), n), [str(m) for m in metrics])
    flat = values.ravel()
    out = pd.DataFrame(
        {
            "commit": pd.Categorical.from_codes(np.tile(np.arange(n), k), commits.astype(str)),
            "order": np.tile(np.arange(n), k),
            "date": np.tile(raw["date"].astype(str).to_numpy(), k) if "date" in raw.columns else "",
            "benchmark": names,
            "name": names,
            "parameters": _constant("", n * k),
            "machine": _constant("", n * k),
            "environment": _constant("", n * k),
            "unit": _constant("", n * k),
            "direction": _constant("lower_is_better", n * k),
            "version": _constant("", n * k),
            "n": 1,
            "median": flat,
            "q25": flat,
            "q75": flat,
            "min": flat,
            "max": flat,
            "error": _constant("", n * k),
        }
    )
    if not np.isfinite(flat).any():
        raise ResultsFormatError(f"{source}: no numeric values")
    out.attrs["skipped_commits"] = []
    return out


def _constant(text: str, size: int) -> pd.Categorical:
    return pd.Categorical.from_codes(np.zeros(size, dtype=np.int8), [text])


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
