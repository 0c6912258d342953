"""Rank binary segmentation: the numba kernels behind :mod:`perfkit.changepoint`.

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

import math

import numba as nb
import numpy as np

_SQRT2 = math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)

# columns of the per-change-point output table
COL_INDEX, COL_P, COL_DELTA, COL_LOW, COL_HIGH, COL_LEVEL = range(6)
N_COLS = 6


@nb.njit(cache=True)
def normal_sf(z: float) -> float:
    return 0.5 * math.erfc(z / _SQRT2)


@nb.njit(cache=True)
def _nu(x: float) -> float:
    """Siegmund's overshoot correction for a Gaussian random walk (approximation)."""
    if x < 1e-9:
        return 1.0
    h = 0.5 * x
    cdf = 1.0 - normal_sf(h)
    pdf = _INV_SQRT_2PI * math.exp(-0.5 * h * h)
    return (2.0 / x) * (cdf - 0.5) / (h * cdf + pdf)


@nb.njit(cache=True)
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


@nb.njit(cache=True)
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


@nb.njit(cache=True)
def _scores(x: np.ndarray, w: np.ndarray, a: int, b: int) -> np.ndarray:
    r = ranks(x[a:b])
    ww = w[a:b]
    centre = (ww * r).sum() / ww.sum()
    return ww * (r - centre)


@nb.njit(cache=True)
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


@nb.njit(cache=True)
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


@nb.njit(cache=True)
def local_step(
    x: np.ndarray, lo: int, cp: int, hi: int, window: int, z_conf: float
) -> tuple[float, float, float, float, float]:
    """Drift-corrected two-sample comparison across ``cp`` within ``[lo, hi)``.

    Returns (p, delta, delta_low, delta_high, level_before): the Mann-Whitney p-value of
    the detrended windows, the Hodges-Lehmann step with its Moses interval, and the
    level just before the step.
    """
    a, b = max(lo, cp - window), min(hi, cp + window)
    slope = _slope(x, max(lo, cp - 3 * window), cp, min(hi, cp + 3 * window))
    left = np.empty(cp - a)
    right = np.empty(b - cp)
    for i in range(a, cp):
        left[i - a] = x[i] - slope * (i - cp)
    for i in range(cp, b):
        right[i - cp] = x[i] - slope * (i - cp)
    n1, n2 = left.size, right.size
    diffs = np.empty(n1 * n2)
    t = 0
    for i in range(n1):
        for j in range(n2):
            diffs[t] = right[j] - left[i]
            t += 1
    diffs.sort()
    u = 0.0
    for d in diffs:
        u += 1.0 if d > 0 else (0.5 if d == 0 else 0.0)
    r = ranks(np.concatenate((left, right)))
    ties = 0.0
    rs = np.sort(r)
    i = 0
    while i < rs.size:
        j = i
        while j + 1 < rs.size and rs[j + 1] == rs[i]:
            j += 1
        g = j - i + 1.0
        ties += g * g * g - g
        i = j + 1
    n = n1 + n2
    var = n1 * n2 / 12.0 * ((n + 1.0) - ties / (n * (n - 1.0)))
    p = 1.0 if var <= 0 else min(1.0, 2.0 * normal_sf(abs(u - 0.5 * n1 * n2) / math.sqrt(var)))
    c = int(math.floor(0.5 * n1 * n2 - z_conf * math.sqrt(n1 * n2 * (n + 1.0) / 12.0)))
    c = min(max(c, 0), diffs.size - 1)
    delta = np.median(diffs)
    return p, delta, diffs[c], diffs[diffs.size - 1 - c], np.median(left)


@nb.njit(cache=True)
def _assess(
    x: np.ndarray, w: np.ndarray, lo: int, c: int, hi: int, m: int, window: int, z: float
) -> tuple[int, float]:
    """Re-locate candidate ``c`` between neighbours ``lo``/``hi``; return (index, p)."""
    s = _scores(x, w, lo, hi)
    k_lo = max(m, c - lo - window)
    k_hi = min(hi - lo - m, c - lo + window)
    k, stat = _best_split(s, m, k_lo, k_hi)
    if k < 0:
        return c, 1.0
    cp = lo + k
    p_search = tail_p(stat, hi - lo, m)
    p_local = local_step(x, lo, cp, hi, window, z)[0]
    return cp, max(p_search, p_local)


@nb.njit(cache=True)
def _search(x: np.ndarray, w: np.ndarray, m: int, alpha: float) -> np.ndarray:
    """Binary segmentation: every split whose segment test rejects at ``alpha``, sorted."""
    n = x.size
    cands = np.empty(n, np.int64)
    nc = 0
    stack = np.empty((n + 1, 2), np.int64)
    stack[0, 0], stack[0, 1] = 0, n
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
    return np.sort(cands[:nc])


@nb.njit(cache=True)
def segment(
    x: np.ndarray, w: np.ndarray, m: int, alpha: float, window: int, z_conf: float
) -> np.ndarray:
    """Change points of one series: a table with columns COL_* (one row per change point)."""
    cps = _search(x, w, m, alpha)
    nc = cps.size
    pv = np.ones(nc)
    n = x.size
    for j in range(nc):  # refine left to right with the current neighbours
        lo = 0 if j == 0 else cps[j - 1]
        hi = n if j == nc - 1 else cps[j + 1]
        cps[j], pv[j] = _assess(x, w, lo, cps[j], hi, m, window, z_conf)
    while nc > 0:
        worst = np.argmax(pv[:nc])
        if pv[worst] <= alpha:
            break
        for j in range(worst, nc - 1):
            cps[j], pv[j] = cps[j + 1], pv[j + 1]
        nc -= 1
        for j in (worst - 1, worst):
            if 0 <= j < nc:
                lo = 0 if j == 0 else cps[j - 1]
                hi = n if j == nc - 1 else cps[j + 1]
                cps[j], pv[j] = _assess(x, w, lo, cps[j], hi, m, window, z_conf)
    out = np.empty((nc, N_COLS))
    for j in range(nc):
        lo = 0 if j == 0 else cps[j - 1]
        hi = n if j == nc - 1 else cps[j + 1]
        _, delta, d_lo, d_hi, level = local_step(x, lo, cps[j], hi, window, z_conf)
        out[j, COL_INDEX] = cps[j]
        out[j, COL_P] = pv[j]
        out[j, COL_DELTA] = delta
        out[j, COL_LOW] = d_lo
        out[j, COL_HIGH] = d_hi
        out[j, COL_LEVEL] = level
    return out


@nb.njit(cache=True, parallel=True)
def segment_many(
    x: np.ndarray,
    w: np.ndarray,
    offsets: np.ndarray,
    m: int,
    alpha: float,
    window: int,
    z_conf: float,
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
        rows = segment(x[a:b], w[a:b], m, alpha, window, z_conf)
        counts[i] = rows.shape[0]
        table[a : a + rows.shape[0]] = rows
    return table, counts
