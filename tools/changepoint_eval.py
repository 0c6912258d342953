"""Change-point detection quality on synthetic benchmark histories, side by side.

Usage:
    PYTHONPATH=. python tools/changepoint_eval.py [--seed 1] [--series 300] [--length 300]
        [--scenario realistic gaussian] [--json PATH]

For every scenario the SAME series go to every method:

* perfkit  — ``perfkit.history.changepoint.detect_many`` (alpha = 0.001, with spreads and counts);
* Otava    — Apache Otava 0.8 ``otava.analysis.compute_change_points`` with its defaults
  (window 50, p 0.001; ``pip install --no-deps apache-otava``: its pins would downgrade
  numpy, and the analysis needs only numpy and scipy);
* ruptures — PELT with the l2 cost (``KernelCPD(kernel="linear")``, ruptures' C PELT,
  identical results to ``Pelt(model="l2", jump=1)``) with the BIC penalty
  ``2 log(n) sigma^2`` (sigma from the MAD of successive differences), and once more with
  the penalty multiplier calibrated on separate noise series to 1 false change point per
  10,000 points (an oracle: it is tuned to the very noise it is scored on);
* asv      — ``asv.step_detect.detect_steps`` (the step fit behind ``asv publish``).

Series (relative units, level 1.0): each commit is measured as 2 processes x 5 samples;
a commit-level offset (between-commit variation) and a process offset are drawn from a
Student t (df = 3) scaled to the stated standard deviation, each sample adds a small
t(3) noise; the commit's location is the median of its 10 samples, its spread their
IQR / 1.349. ``sigma`` is the standard deviation of that commit location under no
change, measured on 200,000 simulated commits; steps are +-2 sigma. The ``realistic``
scenario adds outlier commits (1.5 %: all samples 4-10 sigma slower, one in five faster)
and a slow drift (a linear trend of up to +-1 sigma over the series plus a sine of
amplitude up to 0.75 sigma and period 1-3 series lengths). ``gaussian`` is the textbook
case: Gaussian commit noise, no outliers, no drift.

Step series have 1-4 steps at random positions, at least 20 commits apart and from the
ends. A detection matches a true step within +-5 commits (one-to-one, nearest first);
precision = matched / detected, recall = matched / true steps, location = share of
matched detections within +-1 commit. Noise series (same length, no steps) give the false
change points per 10,000 points. Time is the wall time of each method over all series.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np

from perfkit.history.changepoint import SeriesInput, detect_many

TOLERANCE = 5
MIN_GAP = 20
PROCESSES, SAMPLES = 2, 5
COMMIT_SD, PROCESS_SD, SAMPLE_SD = 0.02, 0.01, 0.004


@dataclass(frozen=True)
class Series:
    values: np.ndarray
    spreads: np.ndarray
    counts: np.ndarray
    steps: tuple[int, ...]


@dataclass(frozen=True)
class Row:
    scenario: str
    method: str
    precision: float
    recall: float
    false_per_10k: float
    location: float
    seconds: float
    detected: int
    true_steps: int


def _t3(rng: np.random.Generator, shape: tuple[int, ...] | int, sd: float) -> np.ndarray:
    return rng.standard_t(3, shape) * (sd / math.sqrt(3.0))


def _commit_samples(rng: np.random.Generator, n: int, gaussian: bool) -> np.ndarray:
    """Noise of n commits' samples, shape (n, PROCESSES * SAMPLES)."""
    if gaussian:
        commit = rng.normal(0.0, COMMIT_SD, (n, 1, 1))
        process = rng.normal(0.0, PROCESS_SD, (n, PROCESSES, 1))
        sample = rng.normal(0.0, SAMPLE_SD, (n, PROCESSES, SAMPLES))
    else:
        commit = _t3(rng, (n, 1, 1), COMMIT_SD)
        process = _t3(rng, (n, PROCESSES, 1), PROCESS_SD)
        sample = _t3(rng, (n, PROCESSES, SAMPLES), SAMPLE_SD)
    return (commit + process + sample).reshape(n, PROCESSES * SAMPLES)


def noise_sigma(gaussian: bool) -> float:
    """Standard deviation of a commit's location (median of its samples) under no change."""
    rng = np.random.default_rng(12345)
    return float(np.std(np.median(_commit_samples(rng, 200_000, gaussian), axis=1)))


def _step_positions(rng: np.random.Generator, n: int) -> list[int]:
    k = int(rng.integers(1, 5))
    for _ in range(1000):
        pos = np.sort(rng.integers(MIN_GAP, n - MIN_GAP + 1, k))
        if k == 1 or np.min(np.diff(pos)) >= MIN_GAP:
            return [int(p) for p in pos]
    return [n // 2]


def make_series(
    rng: np.random.Generator, n: int, sigma: float, realistic: bool, with_steps: bool
) -> Series:
    steps = _step_positions(rng, n) if with_steps else []
    level = np.ones(n)
    for pos in steps:
        level[pos:] += rng.choice((-2.0, 2.0)) * sigma
    if realistic:
        i = np.arange(n) / n
        level += rng.uniform(-1, 1) * sigma * (i - 0.5)
        period = rng.uniform(1.0, 3.0)
        level += rng.uniform(0, 0.75) * sigma * np.sin(2 * np.pi * i / period + rng.uniform(0, 6.3))
    samples = level[:, None] * (1.0 + _commit_samples(rng, n, not realistic))
    if realistic:
        bad = np.flatnonzero(rng.random(n) < 0.015)
        sign = np.where(rng.random(bad.size) < 0.8, 1.0, -1.0)
        samples[bad] *= (1.0 + sign * rng.uniform(4, 10, bad.size) * sigma)[:, None]
    q25, q50, q75 = np.percentile(samples, [25, 50, 75], axis=1)
    counts = np.full(n, samples.shape[1], dtype=float)
    return Series(q50, (q75 - q25) / 1.349, counts, tuple(steps))


# --- methods: each takes all series and returns the detected indices per series -------------


def run_perfkit(series: list[Series]) -> list[list[int]]:
    inputs = [SeriesInput(s.values, s.spreads, s.counts) for s in series]
    return [[cp.index for cp in cps] for cps in detect_many(inputs)]


def run_otava(series: list[Series]) -> list[list[int]]:
    from otava.analysis import compute_change_points

    return [[int(cp.index) for cp in compute_change_points(list(s.values))[0]] for s in series]


def _sigma(x: np.ndarray) -> float:
    d = np.diff(x)
    return float(1.4826 * np.median(np.abs(d - np.median(d))) / math.sqrt(2.0))


def _pelt(x: np.ndarray, multiplier: float) -> list[int]:
    import ruptures as rpt

    pen = multiplier * math.log(x.size) * _sigma(x) ** 2
    bkps = rpt.KernelCPD(kernel="linear", min_size=2, jump=1).fit(x).predict(pen=pen)
    return [int(b) for b in bkps[:-1]]


def run_ruptures(series: list[Series], multiplier: float = 2.0) -> list[list[int]]:
    return [_pelt(s.values, multiplier) for s in series]


def calibrate_ruptures(noise: list[Series], target_per_10k: float = 1.0) -> float:
    """Smallest BIC-style multiplier with at most ``target`` false change points per 10k."""
    points = sum(s.values.size for s in noise)
    lo, hi = 2.0, 200.0
    for _ in range(14):
        mid = math.sqrt(lo * hi)
        false = sum(len(_pelt(s.values, mid)) for s in noise)
        lo, hi = (lo, mid) if false * 1e4 / points <= target_per_10k else (mid, hi)
    return hi


def run_asv(series: list[Series]) -> list[list[int]]:
    from asv.step_detect import detect_steps

    return [[int(step[0]) for step in detect_steps(list(s.values))[1:]] for s in series]


# --- scoring ----------------------------------------------------------------------------------


def match(found: list[int], truth: tuple[int, ...]) -> list[int]:
    """Location errors of one-to-one matches within TOLERANCE, nearest pairs first."""
    pairs = sorted((abs(f - t), f, t) for f in found for t in truth if abs(f - t) <= TOLERANCE)
    used_f: set[int] = set()
    used_t: set[int] = set()
    errors = []
    for dist, f, t in pairs:
        if f not in used_f and t not in used_t:
            used_f.add(f)
            used_t.add(t)
            errors.append(dist)
    return errors


def score(
    scenario: str,
    method: str,
    steps: list[Series],
    found_steps: list[list[int]],
    noise: list[Series],
    found_noise: list[list[int]],
    seconds: float,
) -> Row:
    errors = [e for s, f in zip(steps, found_steps, strict=True) for e in match(f, s.steps)]
    detected = sum(len(f) for f in found_steps)
    true = sum(len(s.steps) for s in steps)
    noise_points = sum(s.values.size for s in noise)
    return Row(
        scenario=scenario,
        method=method,
        precision=len(errors) / detected if detected else math.nan,
        recall=len(errors) / true,
        false_per_10k=sum(len(f) for f in found_noise) * 1e4 / noise_points,
        location=float(np.mean(np.asarray(errors) <= 1)) if errors else math.nan,
        seconds=seconds,
        detected=detected,
        true_steps=true,
    )


def evaluate(scenario: str, n_series: int, length: int, seed: int) -> list[Row]:
    realistic = scenario == "realistic"
    sigma = noise_sigma(gaussian=not realistic)
    rng = np.random.default_rng(seed)
    steps = [make_series(rng, length, sigma, realistic, True) for _ in range(n_series)]
    noise = [make_series(rng, length, sigma, realistic, False) for _ in range(n_series)]
    calib_rng = np.random.default_rng(seed + 1_000_003)
    calib = [make_series(calib_rng, length, sigma, realistic, False) for _ in range(n_series)]
    multiplier = calibrate_ruptures(calib)
    methods: list[tuple[str, Callable[[list[Series]], list[list[int]]]]] = [
        ("perfkit (rank BS + local test, alpha 0.001)", run_perfkit),
        ("Apache Otava 0.8 (defaults)", run_otava),
        ("ruptures PELT l2, BIC penalty", run_ruptures),
        (
            f"ruptures PELT l2, penalty x{multiplier:.1f} log n (oracle-calibrated)",
            lambda s: run_ruptures(s, multiplier),
        ),
        ("asv step_detect.detect_steps", run_asv),
    ]
    rows = []
    for name, fn in methods:
        start = time.perf_counter()
        found_steps, found_noise = fn(steps), fn(noise)
        seconds = time.perf_counter() - start
        rows.append(score(scenario, name, steps, found_steps, noise, found_noise, seconds))
        print(f"  {scenario}: {name} done in {seconds:.1f} s", file=sys.stderr)
    return rows


def markdown(rows: list[Row]) -> str:
    head = (
        "| scenario | method | precision | recall | false CPs / 10k noise points "
        "| located +-1 | time (s) |\n|---|---|---|---|---|---|---|\n"
    )
    body = "".join(
        f"| {r.scenario} | {r.method} | {r.precision:.3f} | {r.recall:.3f} "
        f"| {r.false_per_10k:.2f} | {r.location:.3f} | {r.seconds:.2f} |\n"
        for r in rows
    )
    return head + body


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--series", type=int, default=300, help="series per kind and scenario")
    parser.add_argument("--length", type=int, default=300, help="commits per series")
    parser.add_argument(
        "--scenario",
        nargs="+",
        default=["realistic", "gaussian"],
        choices=["realistic", "gaussian"],
    )
    parser.add_argument("--json", help="also write the rows as JSON to this path")
    args = parser.parse_args(argv)
    run_perfkit([make_series(np.random.default_rng(0), 50, 0.02, True, True)])  # JIT warm-up
    rows = [
        row
        for scenario in args.scenario
        for row in evaluate(scenario, args.series, args.length, args.seed)
    ]
    print(
        f"{args.series} step series + {args.series} noise series of {args.length} commits "
        f"per scenario, seed {args.seed}, steps of 2 sigma, match within +-{TOLERANCE}\n"
    )
    print(markdown(rows))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump([asdict(r) for r in rows], fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
