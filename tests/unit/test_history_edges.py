"""Steps within the first and the last few points of a series (issue 17): reported with a
p-value and marked provisional; noise-only series get such a step at most at the
documented rate."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perfkit.history import changepoint
from perfkit.history import report as historyreport
from perfkit.history.changepoint import SeriesInput, detect, detect_many
from perfkit.model import Verdict

ALPHA = changepoint.DEFAULT_ALPHA
EDGE = changepoint.provisional_below()  # 2 * min_size: the first / newest commits


def _noise(kind: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """Log-scale noise, CV about 2 %; Student t (3 df) clipped at +-0.25 (a 2x step,
    log 2 = 0.69, then stands clear of every baseline point, as the property needs)."""
    if kind == "gaussian":
        return 0.02 * rng.standard_normal(n)
    return np.clip(0.02 * rng.standard_t(3, n), -0.25, 0.25)


def _with_step(kind: str, n: int, at: int, factor: float, seed: int) -> np.ndarray:
    x = np.exp(_noise(kind, n, np.random.default_rng(seed)))
    x[at:] *= factor
    return x


# derandomized: the same 60 cases every run. About 1 in 4,000 random cases fails, by
# design: a false change point of the search (rate <= alpha) within 19 points of a step at
# the first 3 points leaves it too short a baseline to reach alpha (found by a 4,000-case
# run of this property; docs/history.md "The oldest commits").
@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    seed=st.integers(0, 2**32 - 1),
    stable=st.integers(100, 300),
    few=st.sampled_from([2, 3]),
    end=st.sampled_from(["first", "last"]),
    factor=st.sampled_from([2.0, 0.5]),
    kind=st.sampled_from(["gaussian", "t3"]),
)
def test_2x_step_within_the_first_or_last_few_points_is_reported(
    seed, stable, few, end, factor, kind
):
    """A 2x step (up or down) with only 2-3 points on one side of it, after or before
    100-300 stable points: one change point exactly there, p <= alpha, provisional. (A
    false change point elsewhere in the stable part is allowed, at most at the search's
    rate alpha: 1 of 2,000 such series had one, 27 commits away.)"""
    n = stable + few
    at = few if end == "first" else stable
    x = _with_step(kind, n, at, factor, seed)
    cps = detect(x)
    (cp,) = [c for c in cps if abs(c.index - at) < EDGE]
    assert cp.index == at
    assert cp.p_value <= ALPHA
    assert cp.provisional
    assert (cp.points_after == few) if end == "last" else (cp.points_after == stable)
    assert cp.verdict is (Verdict.REGRESSION if factor > 1 else Verdict.IMPROVEMENT)
    assert abs(np.log(cp.ratio / factor)) < 0.15  # after/before, forwards at both ends
    assert cp.ci_low <= cp.ratio <= cp.ci_high
    side = "before" if end == "first" else "after"
    assert historyreport.provisional_note(cp) == f"provisional: {few} point(s) {side}"


@pytest.mark.parametrize("end", ["first", "last"])
def test_one_point_is_never_enough_and_a_short_baseline_needs_three(end):
    """One point at either end cannot reach alpha for a rank test (best p 2/(N+1)); with
    only 30 stable points 2 cannot either (best 2/C(32, 2) > alpha/2), 3 can."""
    for few, stable, found in ((1, 100, False), (2, 30, False), (3, 30, True)):
        n = stable + few
        at = few if end == "first" else stable
        x = _with_step("gaussian", n, at, 3.0, seed=few)
        cps = detect(x)
        assert bool(cps) is found, (few, stable, cps)
        if found:
            assert cps[0].index == at and cps[0].provisional


def test_step_at_the_first_points_is_found_next_to_a_later_change_point():
    x = _with_step("gaussian", 150, 3, 2.0, seed=3)
    x[80:] *= 1.5
    cps = detect(x)
    assert [c.index for c in cps] == [3, 80]
    assert cps[0].provisional and not cps[1].provisional


@pytest.mark.parametrize("kind", ["gaussian", "t3"])
def test_noise_only_series_rarely_get_a_step_at_either_end(kind):
    """10,000 noise-only series of 100 commits (Gaussian, or Student t with 3 df, heavy
    tails unclipped): a change point among the first 2*min_size commits, and among the
    newest, each at most at the documented rate 2 * alpha (the edge test's alpha, the
    search's alpha anywhere); 35 of 10,000 allows for binomial spread
    (P(Binomial(10^4, 0.002) >= 36) < 0.001)."""
    rng = np.random.default_rng(77 if kind == "gaussian" else 78)
    n, count = 100, 10_000
    noise = rng.standard_normal if kind == "gaussian" else lambda s: rng.standard_t(3, s)
    x = 1.0 + 0.02 * noise((count, n))
    found = detect_many([SeriesInput(row) for row in x])
    at_first = sum(any(c.index < EDGE for c in cps) for cps in found)
    at_newest = sum(any(c.index >= n - EDGE for c in cps) for cps in found)
    assert at_first <= 35, at_first
    assert at_newest <= 35, at_newest
