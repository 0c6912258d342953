"""Where one measuring round's CPU goes, on the 12-body suite of tools/detection_eval.py.

    python tools/round_cpu.py --rounds 2                  # this checkout's perfkit
    PYTHONPATH=/tmp/before python tools/round_cpu.py      # another checkout's

Each round is one real ``asv run`` as perfkit's protocol runs it (its defaults; a side's
later round: asv's discovery reused where this perfkit does that). A ``sitecustomize``
hook, put on the path of asv's process and (through the launcher) of every interpreter
asv starts, records each process's own CPU (``os.wait4`` of every child it reaps, with
the child's command line) and, in the processes the forkserver forks, the CPU of the
benchmark's first ``setup`` (where numba's first call happens), of the later setups
(asv runs ``setup`` again before every warm-up call and sample) and of asv's timing loop.
The hook costs a few ms per process; the figures are for finding where CPU goes, not for
comparing protocols (tools/launch_cost.py does that, without the hook).
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import statistics
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if not os.environ.get("PYTHONPATH"):
    sys.path.insert(0, str(ROOT))
from perfkit.measure import asvrun  # noqa: E402
from perfkit.measure.protocol import Protocol  # noqa: E402

sys.path.insert(0, str(ROOT / "tools"))
import detection_eval  # noqa: E402

# a perfkit from before 2026-12-07 (PYTHONPATH) has no discovery reuse to pass a file to
TAKES_DISCOVERED = "discovered" in inspect.signature(asvrun.run_round).parameters

HOOK = r"""
import os, sys, time, json
LOG = os.environ.get("ROUND_CPU_LOG")
if LOG:
    def _emit(rec):
        with open(LOG, "a") as f:
            f.write(json.dumps(rec) + "\n")
    _cmd = {}
    _real_waitpid = os.waitpid
    def _waitpid(pid, options):
        if pid > 0 and pid not in _cmd:
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    _cmd[pid] = f.read().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                _cmd[pid] = "?"
        res, status, ru = os.wait4(pid, options)
        if res:
            _emit({"reaped": res, "by": os.getpid(), "cmd": _cmd.get(res, "?"),
                   "cpu": ru.ru_utime + ru.ru_stime})
        return res, status
    os.waitpid = _waitpid
    if len(sys.argv) > 2 and "run_server" in sys.argv[:3]:
        _phase = {}
        def _add(key, value):
            _phase[key] = _phase.get(key, 0.0) + value
        def _child():
            _phase.clear()
            real_exit = os._exit
            def _exit(code):
                _emit({"forked": os.getpid(), "phase": _phase})
                real_exit(code)
            os._exit = _exit
            try:
                from asv_runner.benchmarks import _base, time as timebench
                setup, run = _base.Benchmark.do_setup, timebench.TimeBenchmark.run
                seen = []
                def do_setup(self, *a, **kw):
                    c = time.process_time()
                    try:
                        return setup(self, *a, **kw)
                    finally:
                        _add("later setups" if seen else "first setup", time.process_time() - c)
                        seen.append(1)
                def run_(self, *a, **kw):
                    c = time.process_time()
                    try:
                        return run(self, *a, **kw)
                    finally:
                        _add("timing loop", time.process_time() - c)
                _base.Benchmark.do_setup = do_setup
                timebench.TimeBenchmark.run = run_
            except Exception:
                pass
        os.register_at_fork(after_in_child=_child)
"""


def classify(cmd: str) -> str:
    if " -m asv " in f" {cmd} " or "perfkit.measure.asvmain" in cmd or "asv/__main__" in cmd:
        return "asv run (python, asv's import, config, results)"
    if "run_server" in cmd:
        return "forkserver: the suite's import (and numba's set-up, preloaded)"
    if " discover " in f" {cmd} ":
        return "asv's discovery (a process importing the suite)"
    if " -c " in f" {cmd} ":
        return "asv's interpreter checks (python -c)"
    return "git, uname"


def one_round(repo: Path, commit: str, work: Path, found: Path, hook: Path) -> dict:
    log = work / "cpu.jsonl"
    launcher = work / "python-hooked"
    launcher.write_text(
        f"#!/bin/sh\nPYTHONPATH={hook}\nexport PYTHONPATH\nASV_PYTHONPATH={repo}\n"
        f'export ASV_PYTHONPATH\nexec {sys.executable} "$@"\n'
    )
    launcher.chmod(0o755)
    p = Protocol()
    extra = {"discovered": found} if TAKES_DISCOVERED else {}
    saved = {k: os.environ.get(k) for k in ("ROUND_CPU_LOG", "PYTHONPATH")}
    os.environ["ROUND_CPU_LOG"] = str(log)
    os.environ["PYTHONPATH"] = os.pathsep.join(x for x in (str(hook), saved["PYTHONPATH"]) if x)
    try:
        c0 = detection_eval.children_cpu()
        asvrun.run_round(
            repo,
            commit,
            work / "round",
            python=str(launcher),
            repeat=p.repeat,
            launch=p.launch,
            warmup=p.warmup,
            **extra,
        )
        total = detection_eval.children_cpu() - c0
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    recs = [json.loads(line) for line in log.read_text().splitlines()]
    reaped = [r for r in recs if "reaped" in r]
    pids = {r["reaped"] for r in reaped}
    below = defaultdict(float)  # CPU of each process's reaped children
    for r in reaped:
        below[r["by"]] += r["cpu"]
    parts: dict[str, float] = defaultdict(float)
    forked = [
        r
        for r in reaped
        if "run_server" in next((x["cmd"] for x in reaped if x["reaped"] == r["by"]), "")
    ]
    fork_pids = {r["reaped"] for r in forked}
    top = [r for r in reaped if r["reaped"] not in fork_pids]
    main_children = 0.0
    for r in top:
        if r["by"] not in pids:  # reaped by asv's process (the one perfkit started)
            parts[classify(r["cmd"])] += r["cpu"] - below.get(r["reaped"], 0.0)
            main_children += r["cpu"]
    parts["asv run (python, asv's import, config, results)"] += total - main_children
    phases = [r["phase"] for r in recs if "forked" in r]
    n = len(forked)
    fcpu = sum(r["cpu"] for r in forked)
    first = sum(ph.get("first setup", 0.0) for ph in phases)
    later = sum(ph.get("later setups", 0.0) for ph in phases)
    loop = sum(ph.get("timing loop", 0.0) for ph in phases)
    parts["forked processes: the benchmark's first setup"] = first
    parts["forked processes: setups before warm-up calls and samples"] = later
    parts["forked processes: warm-up and timed calls"] = loop - later
    parts["forked processes: fork, lookup, teardown, result, exit"] = fcpu - first - loop
    return {"total": total, "processes": n, "parts": dict(parts)}


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    import perfkit

    print(f"perfkit from {Path(perfkit.__file__).parent.parent}, load {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory(prefix="perfkit-round-cpu-") as tmp:
        hook = Path(tmp) / "hook"
        hook.mkdir()
        (hook / "sitecustomize.py").write_text(HOOK)
        repo = Path(tmp) / "repo"
        (commit,) = detection_eval.make_repo(repo, [1.0])
        found = Path(tmp) / "asv-discovered.json"
        warm = {"discovered": found} if TAKES_DISCOVERED else {}
        asvrun.run_round(repo, commit, Path(tmp) / "warm-up", repeat=1, **warm)
        got = []
        for k in range(args.rounds):
            work = Path(tmp) / f"r{k}"
            work.mkdir()
            got.append(one_round(repo, commit, work, found, hook))
    keys = list(got[0]["parts"])
    print(
        f"| CPU s per round of {got[0]['processes']} benchmarks | "
        + " | ".join(f"round {k + 1}" for k in range(len(got)))
        + " | median |"
    )
    print("|---|" + "---|" * (len(got) + 1))
    for key in [*keys, "total"]:
        xs = [g["total"] if key == "total" else g["parts"].get(key, 0.0) for g in got]
        print(
            f"| {key} | " + " | ".join(f"{x:.2f}" for x in xs) + f" | {statistics.median(xs):.2f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
