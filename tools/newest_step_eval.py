"""How soon a step at the newest commits is reported, and how often noise is.

Usage:
    PYTHONPATH=. python tools/newest_step_eval.py [--baseline 100] [--trials 200]
        [--noise-series 10000] [--seed 1] [--json OUT.json]

1. Detection: a stable series of ``--baseline`` commits (log-normal noise with the given
   coefficient of variation), then a step by a factor (2x, 1.3x, 1.1x, up and down
   alternately) followed by ``j`` commits. For each factor, noise level and ``j`` the
   share of ``--trials`` series where a change point is reported within one commit of the
   step, at the default settings (:mod:`perfkit.history.changepoint`). The table prints, per
   factor and noise, the smallest ``j`` with at least 90 % detection.
2. False alarms: ``--noise-series`` series of ``--baseline`` commits of pure noise
   (Gaussian and Student t with 3 degrees of freedom): the share with a change point
   among the newest ``2 * min_size`` commits, among the first ``2 * min_size``, and
   anywhere.
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np

from perfkit.history.changepoint import DEFAULT_MIN_SIZE, SeriesInput, detect_many

FACTORS = (2.0, 1.3, 1.1)
NOISES = (0.02, 0.05, 0.10)
MAX_AFTER = 40


def detection(baseline: int, trials: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    out: dict = {}
    for factor in FACTORS:
        for cv in NOISES:
            rates = []
            for j in range(1, MAX_AFTER + 1):
                n = baseline + j
                x = np.exp(cv * rng.standard_normal((trials, n)))
                up = np.arange(trials) % 2 == 0
                x[up, baseline:] *= factor
                x[~up, baseline:] /= factor
                found = detect_many([SeriesInput(row) for row in x])
                hit = [any(abs(c.index - baseline) <= 1 for c in cps) for cps in found]
                rates.append(float(np.mean(hit)))
            first = next((j for j, r in enumerate(rates, 1) if r >= 0.9), None)
            half = next((j for j, r in enumerate(rates, 1) if r >= 0.5), None)
            out[f"{factor}x cv {cv:.0%}"] = {
                "rates": rates,
                "points_needed_90": first,
                "points_needed_50": half,
            }
    return out


def false_alarms(baseline: int, count: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    newest = 2 * DEFAULT_MIN_SIZE
    out = {}
    for kind in ("gaussian", "t3"):
        noise = rng.standard_normal if kind == "gaussian" else lambda s: rng.standard_t(3, s)
        x = 1.0 + 0.02 * noise((count, baseline))
        found = detect_many([SeriesInput(row) for row in x])
        at_newest = sum(any(c.index >= baseline - newest for c in cps) for cps in found)
        at_first = sum(any(c.index < newest for c in cps) for cps in found)
        out[kind] = {
            "series": count,
            "at_newest": at_newest,
            "at_first": at_first,
            "anywhere": sum(map(bool, found)),
        }
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=int, default=100)
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--noise-series", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", dest="json_path")
    args = parser.parse_args(argv)
    det = detection(args.baseline, args.trials, args.seed)
    fa = false_alarms(args.baseline, args.noise_series, args.seed + 1)
    print(f"baseline {args.baseline} stable commits, {args.trials} trials per cell")
    print(
        f"step   noise  points after the step for >= 50 % / >= 90 % detection (None: not "
        f"within {MAX_AFTER}); rates at 1..6 and at {MAX_AFTER}"
    )
    for key, cell in det.items():
        head = " ".join(f"{r:.2f}" for r in cell["rates"][:6])
        print(
            f"{key:<14} {cell['points_needed_50']!s:>4} / {cell['points_needed_90']!s:>4}   "
            f"[{head}] {cell['rates'][-1]:.2f}"
        )
    for kind, cell in fa.items():
        print(
            f"noise only ({kind}): {cell['at_newest']} of {cell['series']} with a change point "
            f"in the newest {2 * DEFAULT_MIN_SIZE} commits, {cell['at_first']} in the first "
            f"{2 * DEFAULT_MIN_SIZE}, {cell['anywhere']} anywhere"
        )
    if args.json_path:
        with open(args.json_path, "w", encoding="utf-8") as fh:
            json.dump({"args": vars(args), "detection": det, "false_alarms": fa}, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
