"""Working set and latency per cache level on this machine: what
`system.CachePerformanceAnalysis` measures, without asv (median of --repeats laps)."""

from __future__ import annotations

import argparse
import statistics
import time

from perfkit_workloads.cache import LEVELS, cache_sizes, chase, chase_ring, working_set


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--steps", type=int, default=2_000_000, help="dependent loads per lap")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    print("reported:", ", ".join(f"{k} {v >> 10} KiB" for k, v in cache_sizes().items()))
    for level in LEVELS:
        ring = chase_ring(level)
        pos = chase(ring, min(len(ring), 20_000_000))  # warm: bring the ring into its level
        laps = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            pos = chase(ring, args.steps, pos)
            laps.append((time.perf_counter() - start) / args.steps * 1e9)
        print(
            f"{level:5s} {working_set(level) >> 10:>9,} KiB  {statistics.median(laps):6.1f} ns/load "
            f"(min {min(laps):.1f}, max {max(laps):.1f})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
