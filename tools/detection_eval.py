"""Detection quality on this machine, with real timings: perfkit vs asv compare vs pyperf.

A throw-away git repository holds an asv suite of 12 varied benchmark bodies (pure
Python, numpy, numba). Its commits differ only in ``scale.txt``: the head does
proportionally more work (x1.00 for A/A, x1.02 / x1.05 / x1.10 for A/B). Per trial and
condition:

* perfkit: its own protocol (``perfkit.measure.protocol``: interleaved fresh processes, extra
  rounds for suspects), then ``perfkit.verdict.stats.compare``;
* asv: asv's default timing budget (2 rounds x up to 5 samples, a fresh process per
  round) in ``asv continuous`` order (base, head, head, base), then ``asv compare``
  with its default factor 1.1;
* pyperf: ``pyperf compare_to`` on the very same samples as asv, one pyperf run per asv
  round;
* perfkit on asv's files: ``perfkit.verdict.stats.compare`` of the two result files asv compare
  judged (no re-measurement), the case of comparing two files someone else measured.

A flag on A/A is a false alarm; on A/B a regression flag is a detection and an
improvement flag is a wrong-direction flag. CPU time is the children's user+sys time.

    python tools/detection_eval.py --trials 5 --out reports/detection_eval.json

Prints a Markdown table; ``--trials 1 --conditions 1.0,1.10`` is a quick smoke run.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyperf

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from perfkit import gitrepo  # noqa: E402
from perfkit.config import Config  # noqa: E402
from perfkit.ingest.asv import read_result_file, split_runs  # noqa: E402
from perfkit.measure import asvrun  # noqa: E402
from perfkit.measure.protocol import (  # noqa: E402
    Protocol,
    Side,
    allowed_processes,
    measure_spent,
)
from perfkit.model import BenchmarkKind, Measurement  # noqa: E402
from perfkit.verdict.stats import compare  # noqa: E402

BODIES = '''
"""Twelve varied benchmark bodies; scale.txt multiplies the work of each."""
import os
import re

import numba
import numpy as np

SCALE = float(open(os.path.join(os.path.dirname(__file__), "..", "scale.txt")).readline())


def n(base):
    return int(round(base * SCALE))


@numba.njit(cache=True)
def _nb_sum(k):
    acc = 0.0
    for i in range(k):
        acc += (i % 7) * 0.5
    return acc


@numba.njit(cache=True)
def _nb_chase(perm, k):
    j = 0
    for _ in range(k):
        j = perm[j]
    return j


class Bodies:
    def setup(self):
        rng = np.random.default_rng(1)
        self.floats = rng.random(200_000)
        order = rng.permutation(1 << 20)
        self.perm = np.empty(1 << 20, np.int64)
        self.perm[order] = np.roll(order, -1)  # one cycle through every slot
        self.text = "abc123 def456 " * 20_000
        self.words = [str(i) for i in range(100_000)]
        _nb_sum(10)
        _nb_chase(self.perm, 10)

    def time_py_arith(self):
        s = 0
        for i in range(n(60_000)):
            s += i * i
        return s

    def time_py_dict(self):
        d = {}
        for i in range(n(25_000)):
            d[i] = i
        return sum(d[i] for i in range(0, n(25_000), 3))

    def time_py_strjoin(self):
        for _ in range(4):
            s = "".join(self.words[: n(60_000)])
        return s

    def time_py_sort(self):
        return sorted(self.floats[: n(20_000)].tolist())

    def time_py_calls(self):
        def f(x):
            return x + 1
        s = 0
        for i in range(n(40_000)):
            s = f(s)
        return s

    def time_py_regex(self):
        return len(re.findall(r"[a-z]+([0-9]+)", self.text[: n(140_000)]))

    def time_py_listcomp(self):
        return [i * 2 for i in range(n(120_000)) if i % 3]

    def time_np_vector(self):
        a = self.floats[: n(150_000)]
        for _ in range(10):
            a = np.sqrt(a * a + 1.0)
        return a

    def time_np_sort(self):
        for _ in range(3):
            s = np.sort(self.floats[: n(150_000)])
        return s

    def time_np_matmul(self):
        # the same product each time: a chained one decays to denormals, then zeros, and
        # its later iterations cost less than the first ones (10 % more of them: +6 %)
        m = self.floats[:4096].reshape(64, 64)
        for _ in range(n(150)):
            r = m @ m
        return r

    def time_nb_loop(self):
        return _nb_sum(n(2_000_000))

    def time_nb_chase(self):
        return _nb_chase(self.perm, n(200_000))
'''

FILES_ROW = "perfkit on asv's files"

ASV_CONF = {
    "version": 1,
    "project": "evalsuite",
    "repo": ".",
    "branches": ["HEAD"],
    "environment_type": "existing",
    "benchmark_dir": "benchmarks",
    "results_dir": ".asv/results",
    "env_dir": ".asv/env",
    "html_dir": ".asv/html",
}


def sh(*cmd: str, cwd: Path) -> str:
    return subprocess.run(cmd, cwd=cwd, check=True, capture_output=True, text=True).stdout


def make_repo(path: Path, scales: list[float]) -> list[str]:
    """A repo with one commit per scale; returns their hashes in order."""
    path.mkdir(parents=True)
    (path / "benchmarks").mkdir()
    (path / "benchmarks" / "__init__.py").write_text("")
    (path / "benchmarks" / "bodies.py").write_text(BODIES)
    (path / "asv.conf.json").write_text(json.dumps(ASV_CONF, indent=2))
    (path / ".gitignore").write_text(".asv/\n__pycache__/\n")
    sh("git", "init", "-q", "-b", "main", cwd=path)
    commits = []
    for i, s in enumerate(scales):
        (path / "scale.txt").write_text(f"{s!r}\n# commit {i}\n")
        sh("git", "add", "-A", cwd=path)
        sh(
            "git",
            "-c",
            "user.name=eval",
            "-c",
            "user.email=e@x",
            "commit",
            "-qm",
            f"scale {s}",
            cwd=path,
        )
        commits.append(sh("git", "rev-parse", "HEAD", cwd=path).strip())
    return commits


def children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_perfkit(
    base: Side, head: Side, work: Path, config: Config
) -> tuple[dict[str, str], float, dict, int]:
    cpu0 = children_cpu()
    got = measure_spent([base, head], work, Protocol(), config=config)
    cpu = children_cpu() - cpu0
    measured = got.sides
    verdicts = {
        c.name: c.verdict.value for c in compare(measured["base"], measured["head"], config)
    }
    # the samples of every process, so verdicts can be recomputed (--rejudge)
    runs = {
        label: {m.name: [list(r) for r in m.runs] for m in side} for label, side in measured.items()
    }
    # and the calibration readings around them (rejudged with them unless --no-calibration)
    calibration = {
        label: {m.name: [list(c) for c in m.calibration] for m in side if m.calibration}
        for label, side in measured.items()
    }
    return verdicts, cpu, runs, got.spend.budget, calibration


def run_asv_protocol(
    base: Side, head: Side, work: Path
) -> tuple[dict[str, list[list[list[float]]]], float, Path]:
    """asv's default budget in asv-continuous order; returns per-side per-round samples."""
    cpu0 = children_cpu()
    rounds: dict[str, list[list[list[float]]]] = {"base": [], "head": []}
    results = work / "asv-results"
    for k, side in enumerate((base, head, head, base)):
        # each round into its own dir to keep the boundaries, then merged as asv would
        out = work / f"asv-round-{k}-{side.label}"
        r = asvrun.run_round(side.tree, side.commit, out, repeat="(1,5,10.0)", log=work / "asv.log")
        rounds[side.label].append(
            {m.name: list(m.samples) for m in read_result_file(r.result_file)}
        )
    cpu = children_cpu() - cpu0
    merge_asv_results(work, base, head, rounds, results)
    return rounds, cpu, results


def merge_asv_results(work: Path, base: Side, head: Side, rounds, results: Path) -> None:
    """Write the asv result files asv itself would hold after two rounds (samples concatenated,
    stats recomputed by asv's own code), so `asv compare` judges exactly asv's data."""
    from asv_runner.statistics import compute_stats

    for side in (base, head):
        src_dir = next((work).glob(f"asv-round-*-{side.label}"))
        src = next(src_dir.glob(f"*/{side.commit[:8]}-*.json"))
        data = json.loads(src.read_text())
        cols = data["result_columns"]
        for name, row in data["results"].items():
            samples = [x for r in rounds[side.label] for x in r.get(name, [])]
            result, stats = compute_stats(samples, 1)
            row = row + [None] * (len(cols) - len(row))
            values = dict(zip(cols, row, strict=True))
            values.update(result=[result], samples=[samples])
            for key in ("ci_99_a", "ci_99_b", "q_25", "q_75", "number", "repeat"):
                values[f"stats_{key}"] = [stats[key]]
            data["results"][name] = [values[c] for c in cols]
        dest = results / src.parent.name
        dest.mkdir(parents=True, exist_ok=True)
        (dest / src.name).write_text(json.dumps(data))
        (dest / "machine.json").write_text((src.parent / "machine.json").read_text())
        # as `asv continuous` records them: the suite's attributes (rounds 2, repeat 0),
        # not the one-round overrides of each invocation above
        (results / "benchmarks.json").write_text((src_dir / "benchmarks.json").read_text())
        asvrun.record_attributes(results, 0, rounds=2)


def asv_compare_flags(tree: Path, results: Path, base: Side, head: Side) -> dict[str, str]:
    conf = dict(
        ASV_CONF, repo=str(tree), results_dir=str(results), benchmark_dir=str(tree / "benchmarks")
    )
    conf_path = results / "compare.conf.json"
    conf_path.write_text(json.dumps(conf))
    out = subprocess.run(
        [
            *asvrun.asv_command(),
            "compare",
            "--config",
            str(conf_path),
            "--factor",
            "1.1",
            base.commit,
            head.commit,
        ],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    flags = {}
    for line in (
        out.splitlines()
    ):  # asv 0.6 prints a Markdown table: | Change | Before | After | Ratio | Benchmark |
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[4].startswith("bodies."):
            flags[cells[4]] = {"+": "regression", "-": "improvement"}.get(cells[0], "unchanged")
    return flags


def asv_verdicts(tree: Path, results: Path, base: Side, head: Side, rounds) -> dict[str, str]:
    """``asv compare``'s verdicts; where it listed the sides under two environment names
    (so compared nothing), the same decision from asv's own code on the rounds."""
    flags = asv_compare_flags(tree, results, base, head)
    return asv_decisions(rounds) if any(" [" in name for name in flags) else flags


def perfkit_file_flags(results: Path, base: Side, head: Side, config: Config) -> dict[str, str]:
    """perfkit's verdicts on asv's own two result files, as a user who only has them."""
    sides = [read_result_file(next(results.glob(f"*/{s.commit[:8]}-*.json"))) for s in (base, head)]
    return {c.name: c.verdict.value for c in compare(sides[0], sides[1], config)}


def pyperf_flags(rounds, work: Path) -> dict[str, str]:
    paths = {}
    for label, side_rounds in rounds.items():
        benches = []
        for name in side_rounds[0]:
            runs = [
                pyperf.Run(
                    r[name], metadata={"name": name, "unit": "second"}, collect_metadata=False
                )
                for r in side_rounds
                if r.get(name)
            ]
            benches.append(pyperf.Benchmark(runs))
        paths[label] = work / f"pyperf-{label}.json"
        pyperf.BenchmarkSuite(benches).dump(str(paths[label]), replace=True)
    out = subprocess.run(
        [sys.executable, "-m", "pyperf", "compare_to", str(paths["base"]), str(paths["head"])],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    flags = {name: "unchanged" for name in rounds["base"][0]}
    for line in out.splitlines():
        m = re.match(r"^(\S+): Mean .*: [\d.]+x (slower|faster)$", line)
        if m:
            flags[m.group(1)] = "regression" if m.group(2) == "slower" else "improvement"
    return flags


def timed(
    name: str, runs, session: str | None = "s", known: bool = True, calibration=()
) -> Measurement:
    """A stored time benchmark's processes as a Measurement (empty processes left out),
    with the calibration readings stored beside them, if any."""
    cal = (
        tuple(tuple(c) for c, r in zip(calibration, runs, strict=True) if r) if calibration else ()
    )
    return Measurement(
        name=name,
        benchmark=name,
        kind=BenchmarkKind.TIME,
        unit="seconds",
        session=session,
        runs=tuple(tuple(x) for x in runs if x),
        runs_known=known,
        calibration=cal,
    )


def rejudge(
    rows: list[dict], config: Config, alone: bool = False, calibrated: bool = True
) -> list[dict]:
    """perfkit's verdicts recomputed with the current statistics from the stored samples
    (its own protocol's processes; asv's rounds as asv's result files hold them);
    ``alone``: each benchmark of perfkit's protocol judged by itself, as a run with one
    benchmark selected would be (no correction across the suite to spread a false alarm)."""

    def side(
        samples_by_name: dict, session: str | None, known: bool, cal: dict | None = None
    ) -> list[Measurement]:
        cal = (cal or {}) if calibrated else {}
        return [
            timed(n, runs, session, known, cal.get(n, ())) for n, runs in samples_by_name.items()
        ]

    def files_side(rounds: list[dict]) -> list[Measurement]:
        """What `perfkit continuous` reads from asv's merged file (rounds appended, the
        suite's attributes rounds 2 and repeat 0 in benchmarks.json), both sides marked
        as one interleaved asv-continuous session (as perfkit.measure.continuous.read_side does)."""
        out = []
        for n in rounds[0]:
            samples = [x for rnd in rounds for x in rnd.get(n, [])]
            runs, known = split_runs(samples, {"rounds": len(rounds), "repeat": 0})
            out.append(
                Measurement(
                    name=n,
                    benchmark=n,
                    kind=BenchmarkKind.TIME,
                    unit="seconds",
                    runs=runs,
                    runs_known=known,
                    started_at=0.0,
                    session="asv-continuous",
                )
            )
        return out

    out = []
    for r in rows:
        if r["tool"] == FILES_ROW:
            continue  # recomputed below from the asv row's rounds
        r = dict(r)
        if r["tool"] == "perfkit" and "runs" in r:
            cal = r.get("calibration", {})
            base = side(r["runs"]["base"], "s", True, cal.get("base"))
            head = side(r["runs"]["head"], "s", True, cal.get("head"))
            if alone:
                got = [
                    c for b, h in zip(base, head, strict=True) for c in compare([b], [h], config)
                ]
            else:
                got = compare(base, head, config)
            r["verdicts"] = {c.name: c.verdict.value for c in got}
        elif r["tool"] == "asv compare" and "rounds" in r:
            got = compare(files_side(r["rounds"]["base"]), files_side(r["rounds"]["head"]), config)
            out.append({**r, "tool": FILES_ROW, "verdicts": {c.name: c.verdict.value for c in got}})
            if any(" [" in name for name in r["verdicts"]):  # asv could not pair the sides
                r = {**r, "verdicts": asv_decisions(r["rounds"])}
        out.append(r)
    return out


def asv_decisions(rounds: dict) -> dict[str, str]:
    """asv compare's verdicts (factor 1.1) from the stored rounds, with asv's own code: the
    statistics asv stores for the merged samples (``compute_stats``) and the decision
    ``asv compare`` takes on them (``_is_result_better``). For runs whose live ``asv
    compare`` listed base and head under two environment names and so compared nothing
    (the per-round launcher paths of 2026-12-07 entered asv's environment names)."""
    from asv.commands.compare import _is_result_better
    from asv_runner.statistics import compute_stats

    out = {}
    for name in rounds["base"][0]:
        (t1, st1), (t2, st2) = (
            compute_stats([x for rnd in rounds[side] for x in rnd.get(name, [])], 1)
            for side in ("base", "head")
        )
        s1 = [x for rnd in rounds["base"] for x in rnd.get(name, [])]
        s2 = [x for rnd in rounds["head"] for x in rnd.get(name, [])]
        if t1 is None or t2 is None:
            out[name] = "failed"
        elif _is_result_better(t2, t1, (st2, s2), (st1, s1), 1.1):
            out[name] = "improvement"
        elif _is_result_better(t1, t2, (st1, s1), (st2, s2), 1.1):
            out[name] = "regression"
        else:
            out[name] = "unchanged"
    return out


def truncate(rows: list[dict], max_rounds: int, max_samples: int) -> list[dict]:
    """perfkit's stored processes cut to the first ``max_rounds`` a side and the first
    ``max_samples`` samples each (0: all): what a cheaper protocol would have seen."""
    if not (max_rounds or max_samples):
        return rows
    out = []
    for r in rows:
        if r["tool"] == "perfkit" and "runs" in r:

            def cut(sides: dict) -> dict:
                return {
                    label: {
                        name: [run[: max_samples or None] for run in runs[: max_rounds or None]]
                        for name, runs in side.items()
                    }
                    for label, side in sides.items()
                }

            r = {**r, "runs": cut(r["runs"]), "calibration": cut(r.get("calibration", {}))}
        out.append(r)
    return out


def replay(
    rows: list[dict], protocol: Protocol, config: Config, calibrated: bool = True
) -> list[dict]:
    """perfkit's rows judged again as the sequential stage of ``protocol`` would have
    measured them: its own code (``perfkit.measure.protocol.sequential``) run on the stored
    processes, each benchmark cut to the rounds it would have had. A stored run measured a
    benchmark only as far as its own protocol went (4, 8 or 10 rounds a side): where the
    replay wants more, that benchmark stops there ("censored", counted as spent up to its
    cap, so the replay under-states detection and over-states the budget used). CPU is
    the stored run's, scaled by the processes used. ``calibrated``: with the stored
    calibration readings (False: judged as before them)."""
    from perfkit.measure.protocol import sequential

    out = []
    for r in rows:
        if r["tool"] != "perfkit" or "runs" not in r:
            out.append(r)
            continue
        stored = r["runs"]
        names = [n for n in stored["head"] if n in stored["base"]]
        have = {n: min(len(stored["base"][n]), len(stored["head"][n])) for n in names}
        done = {n: protocol.rounds for n in names}
        censored: set[str] = set()

        readings = r.get("calibration", {}) if calibrated else {}

        def side(label: str, stored=stored, done=done, readings=readings) -> list[Measurement]:
            cal = readings.get(label, {})
            return [
                timed(n, stored[label][n][: done[n]], calibration=cal.get(n, ())[: done[n]])
                for n in done
            ]

        def more(picked: list[str], rounds: range, have=have, done=done, censored=censored):
            for n in picked:
                if done[n] + len(rounds) > have[n]:  # not in the stored run: stop it there
                    censored.add(n)
                    done[n] = protocol.max_rounds - len(rounds)

        spend = sequential(
            lambda side=side: (side("base"), side("head")), more, done, protocol, config
        )
        final = {n: min(done[n], have[n]) for n in names}
        done.update(final)
        got = compare(side("base"), side("head"), config)
        used = 2 * sum(final.values())
        stored_processes = sum(len(x) for s in stored.values() for x in s.values())
        out.append(
            {
                **r,
                "verdicts": {c.name: c.verdict.value for c in got},
                "processes": used,
                "budget": spend.budget,
                "censored": len(censored),
                "cpu_s": r["cpu_s"] * used / max(stored_processes, 1),
            }
        )
    return out


def resample(
    rows: list[dict], protocol: Protocol | None, config: Config, reps: int, seed: int = 7
) -> list[dict]:
    """Trials drawn from the stored A/A processes of perfkit's rows: for each stored A/A
    trial and body, base and head draw processes (with replacement) from that trial's
    processes of both sides, the head's samples times the condition's scale (x1.00 A/A,
    x1.02 ...). Unlike ``replay`` nothing is censored: every look can have its rounds.
    ``protocol`` None: the fixed stages of 2026-12-06 (4 rounds, 4 more for suspects, 2
    more for near misses), for comparison. Resampling loses the pairing of rounds, and
    drawing a process twice makes a side look calmer than it was: a model, not a run."""
    import random

    from perfkit.measure.protocol import is_suspect, sequential
    from perfkit.model import Verdict

    rng = random.Random(seed)
    pools = [
        {n: r["runs"]["base"][n] + r["runs"]["head"][n] for n in r["runs"]["base"]}
        for r in rows
        if r["tool"] == "perfkit" and r["scale"] == 1.0 and "runs" in r
    ]
    scales = sorted({r["scale"] for r in rows if r["tool"] == "perfkit"})
    rounds = protocol.rounds if protocol else 4
    out = []
    for rep in range(reps):
        for i, pool in enumerate(pools):
            for scale in scales:
                cap = protocol.max_rounds if protocol else 10
                drawn = {
                    label: {
                        n: [
                            [x * (scale if label == "head" else 1.0) for x in rng.choice(runs)]
                            for _ in range(cap)
                        ]
                        for n, runs in pool.items()
                    }
                    for label in ("base", "head")
                }
                done = {n: rounds for n in pool}

                def side(label: str, drawn=drawn, done=done) -> list[Measurement]:
                    return [timed(n, drawn[label][n][: done[n]]) for n in done]

                def both(side=side):
                    return side("base"), side("head")

                if protocol is not None:
                    sequential(both, lambda names, rounds: None, done, protocol, config)
                else:  # the fixed stages
                    for c in compare(*both(), config):
                        done[c.name] += 4 if is_suspect(c) else 0
                    for c in compare(*both(), config):
                        ev = c.evidence
                        if (
                            done[c.name] == 8
                            and c.verdict is Verdict.INCONCLUSIVE
                            and ev is not None
                            and ev.min_detectable < 2 * ev.threshold
                            and abs(math.log(ev.ratio)) >= math.log1p(ev.threshold) / 2
                        ):
                            done[c.name] += 2
                got = compare(*both(), config)
                out.append(
                    {
                        "tool": "perfkit",
                        "trial": f"{rep}-{i}",
                        "scale": scale,
                        "verdicts": {c.name: c.verdict.value for c in got},
                        "processes": 2 * sum(done.values()),
                        "budget": 2 * allowed_processes(len(done), protocol)
                        if protocol
                        else 2 * 10 * len(done),
                        "cpu_s": 0.0,
                    }
                )
    return out


def spend_summary(rows: list[dict]) -> str:
    """perfkit's processes per comparison run against its budget (runs that record one)."""
    picked = [r for r in rows if r["tool"] == "perfkit" and "budget" in r]
    if not picked:
        return ""
    used = sum(r["processes"] for r in picked) / len(picked)
    budget = sum(r["budget"] for r in picked) / len(picked)
    line = f"perfkit: {used:.0f} of {budget:.0f} processes per comparison run on average"
    by = {}
    for r in picked:
        by.setdefault(r["scale"], []).append(r["processes"])
    line += (
        " ("
        + ", ".join(f"x{scale:g}: {sum(v) / len(v):.0f}" for scale, v in sorted(by.items()))
        + ")"
    )
    if any("censored" in r for r in picked):
        censored = sum(r.get("censored", 0) for r in picked)
        n = sum(len(r["verdicts"]) for r in picked)
        line += f"; {censored} of {n} benchmarks wanted more rounds than the stored run had"
    return line


def tally(rows: list[dict], tool: str, scale: float) -> dict:
    picked = [r for r in rows if r["tool"] == tool and r["scale"] == scale]
    verdicts = [v for r in picked for v in r["verdicts"].values()]
    n = len(verdicts)
    flagged = sum(v in ("regression", "improvement") for v in verdicts)
    return {
        "n": n,
        "regression": sum(v == "regression" for v in verdicts) / n if n else float("nan"),
        "improvement": sum(v == "improvement" for v in verdicts) / n if n else float("nan"),
        "flagged": flagged / n if n else float("nan"),
        "inconclusive": sum(v == "inconclusive" for v in verdicts) / n if n else float("nan"),
        "cpu_s": sum(r["cpu_s"] for r in picked) / max(1, len(picked)),
    }


def markdown(rows: list[dict], scales: list[float]) -> str:
    ab = [s for s in scales if s != 1.0]
    lines = [
        "| tool | A/A false alarms | "
        + " | ".join(f"detects +{(s - 1) * 100:.0f} %" for s in ab)
        + " | wrong direction | inconclusive at +10 % | CPU s per comparison run |",
        "|---" * (5 + len(ab)) + "|",
    ]
    for tool in ("perfkit", "asv compare", "pyperf compare_to", FILES_ROW):
        if not any(r["tool"] == tool for r in rows):
            continue
        aa = tally(rows, tool, 1.0)
        cells = [f"{aa['flagged'] * 100:.1f} % ({aa['n']})"]
        wrong, cpu = 0.0, [aa["cpu_s"]]
        for s in ab:
            t = tally(rows, tool, s)
            cells.append(f"{t['regression'] * 100:.0f} % ({t['n']})")
            wrong = max(wrong, t["improvement"])
            cpu.append(t["cpu_s"])
        unsure = tally(rows, tool, 1.1)["inconclusive"] if 1.1 in scales else float("nan")
        lines.append(
            f"| {tool} | "
            + " | ".join(cells)
            + f" | {wrong * 100:.0f} % | {unsure * 100:.0f} % | {sum(cpu) / len(cpu):.0f} |"
        )
    return "\n".join(lines)


def sample_positions(rows: list[dict]) -> str:
    """Per body: the median excess (%) of a process's 1st..5th sample over its best one,
    over every 5-sample process perfkit measured (shows what a warm-up leaves out)."""
    import numpy as np

    by_body: dict[str, list] = {}
    for r in rows:
        for side in r.get("runs", {}).values():
            for name, runs in side.items():
                for x in (x for x in runs if len(x) == 5):
                    by_body.setdefault(name.rsplit(".", 1)[-1], []).append(
                        np.log(x) - np.log(min(x))
                    )
    lines = ["| body | processes | 1st | 2nd | 3rd | 4th | 5th |", "|---|---|---|---|---|---|---|"]
    for body, logs in sorted(by_body.items()):
        med = np.median(np.array(logs), axis=0) * 100
        lines.append(f"| {body} | {len(logs)} | " + " | ".join(f"{v:.1f}" for v in med) + " |")
    return "\n".join(lines)


def effects(rows: list[dict], scale: float) -> str:
    """Per body, from perfkit's stored processes at one condition: the slowdown the
    condition really caused (mean over trials of the log difference of the sides' mean
    process values), the spread between the processes the verdict keeps (median pooled
    sd), the processes a side kept (median), and the processes a side that 80 % power at
    that effect needs (two-sided 5 %, unpaired normal approximation:
    2 * ((1.96 + 0.84) * sd / effect)^2).
    Shows whether a power bar is reachable on the measured noise at all."""
    import numpy as np

    from perfkit.model import Direction
    from perfkit.verdict.stats import _keep, _process_values, _width  # the verdict's own

    config = Config()

    def values(runs: list) -> list[float]:
        return _process_values(timed("b", runs, None), Direction.LOWER_IS_BETTER)[0]

    by_body: dict[str, dict[str, list]] = {}
    for r in rows:
        if r.get("tool") != "perfkit" or "runs" not in r or r.get("scale") != scale:
            continue
        for name, base_runs in r["runs"]["base"].items():
            x, y = values(base_runs), values(r["runs"]["head"][name])
            if len(x) < 2 or len(y) < 2:
                continue
            # the processes the verdict keeps (disturbed ones set aside)
            width = _width(x, y, math.log1p(config.stats.disturbed), 1.0, config.stats.prior_sigma)
            x = [v for v, k in zip(x, _keep(x, width, 1.0, True), strict=True) if k]
            y = [v for v, k in zip(y, _keep(y, width, 1.0, True), strict=True) if k]
            body = by_body.setdefault(name.rsplit(".", 1)[-1], {"d": [], "sd": [], "n": []})
            body["d"].append(float(np.mean(y) - np.mean(x)))
            pooled = (np.var(x, ddof=1) * (len(x) - 1) + np.var(y, ddof=1) * (len(y) - 1)) / (
                len(x) + len(y) - 2
            )
            body["sd"].append(math.sqrt(pooled))
            body["n"].append((len(x) + len(y)) / 2)
    lines = [
        f"| body (condition x{scale:g}) | trials | effect | process sd | processes kept | "
        "needed for 80 % power |",
        "|---|---|---|---|---|---|",
    ]
    for body, v in sorted(by_body.items()):
        effect, sd = float(np.mean(v["d"])), float(np.median(v["sd"]))
        need = 2 * ((1.96 + 0.84) * sd / effect) ** 2 if effect > 0 else math.inf
        lines.append(
            f"| {body} | {len(v['d'])} | {math.expm1(effect) * 100:+.1f} % | {sd * 100:.1f} % | "
            f"{np.median(v['n']):.0f} | {need:.0f} |"
        )
    return "\n".join(lines)


def save(out: Path, rows: list[dict], scales: list[float], trials: int) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {"rows": rows, "scales": scales, "trials": trials, "machine": os.uname().nodename},
            indent=1,
        )
    )


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--trials", type=int, default=5)
    ap.add_argument("--conditions", default="1.0,1.02,1.05,1.10")
    ap.add_argument("--out", type=Path, default=ROOT / "reports" / "detection_eval.json")
    ap.add_argument("--table-only", action="store_true", help="print the table of an earlier --out")
    ap.add_argument("--perfkit-only", action="store_true", help="measure only perfkit's protocol")
    ap.add_argument(
        "--rejudge",
        action="store_true",
        help="with --table-only: recompute perfkit's verdicts from the stored samples",
    )
    ap.add_argument(
        "--also",
        type=Path,
        action="append",
        default=[],
        help="with --table-only: pool the rows of another run's --out file (repeatable)",
    )
    ap.add_argument(
        "--max-rounds",
        type=int,
        default=0,
        help="with --rejudge: keep only the first N processes a side of each benchmark",
    )
    ap.add_argument(
        "--max-samples",
        type=int,
        default=0,
        help="with --rejudge: keep only the first N samples of each process",
    )
    ap.add_argument(
        "--replay",
        action="store_true",
        help="with --table-only: judge perfkit's stored processes as the sequential stage "
        "(--rounds, --extra-rounds, --budget) would have measured them",
    )
    ap.add_argument(
        "--resample",
        type=int,
        default=0,
        metavar="REPS",
        help="with --table-only: REPS x the stored A/A trials drawn again from their processes "
        "(every condition), judged with the sequential stage (--rounds, --extra-rounds, "
        "--budget) or, with --fixed-stages, the stages of 2026-12-06",
    )
    ap.add_argument("--fixed-stages", action="store_true", help="with --resample")
    ap.add_argument("--rounds", type=int, default=Protocol().rounds, help="with --replay")
    ap.add_argument(
        "--extra-rounds", type=int, default=Protocol().extra_rounds, help="with --replay"
    )
    ap.add_argument("--budget", type=float, default=Protocol().budget, help="with --replay")
    ap.add_argument(
        "--one-at-a-time",
        action="store_true",
        help="with --rejudge: judge each benchmark of perfkit's protocol by itself",
    )
    ap.add_argument(
        "--effects",
        type=float,
        metavar="SCALE",
        help="with --table-only: per body, the effect condition SCALE really caused, the "
        "process spread, and the processes a side 80 %% power needs",
    )
    ap.add_argument(
        "--no-calibration",
        action="store_true",
        help="with --rejudge or --replay: leave the stored calibration readings out (judge as before them)",
    )
    ap.add_argument(
        "--sample-positions",
        action="store_true",
        help="with --table-only: median excess of each sample position over the process's best",
    )
    args = ap.parse_args()
    scales = [float(s) for s in args.conditions.split(",")]
    if args.table_only:
        data = json.loads(args.out.read_text())
        rows = data["rows"] + [
            r for extra in args.also for r in json.loads(extra.read_text())["rows"]
        ]
        if args.rejudge or args.replay:
            rows = rejudge(
                truncate(rows, args.max_rounds, args.max_samples),
                Config(),
                args.one_at_a_time,
                not args.no_calibration,
            )
        protocol = Protocol(rounds=args.rounds, extra_rounds=args.extra_rounds, budget=args.budget)
        if args.replay:
            rows = replay(rows, protocol, Config(), not args.no_calibration)
        if args.resample:
            rows = resample(rows, None if args.fixed_stages else protocol, Config(), args.resample)
        if args.effects:
            print(effects(rows, args.effects))
            return 0
        print(sample_positions(rows) if args.sample_positions else markdown(rows, data["scales"]))
        if not args.sample_positions and spend_summary(rows):
            print(spend_summary(rows))
        return 0
    config = Config()
    rows: list[dict] = []
    t_start = time.time()
    with tempfile.TemporaryDirectory(prefix="perfkit-eval-") as tmp:
        repo = Path(tmp) / "repo"
        commits = make_repo(repo, [1.0, *scales])
        base_commit, heads = commits[0], dict(zip(scales, commits[1:], strict=True))
        with gitrepo.worktree(repo, base_commit) as base_tree:
            base = Side("base", base_commit, base_tree)
            for trial in range(args.trials):
                for scale in scales:
                    with gitrepo.worktree(repo, heads[scale]) as head_tree:
                        head = Side("head", heads[scale], head_tree)
                        work = Path(tmp) / f"t{trial}-{scale}"
                        verdicts, cpu, runs, budget, calibration = run_perfkit(
                            base, head, work / "perfkit", config
                        )
                        rows.append(
                            {
                                "tool": "perfkit",
                                "trial": trial,
                                "scale": scale,
                                "verdicts": verdicts,
                                "cpu_s": cpu,
                                "runs": runs,
                                "calibration": calibration,
                                "processes": sum(
                                    len(r) for side in runs.values() for r in side.values()
                                ),
                                "budget": budget,
                            }
                        )
                        if args.perfkit_only:
                            save(args.out, rows, scales, args.trials)
                            print(
                                f"[{time.time() - t_start:6.0f}s] trial {trial + 1} x{scale}: perfkit "
                                f"{sum(v in ('regression', 'improvement') for v in verdicts.values())}/12 flagged",
                                flush=True,
                            )
                            continue
                        rounds, cpu, results = run_asv_protocol(base, head, work / "asv")
                        rows.append(
                            {
                                "tool": "asv compare",
                                "trial": trial,
                                "scale": scale,
                                "rounds": rounds,
                                "verdicts": asv_verdicts(repo, results, base, head, rounds),
                                "cpu_s": cpu,
                            }
                        )
                        rows.append(
                            {
                                "tool": "pyperf compare_to",
                                "trial": trial,
                                "scale": scale,
                                "verdicts": pyperf_flags(rounds, work / "asv"),
                                "cpu_s": cpu,
                            }
                        )
                        rows.append(
                            {
                                "tool": FILES_ROW,
                                "trial": trial,
                                "scale": scale,
                                "verdicts": perfkit_file_flags(results, base, head, config),
                                "cpu_s": cpu,
                            }
                        )
                        print(
                            f"[{time.time() - t_start:6.0f}s] trial {trial + 1} x{scale}: "
                            + ", ".join(
                                f"{r['tool']}: {sum(v in ('regression', 'improvement') for v in r['verdicts'].values())}/{len(r['verdicts'])} flagged"
                                for r in rows[-4:]
                            ),
                            flush=True,
                        )
                        save(
                            args.out, rows, scales, args.trials
                        )  # partial results survive an interruption
    save(args.out, rows, scales, args.trials)
    print(markdown(rows, scales))
    print(spend_summary(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
