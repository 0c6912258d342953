"""Identical code, one perfkit session, no speed modes: how often is it flagged when the
processes of a benchmark spread symmetrically (log-normal, sd 2-10 %; memory-layout
sensitive kernels do this) rather than only ever being slowed down?

    python tools/process_spread_sim.py [--draws 400] [--seed 7]
    python tools/process_spread_sim.py --disturbed 10 --prior-sigma 0.06   # the diagnosis
    python tools/process_spread_sim.py --files     # sides from two files (no session)

A fixed 10 % disturbed width and a fixed 3 % prior flagged such code 10-22 % of the time;
since the benchmark's own spread widens the width and the data can overrule the prior,
5-9 % with 5 or more processes a side (docs/statistics.md, "Process spread").
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from perfkit.config import Config  # noqa: E402
from perfkit.model import BenchmarkKind, Measurement, Verdict  # noqa: E402
from perfkit.verdict.stats import compare  # noqa: E402


def side(rng, runs: int, samples: int, sd: float, session: str | None = "s") -> Measurement:
    out = tuple(
        tuple(math.exp(rng.normal(0, sd)) * np.exp(np.abs(rng.normal(0, 0.01, samples))))
        for _ in range(runs)
    )
    m = Measurement(
        name="b", benchmark="b", kind=BenchmarkKind.TIME, unit="seconds", runs=out, runs_known=True
    )
    return replace(m, session=session)


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--draws", type=int, default=400)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--disturbed", type=float, help="stats.disturbed (10: nothing set aside)")
    ap.add_argument("--prior-sigma", type=float, help="stats.prior_sigma (default 0.03)")
    ap.add_argument(
        "--files", action="store_true", help="sides from files (no session), not one session"
    )
    args = ap.parse_args()
    stats = Config().stats
    for key in ("disturbed", "prior_sigma"):
        if getattr(args, key) is not None:
            stats = dataclasses.replace(stats, **{key: getattr(args, key)})
    config = dataclasses.replace(Config(), stats=stats)
    rng = np.random.default_rng(args.seed)
    sds = (0.02, 0.04, 0.06, 0.10)
    print(
        "| samples a process | processes a side | " + " | ".join(f"sd {s:.0%}" for s in sds) + " |"
    )
    print("|---|---|" + "---|" * len(sds))
    for samples in (10, 1):
        for runs in (3, 5, 10):
            cells = []
            for sd in sds:
                flagged = 0
                for _ in range(args.draws):
                    session = None if args.files else "s"
                    base = side(rng, runs, samples, sd, session)
                    head = side(rng, runs, samples, sd, session)
                    (c,) = compare([base], [head], config)
                    flagged += c.verdict in (Verdict.REGRESSION, Verdict.IMPROVEMENT)
                cells.append(f"{flagged / args.draws:.1%}")
            print(f"| {samples} | {runs} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
