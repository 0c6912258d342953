"""What changed lately: perfkit's change-point detection over the newest commits of
every series in the store.

The series are cut exactly as :func:`perfkit.history.series.analyse` cuts them (name x machine
x environment, split where the benchmark version changes, points with a finite median)
and handed to :func:`perfkit.history.changepoint.detect_many` with the same inputs (median,
IQR/1.349 as spread, sample count), but built with numpy from one sorted query instead
of a pandas group-by, so a thousand series take milliseconds to prepare.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from perfkit.history import changepoint
from perfkit.model import Direction

# per row (sorted by name, machine, environment, order); the strings only where a series
# starts (null elsewhere), so 130,000 rows do not become 780,000 Python strings
NUMERIC = ("order", "n", "median", "q25", "q75", "new_key")
LABELS = ("name", "machine", "environment", "version", "direction")


def query(rows_sql: str) -> str:
    """The rows of ``rows_sql`` (a SELECT with at least the columns of ``LABELS`` and
    ``NUMERIC`` but ``new_key``) as :func:`detect` takes them once :func:`in_order` has
    sorted them: ``new_key`` (the name, machine or environment differs from the row
    before), the label columns only on rows that start a series (a new key, or a new
    version), named ``start_<column>``, and ``rank``, the row's place in the order.

    One sort (the window's): sorting the result again by the same keys cost DuckDB
    as much again, more than ordering it by ``rank`` in numpy."""
    key = ("name", "machine", "environment")
    new_key = " OR ".join(f'"{c}" IS DISTINCT FROM lag("{c}") OVER w' for c in key)
    sort = ", ".join(f'"{c}"' for c in (*key, "order"))
    numeric = ", ".join(f'"{c}"' for c in NUMERIC)
    labels = ", ".join(
        f'CASE WHEN new_key OR new_version THEN "{c}" END AS "start_{c}"' for c in LABELS
    )
    return (
        f'SELECT {numeric}, {labels}, "rank" FROM ('
        f"SELECT *, ({new_key}) AS new_key, "
        f'"version" IS DISTINCT FROM lag("version") OVER w AS new_version, '
        f'row_number() OVER w AS "rank" '
        f"FROM ({rows_sql}) WINDOW w AS (ORDER BY {sort}))"
    )


def in_order(found: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The columns of :func:`query` sorted by ``rank`` (1..N, each once)."""
    rank = np.asarray(found["rank"], dtype=np.int64)
    perm = np.empty(rank.size, dtype=np.int64)
    perm[rank - 1] = np.arange(rank.size)
    return {c: v[perm] for c, v in found.items() if c != "rank"}


@dataclass(frozen=True)
class Change:
    """A change point found in the newest commits of one series."""

    series: str  # as perfkit history labels it
    name: str
    machine: str
    environment: str
    commit: str
    order: int
    ratio: float  # after / before
    ci_low: float
    ci_high: float
    p_value: float
    verdict: str  # regression or improvement (direction-aware)


def series_bounds(cols: dict[str, np.ndarray]) -> list[tuple[int, int, int, int]]:
    """(start, stop, run, runs) of each series in rows of :func:`query`: a new series
    starts where the key changes or, within a key, the version (run ``run`` of ``runs``)."""
    size = len(cols["order"])
    if size == 0:
        return []
    key_change = np.asarray(cols["new_key"], dtype=bool)
    starts = np.flatnonzero(_present(cols["start_name"]))
    stops = np.append(starts[1:], size)
    key_starts = np.flatnonzero(key_change)
    runs_per_key = np.diff(np.append(np.searchsorted(starts, key_starts), len(starts)))
    out = []
    k = -1
    run = 0
    for start, stop in zip(starts.tolist(), stops.tolist(), strict=True):
        if key_change[start]:
            k += 1
            run = 1
        else:
            run += 1
        out.append((start, stop, run, int(runs_per_key[k])))
    return out


def _present(column: np.ndarray) -> np.ndarray:
    """Rows where a (possibly masked, or None-holding) string column has a value."""
    if isinstance(column, np.ma.MaskedArray):
        return ~np.ma.getmaskarray(column)
    return np.array([v is not None for v in column], dtype=bool)


def label(cols: dict[str, np.ndarray], start: int, run: int, runs: int) -> str:
    """The series label :mod:`perfkit.history.series` prints (version runs numbered)."""
    name, machine, env = (
        str(cols[f"start_{c}"][start]) for c in ("name", "machine", "environment")
    )
    where = " ".join(x for x in (machine, env) if x)
    text = f"{name} @ {where}" if where else name
    if runs > 1:
        text += f" [version {cols['start_version'][start] or '?'} ({run}/{runs})]"
    return text


def detect(
    cols: dict[str, np.ndarray], recent: set[int], commits: Mapping[int, str], options
) -> list[Change]:
    """Change points of every series in ``cols`` (rows of :func:`query`) that fall on a
    position in ``recent``; ``commits`` names the commit at each position."""
    need = changepoint.min_points(options.min_size)
    median = np.asarray(cols["median"], dtype=float)
    spread = (np.asarray(cols["q75"], dtype=float) - np.asarray(cols["q25"], dtype=float)) / 1.349
    counts = np.asarray(cols["n"], dtype=float).clip(min=1)
    orders = np.asarray(cols["order"])
    inputs, places, starts = [], [], []
    for start, stop, run, runs in series_bounds(cols):
        idx = np.arange(start, stop)[np.isfinite(median[start:stop])]
        if idx.size < need:
            continue
        inputs.append(
            changepoint.SeriesInput(
                values=median[idx],
                spreads=spread[idx],
                counts=counts[idx],
                direction=Direction(str(cols["start_direction"][start])),
                name=label(cols, start, run, runs),
            )
        )
        places.append(idx)
        starts.append(start)
    found = changepoint.detect_many(
        inputs,
        alpha=options.alpha,
        min_size=options.min_size,
        window=options.window,
        confidence=options.confidence,
        min_effect=options.min_effect,
    )
    out = []
    for item, idx, start, cps in zip(inputs, places, starts, found, strict=True):
        for cp in cps:
            order = int(orders[idx[cp.index]])
            if order in recent:
                out.append(
                    Change(
                        item.name,
                        *(
                            str(cols[f"start_{c}"][start])
                            for c in ("name", "machine", "environment")
                        ),
                        commits[order],
                        order,
                        cp.ratio,
                        cp.ci_low,
                        cp.ci_high,
                        cp.p_value,
                        str(cp.verdict),
                    )
                )
    return sorted(out, key=lambda c: (-c.order, c.series))
