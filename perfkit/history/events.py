"""Shifts shared by many series: one event per commit instead of one line per series.

A runner, compiler or Python change moves many benchmarks at the same commit; reported
series by series it looks like dozens of code changes. :func:`group` gathers the change
points of a :class:`perfkit.history.series.HistoryResult` by commit (a change point one commit
off joins its neighbour's group: locations are right to within one place most of the
time) and turns every group of at least ``min_series`` series that chance does not
explain (change points of unrelated series falling on commits at random: a Poisson
count, ``EVENT_ALPHA`` shared over the commits) into a :class:`ShiftEvent`: the commit, how many series moved (and how many were measured
there), their median ratio, which suites, and whether it looks like an environment
change rather than code:

* what asv recorded about the machine or Python (cpu, os, arch, ram, python) changed at
  that commit on a machine of the event; or
* unrelated benchmarks moved together: at least ``ENV_SUITES`` suites (or every suite
  of the history, when it has 2) and at least ``ENV_FRACTION`` of the series measured
  at that commit.

Each series keeps its own verdict (the events only point at them).
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from perfkit.history.series import env_key
from perfkit.model import ChangePoint, Verdict

MIN_SERIES = 3
EVENT_ALPHA = 0.001
ENV_SUITES = 3
ENV_FRACTION = 0.5


@dataclass(frozen=True)
class ShiftEvent:
    commit: str
    order: int
    series: tuple[str, ...]  # labels of the series that changed here
    measured: int  # series with a result at this commit
    median_ratio: float
    regressions: int
    improvements: int
    suites: tuple[str, ...]
    machines: tuple[str, ...]
    environment_change: bool
    reasons: tuple[str, ...]

    @property
    def size(self) -> int:
        return len(self.series)


def suite(name: str) -> str:
    """The suite of a benchmark: its first dotted component (asv's module)."""
    return name.split(".", 1)[0] if "." in name else name


def group(result, min_series: int = MIN_SERIES) -> tuple[ShiftEvent, ...]:
    """Events (largest first) from ``result`` (a HistoryResult)."""
    members: dict[int, list[tuple[object, ChangePoint]]] = defaultdict(list)
    commit_at: dict[int, str] = {}
    for s in result.series:
        for cp in s.change_points:
            order = s.orders[cp.index]
            members[order].append((s, cp))
            commit_at[order] = str(cp.commit)
    clusters = _clusters({o: len(v) for o, v in members.items()})
    measured = _measured(result)
    positions_measured = int(np.count_nonzero(measured))
    total = sum(len(v) for v in members.values())
    # chance: change points of independent series fall on commits at random; a cluster
    # spans up to 3 commits (+-1), so a count is shared only if Poisson(3 x background
    # change points / commits) reaches it with probability <= EVENT_ALPHA / commits
    needed = _needed(clusters, members, total, positions_measured, min_series)
    info = result.environment_info  # asv results only: no table to build for plain series
    positions = _positions(result.frame) if info else {}
    total_suites = len({suite(s.name or s.series) for s in result.series})
    events = []
    for centre, orders in clusters.items():
        rows = [r for o in orders for r in members[o]]
        if len({s.series for s, _ in rows}) < needed:
            continue
        events.append(
            _event(centre, commit_at[centre], rows, measured, info, positions, total_suites)
        )
    return tuple(sorted(events, key=lambda e: (-e.size, e.order)))


def _needed(clusters, members, total: int, positions: int, min_series: int) -> int:
    """Series a cluster needs to beat chance. The background rate leaves out the clusters
    already found shared (one 100-series shift must not hide the 10-series ones), until
    nothing changes."""
    sizes = sorted(
        (sum(len(members[o]) for o in orders) for orders in clusters.values()), reverse=True
    )
    tail = EVENT_ALPHA / max(positions, 1)
    background = total
    for _ in range(len(sizes) + 1):
        needed = max(min_series, _poisson_quantile(3.0 * background / max(positions, 1), tail))
        shared = sum(size for size in sizes if size >= needed)
        if total - shared == background:
            break
        background = total - shared
    return needed


def _poisson_quantile(rate: float, tail: float) -> int:
    """Smallest k with P(Poisson(rate) >= k) <= tail."""
    if rate <= 0.0:
        return 1
    k, pmf, cdf = 0, math.exp(-rate), 0.0
    while 1.0 - cdf > tail and k < 100_000:
        cdf += pmf
        k += 1
        pmf *= rate / k
    return k


def _clusters(counts: Mapping[int, int]) -> dict[int, list[int]]:
    """Each order joins a neighbour (+-1) with more change points, biggest first."""
    owner: dict[int, int] = {}
    for o in sorted(counts, key=lambda o: (-counts[o], o)):
        if o in owner:
            continue
        owner[o] = o
        for near in (o - 1, o + 1):
            if near in counts and near not in owner and counts[near] <= counts[o]:
                owner[near] = o
    out: dict[int, list[int]] = defaultdict(list)
    for o, centre in owner.items():
        out[centre].append(o)
    return out


def _measured(result) -> np.ndarray:
    if getattr(result, "measured", None) is not None:  # counted by analyse, from arrays
        return result.measured
    orders = [np.asarray(s.orders, dtype=np.int64) for s in result.series if s.orders]
    if not orders:
        return np.zeros(0, np.int64)
    return np.bincount(np.concatenate(orders))


def _positions(frame) -> dict[str, int]:
    pairs = frame[["commit", "order"]].drop_duplicates("commit")
    return dict(zip(pairs["commit"].astype(str), pairs["order"].astype(int), strict=True))


def _event(centre, commit, rows, measured, info, positions, total_suites) -> ShiftEvent:
    ratios = [cp.ratio for _, cp in rows if math.isfinite(cp.ratio) and cp.ratio > 0]
    suites = tuple(sorted({suite(s.name or s.series) for s, _ in rows}))
    machines = tuple(sorted({s.machine for s, _ in rows if s.machine}))
    envs = tuple(sorted({env_key(s.machine, s.environment) for s, _ in rows}))
    n_measured = int(measured[centre]) if centre < measured.size else len(rows)
    labels = tuple(sorted({s.series for s, _ in rows}))
    reasons = list(_info_changes(commit, envs, info, positions))
    unrelated = len(suites) >= 2 and len(suites) >= min(ENV_SUITES, total_suites)
    if unrelated and len(labels) >= ENV_FRACTION * max(n_measured, 1):
        reasons.append(
            f"{len(labels)} of {n_measured} measured series in {len(suites)} suites moved together"
        )
    return ShiftEvent(
        commit=commit,
        order=centre,
        series=labels,
        measured=max(n_measured, len(labels)),
        median_ratio=statistics.median(ratios) if ratios else math.nan,
        regressions=sum(cp.verdict is Verdict.REGRESSION for _, cp in rows),
        improvements=sum(cp.verdict is Verdict.IMPROVEMENT for _, cp in rows),
        suites=suites,
        machines=machines,
        environment_change=bool(reasons),
        reasons=tuple(reasons),
    )


def _info_changes(
    commit: str, machines: tuple[str, ...], info: Mapping, positions: Mapping[str, int]
) -> list[str]:
    """Machines whose recorded machine/Python info differs from their previous commit."""
    if not info or commit not in info:
        return []
    out = []
    for machine in machines:
        now = info[commit].get(machine)
        before = _previous(info, positions, commit, machine)
        if now is not None and before is not None and now != before:
            old, new = dict(_pairs(before)), dict(_pairs(now))
            diff = [
                f"{k} {old.get(k, '?')} -> {new.get(k, '?')}"
                for k in sorted(set(old) | set(new))
                if old.get(k) != new.get(k)
            ]
            out.append(f"{machine}: {'; '.join(diff)}")
    return out


def _pairs(text: str) -> list[tuple[str, str]]:
    return [tuple(p.split("=", 1)) for p in text.split(", ") if "=" in p]  # type: ignore[misc]


def _previous(info: Mapping, positions: Mapping[str, int], commit: str, machine: str) -> str | None:
    here = positions.get(commit)
    if here is None:
        return None
    best, value = -1, None
    for c, machines in info.items():
        if machine not in machines:
            continue
        pos = positions.get(c, -1)
        if best < pos < here:
            best, value = pos, machines[machine]
    return value
