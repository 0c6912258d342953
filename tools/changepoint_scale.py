"""Scale of change-point detection: many series x many commits, time and peak memory.

Usage:
    PYTHONPATH=. python tools/changepoint_scale.py [--series 1000] [--commits 1000]
        [--repeats 3] [--seed 1]

Builds ``--series`` series of ``--commits`` commits (heavy-tailed t(3) noise, 1.5 %
outliers, 0-4 steps of 2 sigma each, per-commit spread and sample count) and runs
``perfkit.history.changepoint.detect_many`` on all of them ``--repeats`` times, printing the wall
time of each repeat (min / median / max), the change points found, and the process's peak
resident memory (``ru_maxrss``, which includes Python, numpy, numba and LLVM). The first
call in the process (loading the compiled kernels from numba's cache, or compiling them)
is timed separately as "cold" and not counted in the repeats.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time

import numpy as np

from perfkit.history.changepoint import SeriesInput, detect_many


def make_inputs(n_series: int, n_commits: int, seed: int) -> list[SeriesInput]:
    rng = np.random.default_rng(seed)
    sigma = 0.02
    noise = rng.standard_t(3, (n_series, n_commits)) * (sigma / np.sqrt(3.0))
    outliers = rng.random((n_series, n_commits)) < 0.015
    noise[outliers] += rng.uniform(4, 10, outliers.sum()) * sigma
    level = np.ones((n_series, n_commits))
    for i in range(n_series):
        for pos in rng.integers(20, n_commits - 20, rng.integers(0, 5)):
            level[i, pos:] += rng.choice((-2.0, 2.0)) * sigma
    values = level * (1.0 + noise)
    spreads = np.abs(rng.normal(0.3 * sigma, 0.1 * sigma, values.shape))
    counts = np.full(n_commits, 10.0)
    return [SeriesInput(values[i], spreads[i], counts, name=f"bench_{i}") for i in range(n_series)]


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=1000)
    parser.add_argument("--commits", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    inputs = make_inputs(args.series, args.commits, args.seed)
    start = time.perf_counter()
    detect_many(inputs[:1])
    cold = time.perf_counter() - start
    times, found = [], 0
    for _ in range(args.repeats):
        start = time.perf_counter()
        result = detect_many(inputs)
        times.append(time.perf_counter() - start)
        found = sum(len(cps) for cps in result)
    import numba

    print(
        f"{args.series} series x {args.commits} commits, {numba.get_num_threads()} threads "
        f"on {os.cpu_count()} CPUs: {found} change points\n"
        f"cold start (load/compile kernels): {cold:.2f} s\n"
        f"analysis over {args.repeats} repeats: min {min(times):.2f} s, "
        f"median {statistics.median(times):.2f} s, max {max(times):.2f} s\n"
        f"peak RSS: {peak_rss_mib():.0f} MiB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
