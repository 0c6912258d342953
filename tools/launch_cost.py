"""CPU per measuring round: asv's default launch (spawn, up to 5 samples, 0.1 s warm-up)
vs perfkit's (forkserver, its default samples, asv's warm-up, numba set up once in the
forkserver, asv's discovery reused from a side's first round), perfkit's as it was
before 2026-12-07 (neither), with discovery in every round, without warm-up and with 5
samples per process, on the 12-body suite of tools/detection_eval.py.

    python tools/launch_cost.py --repeats 3
    python tools/launch_cost.py --repeats 5 --kinds 0,1,2   # asv, perfkit now and before
    python tools/launch_cost.py --repeats 5 --kinds 1,2 --benchmarks 2   # small rounds
    PYTHONPATH=/tmp/before python tools/launch_cost.py --defaults --repo /tmp/lc-repo
                                                    # another checkout's perfkit, alternately

With ``--benchmarks N`` a round runs only the first N bodies (the sequential stage's rounds
hold only the benchmarks still open): two sizes give a round's fixed cost (asv's start,
discovery, the forkserver's import) and a process's.

Each round is one real `asv run` of the benchmarks in the current Python; the figure
is the user+sys CPU time of everything it started. Rounds of the two kinds alternate so
drift of this shared machine hits both alike.
"""

from __future__ import annotations

import argparse
import inspect
import os
import re
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if not os.environ.get("PYTHONPATH"):  # PYTHONPATH chooses the perfkit measured (--defaults)
    sys.path.insert(0, str(ROOT))
from perfkit.measure import asvrun  # noqa: E402
from perfkit.measure.protocol import Protocol  # noqa: E402

# after perfkit's import: detection_eval puts this checkout first on the path
sys.path.insert(0, str(ROOT / "tools"))
import detection_eval  # noqa: E402

P = Protocol()
WARM = "asv's 0.1 s" if P.warmup < 0 else f"{P.warmup:g} s"
PRELOAD = getattr(P, "preload", False)  # a perfkit before 2026-12-07 has none (--defaults)
PRE = "numba preloaded" if PRELOAD else "no preload"
DEF = dict(launch=P.launch, repeat=P.repeat, warmup=P.warmup, preload=PRELOAD, reuse=True)
KINDS: dict[str, dict] = {
    "asv default (spawn, repeat (1,5,10.0), warm-up 0.1 s)": dict(
        launch="spawn", repeat="(1,5,10.0)", warmup=-1.0, preload=False, reuse=False
    ),
    # a round after a side's first: asv's discovery reused (perfkit.measure.asvmain)
    f"perfkit ({P.launch}, repeat {P.repeat}, warm-up {WARM}, {PRE}, discovery reused)": DEF,
    # as before 2026-12-07: numba's compiler set up in every forked process, and asv
    # discovering the suite again in every round
    f"perfkit as before 2026-12-07 ({P.launch}, repeat {P.repeat}, warm-up {WARM})": {
        **DEF,
        "preload": False,
        "reuse": False,
    },
    f"perfkit, discovery each round ({PRE})": {**DEF, "reuse": False},
    f"perfkit without warm-up (--warmup 0, {PRE}, discovery reused)": {**DEF, "warmup": 0.0},
    # asv re-runs a benchmark's setup before every sample (one call per sample when
    # there is a setup), so samples are not free
    f"perfkit with 5 samples (repeat 5, {PRE}, discovery reused)": {**DEF, "repeat": 5},
}


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument(
        "--kinds", default="", help="comma-separated indexes of the kinds to run (default: all)"
    )
    ap.add_argument("--benchmarks", type=int, default=0, help="only the first N bodies (0: all)")
    ap.add_argument(
        "--defaults",
        action="store_true",
        help="only perfkit's round with its defaults, as the imported perfkit (PYTHONPATH) "
        "runs it: before/after comparisons against another checkout",
    )
    ap.add_argument(
        "--repo", type=Path, help="keep the evaluation repository here (reused when present)"
    )
    args = ap.parse_args()
    bodies = re.findall(r"def (time_\w+)", detection_eval.BODIES)
    chosen = bodies[: args.benchmarks] if args.benchmarks > 0 else bodies
    bench = asvrun.selection_regex([f"bodies.Bodies.{b}" for b in chosen])
    picked = {int(i) for i in args.kinds.split(",") if i.strip()} or set(range(len(KINDS)))
    kinds = {k: v for i, (k, v) in enumerate(KINDS.items()) if i in picked}
    accepts = inspect.signature(asvrun.run_round).parameters
    if args.defaults:
        import perfkit

        where = Path(perfkit.__file__).parent.parent
        kinds = {f"perfkit's defaults as {where} runs them": {**DEF, "defaults": True}}
    cpu: dict[str, list[float]] = {k: [] for k in kinds}
    load: list[float] = []
    with tempfile.TemporaryDirectory(prefix="perfkit-launch-") as tmp:
        repo = args.repo.resolve() if args.repo else Path(tmp) / "repo"
        if not (repo / ".git").is_dir():
            detection_eval.make_repo(repo, [1.0])
        commit = detection_eval.sh("git", "rev-parse", "HEAD", cwd=repo).strip()
        found = repo.parent / f"{repo.name}-asv-discovered.json"
        # numba's cache, and the discovery the later rounds of a side reuse
        warm = {"discovered": found} if "discovered" in accepts else {}
        asvrun.run_round(repo, commit, Path(tmp) / "warm-up", repeat=1, **warm)
        for k in range(args.repeats):
            for i, (label, kind) in enumerate(kinds.items()):
                if kind.get("defaults"):  # only what this perfkit's run_round knows
                    extra = {"discovered": found} if "discovered" in accepts else {}
                else:
                    extra = {
                        "preload": kind["preload"],
                        "discovered": found if kind["reuse"] else None,
                    }
                load.append(os.getloadavg()[0])
                c0 = detection_eval.children_cpu()
                asvrun.run_round(
                    repo,
                    commit,
                    Path(tmp) / f"{k}-{i}",
                    repeat=kind["repeat"],
                    launch=kind["launch"],
                    warmup=kind["warmup"],
                    bench=bench if args.benchmarks > 0 else (),
                    **extra,
                )
                cpu[label].append(detection_eval.children_cpu() - c0)
    for label, xs in cpu.items():
        print(
            f"{label}: median {statistics.median(xs):.1f} s CPU per round of {len(chosen)} "
            "benchmarks "
            f"({' / '.join(f'{x:.1f}' for x in xs)})"
        )
    print(f"load average (1 min) before the rounds: {min(load):.2f}-{max(load):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
