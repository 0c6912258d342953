"""Plain metric series from CSV or JSON, as a history table (see :mod:`perfkit.history.series`).

Like Otava's CSV import: rows are commits in history order, one column (CSV) or array
(JSON) per metric, and an optional ``commit`` column (else the row number is the commit
label); an optional ``date`` column is kept. JSON may be an object of equal-length arrays
(``{"commit": [...], "latency": [...]}``) or a list of records
(``[{"commit": "a1", "latency": 1.2}, ...]``). Empty cells are missing points.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from perfkit.errors import ResultsFormatError

if TYPE_CHECKING:
    import pandas as pd

    from perfkit.history.series import Table

LABEL_COLUMNS = ("commit", "date")
# the texts pandas' read_csv reads as missing (its na_values defaults): a commit column
# holding one is left to pandas
PANDAS_NA = frozenset(
    [
        "#N/A",
        "#N/A N/A",
        "#NA",
        "-1.#IND",
        "-1.#QNAN",
        "-NaN",
        "-nan",
        "1.#IND",
        "1.#QNAN",
        "<NA>",
        "N/A",
        "NA",
        "NULL",
        "NaN",
        "None",
        "n/a",
        "nan",
        "null",
    ]
) | {""}


_NOT_PARSED = object()


def read_csv_table(
    path: Path | str, *, use_threads: bool = True, parsed: object = _NOT_PARSED
) -> Table | pd.DataFrame:
    """:func:`read_csv`'s history as a :class:`Table`, read without pandas (by pyarrow's
    multi-threaded CSV reader) when the file is plain: a header of distinct names, a
    ``commit`` column or none, no ``date`` column, every metric column read as numbers
    or empty. Any other file (and any error) is left to :func:`read_csv`, which gives
    the DataFrame (or its error). ``use_threads``: pyarrow parses on all cores (False:
    in the calling thread, when another thread has other work for the other cores).
    ``parsed``: what :func:`parse_plain_csv` gave for ``path`` (e.g. in another thread)."""
    path = Path(path)
    if parsed is _NOT_PARSED:
        parsed = parse_plain_csv(path, use_threads=use_threads)
    wide = None if parsed is None else _plain_columns(parsed)
    if wide is None:
        return read_csv(path)
    commits, metrics, values = wide
    return _table(commits, metrics, values, str(path))


def _read_plain_csv(
    path: Path, use_threads: bool = True
) -> tuple[list[str], list[str], np.ndarray] | None:
    """(commits, metric names, values (metrics x commits)) of a plain CSV file, or None
    when it is not one (see :func:`read_csv_table`) or pyarrow cannot read it."""
    parsed = parse_plain_csv(path, use_threads=use_threads)
    return None if parsed is None else _plain_columns(parsed)


def parse_plain_csv(path: Path | str, *, use_threads: bool = True):
    """The pyarrow table of a CSV file whose header is plain (see :func:`read_csv_table`),
    else None: the part of reading that runs without the GIL (pyarrow's parser), so that
    another thread can run Python meanwhile; :func:`read_csv_table` (``parsed=``) does
    the rest."""
    path = Path(path)
    try:
        import pyarrow as pa
        import pyarrow.csv as pacsv
    except ImportError:  # pragma: no cover - pyarrow is a dependency (the store)
        return None
    try:
        with path.open("rb") as f:
            first = f.readline()
        names = next(csv.reader([first.decode("utf-8")]))
    except (OSError, UnicodeDecodeError, csv.Error, StopIteration):
        return None
    if (
        first.startswith(b"\xef\xbb\xbf")  # a byte-order mark: pandas' handling
        or "date" in names
        or len(set(names)) != len(names)  # pandas renames duplicates
        or any(not n or n != n.strip() for n in names)
    ):
        return None
    # every metric column read as float64 (what an int64 or empty column would become):
    # inferring each column's type costs 0.07 s of the parse's 0.19 s on 1,000 x 1,000;
    # a column that is not numbers fails the parse, as it failed conversion before
    types = {name: pa.float64() for name in names}
    if "commit" in names:
        types["commit"] = pa.string()
    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(
                use_threads=use_threads, **_one_block(path, use_threads)
            ),
            convert_options=pacsv.ConvertOptions(column_types=types),
        )
    except (pa.ArrowException, OSError, ValueError):
        return None
    if table.num_rows == 0 or table.column_names != names or names == ["commit"]:
        return None
    return table


def _one_block(path: Path, use_threads: bool) -> dict[str, int]:
    """Read options for one block, so each column is one chunk (no concatenation per
    column afterwards), when the parse runs in one thread anyway."""
    if use_threads:
        return {}
    return {"block_size": min(max(path.stat().st_size + 1, 1 << 20), 1 << 30)}


def _plain_columns(table) -> tuple[list[str], list[str], np.ndarray] | None:
    """(commits, metric names, values (metrics x commits)) of a parsed plain CSV, or None
    when a metric column is not numbers or the commits are not plain labels."""
    import pyarrow as pa

    names = table.column_names
    metrics = [n for n in names if n != "commit"]
    values = np.empty((len(metrics), table.num_rows))
    for i, name in enumerate(metrics):
        column = _floats(table.column(name).combine_chunks(), pa)
        if column is None:
            return None
        values[i] = column
    if "commit" in names:
        commits = table.column("commit").to_pylist()
        if len(set(commits)) != len(commits) or any(c in PANDAS_NA for c in commits):
            return None  # duplicates: read_csv's error; missing: pandas reads "nan"
    else:
        commits = [str(i) for i in range(table.num_rows)]
    return commits, metrics, values


def _floats(array, pa) -> np.ndarray | None:
    """A pyarrow double array as float64 (null: NaN), straight from its buffers
    (``to_numpy`` imports pandas); None for any other type."""
    n = len(array)
    if not pa.types.is_float64(array.type):
        return None
    validity, data = array.buffers()
    out = np.frombuffer(data, dtype=np.float64, count=n, offset=8 * array.offset).copy()
    if array.null_count:
        bits = np.unpackbits(np.frombuffer(validity, dtype=np.uint8), bitorder="little")
        out[bits[array.offset : array.offset + n] == 0] = np.nan
    return out


def read_csv(path: Path | str) -> pd.DataFrame:
    import pandas as pd

    from perfkit.history.series import no_gc

    path = Path(path)
    try:
        # low_memory=False: one pass, not chunks concatenated column by column (half the CPU)
        with no_gc():
            raw = pd.read_csv(path, dtype={"commit": str}, low_memory=False)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise ResultsFormatError(f"{path}: not a readable CSV file ({_first_line(exc)})") from None
    return to_history(raw, str(path))


def read_json(path: Path | str) -> pd.DataFrame:
    import pandas as pd

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
    import pandas as pd

    positions = [i for i, c in enumerate(raw.columns) if str(c) not in LABEL_COLUMNS]
    metrics = [raw.columns[i] for i in positions]
    if raw.empty or not metrics:
        raise ResultsFormatError(f"{source}: no metric columns and rows to read")
    commits = raw["commit"] if "commit" in raw.columns else pd.Series(range(len(raw))).astype(str)
    missing = np.flatnonzero(commits.isna().to_numpy())
    if len(missing):  # an empty cell, or a text pandas reads as missing ("NA", "null", ...)
        raise ResultsFormatError(
            f"{source}: line {missing[0] + 2} has no commit (empty or a missing-value text "
            "such as NA): name every row's commit"
        )
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
    dates = raw["date"].astype(str).to_numpy() if "date" in raw.columns else None
    _check_values(values, source)
    return _frame(commits.astype(str).tolist(), metrics, values, dates)


def _check_values(values: np.ndarray, source: str) -> None:
    if not np.isfinite(values).any():
        raise ResultsFormatError(f"{source}: no numeric values")


def _table(commits: list[str], metrics: Sequence, values: np.ndarray, source: str) -> Table:
    """The history of a wide table (``values``: metrics x commits, no dates) as a
    :class:`Table`: the columns :func:`_frame` would hold, as codes and arrays."""
    from perfkit.history.series import Table, _Text

    _check_values(values, source)
    k, n = values.shape
    flat = values.ravel()
    blank = _Text(np.broadcast_to(np.int8(0), (n * k,)), np.asarray(["", "nan"], dtype=object))
    positions = np.tile(np.arange(n, dtype=np.int64), k)  # commit codes and history order
    text = {
        "commit": _Text(positions, np.asarray([*commits, "nan"], dtype=object)),
        "name": _Text(
            np.repeat(np.arange(k, dtype=np.int32), n),
            np.asarray([*(str(m) for m in metrics), "nan"], dtype=object),
        ),
        "machine": blank,
        "environment": blank,
        "unit": blank,
        "direction": _Text(blank.codes, np.asarray(["lower_is_better", "nan"], dtype=object)),
        "version": _Text(blank.codes, np.asarray(["", ""], dtype=object)),
    }
    numbers = {
        "order": positions,
        "n": np.broadcast_to(1.0, (n * k,)),  # one value, no million-row array
        "median": flat,
        "q25": flat,
        "q75": flat,
    }
    return Table(
        n * k,
        text,
        numbers,
        to_frame=lambda: _frame(commits, metrics, values, None),
        attrs={"skipped_commits": []},
        block=n,
    )


def _frame(
    commits: list[str], metrics: Sequence, values: np.ndarray, dates: np.ndarray | None
) -> pd.DataFrame:
    """The tidy history rows of a wide table (``values``: metrics x commits)."""
    import pandas as pd

    k, n = values.shape
    # categoricals: a million-row table of repeated labels costs codes, not strings
    names = pd.Categorical.from_codes(np.repeat(np.arange(k), n), [str(m) for m in metrics])
    flat = values.ravel()
    out = pd.DataFrame(
        {
            "commit": pd.Categorical.from_codes(np.tile(np.arange(n), k), commits),
            "order": np.tile(np.arange(n), k),
            "date": np.tile(dates, k) if dates is not None else "",
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
    out.attrs["skipped_commits"] = []
    return out


def _constant(text: str, size: int) -> pd.Categorical:
    import pandas as pd

    return pd.Categorical.from_codes(np.zeros(size, dtype=np.int8), [text])


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
