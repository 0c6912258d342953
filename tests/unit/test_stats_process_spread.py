"""Issue 16: identical code whose processes spread symmetrically (memory-layout sensitive
kernels: 4-10 % between processes) must not be flagged far above the nominal rate.

Before the benchmark's own spread widened the disturbed width and the data could overrule
the prior, a fixed 10 % width kept each side's fast tail and a 3 % prior pulled a 6 %
spread back: identical code measured in one session was flagged 16-20 % of the time with
5 or 10 processes a side (tools/process_spread_sim.py, docs/statistics.md)."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from perfkit.model import BenchmarkKind, Measurement, Verdict
from perfkit.verdict.stats import compare

FLAGS = (Verdict.REGRESSION, Verdict.IMPROVEMENT)


def side(rng, runs: int, sd: float, session: str = "s", samples: int = 10) -> Measurement:
    """A process's level is log-normal around 1 with ``sd``; its samples add |N(0, 1 %)|."""
    values = tuple(
        tuple(math.exp(rng.normal(0, sd)) * np.exp(np.abs(rng.normal(0, 0.01, samples))))
        for _ in range(runs)
    )
    return Measurement(
        name="b",
        benchmark="b",
        kind=BenchmarkKind.TIME,
        unit="seconds",
        runs=values,
        runs_known=True,
        session=session,
    )


@pytest.mark.parametrize(("runs", "sd"), [(5, 0.06), (10, 0.06), (10, 0.10)])
def test_identical_code_with_a_wide_symmetric_process_spread_is_rarely_flagged(runs, sd):
    rng = np.random.default_rng(11)
    draws = 300
    flagged = sum(
        compare([side(rng, runs, sd)], [side(rng, runs, sd)])[0].verdict in FLAGS
        for _ in range(draws)
    )
    # about 6-9 % now (nominal 5 %), 16-20 % before
    assert flagged / draws <= 0.12


def test_a_wide_spread_still_lets_a_large_change_through():
    """The wider width and the data's own variance cost power only where the processes
    spread: a 1.5x slowdown of a benchmark with a 6 % process spread is still caught."""
    rng = np.random.default_rng(3)
    caught = sum(
        compare([side(rng, 10, 0.06)], [_scaled(side(rng, 10, 0.06), 1.5)])[0].verdict
        is Verdict.REGRESSION
        for _ in range(50)
    )
    assert caught >= 48


def _scaled(m: Measurement, factor: float) -> Measurement:
    return replace(m, runs=tuple(tuple(v * factor for v in run) for run in m.runs))


def test_the_make_perf_case_of_one_sample_processes_is_inconclusive():
    """Measured: a fresh clone's `make perf` on a quiet machine confirmed
    track_ns_per_load(level='L3') (one sample a process) 14.8 % "better" on identical
    workload code, the head's two slowest processes set aside as disturbed although they
    were within 1.25x of the others. Values of that shape (ns, 5 processes a side)."""

    def track(values, session):
        return Measurement(
            name="track_ns_per_load(level='L3')",
            benchmark="track_ns_per_load",
            kind=BenchmarkKind.TRACK,
            unit="ns",
            runs=tuple((v,) for v in values),
            runs_known=True,
            session=session,
        )

    base = track([22.5, 23.4, 24.0, 24.8, 25.6], "baseline")
    head = track([18.8, 19.6, 20.4, 24.2, 25.0], "head")
    (c,) = compare([base], [head])
    assert c.verdict is Verdict.INCONCLUSIVE
    assert c.evidence.n_head_runs == 5  # nothing set aside: the spread is the benchmark's
