"""perfkit's verdicts on sides whose CPU switches between a fast and a slow state, with and
without the calibration readings (docs/statistics.md "The CPU's state, read").

    python tools/fast_state_sim.py [--draws 200] [--rounds 8]

The model: one session of ``--rounds`` rounds, 10 samples a process; each process starts in
the slow state (1.9x) with probability q and switches state between samples with
probability 0.1; a sample's own jitter is 1 %, the calibration loop reads the same state
with 3 % jitter. Per cell: identical code flagged, +5 % and +10 % caught (as regressions),
and the wrong direction (improvements) at +5/+10 %.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import detection_eval  # noqa: E402  (stored processes as Measurements)

from perfkit.model import Measurement  # noqa: E402
from perfkit.verdict.stats import compare  # noqa: E402

SLOW = 1.9


def timed(runs: list[tuple[float, ...]], calibration: list[tuple[float, ...]]) -> Measurement:
    """One benchmark's processes of one session, with their calibration readings."""
    return detection_eval.timed("b.time_x", runs, "s1", True, calibration)


def side(rng, n: int, effect: float, q: float, switch: float = 0.1) -> Measurement:
    """``n`` processes of the model: each starts slow with probability ``q`` and switches
    state between samples with probability ``switch``."""
    runs, cal = [], []
    for _ in range(n):
        slow = rng.random() < q
        r, c = [], []
        for _ in range(10):
            state = SLOW if slow else 1.0
            r.append(0.01 * effect * state * (1 + abs(rng.normal(0, 0.01))))
            c.append(0.0004 * state * (1 + abs(rng.normal(0, 0.03))))
            slow = slow != (rng.random() < switch)
        runs.append(tuple(r))
        cal.append(tuple(c))
    return timed(runs, cal)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=8)
    args = ap.parse_args()
    print(
        "| slow share | readings | identical code flagged | +5 % caught | +10 % caught "
        "| wrong direction |"
    )
    print("|---|---|---|---|---|---|")
    for q in (0.3, 0.5, 0.7):
        for calibrated in (False, True):
            rng = np.random.default_rng(1)
            counts = {1.0: 0, 1.05: 0, 1.1: 0}
            wrong = 0
            for _ in range(args.draws):
                for effect in counts:
                    base, head = side(rng, args.rounds, 1.0, q), side(rng, args.rounds, effect, q)
                    if not calibrated:
                        base, head = replace(base, calibration=()), replace(head, calibration=())
                    v = compare([base], [head])[0].verdict.value
                    if effect == 1.0:
                        counts[effect] += v in ("regression", "improvement")
                    else:
                        counts[effect] += v == "regression"
                        wrong += v == "improvement"
            pct = {k: f"{v / args.draws * 100:.1f} %" for k, v in counts.items()}
            print(
                f"| {q} | {'yes' if calibrated else 'no'} | {pct[1.0]} | {pct[1.05]} | "
                f"{pct[1.1]} | {wrong} of {2 * args.draws} |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
