"""The two-mode process model, simulated: how often identical code is flagged, how often
an every-sample x1.3 copy is Critical, and how often +10 % is caught, for one benchmark
of 4 processes x 10 samples a side, sides unpaired and not one session.

Each process runs at speed 1 or, with probability ``p_slow``, 1.3-1.8x slower for its
whole life, times a per-process jitter (sd 1 % or 3 %); samples add |N(0, 1 %)|.

    python tools/two_mode_sim.py [--draws 400] [--seed 1]

With ``--session``: sides of one perfkit session (paired rounds) on a machine whose slow
mode is one factor for the benchmark (1.57x, as the CI runs showed), 4-12 rounds a side,
30-70 % of processes slow: identical code flagged, +5 % and +10 % caught, wrong direction.

    python tools/two_mode_sim.py --session [--draws 300] [--seed 1] [--process-sd 0.015]
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from perfkit.model import BenchmarkKind, Measurement, Severity, Verdict  # noqa: E402
from perfkit.verdict.stats import compare  # noqa: E402


def side(
    rng, scale, runs=4, k=10, p_slow=0.25, proc_sd=0.02, sample_sd=0.01, factor=None, session=None
) -> Measurement:
    """``factor``: the slow mode's one factor (None: 1.3-1.8x drawn for each process)."""
    out = []
    for _ in range(runs):
        # the slow factor drawn only for a slow process: the default table's random stream
        # stays what it was before --session
        mode = (factor or rng.uniform(1.3, 1.8)) if rng.random() < p_slow else 1.0
        out.append(
            tuple(
                scale
                * mode
                * math.exp(rng.normal(0, proc_sd))
                * np.exp(np.abs(rng.normal(0, sample_sd, k)))
            )
        )
    return Measurement(
        name="b",
        benchmark="b",
        kind=BenchmarkKind.TIME,
        unit="seconds",
        runs=tuple(out),
        runs_known=True,
        session=session,
    )


def session_table(draws: int, rng, proc_sd: float) -> None:
    print("| rounds a side | p_slow | A/A flagged | +5 % caught | +10 % caught | wrong direction |")
    print("|---|---|---|---|---|---|")
    for runs in (4, 8, 12):
        for p_slow in (0.3, 0.5, 0.7):
            counts = []
            for scale in (1.0, 1.05, 1.10):
                flagged = wrong = 0
                for _ in range(draws):
                    a, b = (
                        side(rng, s, runs, p_slow=p_slow, proc_sd=proc_sd, factor=1.57, session="s")
                        for s in (1.0, scale)
                    )
                    (c,) = compare([a], [b])
                    flagged += c.verdict is Verdict.REGRESSION
                    wrong += c.verdict is Verdict.IMPROVEMENT
                counts.append((flagged, wrong))
            (fa, fi), (d5, w5), (d10, w10) = counts
            print(
                f"| {runs} | {p_slow} | {(fa + fi) / draws:.1%} | {d5 / draws:.1%} "
                f"| {d10 / draws:.1%} | {w5 + w10}/{2 * draws} |"
            )


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--draws", type=int, default=400)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--session", action="store_true", help="one session, one slow-mode factor")
    ap.add_argument("--process-sd", type=float, default=0.015, help="with --session")
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    if args.session:
        session_table(args.draws, rng, args.process_sd)
        return 0
    print("| p_slow | process sd | A/A flagged | x1.3 Critical | +10 % caught | wrong direction |")
    print("|---|---|---|---|---|---|")
    for p_slow in (0.0, 0.15, 0.3, 0.5):
        for sd in (0.01, 0.03):
            fa = crit = det = wrong = 0
            for _ in range(args.draws):
                a, b = (
                    side(rng, 1, p_slow=p_slow, proc_sd=sd),
                    side(rng, 1, p_slow=p_slow, proc_sd=sd),
                )
                (c,) = compare([a], [b])
                fa += c.verdict in (Verdict.REGRESSION, Verdict.IMPROVEMENT)
                x = Measurement(
                    **{**a.__dict__, "runs": tuple(tuple(v * 1.3 for v in r) for r in a.runs)}
                )
                (c,) = compare([a], [x])
                crit += c.severity is Severity.CRITICAL
                (c,) = compare([a], [side(rng, 1.1, p_slow=p_slow, proc_sd=sd)])
                det += c.verdict is Verdict.REGRESSION
                wrong += c.verdict is Verdict.IMPROVEMENT
            n = args.draws
            print(
                f"| {p_slow} | {sd:.0%} | {fa / n:.1%} | {crit / n:.1%} | {det / n:.1%} | {wrong}/{n} |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
