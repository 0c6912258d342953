"""What changed lately: perfkit's change-point detection over the newest commits of
every series in the store.

The series are cut exactly as :func:`perfkit.history.series.analyse` cuts them (name x machine
x environment, split where the benchmark version changes, points with a finite median)
and handed to :func:`perfkit.history.changepoint.detect_many` with the same inputs (median,
IQR/1.349 as spread, sample count), but built with numpy from one sorted query instead
of a pandas group-by, so a thousand series take milliseconds to prepare.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from perfkit.history import changepoint
from perfkit.model import Direction

COLUMNS = (
    "name",
    "machine",
    "environment",
    "version",
    "commit",
    "order",
    "direction",
    "n",
    "median",
    "q25",
    "q75",
)


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
    """(start, stop, run, runs) of each series in rows sorted by name, machine,
    environment, order: a new series starts where the key or the version changes."""
    size = len(cols["order"])
    if size == 0:
        return []
    key_change = np.zeros(size, dtype=bool)
    version_change = np.zeros(size, dtype=bool)
    key_change[0] = True
    for c in ("name", "machine", "environment"):
        key_change[1:] |= cols[c][1:] != cols[c][:-1]
    version_change[1:] = (cols["version"][1:] != cols["version"][:-1]) & ~key_change[1:]
    starts = np.flatnonzero(key_change | version_change)
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


def label(cols: dict[str, np.ndarray], start: int, run: int, runs: int) -> str:
    """The series label :mod:`perfkit.history.series` prints (version runs numbered)."""
    name, machine, env = (str(cols[c][start]) for c in ("name", "machine", "environment"))
    where = " ".join(x for x in (machine, env) if x)
    text = f"{name} @ {where}" if where else name
    if runs > 1:
        text += f" [version {cols['version'][start] or '?'} ({run}/{runs})]"
    return text


def detect(cols: dict[str, np.ndarray], recent: set[int], options) -> list[Change]:
    """Change points of every series in ``cols`` that fall on a position in ``recent``."""
    need = changepoint.min_points(options.min_size)
    median = np.asarray(cols["median"], dtype=float)
    spread = (np.asarray(cols["q75"], dtype=float) - np.asarray(cols["q25"], dtype=float)) / 1.349
    counts = np.asarray(cols["n"], dtype=float).clip(min=1)
    inputs, places = [], []
    for start, stop, run, runs in series_bounds(cols):
        idx = np.arange(start, stop)[np.isfinite(median[start:stop])]
        if idx.size < need:
            continue
        inputs.append(
            changepoint.SeriesInput(
                values=median[idx],
                spreads=spread[idx],
                counts=counts[idx],
                direction=Direction(str(cols["direction"][start])),
                commits=tuple(str(c) for c in cols["commit"][idx]),
                name=label(cols, start, run, runs),
            )
        )
        places.append(idx)
    found = changepoint.detect_many(
        inputs,
        alpha=options.alpha,
        min_size=options.min_size,
        window=options.window,
        confidence=options.confidence,
        min_effect=options.min_effect,
    )
    out = []
    for item, idx, cps in zip(inputs, places, found, strict=True):
        for cp in cps:
            row = idx[cp.index]
            order = int(cols["order"][row])
            if order in recent:
                out.append(
                    Change(
                        item.name,
                        str(cols["name"][row]),
                        str(cols["machine"][row]),
                        str(cols["environment"][row]),
                        str(cp.commit),
                        order,
                        cp.ratio,
                        cp.ci_low,
                        cp.ci_high,
                        cp.p_value,
                        str(cp.verdict),
                    )
                )
    return sorted(out, key=lambda c: (-c.order, c.series))
