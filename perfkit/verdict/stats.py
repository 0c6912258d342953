"""Head vs baseline for every benchmark: estimate, interval, p-value, verdict.

The method, in short (README "Statistics" has the long form):

* Work on log values; the unit of evidence is the **process**. Each process (run) is
  summarised by the mean of its better half of samples, so a burst of noise inside one
  process cannot pose as many independent observations, and a neighbour slowing part of
  a process down does not move its value. Disturbed processes (far slower than the
  side's best: 10 %, or six times the benchmark's own process spread where that is wider
  than typical) are set aside, never more than half of them.
* **Paired** when both sides come from one perfkit measuring session with the same number
  of runs (run k of base and of head ran next to each other, so slow drift cancels) and
  enough pairs are free of disturbed processes: the estimate is the mean of the per-pair
  log differences. Otherwise **unpaired**: the difference of the sides' mean log process
  values.
* The spread between processes is estimated with an **empirical-Bayes prior** (the
  moderated t of limma): ``s2 = (df*s2_data + d0*s0^2) / (df + d0)`` with ``s0`` the
  process-to-process noise typical of a shared machine (``stats.prior_sigma``, 3 %) and
  ``d0`` its weight in processes (``stats.prior_df``). Two processes that happen to agree
  cannot create false confidence, and a side with a single process relies on the prior.
  Where the processes spread wider than the prior (their variance beyond it at the 5 %
  level), their own variance and degrees of freedom stand alone: the prior must not pull
  a benchmark whose processes truly spread 6 % towards 3 %.
* Sides measured in different sessions (a stored baseline, two files from elsewhere) also
  differ by whatever moved the machine in between, which no number of processes within
  a session reveals: their variance gains ``2 * session_sigma^2`` (3 % by default), so
  small changes across sessions come out inconclusive instead of guessed. Only perfkit's
  own session id makes one session: two files from elsewhere are never one session (nor
  paired), however close their timestamps (``session_gap`` is no longer used). For files
  perfkit did not measure, the shift between them is read from the run (``_load_shift``:
  process estimate against the shift of the fastest sample, median over benchmarks).
* Such files also get a rank reading (``_rank_reading``: the k-th fastest process against
  the k-th fastest), which calls a uniform shift of every process however far a side's
  processes are apart; either reading may call a change (weighted Bonferroni).
* When both sides' processes fall clearly into the machine's two speed modes, as far apart
  on each side, each mode is compared with the same mode of the other side
  (``_within_modes``): how many processes fell in the slow mode is chance, not the code.
* perfkit's own rounds time a fixed calibration loop around every sample: a shared host's
  vCPU runs fast or about 2x slower for 0.1-2 s at a time, and the loop reads which.
  Where both sides have such readings, only the samples measured in the fast state are
  judged (``_fast_state``; chosen by the loop alone, never by the samples), in one
  session as pairs of rounds where both sides have them: the fast state drifts too.
* Unpaired sides get a second reading from all their processes (``_mode_swap``): when the
  faster side's set-aside processes sit at the slower side's level, the slower side may
  have run all its processes in the machine's slow mode; the change must then show in
  that reading too (intersection-union test: the larger p, the union of the intervals).
  docs/verdicts-on-files.md has the long form.
* A t test with ``df + d0`` degrees of freedom gives the two-sided p-value and the
  interval; p-values are corrected across the run by **Benjamini-Hochberg**.
* Decisions are taken in log space so that swapping base and head swaps regression and
  improvement exactly. ``w`` is the direction-aware log worseness, ``T = log(1+threshold)``:
  regression when significant (``w > 0``) and the interval reaches ``T``; improvement
  likewise below ``-T``; unchanged when the interval lies inside ``(-T, T)`` (so a change
  shown to be smaller than the threshold is never a regression, however significant);
  inconclusive otherwise, with the smallest change the data could have detected at 80 %
  power. Requiring the *estimate* to reach ``T`` instead would catch a change exactly at
  the threshold only half the time, and would call "unchanged" a significant slowdown
  whose interval runs well past the threshold. A change is only called significant when the
  processes within the disturbed width alone point the same way: a side padded up to its
  better half with disturbed processes can otherwise fake a change on a busy machine.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

# Student's t and the normal quantile from scipy.special: scipy.stats' distribution
# objects cost ~1 s more on 20,000 benchmarks for the same numbers
from scipy.special import chdtrc, ndtri, stdtr, stdtrit

from perfkit.config import Config
from perfkit.model import (
    Comparison,
    Direction,
    Evidence,
    Measurement,
    Severity,
    Verdict,
)

POWER = 0.8
# a process this much (log) slower than its side's kept ones runs in the other speed mode
# (measured 1.2-1.8x on this kind of machine: the regex body's slow mode is 1.21x away; the
# tail of ordinary jitter stays below it, and a wider spread widens the disturbed width)
MODE_GAP = math.log(1.2)
# two clusters of a side's processes are the machine's two speed modes only when the gap
# between them is this many times the spread inside them (a memory-layout sensitive
# body's symmetric 4-10 % spread leaves gaps of about 2 such spreads between neighbours)
MODE_CLARITY = 5.0
# ... and the two sides' modes lie as far apart (log), give or take this much: a change of
# the code moves both modes by one factor
MODE_AGREE = math.log(1.1)
# a side that ran in one mode only is read as possibly the other mode while all its
# processes in the slow mode is at least this likely against all in the fast mode
MODE_ODDS = 0.05
# on perfkit's own sides the mode-swap reading stands only while "every process of the
# slower side ran in the other mode" is at least this likely at the faster side's rate
MODE_SWAP_BELIEF = 1e-3
# shares of the level of the other readings of foreign sides (weighted Bonferroni; the
# process reading has the rest): the rank reading (k-th fastest process against k-th
# fastest) and the best-sample reading (each process's best sample), which shares the
# level equally with the process reading: on sequential files neither is the better one
# everywhere (load scatters the process values, a speed mode moves both)
READING_WEIGHT = {"rank": 0.05, "best": 0.475}
# how far from zero (log) the near end of an interval must be for a change to be called:
# what rounds to +0.1 % in a message (an interval "+0.0 to +9.9 %" is not a regression)
CLEAR = math.log1p(0.0005)
# from this many benchmarks of files perfkit did not measure, the shift between the files
# read from the run replaces the prior session_sigma (``_load_shift``)
LOAD_FROM = 5
# a process is set aside as disturbed only beyond this many of its benchmark's own process
# spread, read from sides of at least SPREAD_FROM processes (``_width``): a symmetric
# spread is the benchmark, not a neighbour
SPREAD_WIDTH = 6.0
SPREAD_FROM = 5
# the data overrule the prior when their variance lies beyond it at this level (``_tests``)
PRIOR_CONFLICT = 0.05
# perfkit's calibration loop, timed around every sample of its own rounds
# (perfkit/measure/preload.py), reads the state of the CPU the sample ran on: a shared
# host's vCPU runs fast, or about 1.6-2.1x slower for 0.1-2 s at a time. A sample counts
# as measured in the fast state when the loop ran within FAST_BAND of its fast level (the
# FAST_LEVEL-th percentile of both sides' readings); a process is judged by its
# fast-state samples when it has FAST_SAMPLES of them, a side by such processes when it
# has FAST_PROCESSES (``_fast_state``; docs/statistics.md "The CPU's state, read")
FAST_BAND = 1.3
FAST_LEVEL = 5.0
FAST_SAMPLES = 2
FAST_PROCESSES = 3
FAST_PAIR = True
# a fast-state process of one side pairs with one of the other side at most this many
# rounds away when its own round has none (``_near_pairs``): a round apart they still ran
# within seconds, while the fast state drifts over minutes
FAST_REACH = 1


@dataclass(frozen=True)
class _Summary:
    """What the test needs from one benchmark pair."""

    estimate: float  # log(head/base)
    var_data: float  # sum of squares / df of the data (0 when df == 0)
    df: float
    var_prior: float  # prior variance of one process value (or of a pair difference)
    scale: float  # SE^2 = s2 * scale + extra
    extra: float  # variance of a shift between two measuring sessions (0 within one session)
    n_base: int
    n_head: int
    paired: bool
    base_loc: float
    head_loc: float
    # the processes within the disturbed width alone point the same way as the estimate
    # (false when one side was padded up to its better half with disturbed processes
    # and that alone made the difference)
    consistent: bool = True
    # the other reading of the same processes: the slower side's kept processes ran in a
    # slow mode that the faster side's set-aside processes share (None: no such reading)
    alt: _Summary | None = None
    # the rank reading (foreign sides of as many processes): the k-th fastest process of
    # head against the k-th fastest of base (None: no such reading)
    qq: _Summary | None = None
    # log(best head sample / best base sample), direction-aware (foreign sides only)
    best_shift: float | None = None
    # the processes within the disturbed width alone (unpadded), where padding a side up
    # to its better half changed what is compared (None: it did not)
    clean: _Summary | None = None
    # a side of one process: no verdict (it may have run in the other speed mode)
    single: bool = False
    # the best-sample reading (foreign sides): each process's best sample, which a
    # neighbour's load moves least, with its own mode-swap guard in ``alt`` (None: none)
    best: _Summary | None = None
    # both sides ran in both speed modes: read mode against mode (``_within_modes``)
    modes: bool = False
    # judged by the samples perfkit's calibration read in the CPU's fast state
    # (``_fast_state``)
    fast: bool = False


# log process values, within variance, log of each process's best sample
_Values = tuple[list[float], float, list[float]]


def _process_values(m: Measurement, direction: Direction) -> _Values:
    """Log location per run (the mean of its better half of samples), the mean sampling
    variance of such a location, and the log of each run's best sample.

    Other tenants of a shared machine only ever slow a sample down, never speed it up, so
    the slower half of a process's samples mostly measures them; the better half is the
    code. (For a throughput the better half is the higher one.) Samples pooled from
    several processes (``runs_known`` False: asv's own files) get their median instead:
    there the better half could be one lucky process."""
    runs = [r for r in m.runs if r]
    if m.runs_known and len(runs) > 1 and len({len(r) for r in runs}) == 1 and len(runs[0]) > 2:
        # the common case (every process took the same number of samples), in one go
        values, within, best = _batch_values([runs], direction)
        return values[0], within[0], best[0]
    values, within, bests = [], [], []
    for run in runs:
        logs = np.sort(np.log(run))
        if direction is Direction.HIGHER_IS_BETTER:
            logs = logs[::-1]
        bests.append(float(logs[0]))
        if not m.runs_known:
            values.append(float(np.median(logs)))
            if len(logs) > 1:
                within.append(logs.var(ddof=1) * math.pi / 2 / len(logs))
            continue
        best = logs[: (len(logs) + 1) // 2]
        values.append(float(best.mean()))
        if len(best) > 1:
            within.append(best.var(ddof=1) / len(best))
    return values, float(np.mean(within)) if within else 0.0, bests


def _batch_values(
    sides: list[list[tuple[float, ...]]], direction: Direction
) -> tuple[list[list[float]], list[float], list[float]]:
    """``_process_values`` of many sides of one shape (as many processes of as many
    samples, at least 3) in one numpy call: 20,000 benchmarks cost one array operation
    rather than 40,000 small ones."""
    logs = np.sort(np.log(np.array(sides, dtype=float)), axis=2)
    if direction is Direction.HIGHER_IS_BETTER:
        logs = logs[:, :, ::-1]
    k = (logs.shape[2] + 1) // 2
    best = logs[:, :, :k]
    within = (best.var(axis=2, ddof=1) / k).mean(axis=1)
    return best.mean(axis=2).tolist(), within.tolist(), logs[:, :, 0].tolist()


def _all_values(pairs: list[tuple[Measurement, Measurement]], config: Config) -> dict[int, _Values]:
    """Process values of every side of ``pairs``, by ``id`` of the Measurement, the common
    shapes batched (``_batch_values``), the others one by one."""
    groups: dict[tuple, list[Measurement]] = {}
    out: dict[int, _Values] = {}
    for base, head in pairs:
        direction = config.direction_for(head)
        for m in (base, head):
            runs = m.runs
            if (
                m.runs_known
                and len(runs) > 1
                and all(runs)
                and len({len(r) for r in runs}) == 1
                and len(runs[0]) > 2
            ):
                groups.setdefault((direction, len(runs), len(runs[0])), []).append(m)
            else:
                out[id(m)] = _process_values(m, direction)
    for (direction, _r, _k), ms in groups.items():
        values, within, best = _batch_values([list(m.runs) for m in ms], direction)
        for m, v, w, b in zip(ms, values, within, best, strict=True):
            out[id(m)] = (v, w, b)
    return out


def _median(v: list[float]) -> float:
    s, n = sorted(v), len(v)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def _mean(v: list[float]) -> float:
    return sum(v) / len(v)


def _ss(v: list[float]) -> float:
    m = sum(v) / len(v)
    return sum((a - m) * (a - m) for a in v)


def _keep(values: list[float], width: float, sign: float, pad: bool) -> list[bool]:
    """Mask of the processes that were not disturbed: within ``width`` (log) of the side's
    best one, and (``pad``) never fewer than the better half; ``sign`` -1 for a throughput,
    where a disturbed process shows a *lower* value.

    A fresh interpreter sometimes runs 1.3-2x slower for its whole life (another tenant
    on the same core); such a process says nothing about the code, so it is set aside.
    The better half is always kept because the best process can be the odd one out too
    (a lucky memory layout can make a memory-bound kernel 3x faster): one lucky process
    must not become the reference."""
    if len(values) < 3:  # of two processes, which one is the odd one out?
        return [True] * len(values)
    worse = [sign * v for v in values]
    cut = min(worse) + width
    if pad:
        cut = max(cut, _median(worse))
    return [w <= cut for w in worse]


@functools.lru_cache(maxsize=256)
def _half_fraction(n: int) -> float:
    """E[sample variance of the smaller half of n standard normal values]: what keeping
    the better half leaves of a symmetric spread's variance (by simulation, fixed seed;
    from 64 values on it hardly moves, towards the half-normal's 1 - 2/pi)."""
    n = min(n, 64)
    draws = np.sort(np.random.default_rng(0).standard_normal((20_000, n)), axis=1)
    return float(draws[:, : (n + 1) // 2].var(axis=1, ddof=1).mean())


def _width(x: list[float], y: list[float], width: float, sign: float, typical: float) -> float:
    """The disturbed width of one benchmark: ``width``, or ``SPREAD_WIDTH`` times the
    process spread its better halves show, whichever is larger.

    Some benchmarks' processes spread symmetrically (memory-layout sensitive kernels:
    sd 4-10 % between processes of identical code). A fixed width then sets aside each
    side's slow tail as "disturbed", the kept fast tails understate the variance, and
    identical code was flagged 15-20 % of the time (tools/process_spread_sim.py). The
    better halves are what disturbance leaves alone (it only ever slows processes down),
    so their spread, scaled up by what halving removes, is the benchmark's own. It counts
    only when wider than the typical process noise (``typical``, the prior) and read from
    sides of at least ``SPREAD_FROM`` processes: the better half of fewer says too little
    (on the file evaluation it set aside almost nothing and lost detections)."""
    ss = weight = 0.0
    for side in (x, y):
        if len(side) >= SPREAD_FROM:
            better = sorted(sign * v for v in side)[: (len(side) + 1) // 2]
            ss += _ss(better)
            weight += (len(better) - 1) * _half_fraction(len(side))
    spread = math.sqrt(ss / weight) if weight else 0.0
    # only a spread wider than the typical process noise (the prior) is the benchmark's own
    return max(width, SPREAD_WIDTH * spread) if spread > typical else width


def measured_together(base: Measurement, head: Measurement, config: Config) -> bool:
    """One perfkit measuring session (its own session id on both sides): the sides'
    processes were interleaved, so no machine shift lies between them beyond what the
    processes themselves show. Sides perfkit did not measure together (two files from
    elsewhere, a stored baseline) are never one session, however close their timestamps:
    two ``asv run`` a minute apart are still measured one after the other."""
    return bool(base.session) and base.session == head.session


def _fast_state(
    base: Measurement, head: Measurement, config: Config
) -> tuple[Measurement, Measurement, bool] | None:
    """Both sides cut to the samples measured while the CPU ran in its fast state, by
    perfkit's calibration readings (``FAST_BAND``), and whether their runs still pair
    round by round; None where the calibration cannot say (a side without it, too few
    fast-state processes) or sets nothing aside.

    Which samples are kept depends on the calibration loop alone, the same code on both
    sides, never on the samples themselves: setting the slow-state samples aside removes
    the CPU's state from the comparison without choosing what to compare by its outcome.
    A process without readings is set aside with them (its state is unknown). Within one
    session the processes are kept as pairs of rounds where both sides have fast-state
    samples, or failing that, rounds next to each other (``_near_pairs``): the fast state
    itself drifts by several percent over a run, and run k of each side ran next to each
    other (``FAST_PAIR``)."""
    sides = (base, head)
    if not all(m.calibration and len(m.calibration) == len(m.runs) for m in sides):
        return None
    readings = [x for m in sides for c in m.calibration for x in c]
    limit = float(np.percentile(readings, FAST_LEVEL)) * FAST_BAND

    def fast(run: tuple[float, ...], cal: tuple[float, ...]) -> tuple[float, ...]:
        if len(cal) != len(run):
            return ()
        kept = tuple(x for x, c in zip(run, cal, strict=True) if c <= limit)
        return kept if len(kept) >= FAST_SAMPLES else ()

    cut = [[fast(r, c) for r, c in zip(m.runs, m.calibration, strict=True)] for m in sides]
    if all(sum(map(len, k)) == len(m.samples) for k, m in zip(cut, sides, strict=True)):
        return None
    together = FAST_PAIR and measured_together(base, head, config)
    together = together and len(base.runs) == len(head.runs)
    pairs = _near_pairs(cut[0], cut[1], FAST_REACH) if together else []
    if len(pairs) >= FAST_PROCESSES:
        kept, paired = ([p[0] for p in pairs], [p[1] for p in pairs]), True
    else:
        kept, paired = ([r for r in cut[0] if r], [r for r in cut[1] if r]), False
        if min(len(kept[0]), len(kept[1])) < FAST_PROCESSES:
            return None
    return (
        replace(base, runs=tuple(kept[0]), calibration=()),
        replace(head, runs=tuple(kept[1]), calibration=()),
        paired,
    )


def _near_pairs(
    base: list[tuple[float, ...]], head: list[tuple[float, ...]], reach: int
) -> list[tuple[tuple[float, ...], tuple[float, ...]]]:
    """Fast-state processes of the two sides (by round; empty: none that round) paired
    within ``reach`` rounds: the same round first, then the nearest free one, in round
    order. The candidate pairs are ordered by their distance and rounds alone, never by
    which side holds which, so swapping the sides swaps the pairs."""
    edges = sorted(
        (abs(i - j), min(i, j), max(i, j), i, j)
        for i, b in enumerate(base)
        if b
        for j in range(max(i - reach, 0), min(i + reach + 1, len(head)))
        if head[j]
    )
    used_b: set[int] = set()
    used_h: set[int] = set()
    chosen = []
    for *_key, i, j in edges:
        if i not in used_b and j not in used_h:
            used_b.add(i)
            used_h.add(j)
            chosen.append((i, j))
    return [(base[i], head[j]) for i, j in sorted(chosen)]


def _pick(v: list[float], mask: list[bool]) -> list[float]:
    return [a for a, k in zip(v, mask, strict=True) if k]


def _summarise(
    base: Measurement,
    head: Measurement,
    config: Config,
    values: dict[int, _Values] | None = None,
    fast: bool = False,
    pair: bool = True,
) -> _Summary:
    """``fast``: the sides were cut to their fast-state samples (``_fast_state``);
    ``pair``: their runs still pair round by round."""
    # fast-state processes of one session that do not pair ran at other times: the drift
    # of the fast state between them is a session shift (``session_sigma``), not noise
    drift = fast and not pair and measured_together(base, head, config)
    summary = _summary(base, head, config, values, pair=pair, drift=drift)
    return replace(summary, fast=True) if fast else summary


def _summary(
    base: Measurement,
    head: Measurement,
    config: Config,
    values: dict[int, _Values] | None,
    pair: bool,
    drift: bool = False,
) -> _Summary:
    direction = config.direction_for(head)
    sign = -1.0 if direction is Direction.HIGHER_IS_BETTER else 1.0
    if values is not None:
        (x, wx, bx), (y, wy, by) = values[id(base)], values[id(head)]
    else:
        (x, wx, bx), (y, wy, by) = (
            _process_values(base, direction),
            _process_values(head, direction),
        )
    prior = max(config.stats.prior_sigma**2, wx, wy)
    width = _width(x, y, math.log1p(config.stats.disturbed), sign, config.stats.prior_sigma)
    keep_x, keep_y = _keep(x, width, sign, True), _keep(y, width, sign, True)
    clean_x, clean_y = _keep(x, width, sign, False), _keep(y, width, sign, False)
    clean_shift = _mean(_pick(y, clean_y)) - _mean(_pick(x, clean_x))
    tolerance = config.stats.prior_sigma

    def guards(estimate: float, extra: float) -> dict:
        """perfkit's own sides: the readings a change must also pass (an intersection-union
        test): the mode-swap reading, and the clean processes alone where padding a side to
        its better half changed what is compared. On the two-mode model (3-5 processes a
        side, 30 % of processes slow) the kept-process reading alone flagged identical
        code 4.5-6.8 % of the time, with them 1.0-4.3 % (docs/statistics.md)."""
        clean = None
        if clean_x != keep_x or clean_y != keep_y:
            clean = _unpaired(_pick(x, clean_x), _pick(y, clean_y), prior, extra)
        alt = _mode_swap(x, y, keep_x, keep_y, estimate, tolerance, sign, prior, extra, True)
        if alt is not None:
            # that reading says every process of the slower side ran in the other mode: with
            # many processes that is beyond belief at the rate the faster side shows (16 a
            # side, 3 of the faster side's slow: 0.19^16), and a real 2x change must stand
            slower_is_head = sign * estimate > 0
            matched = alt.n_base if slower_is_head else alt.n_head
            rate = matched / (len(x) if slower_is_head else len(y))
            if rate ** (len(y) if slower_is_head else len(x)) < MODE_SWAP_BELIEF:
                alt = None
        # one process on a side cannot be told from a process in the other speed mode
        return {"alt": alt, "clean": clean, "single": min(len(x), len(y)) < 2}

    together = measured_together(base, head, config) and not drift
    extra = 0.0 if together else 2 * config.stats.session_sigma**2
    modes = _within_modes(x, y, prior, extra)
    if modes is not None and (base.session or head.session):
        return modes
    if pair and base.session and base.session == head.session and len(x) == len(y) >= 2:
        paired = _paired_summary(x, y, keep_x, keep_y, prior, clean_shift)
        if paired is not None:
            return replace(paired, **guards(paired.estimate, 0.0))
    xs, ys = _pick(x, keep_x), _pick(y, keep_y)
    estimate = _mean(ys) - _mean(xs)
    consistent = clean_shift * estimate >= 0
    if base.session or head.session:
        return _unpaired(xs, ys, prior, extra, consistent=consistent, **guards(estimate, extra))
    # results perfkit did not measure (no session id on either side: files from asv, pyperf,
    # pytest-benchmark): nothing says how the machine behaved, so read them several ways.
    # The best of n samples falls as n grows: only sides whose processes took as many
    # samples each are compared by their best samples, and of at most 2 samples the best
    # is the better half itself (the process reading already)
    counts = {len(r) for r in base.runs} | {len(r) for r in head.runs}
    same = len(counts) == 1 and min(counts) >= 3
    best = _best_reading(bx, by, sign, config, extra) if same else None
    # the best sample of a side is what load moves least (other tenants only ever slow a
    # sample down): log(head's best / base's best)
    top = min if sign > 0 else max
    # its own scatter holds the processes' sampling noise (sorting does not absorb it):
    # the prior only guards against a few processes agreeing by chance
    qq = _rank_reading(x, y, config.stats.prior_sigma**2, extra)
    if modes is not None:
        # both sides ran in both speed modes: the mode counts are no evidence
        return replace(modes, qq=qq, best_shift=top(by) - top(bx), best=best)
    alt = _mode_swap(x, y, keep_x, keep_y, estimate, tolerance, sign, prior, extra)
    return _unpaired(
        xs,
        ys,
        prior,
        extra,
        consistent=consistent,
        alt=alt,
        qq=qq,
        best_shift=top(by) - top(bx),
        best=best,
    )


def _best_reading(
    bx: list[float], by: list[float], sign: float, config: Config, extra: float
) -> _Summary | None:
    """Each process's best sample against the other side's (foreign sides of at least 3
    processes each, as for the rank reading: of two processes neither can be set aside,
    so no mode-swap guard could stand). A neighbour's load slows most samples of a
    process but rarely all of them, so under load the best samples still show the code
    where the process values scatter 2-4x; a process in the machine's slow speed mode is
    slow in every sample, so the same disturbed-process rule and mode-swap guard apply as
    to the process values."""
    if min(len(bx), len(by)) < 3:
        return None
    # the prior of a process's best sample is the process noise alone: the sampling
    # variance of a better-half mean (which load inflates) says nothing about it
    prior = config.stats.prior_sigma**2
    modes = _within_modes(bx, by, prior, extra)
    if modes is not None:
        return modes
    # the disturbed width as for the process values: wider where the benchmark's own
    # process spread is (a fixed width would set a symmetric spread's slow tail aside)
    width = _width(bx, by, math.log1p(config.stats.disturbed), sign, config.stats.prior_sigma)
    kx, ky = _keep(bx, width, sign, True), _keep(by, width, sign, True)
    xs, ys = _pick(bx, kx), _pick(by, ky)
    estimate = _mean(ys) - _mean(xs)
    alt = _mode_swap(bx, by, kx, ky, estimate, config.stats.prior_sigma, sign, prior, extra)
    return _unpaired(xs, ys, prior, extra, alt=alt)


@functools.lru_cache(maxsize=64)
def _order_fraction(n: int) -> float:
    """E[s^2 of the rank-paired differences] / (2 sigma^2) for two normal samples of n:
    sorting both sides absorbs most of the spread into the expected order statistics
    (Blom's approximation), so the rank differences alone understate the noise by this
    factor."""
    m = ndtri((np.arange(1, n + 1) - 0.375) / (n + 0.25))
    return max((n - 1 - float((m**2).sum())) / (n - 1), 1e-3)


def _rank_reading(x: list[float], y: list[float], prior: float, extra: float) -> _Summary | None:
    """The k-th fastest process of head against the k-th fastest of base, for sides of as
    many processes (at least 3). Its estimate is the difference of the sides' mean log
    process values (all processes); its spread is the scatter of the rank differences,
    scaled up by what sorting absorbs under a normal model (``_order_fraction``). When
    every process moved by one factor (a change of the code shifts the whole
    distribution) the rank differences agree however far the processes of a side are
    apart; when a side merely has processes in another mode, they do not."""
    n = len(x)
    if n != len(y) or n < 3:
        return None
    d = [b - a for a, b in zip(sorted(x), sorted(y), strict=True)]
    var = _ss(d) / (n - 1) / (2 * _order_fraction(n))
    return _Summary(
        _mean(d),
        var,
        n - 1,
        prior,
        2 / n,
        extra,
        n,
        n,
        False,
        math.exp(_mean(x)),
        math.exp(_mean(y)),
    )


def _paired_summary(
    x: list[float],
    y: list[float],
    keep_x: list[bool],
    keep_y: list[bool],
    prior: float,
    clean_shift: float,
) -> _Summary | None:
    """Run k of base against run k of head (one perfkit session: they ran next to each
    other), over the pairs free of disturbed processes; None when too few such pairs
    (a chance subset of the rounds): compare unpaired then."""
    both = [a and b for a, b in zip(keep_x, keep_y, strict=True)]
    if sum(both) < max(3, len(both) / 2):
        return None
    x, y = _pick(x, both), _pick(y, both)
    d = [b - a for a, b in zip(x, y, strict=True)]
    estimate = _mean(d)
    return _Summary(
        estimate,
        _ss(d) / (len(d) - 1),
        len(d) - 1,
        2 * prior,
        1 / len(d),
        0.0,
        len(x),
        len(y),
        True,
        math.exp(_mean(x)),
        math.exp(_mean(y)),
        consistent=clean_shift * estimate >= 0,
    )


def _unpaired(x: list[float], y: list[float], prior: float, extra: float, **more) -> _Summary:
    """Difference of the sides' mean log process values, pooled spread."""
    df = len(x) + len(y) - 2
    mx, my = _mean(x), _mean(y)
    return _Summary(
        my - mx,
        (_ss(x) + _ss(y)) / df if df > 0 else 0.0,
        max(df, 0),
        prior,
        1 / len(x) + 1 / len(y),
        extra,
        len(x),
        len(y),
        False,
        math.exp(mx),
        math.exp(my),
        **more,
    )


def _modes(v: list[float]) -> tuple[list[float], list[float]] | None:
    """A side's processes as its two speed modes (faster, slower in log value; for a
    throughput the order flips, which pairs the modes alike on both sides), or None when
    they do not fall clearly into two: at least 3 processes, split at their widest gap,
    which is at least ``MODE_GAP`` and ``MODE_CLARITY`` times the spread inside the two
    clusters (a cluster of one process adds no spread)."""
    if len(v) < 3 or max(v) - min(v) < MODE_GAP:
        return None
    s = sorted(v)
    gap, i = max((s[i] - s[i - 1], i) for i in range(1, len(s)))
    if gap < MODE_GAP:
        return None
    low, high = s[:i], s[i:]
    df = len(s) - 2
    spread = math.sqrt((_ss(low) + _ss(high)) / df) if df else 0.0
    if gap < MODE_CLARITY * spread:
        return None
    return low, high


def _within_modes(x: list[float], y: list[float], prior: float, extra: float) -> _Summary | None:
    """Both sides' processes ran in both of the machine's speed modes (as far apart on
    each side, ``MODE_AGREE``): compare each mode with the same mode of the other side and
    weigh the two differences by their processes (a two-way layout, mode as the block).

    A fresh process runs in one of two speed modes (1.3-1.8x apart) for its whole life,
    and how many processes of a side fall in the slow one is chance: 4 of 8 on base and 7
    of 8 on head moved the mean of identical code by 20 %, and no process was set aside
    (the two modes widen a side's own spread, ``_width``). Within a mode that chance is
    gone; a change of the code moves both modes. None when a side does not show two modes
    (then the disturbed-process rule and the mode-swap reading apply)."""
    mx, my = _modes(x), _modes(y)
    if mx is None or my is None:
        return None
    if abs((_mean(mx[1]) - _mean(mx[0])) - (_mean(my[1]) - _mean(my[0]))) > MODE_AGREE:
        return None
    diffs, weights, ss = [], [], 0.0
    for a, b in zip(mx, my, strict=True):
        diffs.append(_mean(b) - _mean(a))
        weights.append(1 / (1 / len(a) + 1 / len(b)))
        ss += _ss(a) + _ss(b)
    total = sum(weights)
    df = len(x) + len(y) - 4
    return _Summary(
        sum(d * w for d, w in zip(diffs, weights, strict=True)) / total,
        ss / df if df > 0 else 0.0,
        max(df, 0),
        prior,
        1 / total,
        extra,
        len(x),
        len(y),
        False,
        math.exp(_mean(x)),
        math.exp(_mean(y)),
        modes=True,
    )


def _mode_swap(
    x: list[float],
    y: list[float],
    keep_x: list[bool],
    keep_y: list[bool],
    estimate: float,
    tolerance: float,
    sign: float,
    prior: float,
    extra: float,
    either_mode: bool = False,
) -> _Summary | None:
    """The other reading of unpaired sides, from all their processes.

    A fresh process runs in one of two speed modes (1.3-1.8x apart) for its whole life.
    Setting the faster side's slow processes aside compares the two sides' fast modes,
    unless the slower side has no process in its fast mode at all: then its kept
    processes are its slow mode, and the faster side's set-aside processes at the same
    level say so. When such processes exist (at least ``MODE_GAP`` slower than the
    faster side's kept ones, and within the range of the slower side's kept processes
    give or take ``prior_sigma``), the change is only called when this reading (the
    slower side's kept processes against them) shows it too. Identical code with one
    side's processes all in the slow mode then comes out inconclusive instead of a 40 %
    "improvement"; an exact copy x1.3 keeps its verdict unless the base has a process
    in a slow mode close to 1.3x (then the two readings are truly indistinguishable).

    ``either_mode`` (perfkit's own sides): also when the faster side ran clearly in both
    modes and the slower side in one, whatever its level. On sessions of 4 rounds with
    70 % of processes slow that cut +5/+10 % read as improvements from 41 to 6 in 600
    (tools/two_mode_sim.py --session); on files from elsewhere it lost 7 of 54 caught
    +10 % changes and no wrong direction was there to prevent (tools/files_eval.py)."""
    head_slower = sign * estimate > 0
    if head_slower:
        fast, fast_keep, slow = x, keep_x, _pick(y, keep_y)
    else:
        fast, fast_keep, slow = y, keep_y, _pick(x, keep_x)
    # in the other speed mode: clearly slower than the faster side's kept processes (not
    # merely the tail of their jitter), and at the slower side's level: within the range
    # of its kept processes, give or take the process noise of the prior
    centre = _mean(_pick(fast, fast_keep))
    lo, hi = min(slow) - tolerance, max(slow) + tolerance
    match = [
        not k and sign * (f - centre) >= MODE_GAP and lo <= f <= hi
        for f, k in zip(fast, fast_keep, strict=True)
    ]
    split = _modes(fast) if either_mode and not any(match) else None
    if split is not None and _modes(slow) is None:
        # the faster side ran in both modes, the slower side in one: which one is not
        # known, so the slower side against the faster side's slow mode must show the
        # change too, set aside or not (else +10 % on a head with 2 of 4 processes slow,
        # against a base with all 4 slow, reads as a 30 % "improvement"; and a widely
        # spread side that widened the disturbed width beyond the mode gap made the
        # mix of modes a change), unless the slower side's processes all falling in the
        # slow mode is unlikely beside all in the fast one, at the rate the faster side shows
        slow_mode = split[1] if sign > 0 else split[0]
        rate = len(slow_mode) / len(fast)
        if rate >= 0.5 or (rate / (1 - rate)) ** len(slow) >= MODE_ODDS:
            match = [f in slow_mode for f in fast]
    if not any(match):
        return None
    if head_slower:
        return _unpaired(_pick(x, match), _pick(y, keep_y), prior, extra)
    return _unpaired(_pick(x, keep_x), _pick(y, match), prior, extra)


def benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    """Adjusted p-values (step-up), each >= its raw value, capped at 1."""
    n = len(p)
    if n == 0:
        return p
    order = np.argsort(p)
    ranked = p[order] * n / np.arange(1, n + 1)
    adjusted = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(n)
    out[order] = np.minimum(adjusted, 1.0)
    return np.maximum(out, p)


def _not_comparable(base: Measurement, head: Measurement) -> str | None:
    if base.unit != head.unit:
        return f"unit changed from {base.unit!r} to {head.unit!r}: values are not comparable"
    if base.kind != head.kind:
        return f"benchmark type changed from {base.kind.value} to {head.kind.value}"
    if base.version and head.version and base.version != head.version:
        return "benchmark code changed (asv version hash differs): results are not comparable"
    return None


def _not_positive(m: Measurement, side: str) -> str | None:
    """Ratios and logs need positive, finite samples (a timing of 0 is a broken measurement)."""
    for run in m.runs:
        if run and not (
            min(run) > 0 and math.isfinite(math.fsum(run))
        ):  # fsum: NaN or Inf if any is
            bad = next(x for x in run if not (x > 0 and math.isfinite(x)))
            return f"{side} has a sample of {bad!r}: a ratio needs positive, finite values"
    return None


def _shell(m: Measurement, direction: Direction, verdict: Verdict, message: str) -> Comparison:
    return Comparison(
        name=m.name,
        benchmark=m.benchmark,
        kind=m.kind,
        unit=m.unit,
        direction=direction,
        verdict=verdict,
        message=message,
        params=m.params,
    )


def _non_statistical(
    base: Measurement | None, head: Measurement | None, config: Config
) -> Comparison | None:
    m = head or base
    assert m is not None
    direction = config.direction_for(m)
    if head is None:
        return _shell(m, direction, Verdict.MISSING, "in the baseline but not measured in head")
    if base is None:
        return _shell(m, direction, Verdict.NEW, "new in head: no baseline to compare with")
    if base.error or head.error:
        side = "base and head" if base.error and head.error else "base" if base.error else "head"
        return _shell(m, direction, Verdict.FAILED, f"failed in {side}: {head.error or base.error}")
    if base.skipped and head.skipped:
        return _shell(m, direction, Verdict.SKIPPED, "skipped on both sides")
    if base.skipped or head.skipped:
        return _shell(
            m, direction, Verdict.MISSING, f"skipped in {'head' if head.skipped else 'base'} only"
        )
    if not any(base.runs) or not any(head.runs):
        return _shell(m, direction, Verdict.MISSING, "no samples on one side")
    reason = (
        _not_comparable(base, head) or _not_positive(base, "base") or _not_positive(head, "head")
    )
    if reason:
        return _shell(m, direction, Verdict.NOT_COMPARABLE, reason)
    return None


def compare(
    base: Sequence[Measurement], head: Sequence[Measurement], config: Config = Config()
) -> tuple[Comparison, ...]:
    """Compare every benchmark of ``head`` with ``base`` (matched by full name)."""
    return compare_with_notes(base, head, config)[0]


# a shift between two files beyond this (read from the run) gets a warning in the report
SHIFT_WARNING = 0.20


def compare_with_notes(
    base: Sequence[Measurement], head: Sequence[Measurement], config: Config = Config()
) -> tuple[tuple[Comparison, ...], tuple[str, ...]]:
    """``compare``, and what the report should say about the run as a whole: for files
    perfkit did not measure, a shift between them beyond ``SHIFT_WARNING`` (the machine
    moved so much between the two files that no smaller change can be told from them)."""
    b = {m.name: m for m in base}
    h = {m.name: m for m in head}
    names = sorted(b.keys() | h.keys())
    out: dict[str, Comparison] = {}
    todo: list[str] = []
    for name in names:
        shell = _non_statistical(b.get(name), h.get(name), config)
        if shell is not None:
            out[name] = shell
        else:
            todo.append(name)
    fast = {n: f for n in todo if (f := _fast_state(b[n], h[n], config)) is not None}
    sides = {n: fast[n][:2] if n in fast else (b[n], h[n]) for n in todo}
    values = _all_values(list(sides.values()), config)
    pending = []
    for n in todo:
        pair = fast[n][2] if n in fast else True
        pending.append((n, _summarise(*sides[n], config, values, fast=n in fast, pair=pair)))
    notes: list[str] = []
    gaps = [s.estimate - s.best_shift for _n, s in pending if s.best_shift is not None]
    if gaps:
        shift = math.expm1(abs(float(np.median(gaps))))
        if shift > SHIFT_WARNING:
            notes.append(
                f"base and head were measured under different machine load: their process "
                f"values moved {shift * 100:.0f} % more than their fastest samples (median "
                f"over {len(gaps)} benchmarks); no change smaller than that can be told from "
                "these files: measure both sides together (perfkit run) for a verdict"
            )
    for name, comparison in _decide(pending, b, h, config):
        out[name] = comparison
    return tuple(out[n] for n in names), tuple(notes)


def _load_shift(s: list[_Summary]) -> np.ndarray:
    """Sides perfkit did not measure: how far the machine moved between them, read from the
    run itself: the variance of the shift between the two files, per benchmark (where
    perfkit measured the sides, the summary's own, from ``session_sigma``).

    A code change moves a benchmark's fastest samples as much as its process values; a
    busier machine moves the process values and hardly the fastest samples (other tenants
    only ever slow samples down). The median, over the run's benchmarks, of (process
    estimate - best-sample shift) is the load shift between the two files; its square is
    the session variance of every foreign benchmark. With at least ``LOAD_FROM``
    benchmarks it replaces the prior ``2 * session_sigma^2``; with fewer (one benchmark's
    own gap is noisy) it is added to it. Swapping the sides flips its sign, not its size.
    An exact copy x1.3 has none; a side measured 4x slower under load has a large one, and
    then no benchmark of that pair is called from those files."""
    foreign = [x.best_shift is not None for x in s]
    gaps = [x.estimate - x.best_shift for x in s if x.best_shift is not None]
    if not gaps:
        return np.array([x.extra for x in s])
    load = float(np.median(gaps)) ** 2
    return np.array(
        [
            (load if len(gaps) >= LOAD_FROM else x.extra + load) if f else x.extra
            for x, f in zip(s, foreign, strict=True)
        ]
    )


def _tests(s: list[_Summary], config: Config, extra: np.ndarray) -> tuple[np.ndarray, ...]:
    """Moderated t per summary: estimate, two-sided p, interval half-width, and the
    smallest change detectable at 80 % power (all finite); ``extra``: the variance of a
    shift between the sessions, per summary (``_load_shift``)."""
    d0, conf = config.stats.prior_df, config.stats.confidence
    est = np.array([x.estimate for x in s])
    df = np.array([x.df for x in s], dtype=float)
    data = np.array([x.var_data for x in s])
    prior = np.array([x.var_prior for x in s])
    s2 = (df * data + d0 * prior) / (df + d0)
    # the prior guards against a few processes agreeing by chance; it must not pull a
    # benchmark whose processes spread wider than it back towards it (memory-layout
    # sensitive kernels: sd 4-10 %, tools/process_spread_sim.py): where the data's variance
    # lies beyond the prior's at level PRIOR_CONFLICT, the data stand alone
    with np.errstate(divide="ignore", invalid="ignore"):
        wide = (df > 0) & (chdtrc(df, df * data / prior) < PRIOR_CONFLICT)
    s2 = np.where(wide, data, s2)
    dof = np.maximum(np.where(wide, df, df + d0), 1.0)
    se = np.sqrt(s2 * np.array([x.scale for x in s]) + extra)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(se > 0, est / se, np.where(est == 0, 0.0, np.inf))
    p = np.clip(2 * stdtr(dof, -np.abs(t)), 0.0, 1.0)
    half = stdtrit(dof, 0.5 + conf / 2) * se
    mde = (stdtrit(dof, 1 - config.stats.fdr / 2) + stdtrit(dof, POWER)) * se
    return est, np.nan_to_num(p, nan=1.0), half, mde


def _all_readings(readings: list[list[_Summary]], config: Config, extra: np.ndarray):
    """An intersection-union test of several readings of the same benchmarks: the first
    reading's estimate, the largest p-value, the union of the intervals, the largest
    detectable change, and each reading's p-value."""
    tests = [_tests(r, config, extra) for r in readings]
    ps = [t[1] for t in tests]
    return (
        tests[0][0],
        np.maximum.reduce(ps),
        np.minimum.reduce([e - h for e, _p, h, _m in tests]),
        np.maximum.reduce([e + h for e, _p, h, _m in tests]),
        np.maximum.reduce([t[3] for t in tests]),
        ps,
    )


def _decide(pending, b, h, config: Config):
    if not pending:
        return []
    s = [p[1] for p in pending]
    load = _load_shift(s)
    # the mode-swap reading and, on perfkit's own sides, the undisturbed processes alone
    # (where there are such readings) must show the change too: an intersection-union
    # test, whose p-value is the largest of the readings' and whose interval is their union
    est, p, low, high, mde, (p_main, p_alt, _) = _all_readings(
        [s, [x.alt or x for x in s], [x.clean or x for x in s]], config, load
    )
    # on foreign sides two more readings may call the change, by a weighted Bonferroni
    # (each reading at its share of the level: min over readings of p / weight): the rank
    # reading (sides of as many processes) where the processes of a side disagree, and
    # the best-sample reading (with its own mode-swap guard) where load scattered the
    # process values; the estimate and interval are then those of the reading that decided
    others = []  # (reading, present, estimate, p, interval low, high, mde)
    for key, summaries in (("rank", [x.qq for x in s]), ("best", [x.best for x in s])):
        has = np.array([r is not None for r in summaries])
        if has.any():
            readings = [[r or x for r, x in zip(summaries, s, strict=True)]]
            if any(r is not None and r.alt is not None for r in summaries):
                readings.append(
                    [(r and r.alt) or r or x for r, x in zip(summaries, s, strict=True)]
                )
            others.append((key, has, *_all_readings(readings, config, load)[:5]))
    decided = np.full(len(s), "", dtype=object)
    if others:
        score = p / (1.0 - sum(np.where(has, READING_WEIGHT[key], 0.0) for key, has, *_ in others))
        for key, has, est_r, p_r, low_r, high_r, mde_r in others:
            score_r = np.where(has, p_r / READING_WEIGHT[key], np.inf)
            wins = score_r < score
            score = np.minimum(score, score_r)
            decided = np.where(wins, key, decided)
            est = np.where(wins, est_r, est)
            low = np.where(wins, low_r, low)
            high = np.where(wins, high_r, high)
            mde = np.where(has, np.minimum(mde, mde_r), mde)
        p = np.minimum(score, 1.0)
    p_adj = benjamini_hochberg(p)
    conf = config.stats.confidence
    results = []
    for i, (name, summ) in enumerate(pending):
        m = h[name]
        direction = config.direction_for(m)
        threshold = config.threshold_for(name)
        method = (
            "paired moderated t on log process values (better half)"
            if summ.paired
            else "moderated t on log process values (better half)"
        )
        if summ.fast:
            method += ", samples measured while the CPU ran in its fast state (calibrated)"
        if summ.modes:
            method += ", each speed mode of the machine against the same mode"
        if summ.alt is not None:
            method += "; also the mode-swap reading (the faster side's slow-mode processes against the slower side)"
        if summ.clean is not None:
            method += "; also the undisturbed processes alone"
        if summ.qq is not None:
            method += "; or the rank reading (k-th fastest process against k-th fastest)"
            if decided[i] == "rank":
                method += ", which decided"
        if summ.best is not None:
            method += "; or the best-sample reading (each process's best sample)"
            if decided[i] == "best":
                method += ", which decided"
        if summ.best_shift is not None:
            method += (
                f"; shift between the files {math.expm1(math.sqrt(load[i])) * 100:.1f} %"
                " (read from the run's fastest samples)"
            )
        ev = Evidence(
            ratio=math.exp(est[i]),
            ci_low=math.exp(low[i]),
            ci_high=math.exp(high[i]),
            p_value=float(p[i]),
            p_adjusted=float(p_adj[i]),
            threshold=threshold,
            confidence=conf,
            n_base_samples=sum(map(len, b[name].runs)),
            n_head_samples=sum(map(len, m.runs)),
            n_base_runs=summ.n_base,
            n_head_runs=summ.n_head,
            base_location=summ.base_loc,
            head_location=summ.head_loc,
            min_detectable=math.expm1(mde[i]),
            paired=summ.paired,
            method=method,
        )
        verdict = _verdict(
            m,
            direction,
            ev,
            est[i],
            low[i],
            high[i],
            config,
            summ.consistent,
            ambiguous=summ.alt is not None and p_alt[i] > p_main[i],
            single=summ.single,
        )
        results.append((name, verdict))
    return results


def _verdict(
    m: Measurement,
    direction: Direction,
    ev: Evidence,
    est: float,
    low: float,
    high: float,
    config: Config,
    consistent: bool = True,
    ambiguous: bool = False,
    single: bool = False,
) -> Comparison:
    sign = -1.0 if direction is Direction.HIGHER_IS_BETTER else 1.0
    w, lo, hi = sign * est, min(sign * low, sign * high), max(sign * low, sign * high)
    big = math.log1p(ev.threshold)
    # a change is only called when its interval is clear of "no change" as shown (to the
    # 0.1 % the messages print): an interval from +0.0 % is not evidence of a slowdown
    significant = (
        ev.p_adjusted < config.stats.fdr
        and consistent
        and not single
        and (lo >= CLEAR or hi <= -CLEAR)
    )
    pct = f"{math.expm1(abs(w)) * 100:.1f} %"
    interval = f"{config.stats.confidence * 100:.0f} % CI {math.expm1(lo) * 100:+.1f} to {math.expm1(hi) * 100:+.1f} %"
    evidence = (
        f"({interval} worse, p_adj = {ev.p_adjusted:.2g}, threshold {ev.threshold * 100:g} %)"
    )
    severity = None
    # below the threshold, a significant change counts when its interval still reaches it:
    # only a change the data show to be smaller than the threshold is never a regression
    reach = "" if abs(w) >= big else f"; a {ev.threshold * 100:g} % change is inside the interval"
    if significant and w > 0 and hi >= big:
        verdict, message = Verdict.REGRESSION, f"worse by {pct} {evidence}{reach}"
        frac = math.expm1(w)
        severity = (
            Severity.CRITICAL
            if frac >= config.severity.critical
            else Severity.MAJOR
            if frac >= config.severity.major
            else Severity.MINOR
        )
    elif significant and w < 0 and lo <= -big:
        verdict, message = Verdict.IMPROVEMENT, f"better by {pct} {evidence}{reach}"
    elif -big < lo and hi < big:
        verdict = Verdict.UNCHANGED
        message = f"no change beyond the {ev.threshold * 100:g} % threshold {evidence}"
    else:
        verdict = Verdict.INCONCLUSIVE
        message = (
            f"noise too high to tell a {ev.threshold * 100:g} % change: this data could "
            f"detect >= {ev.min_detectable * 100:.0f} % {evidence}"
        )
        if not consistent:
            message += "; the undisturbed processes alone point the other way"
        if single:
            message += (
                "; one process on a side cannot be told from a process in the machine's "
                "other speed mode: measure more rounds"
            )
        if ambiguous:
            message += (
                "; the slower side may have run in the slow mode the faster side's slowest "
                "processes show (the difference may be two speed modes of the machine, not the code)"
            )
    return Comparison(
        name=m.name,
        benchmark=m.benchmark,
        kind=m.kind,
        unit=m.unit,
        direction=direction,
        verdict=verdict,
        severity=severity,
        evidence=ev,
        message=message,
        params=m.params,
    )
