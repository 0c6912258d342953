"""Rank binary segmentation: the numba kernels behind :mod:`perfkit.history.changepoint`.

A series ``x`` (one location estimate per commit, in commit order) with weights ``w`` is
searched for change points in two stages, both of which must pass at level ``alpha``:

1. **Search** (binary segmentation). In a segment of length ``L`` the commits are ranked
   (ties averaged), the centred ranks are weighted, ``a_i = w_i (r_i - r_w)``, and for every
   split ``k`` in ``[m, L - m]`` the permutation-standardised CUSUM
   ``T_k = |sum_{i<k} a_i| / sqrt(k (L - k) / (L (L - 1)) * sum a_i^2)`` is formed. Under
   "no change" (the commits' values exchangeable) ``max_k T_k`` is distribution-free up to
   the weights; its tail is the standardised Brownian bridge's, taken from the
   Siegmund approximation with the discreteness correction ``nu`` (``tail_p``). Checked
   by simulation to be conservative for ranks (true level 0.0003-0.0009 at 0.001).
2. **Local confirmation**. Around a candidate, windows of up to ``W`` commits on each side
   (never crossing a neighbouring change point) are detrended by a slope estimated
   robustly (Theil-Sen on within-side pairs, from windows of up to ``3 W``) and compared
   by a Mann-Whitney test. A slow drift moves a long segment's rank CUSUM but not the
   detrended local comparison, so a "step" that the drift explains is rejected here.

Candidates are then re-located on the segment between their neighbours and the weakest
is removed while its p-value (the larger of the two stages) exceeds ``alpha``. Under
exchangeable noise no change point is reported unless the first search test rejects, so
the probability of any false change point in a series is at most ``alpha``.

The step is estimated by Hodges-Lehmann (median of all right-minus-left differences of
the detrended windows) with the Moses distribution-free confidence interval.
"""

from __future__ import annotations

import importlib
import math
import os
import sys

import numpy as np

from perfkit import gcpause


def _import_numba():
    """``import numba``, without the two imports it makes only in case: scipy, imported
    to check its version (30 ms; the kernels use no scipy, and a later ``import scipy``
    is unaffected), and yaml, used only to read a ``.numba_config.yaml`` file (15 ms;
    imported when there is one in the current directory). The collector is paused
    meanwhile, and what the import made is then left out of its passes (``gc.freeze``):
    numba's few hundred modules live as long as the process, and passes over them cost
    about 0.04 s of a ``perfkit history`` run."""
    if "numba" in sys.modules:
        return sys.modules["numba"]
    hide = ["scipy"] + ([] if os.path.exists(".numba_config.yaml") else ["yaml"])
    hide = [name for name in hide if name not in sys.modules]
    for name in hide:
        sys.modules[name] = None  # type: ignore[assignment]  # import -> ImportError
    try:
        with gcpause.paused():
            return importlib.import_module("numba")
    finally:
        for name in hide:
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]
        gcpause.settle()


nb = _import_numba()

_SQRT2 = math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)

# columns of the per-change-point output table (COL_EDGE: 1 if found by the newest-commit
# test, :func:`newest_step`, 2 if by the same test at the oldest commits, :func:`_with_oldest`,
# 0 if by the search)
COL_INDEX, COL_P, COL_DELTA, COL_LOW, COL_HIGH, COL_LEVEL, COL_EDGE = range(7)
N_COLS = 7
EDGE_BASELINE = 100  # most points before the newest ones that the newest-commit test uses

_CACHE_DISABLED: list[str] = []


def _njit(*args, **kwargs):
    """``numba.njit(cache=True)``, falling back to no caching when numba finds no writable
    cache directory (read-only HOME and source tree): slower start, never a crash."""

    def wrap(func):
        try:
            return nb.njit(cache=True, **kwargs)(func)
        except RuntimeError:  # "cannot cache function ...: no locator available"
            _CACHE_DISABLED.append(func.__name__)
            return nb.njit(cache=False, **kwargs)(func)

    return wrap(args[0]) if args and callable(args[0]) else wrap


def cache_state() -> str:
    """ "warm" (compiled kernels on disk, newer than this file), "cold" (the first call
    compiles them) or "disabled" (no writable cache: every process compiles)."""
    if _CACHE_DISABLED:
        return "disabled"
    try:
        index = segment_many._cache._cache_file._index_path
        if os.path.getmtime(index) >= os.path.getmtime(__file__):
            return "warm"
    except (AttributeError, OSError):
        pass
    return "cold"


@_njit
def normal_sf(z: float) -> float:
    return 0.5 * math.erfc(z / _SQRT2)


@_njit
def _nu(x: float) -> float:
    """Siegmund's overshoot correction for a Gaussian random walk (approximation)."""
    if x < 1e-9:
        return 1.0
    h = 0.5 * x
    cdf = 1.0 - normal_sf(h)
    pdf = _INV_SQRT_2PI * math.exp(-0.5 * h * h)
    return (2.0 / x) * (cdf - 0.5) / (h * cdf + pdf)


@_njit
def tail_p(b: float, length: int, m: int) -> float:
    """P(max_{m<=k<=L-m} T_k >= b) under no change (two-sided, conservative)."""
    if b <= 0.0:
        return 1.0
    acc = 0.0
    for k in range(m, length - m):
        d = 0.5 * math.log((k + 1.0) * (length - k) / (k * (length - k - 1.0)))
        acc += _nu(b * math.sqrt(2.0 * d)) * d
    p = 2.0 * normal_sf(b) + 2.0 * b * _INV_SQRT_2PI * math.exp(-0.5 * b * b) * acc
    return min(p, 1.0)


@_njit
def ranks(x: np.ndarray) -> np.ndarray:
    """Ranks 1..n with ties given their average rank."""
    n = x.size
    order = np.argsort(x, kind="mergesort")
    r = np.empty(n)
    i = 0
    while i < n:
        j = i
        while j + 1 < n and x[order[j + 1]] == x[order[i]]:
            j += 1
        avg = 0.5 * (i + j) + 1.0
        for t in range(i, j + 1):
            r[order[t]] = avg
        i = j + 1
    return r


@_njit
def noise_scale(x: np.ndarray) -> float:
    """Robust commit-to-commit noise: 1.4826 MAD of successive differences / sqrt(2)."""
    if x.size < 3:
        return 0.0
    d = np.diff(x)
    return 1.4826 * np.median(np.abs(d - np.median(d))) / math.sqrt(2.0)


@_njit
def _scores(x: np.ndarray, w: np.ndarray, a: int, b: int) -> np.ndarray:
    r = ranks(x[a:b])
    ww = w[a:b]
    centre = (ww * r).sum() / ww.sum()
    return ww * (r - centre)


@_njit
def _best_split(s: np.ndarray, m: int, lo: int, hi: int) -> tuple[int, float]:
    """Split k in [lo, hi] (k = size of the left part) maximising the standardised CUSUM."""
    n = s.size
    ss = (s * s).sum()
    if ss <= 0.0 or lo > hi:
        return -1, 0.0
    c = 0.0
    best_k, best = -1, -1.0
    for k in range(1, hi + 1):
        c += s[k - 1]
        if k >= lo:
            t = abs(c) / math.sqrt(k * (n - k) / (n * (n - 1.0)) * ss)
            if t > best:
                best, best_k = t, k
    return best_k, best


@_njit
def _slope(x: np.ndarray, a: int, cp: int, b: int) -> float:
    """Theil-Sen slope from pairs within [a, cp) and within [cp, b) (never across cp)."""
    nl, nr = cp - a, b - cp
    slopes = np.empty(nl * (nl - 1) // 2 + nr * (nr - 1) // 2)
    t = 0
    for lo, hi in ((a, cp), (cp, b)):
        for i in range(lo, hi):
            for j in range(i + 1, hi):
                slopes[t] = (x[j] - x[i]) / (j - i)
                t += 1
    if t == 0:
        return 0.0
    return np.median(slopes[:t])


@_njit
def _detrended(x: np.ndarray, lo: int, c: int, hi: int, window: int) -> tuple[int, int, np.ndarray]:
    """Window ``[a, b)`` of up to ``window`` commits each side of ``c`` within ``[lo, hi)``,
    minus a robust local slope (Theil-Sen on within-side pairs of windows up to 3x wider)."""
    a, b = max(lo, c - window), min(hi, c + window)
    slope = _slope(x, max(lo, c - 3 * window), c, min(hi, c + 3 * window))
    y = np.empty(b - a)
    for i in range(a, b):
        y[i - a] = x[i] - slope * (i - c)
    return a, b, y


@_njit
def step_estimate(
    x: np.ndarray, lo: int, cp: int, hi: int, window: int, z_conf: float
) -> tuple[float, float, float, float]:
    """(delta, low, high, level_before) of the step at ``cp`` on the detrended window:
    Hodges-Lehmann shift (median of right-minus-left differences), its Moses interval,
    and the median level just before the step."""
    a, b, y = _detrended(x, lo, cp, hi, window)
    n1, n2 = cp - a, b - cp
    diffs = np.empty(n1 * n2)
    t = 0
    for i in range(n1):
        for j in range(n2):
            diffs[t] = y[n1 + j] - y[i]
            t += 1
    diffs.sort()
    c = int(math.floor(0.5 * n1 * n2 - z_conf * math.sqrt(n1 * n2 * (n1 + n2 + 1.0) / 12.0)))
    c = min(max(c, 0), diffs.size - 1)
    return np.median(diffs), diffs[c], diffs[diffs.size - 1 - c], np.median(y[:n1])


@_njit
def _t_loss(r: np.ndarray) -> np.ndarray:
    """Negative log-likelihood of a Student t with 3 degrees of freedom (up to constants)."""
    return 2.0 * np.log1p(r * r / 3.0)


@_njit
def _t_split(y: np.ndarray, k: int, m: int, scale: float) -> int:
    """With the levels either side of ``k`` fixed (medians), the split in ``[m, n - m]``
    that maximises a Student-t (df 3) likelihood; twice, re-estimating the levels."""
    n = y.size
    for _ in range(2):
        left, right = np.median(y[:k]), np.median(y[k:])
        gain = _t_loss((y - right) / scale) - _t_loss((y - left) / scale)
        total = gain[n - m :].sum()  # cost of splitting at j is const + sum(gain[j:])
        best, k = total, n - m
        for j in range(n - m - 1, m - 1, -1):
            total += gain[j]
            if total < best:
                best, k = total, j
    return k


@_njit
def _relocate(
    x: np.ndarray, w: np.ndarray, lo: int, c: int, hi: int, m: int, window: int, scale: float
) -> int:
    """Best split near ``c`` within the detrended window ``c +- window``.

    First the rank CUSUM's best split; then the Student-t likelihood's with the levels
    held fixed: heavy-tailed enough that outliers do not pull the location, close to
    least squares otherwise (measured: +3-4 points of location accuracy over ranks).
    """
    a, b, y = _detrended(x, lo, c, hi, window)
    if b - a < 2 * m:
        return c
    k, _ = _best_split(_scores(y, w[a:b], 0, b - a), m, m, b - a - m)
    if k < 0:
        return c
    return a + (k if scale <= 0.0 else _t_split(y, k, m, scale))


@_njit
def _local_p(x: np.ndarray, w: np.ndarray, lo: int, cp: int, hi: int, m: int, window: int) -> float:
    """Drift-corrected local test: the rank CUSUM of the detrended window around ``cp``
    at ``cp``, judged by the tail of its maximum over the window (the location was
    chosen in that window, so a single-split p-value would be too small)."""
    a, b, y = _detrended(x, lo, cp, hi, window)
    s = _scores(y, w[a:b], 0, b - a)
    n, k = b - a, cp - a
    ss = (s * s).sum()
    if ss <= 0.0 or k < 1 or k >= n:
        return 1.0
    stat = abs(s[:k].sum()) / math.sqrt(k * (n - k) / (n * (n - 1.0)) * ss)
    return tail_p(stat, n, min(m, k, n - k))


@_njit
def _assess(
    x: np.ndarray,
    w: np.ndarray,
    lo: int,
    c: int,
    hi: int,
    m: int,
    window: int,
    scale: float,
    min_effect: float,
) -> tuple[int, float]:
    """Re-locate candidate ``c`` between neighbours ``lo``/``hi``; return (index, local p).

    A step smaller than ``min_effect * scale`` gets p = 1 (never reported, however
    significant).
    """
    if hi - lo < 2 * m:
        return c, 1.0
    cp = _relocate(x, w, lo, c, hi, m, window, scale)
    if cp - lo < m or hi - cp < m:
        return c, 1.0
    delta = step_estimate(x, lo, cp, hi, window, 1.96)[0]
    if abs(delta) < min_effect * scale:
        return cp, 1.0
    return cp, _local_p(x, w, lo, cp, hi, m, window)


@_njit
def _binary_segmentation(
    x: np.ndarray, w: np.ndarray, lo: int, hi: int, m: int, alpha: float
) -> np.ndarray:
    """Every split of ``[lo, hi)`` whose segment test rejects at ``alpha``, recursively."""
    cands = np.empty(hi - lo + 1, np.int64)
    nc = 0
    stack = np.empty((hi - lo + 2, 2), np.int64)
    stack[0, 0], stack[0, 1] = lo, hi
    top = 1
    while top > 0:
        top -= 1
        a, b = stack[top, 0], stack[top, 1]
        if b - a < 2 * m:
            continue
        k, stat = _best_split(_scores(x, w, a, b), m, m, b - a - m)
        if k < 0 or tail_p(stat, b - a, m) > alpha:
            continue
        cands[nc] = a + k
        nc += 1
        stack[top, 0], stack[top, 1] = a, a + k
        stack[top + 1, 0], stack[top + 1, 1] = a + k, b
        top += 2
    return cands[:nc]


@_njit
def _window_search(x: np.ndarray, w: np.ndarray, m: int, alpha: float, window: int) -> np.ndarray:
    """Best split of each window of ``2 * window`` commits (overlapping by half) whose
    test rejects at ``alpha`` shared among the windows (Bonferroni)."""
    n, span = x.size, 2 * window
    if n <= span:
        return np.empty(0, np.int64)
    starts = np.append(np.arange(0, n - span, window), n - span)
    cands = np.empty(starts.size, np.int64)
    nc = 0
    for a in starts:
        k, stat = _best_split(_scores(x, w, a, a + span), m, m, span - m)
        if k >= 0 and tail_p(stat, span, m) <= alpha / starts.size:
            cands[nc] = a + k
            nc += 1
    return cands[:nc]


@_njit
def _distinct(cands: np.ndarray, m: int) -> np.ndarray:
    """Sorted candidates, dropping any closer than ``m`` to the one kept before it."""
    c = np.unique(cands)
    keep = np.ones(c.size, np.bool_)
    last = -(1 << 40)
    for i in range(c.size):
        if c[i] - last < m:
            keep[i] = False
        else:
            last = c[i]
    return c[keep]


@_njit
def _prune(
    x: np.ndarray,
    w: np.ndarray,
    cands: np.ndarray,
    m: int,
    alpha: float,
    window: int,
    scale: float,
    min_effect: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Re-locate every candidate between its neighbours, then remove the weakest while
    its local p-value, Bonferroni-adjusted over the candidates, exceeds ``alpha``."""
    cps = cands.copy()
    n, nc = x.size, cps.size
    examined = max(nc, 1)
    pv = np.ones(nc)
    for j in range(nc):  # left to right with the current neighbours
        lo = 0 if j == 0 else cps[j - 1]
        hi = n if j == nc - 1 else cps[j + 1]
        cps[j], p = _assess(x, w, lo, cps[j], hi, m, window, scale, min_effect)
        pv[j] = min(p * examined, 1.0)
    while nc > 0:
        worst = np.argmax(pv[:nc])
        if pv[worst] <= alpha:
            break
        cps[worst : nc - 1] = cps[worst + 1 : nc].copy()
        pv[worst : nc - 1] = pv[worst + 1 : nc].copy()
        nc -= 1
        for j in (worst - 1, worst):
            if 0 <= j < nc:
                lo = 0 if j == 0 else cps[j - 1]
                hi = n if j == nc - 1 else cps[j + 1]
                cps[j], p = _assess(x, w, lo, cps[j], hi, m, window, scale, min_effect)
                pv[j] = min(p * examined, 1.0)
    return cps[:nc], pv[:nc]


@_njit
def _top_p(base: np.ndarray, new: np.ndarray) -> float:
    """Exact two-sided p-value that the ``j`` newest points are all this extreme.

    Up: ``K`` = points of the pool (base + new) at or above the lowest new point; under
    exchangeability the new points are a random j-subset of the pool, so
    ``P(all in the top K) = C(K, j) / C(N + j, j)`` (ties counted against the test)."""
    j, total = new.size, base.size + new.size
    lo_new, hi_new = new.min(), new.max()
    k_up = j + (base >= lo_new).sum()
    k_down = j + (base <= hi_new).sum()
    p_up, p_down = 1.0, 1.0
    for i in range(j):
        p_up *= (k_up - i) / (total - i)
        p_down *= (k_down - i) / (total - i)
    return min(1.0, 2.0 * min(p_up, p_down))


@_njit
def _edge_shares(sizes: np.ndarray, alpha: float) -> np.ndarray:
    """Level for each number of newest points j = 1..J (0 = not tested), fixed by the
    baseline sizes alone (never by the values): the smallest j whose best possible p-value
    fits within alpha/2 gets alpha/2, the larger ones share the other half (Bonferroni).
    """
    big_j = sizes.size
    shares = np.zeros(big_j)
    first = -1
    for jj in range(big_j):
        j = jj + 1
        best = 2.0
        for i in range(j):
            best *= (j - i) / (sizes[jj] + j - i)
        if sizes[jj] >= 2 and best <= 0.5 * alpha:
            first = jj
            break
    if first < 0:
        return shares
    rest = big_j - first - 1
    shares[first] = alpha if rest == 0 else 0.5 * alpha
    for jj in range(first + 1, big_j):
        shares[jj] = 0.5 * alpha / rest
    return shares


@_njit
def _abs_dev(y: np.ndarray) -> float:
    """Sum of absolute deviations from the median."""
    return np.abs(y - np.median(y)).sum()


@_njit
def newest_step(
    x: np.ndarray,
    lo: int,
    m: int,
    alpha: float,
    window: int,
    z_conf: float,
    min_effect: float,
    scale: float,
) -> np.ndarray:
    """A step in the newest ``j < 2m`` points of ``x[lo:]``, which the search cannot see
    (it needs ``m`` points on each side and a window's worth of evidence).

    For each j the newest j points are compared with up to ``EDGE_BASELINE`` points
    before them by :func:`_top_p`, raw and after removing a robust slope fitted on the
    baseline alone (a drift makes the newest points extreme without any step); both must
    reject at the level :func:`_edge_shares` gives j, and the step (Hodges-Lehmann) must
    reach ``min_effect * scale``. Of the j that pass, the one whose two levels fit best
    (least absolute deviations from each side's median, over the same points) marks the
    step's start. Under
    exchangeable noise the probability of a report is at most ``alpha``.

    Returns one COL_* row (COL_P is the Bonferroni-adjusted p-value), or an empty table.
    """
    n = x.size
    big_j = min(2 * m - 1, n - lo - 2)
    out = np.empty((0, N_COLS))
    if big_j < 1:
        return out
    sizes = np.empty(big_j, np.int64)
    for jj in range(big_j):
        sizes[jj] = min(EDGE_BASELINE, n - lo - (jj + 1))
    shares = _edge_shares(sizes, alpha)
    a = max(lo, n - big_j - EDGE_BASELINE)
    slope = _slope(x, a, n - big_j, n - big_j)
    best_j, best_cost, best_p = -1, np.inf, 1.0
    a0 = max(lo, n - EDGE_BASELINE)
    for jj in range(big_j):
        if shares[jj] <= 0.0:
            continue
        j = jj + 1
        cp = n - j
        b0 = cp - sizes[jj]
        p_raw = _top_p(x[b0:cp], x[cp:n])
        y = x[b0:n] - slope * (np.arange(b0, n) - cp)
        p_det = _top_p(y[: cp - b0], y[cp - b0 :])
        p = max(p_raw, p_det)
        if p > shares[jj] or cp <= a0:
            continue
        # of the j that pass, the best two-level fit marks the start (the smallest
        # p-value would not: two extreme newest points make a longer run of slightly
        # high ones look even less likely, moving the start several commits early)
        cost = _abs_dev(x[a0:cp]) + _abs_dev(x[cp:n])
        if cost < best_cost:
            best_j, best_cost, best_p = j, cost, min(1.0, p * alpha / shares[jj])
    if best_j < 0:
        return out
    cp = n - best_j
    delta, d_lo, d_hi, level = step_estimate(x, max(lo, cp - window), cp, n, window, z_conf)
    if abs(delta) < min_effect * scale:
        return out
    out = np.empty((1, N_COLS))
    out[0, COL_INDEX] = cp
    out[0, COL_P] = best_p
    out[0, COL_DELTA] = delta
    out[0, COL_LOW] = d_lo
    out[0, COL_HIGH] = d_hi
    out[0, COL_LEVEL] = level
    out[0, COL_EDGE] = 1.0
    return out


@_njit
def segment(
    x: np.ndarray,
    w: np.ndarray,
    m: int,
    alpha: float,
    window: int,
    z_conf: float,
    min_effect: float,
) -> np.ndarray:
    """Change points of one series: a table with columns COL_* (one row per change point).

    Candidates come from binary segmentation of the whole series (``alpha / 2``) and from
    windows (``alpha / 2`` shared); they are pruned (``_prune``); then binary
    segmentation runs again inside each segment between the kept change points (a step
    next to a larger one can hide in the first pass) until nothing new is kept.
    """
    n = x.size
    scale = noise_scale(x)
    found = np.concatenate(
        (
            _binary_segmentation(x, w, 0, n, m, 0.5 * alpha),
            _window_search(x, w, m, 0.5 * alpha, window),
        )
    )
    cps, pv = _prune(x, w, _distinct(found, m), m, alpha, window, scale, min_effect)
    for _ in range(3):
        if cps.size == 0:
            break
        bounds = np.concatenate((np.zeros(1, np.int64), cps, np.full(1, n, np.int64)))
        extra = np.empty(0, np.int64)
        for j in range(bounds.size - 1):
            extra = np.concatenate(
                (extra, _binary_segmentation(x, w, bounds[j], bounds[j + 1], m, 0.5 * alpha))
            )
        if extra.size == 0:
            break
        before = cps.size
        cps, pv = _prune(
            x, w, _distinct(np.concatenate((cps, extra)), m), m, alpha, window, scale, min_effect
        )
        if cps.size <= before:
            break
    out = np.empty((cps.size, N_COLS))
    for j in range(cps.size):
        lo = 0 if j == 0 else cps[j - 1]
        hi = n if j == cps.size - 1 else cps[j + 1]
        delta, d_lo, d_hi, level = step_estimate(x, lo, cps[j], hi, window, z_conf)
        out[j, COL_INDEX] = cps[j]
        out[j, COL_P] = pv[j]
        out[j, COL_DELTA] = delta
        out[j, COL_LOW] = d_lo
        out[j, COL_HIGH] = d_hi
        out[j, COL_LEVEL] = level
        out[j, COL_EDGE] = 0.0
    out = _with_newest(x, w, cps, out, m, alpha, window, z_conf, min_effect, scale)
    return _with_oldest(x, w, out, m, alpha, window, z_conf, min_effect, scale)


@_njit
def _with_newest(
    x: np.ndarray,
    w: np.ndarray,
    cps: np.ndarray,
    out: np.ndarray,
    m: int,
    alpha: float,
    window: int,
    z_conf: float,
    min_effect: float,
    scale: float,
) -> np.ndarray:
    """Add the newest-commit step (:func:`newest_step`) after the last change point; when
    the last change point itself has fewer than ``2 m`` points after it, test the newest
    points against the segment before it instead: its location at the series' edge is
    the newest-commit test's (exact for a clean step; the search, which needs ``m``
    points on each side, can land a commit or two early there). When the newest-commit
    step lies ``m`` or more after that change point, the change point is judged again
    without the newest points (a few extreme newest points can pull the search's
    statistic): kept beside the step if it still passes, else replaced by it."""
    n = x.size
    k = cps.size
    if k and n - cps[k - 1] < 2 * m:
        prev = cps[k - 2] if k > 1 else 0
        edge = newest_step(x, prev, m, alpha, window, z_conf, min_effect, scale)
        if edge.shape[0] == 0:
            return out
        at = int(edge[0, COL_INDEX])
        if abs(at - cps[k - 1]) < m:
            out[k - 1] = edge[0]
        elif at > cps[k - 1]:
            p = _assess(x, w, prev, cps[k - 1], at, m, window, scale, min_effect)[1]
            if p <= alpha:
                out = np.concatenate((out, edge))
            else:
                out[k - 1] = edge[0]
        return out
    last = cps[k - 1] if k else 0
    edge = newest_step(x, last, m, alpha, window, z_conf, min_effect, scale)
    if edge.shape[0] and edge[0, COL_INDEX] - last >= m:
        out = np.concatenate((out, edge))
    return out


@_njit
def _with_oldest(
    x: np.ndarray,
    w: np.ndarray,
    out: np.ndarray,
    m: int,
    alpha: float,
    window: int,
    z_conf: float,
    min_effect: float,
    scale: float,
) -> np.ndarray:
    """The newest-commit test run on the reversed series: a step within the first
    ``2 m - 1`` points (which the search cannot see either), at its own level ``alpha``.
    Before the first change point in ``out`` (rows in index order); when that change point
    itself has fewer than ``2 m`` points before it, the test against the segment after it
    relocates it (or, ``m`` or more before it, has it judged again without the oldest
    points), as :func:`_with_newest` does at the other end."""
    n = x.size
    k = out.shape[0]
    rev = x[::-1].copy()
    if k and out[0, COL_INDEX] < 2 * m:
        first = int(out[0, COL_INDEX])
        nxt = int(out[1, COL_INDEX]) if k > 1 else n
        edge = newest_step(rev, n - nxt, m, alpha, window, z_conf, min_effect, scale)
        if edge.shape[0] == 0:
            return out
        at = n - int(edge[0, COL_INDEX])
        row = _oldest_row(x, at, nxt, edge[0, COL_P], window, z_conf)
        if abs(at - first) < m:
            out[0] = row
        elif at < first:
            p = _assess(x, w, at, first, nxt, m, window, scale, min_effect)[1]
            if p <= alpha:
                out = np.concatenate((row.reshape((1, N_COLS)), out))
            else:
                out[0] = row
        return out
    first = int(out[0, COL_INDEX]) if k else n
    edge = newest_step(rev, n - first, m, alpha, window, z_conf, min_effect, scale)
    if edge.shape[0]:
        at = n - int(edge[0, COL_INDEX])
        if first - at >= m:
            row = _oldest_row(x, at, first, edge[0, COL_P], window, z_conf)
            out = np.concatenate((row.reshape((1, N_COLS)), out))
    return out


@_njit
def _oldest_row(
    x: np.ndarray, at: int, hi: int, p: float, window: int, z_conf: float
) -> np.ndarray:
    """A COL_* row for a step at ``at`` found at the oldest commits (estimated forwards)."""
    delta, d_lo, d_hi, level = step_estimate(x, 0, at, hi, window, z_conf)
    row = np.empty(N_COLS)
    row[COL_INDEX] = at
    row[COL_P] = p
    row[COL_DELTA] = delta
    row[COL_LOW] = d_lo
    row[COL_HIGH] = d_hi
    row[COL_LEVEL] = level
    row[COL_EDGE] = 2.0
    return row


@_njit(parallel=True)
def segment_many(
    x: np.ndarray,
    w: np.ndarray,
    offsets: np.ndarray,
    m: int,
    alpha: float,
    window: int,
    z_conf: float,
    min_effect: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Many series concatenated in ``x``/``w``; series i is ``offsets[i]:offsets[i+1]``.

    Returns (table, counts): series i's change points are rows
    ``offsets[i] : offsets[i] + counts[i]`` of ``table`` (a series of n points has fewer
    than n change points, so each series' rows fit in its own slice).
    """
    ns = offsets.size - 1
    table = np.empty((x.size, N_COLS))
    counts = np.zeros(ns, np.int64)
    for i in nb.prange(ns):
        a, b = offsets[i], offsets[i + 1]
        rows = segment(x[a:b], w[a:b], m, alpha, window, z_conf, min_effect)
        counts[i] = rows.shape[0]
        table[a : a + rows.shape[0]] = rows
    return table, counts
