"""perfkit compare on files someone else measured: sequential asv runs, not interleaved.

The user's case: two result files from two separate ``asv run`` invocations, one after
the other (no interleaving, no shared session), compared with ``perfkit compare BASE
HEAD``, beside ``asv compare`` and ``pyperf compare_to`` on the very same samples.

The suite is the 12-body fixture of ``tools/detection_eval.py`` (pure Python, numpy,
numba), configured as a user would (``rounds = 4``, ``repeat = 10``: 4 fresh processes
of 10 samples per benchmark, recorded in benchmarks.json). The throw-away repository has
one commit per condition: A and A2 (identical code, two commits), B5 and B10 (+5 % and
+10 % work) and X (never measured: its file is A's with every sample x1.3).

``collect`` runs, per trial, one ``asv run`` per measured commit in a shuffled order
(each its own results directory) and keeps the files; run it several times over the
session (the machine is shared: that is the realistic case). ``judge`` compares, per
trial, A->A2 (A/A), A->B5, A->B10 and A->X with the three tools and prints the table:

    python tools/files_eval.py collect --data /tmp/files-eval --trials 2   # repeat over time
    python tools/files_eval.py judge --data /tmp/files-eval --json /tmp/files-eval.json
    python tools/files_eval.py roc --data /tmp/files-eval    # detection at a false-alarm budget
    python tools/files_eval.py scaled --data /tmp/files-eval # A2's file x 1.1 ... x 2
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyperf

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

from detection_eval import ASV_CONF, make_repo, sh  # noqa: E402

from perfkit.measure import asvrun  # noqa: E402

SCALES = {"A": 1.0, "A2": 1.0, "B5": 1.05, "B10": 1.10, "X": 1.0}
MEASURED = ("A", "A2", "B5", "B10")
PAIRS = (("A", "A2", "A/A"), ("A", "B5", "+5 %"), ("A", "B10", "+10 %"), ("A", "X", "x1.3 copy"))
SUITE_ATTRS = "\nBodies.rounds = 4\nBodies.repeat = 10\n"
TOOLS = ("perfkit compare", "asv compare", "pyperf compare_to")


def ensure_repo(data: Path) -> dict[str, str]:
    """The fixture repository (made once) and a worktree per commit; label -> commit."""
    meta = data / "commits.json"
    if meta.exists():
        return json.loads(meta.read_text())
    repo = data / "repo"
    commits = make_repo(repo, [SCALES[k] for k in SCALES])
    labels = dict(zip(SCALES, commits, strict=True))
    # the user's suite carries its own budget, so benchmarks.json records it
    path = repo / "benchmarks" / "bodies.py"
    for label, commit in labels.items():
        tree = data / "trees" / label
        sh("git", "worktree", "add", "-q", "--detach", str(tree), commit, cwd=repo)
        (tree / "benchmarks" / "bodies.py").write_text(path.read_text() + SUITE_ATTRS)
    meta.write_text(json.dumps(labels, indent=1))
    return labels


def asv_run(data: Path, label: str, commit: str, out: Path) -> None:
    tree = data / "trees" / label
    asvrun.ensure_machine()
    conf = dict(
        ASV_CONF,
        repo=str(tree),
        benchmark_dir=str(tree / "benchmarks"),
        results_dir=str(out),
        env_dir=str(out / "env"),
        html_dir=str(out / "html"),
    )
    out.mkdir(parents=True, exist_ok=True)
    (out / "asv.conf.json").write_text(json.dumps(conf, indent=1))
    cmd = [
        *asvrun.asv_command(),
        "run",
        "--config",
        str(out / "asv.conf.json"),
        "--python=same",
        "--set-commit-hash",
        commit,
        "--record-samples",
    ]
    with open(out / "asv.log", "w") as log:
        subprocess.run(cmd, cwd=tree, stdout=log, stderr=subprocess.STDOUT, check=False)


def collect(data: Path, trials: int) -> None:
    labels = ensure_repo(data)
    for _ in range(trials):
        n = len([p for p in data.glob("trial-*") if (p / "done").exists()])
        trial = data / f"trial-{n:02d}"
        if trial.exists():
            shutil.rmtree(trial)
        order = list(MEASURED)
        random.shuffle(order)
        stamps = {}
        for label in order:
            t0 = time.time()
            asv_run(data, label, labels[label], trial / label)
            stamps[label] = [t0, time.time()]
            print(f"trial {n} {label}: {time.time() - t0:.0f} s", flush=True)
        (trial / "done").write_text(json.dumps({"order": order, "stamps": stamps}))


# ---------------------------------------------------------------- judging


def result_file(side_dir: Path, commit: str) -> Path:
    return next(side_dir.glob(f"*/{commit[:8]}-*.json"))


def scaled_copy(src: Path, dest: Path, commit: str, factor: float) -> None:
    """asv's file with every sample (and the stats asv derived from them) x ``factor``,
    under another commit hash."""
    data = json.loads(src.read_text())
    cols = data["result_columns"]
    for name, row in data["results"].items():
        row = row + [None] * (len(cols) - len(row))
        for i, col in enumerate(cols):
            if (
                col in ("result", "stats_ci_99_a", "stats_ci_99_b", "stats_q_25", "stats_q_75")
                and row[i]
            ):
                row[i] = [v * factor if isinstance(v, (int, float)) else v for v in row[i]]
            elif col == "samples" and row[i]:
                row[i] = [[v * factor for v in s] if s else s for s in row[i]]
        data["results"][name] = row
    data["commit_hash"] = commit
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(json.dumps(data))
    shutil.copy(src.parent / "machine.json", dest.parent / "machine.json")


def pair_dir(
    work: Path, trial: Path, labels: dict[str, str], base: str, head: str, scale: float = 0.0
) -> tuple[Path, Path, Path]:
    """A results directory holding the two sides' files (as a user copying them together);
    ``scale``: the head is ``head``'s file with every sample x scale, under X's commit
    (X itself is A's file x1.3)."""
    out = work / f"{trial.name}-{base}-{head}{f'x{scale:g}' if scale else ''}"
    if out.exists():
        shutil.rmtree(out)
    if head == "X":
        head, scale = base, 1.3
    fb = result_file(trial / base, labels[base])
    dest_b = out / fb.parent.name / fb.name
    dest_b.parent.mkdir(parents=True)
    shutil.copy(fb, dest_b)
    shutil.copy(fb.parent / "machine.json", dest_b.parent / "machine.json")
    shutil.copy(trial / base / "benchmarks.json", out / "benchmarks.json")
    fh = result_file(trial / head, labels[head])
    if scale:
        dest_h = out / fb.parent.name / f"{labels['X'][:8]}-{fh.name.split('-', 1)[1]}"
        scaled_copy(fh, dest_h, labels["X"], scale)
    else:
        dest_h = out / fh.parent.name / fh.name
        shutil.copy(fh, dest_h)
    return out, dest_b, dest_h


def perfkit_flags(
    fb: Path, fh: Path, work: Path, config: Path | None = None
) -> tuple[dict[str, str], int]:
    exe = Path(sys.executable).parent / "perfkit"
    report = work / "perfkit.json"
    extra = ["--config", str(config)] if config else []
    subprocess.run(
        [
            str(exe),
            "compare",
            str(fb),
            str(fh),
            "--out",
            str(work / "report"),
            "--json",
            str(report),
            *extra,
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=work,
    )
    data = json.loads(report.read_text())
    critical = sum(
        c["verdict"] == "regression" and str(c.get("severity")).lower() == "critical"
        for c in data["benchmarks"]
    )
    return {c["name"]: c["verdict"] for c in data["benchmarks"]}, critical


def asv_flags(
    data: Path, results: Path, labels: dict[str, str], base: str, head: str
) -> dict[str, str]:
    conf = dict(
        ASV_CONF,
        repo=str(data / "repo"),
        results_dir=str(results),
        benchmark_dir=str(data / "trees" / "A" / "benchmarks"),
    )
    (results / "compare.conf.json").write_text(json.dumps(conf))
    out = subprocess.run(
        [
            *asvrun.asv_command(),
            "compare",
            "--config",
            str(results / "compare.conf.json"),
            labels[base],
            labels[head],
        ],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    flags = {}
    for line in out.splitlines():  # | Change | Before | After | Ratio | Benchmark |
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[4].startswith("bodies."):
            flags[cells[4]] = {"+": "regression", "-": "improvement"}.get(cells[0], "unchanged")
    return flags


def file_rounds(path: Path, rounds: int = 4) -> dict[str, list[list[float]]]:
    data = json.loads(path.read_text())
    cols = data["result_columns"]
    out = {}
    for name, row in data["results"].items():
        values = dict(zip(cols, row + [None] * (len(cols) - len(row)), strict=True))
        samples = (values.get("samples") or [None])[0] or []
        k = len(samples) // rounds
        if k:
            out[name] = [samples[i * k : (i + 1) * k] for i in range(rounds)]
    return out


def pyperf_flags(fb: Path, fh: Path, work: Path) -> dict[str, str]:
    paths = {}
    for label, f in (("base", fb), ("head", fh)):
        benches = [
            pyperf.Benchmark(
                [
                    pyperf.Run(r, metadata={"name": name, "unit": "second"}, collect_metadata=False)
                    for r in runs
                ]
            )
            for name, runs in file_rounds(f).items()
        ]
        paths[label] = work / f"pyperf-{label}.json"
        pyperf.BenchmarkSuite(benches).dump(str(paths[label]), replace=True)
    out = subprocess.run(
        [sys.executable, "-m", "pyperf", "compare_to", str(paths["base"]), str(paths["head"])],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    flags = {name: "unchanged" for name in file_rounds(fb)}
    for line in out.splitlines():
        m = re.match(r"^(\S+): Mean .*: [\d.]+x (slower|faster)$", line)
        if m:
            flags[m.group(1)] = "regression" if m.group(2) == "slower" else "improvement"
    return flags


def finished_sides(data: Path, trial: Path) -> set[str]:
    """The sides of a trial whose ``asv run`` has finished (all of a finished trial; of a
    trial being collected, those the collect log reports)."""
    if (trial / "done").exists():
        return set(MEASURED)
    number = int(trial.name.split("-")[1])
    log = (data / "collect.log").read_text() if (data / "collect.log").exists() else ""
    return {
        label for label in MEASURED if re.search(rf"^trial {number} {label}: ", log, re.MULTILINE)
    }


def judge(
    data: Path, tools: tuple[str, ...], config: Path | None = None, reuse: bool = False
) -> list[dict]:
    """Every tool's verdicts per trial and pair; ``reuse``: take a trial's verdicts from
    an earlier judge (``judged.json`` in the trial) instead of recomputing them."""
    labels = json.loads((data / "commits.json").read_text())
    rows = []
    with tempfile.TemporaryDirectory(prefix="files-eval-") as tmp:
        for trial in sorted(data.glob("trial-*")):
            done = finished_sides(data, trial)
            key = hashlib.md5(f"{sys.executable} {tools} {config}".encode()).hexdigest()[:10]
            cache = (
                trial / f"judged-{key}.json"
            )  # per interpreter (perfkit version), tools and config
            if reuse and cache.exists() and (trial / "done").exists():
                rows += json.loads(cache.read_text())
                continue
            first = len(rows)
            for base, head, cond in PAIRS:
                if base not in done or (head not in done and head != "X"):
                    continue  # a trial still being collected: the pairs measured so far
                work, fb, fh = pair_dir(Path(tmp), trial, labels, base, head)
                started = (trial / base / "asv.log").stat().st_mtime
                row = {
                    "trial": f"{data.name}/{trial.name}",
                    "condition": cond,
                    "started": time.strftime("%H:%M", time.gmtime(started)),
                }
                if "perfkit compare" in tools:
                    row["perfkit compare"], row["critical_x13"] = perfkit_flags(
                        fb, fh, work, config
                    )
                if "asv compare" in tools:
                    row["asv compare"] = asv_flags(data, work, labels, base, head)
                if "pyperf compare_to" in tools:
                    row["pyperf compare_to"] = pyperf_flags(fb, fh, work)
                rows.append(row)
            if (trial / "done").exists():  # never cache a trial still being collected
                cache.write_text(json.dumps(rows[first:]))
    return rows


def table(rows: list[dict], tools: tuple[str, ...]) -> str:
    conds = [c for _b, _h, c in PAIRS]
    head = (
        "| tool | "
        + " | ".join(f"{c}: flagged" for c in conds)
        + " | wrong direction | Critical on x1.3 |"
    )
    lines = [head, "|---" * (len(conds) + 3) + "|"]
    for tool in tools:
        cells, wrong, n_ab = [], 0, 0
        for cond in conds:
            vs = [v for r in rows if r["condition"] == cond and tool in r for v in r[tool].values()]
            if cond == "A/A":
                k = sum(v in ("regression", "improvement") for v in vs)
            else:
                k = sum(v == "regression" for v in vs)
                wrong += sum(v == "improvement" for v in vs)
                n_ab += len(vs)
            cells.append(f"{k}/{len(vs)} ({100 * k / max(1, len(vs)):.1f} %)")
        crit = [r.get("critical_x13") for r in rows if r["condition"] == "x1.3 copy" and tool in r]
        cells.append(f"{wrong}/{n_ab}")
        cells.append("n/a" if tool != "perfkit compare" else f"{sum(c or 0 for c in crit)}")
        lines.append(f"| {tool} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def per_trial(rows: list[dict], tools: tuple[str, ...]) -> str:
    """Spread: A/A flags and +10 % detections per trial."""
    lines = [
        "| trial (A's run ended, UTC) | " + " | ".join(f"{t}: A/A / +10 %" for t in tools) + " |",
        "|---" * (len(tools) + 1) + "|",
    ]
    for trial in sorted({r["trial"] for r in rows}):
        started = next(r.get("started", "") for r in rows if r["trial"] == trial)
        cells = []
        for tool in tools:
            aa = next(
                (r[tool] for r in rows if r["trial"] == trial and r["condition"] == "A/A"), {}
            )
            b10 = next(
                (r[tool] for r in rows if r["trial"] == trial and r["condition"] == "+10 %"), None
            )
            fa = sum(v in ("regression", "improvement") for v in aa.values())
            det = (
                "-" if b10 is None else f"{sum(v == 'regression' for v in b10.values())}/{len(b10)}"
            )
            cells.append(f"{fa}/{len(aa)} / {det}")
        lines.append(f"| {trial} ({started}) | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def roc(data: Path, budgets: tuple[float, ...] = (0.01, 0.05, 0.10, 0.30)) -> str:
    """What perfkit's evidence could catch at a given false-alarm rate: every comparison
    ranked by its p-value (signed by its direction; the threshold rule and the correction
    across the run left out), the cut placed where the A/A pairs allow each budget. Shows
    whether a detection bar is reachable on this data at all, and where asv's operating
    point (its false-alarm rate) lies on perfkit's curve."""
    from perfkit.ingest import load
    from perfkit.verdict.stats import compare

    labels = json.loads((data / "commits.json").read_text())
    evidence: dict[str, list[float]] = {"A/A": [], "+5 %": [], "+10 %": []}
    with tempfile.TemporaryDirectory(prefix="files-roc-") as tmp:
        for trial in sorted(data.glob("trial-*")):
            if not (trial / "done").exists():
                continue
            for base, head, cond in PAIRS:
                if cond not in evidence:
                    continue
                _work, fb, fh = pair_dir(Path(tmp), trial, labels, base, head)
                for c in compare(load(fb), load(fh)):
                    if c.evidence is None:
                        continue
                    strength = -math.log10(max(c.evidence.p_value, 1e-300))
                    evidence[cond].append(math.copysign(strength, math.log(c.evidence.ratio)))
    aa = sorted(abs(v) for v in evidence["A/A"])
    lines = [
        "| A/A flagged (budget) | p below | +10 % caught | +5 % caught | wrong direction at +10 % |",
        "|---|---|---|---|---|",
    ]
    n = len(aa)
    for budget in budgets:
        allowed = int(budget * n)
        cut = aa[n - allowed - 1] if allowed < n else 0.0
        flagged = sum(v > cut for v in aa)
        caught = {c: sum(v > cut for v in evidence[c]) for c in ("+10 %", "+5 %")}
        wrong = sum(v < -cut for v in evidence["+10 %"])
        lines.append(
            f"| {flagged}/{n} ({budget:.0%}) | {10**-cut:.2g} | {caught['+10 %']}/"
            f"{len(evidence['+10 %'])} | {caught['+5 %']}/{len(evidence['+5 %'])} | {wrong} |"
        )
    return "\n".join(lines)


def scaled(data: Path, factors: tuple[float, ...], tools: tuple[str, ...]) -> str:
    """Known slowdowns measured one after the other: the head is A2's file (identical code,
    its own ``asv run``) with every sample x k, so each pair carries the real shift between
    two sequential runs plus a slowdown of exactly k. A flag the other way is a wrong
    direction."""
    labels = json.loads((data / "commits.json").read_text())
    caught = {(t, k): [0, 0, 0] for t in tools for k in factors}  # caught, wrong, of
    with tempfile.TemporaryDirectory(prefix="files-scaled-") as tmp:
        for trial in sorted(data.glob("trial-*")):
            if not (trial / "done").exists():
                continue
            for k in factors:
                work, fb, dest = pair_dir(Path(tmp), trial, labels, "A", "A2", scale=k)
                got = {}
                if "perfkit compare" in tools:
                    got["perfkit compare"] = perfkit_flags(fb, dest, work)[0]
                if "asv compare" in tools:
                    got["asv compare"] = asv_flags(data, work, labels, "A", "X")
                for tool, flags in got.items():
                    cell = caught[tool, k]
                    cell[0] += sum(v == "regression" for v in flags.values())
                    cell[1] += sum(v == "improvement" for v in flags.values())
                    cell[2] += len(flags)
    lines = [
        "| A2's file x | " + " | ".join(f"{t}: caught (wrong)" for t in tools) + " |",
        "|---" * (len(tools) + 1) + "|",
    ]
    for k in factors:
        cells = [f"{caught[t, k][0]}/{caught[t, k][2]} ({caught[t, k][1]})" for t in tools]
        lines.append(f"| {k:g} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("step", choices=("collect", "judge", "roc", "scaled"))
    ap.add_argument(
        "--data", type=Path, action="append", help="collected trials (repeatable for judge)"
    )
    ap.add_argument("--config", type=Path, help="judge: a perfkit.toml for perfkit compare")
    ap.add_argument("--trials", type=int, default=1)
    ap.add_argument(
        "--factors", default="1.1,1.2,1.3,1.5,2", help="scaled: the slowdowns applied to A2"
    )
    ap.add_argument("--json", type=Path, help="judge: write the verdicts here")
    ap.add_argument("--tools", default=",".join(TOOLS))
    ap.add_argument(
        "--reuse", action="store_true", help="judge: reuse the verdicts of trials judged before"
    )
    args = ap.parse_args()
    os.environ.setdefault("PYTHONHASHSEED", "0")
    data = args.data or [Path("/tmp/files-eval")]
    if args.step == "collect":
        collect(data[0], args.trials)
        return 0
    if args.step == "roc":
        print(roc(data[0]))
        return 0
    tools = tuple(t for t in args.tools.split(",") if t)
    if args.step == "scaled":
        factors = tuple(float(k) for k in args.factors.split(","))
        print(scaled(data[0], factors, tuple(t for t in tools if t != "pyperf compare_to")))
        return 0
    rows = [
        r for d in data for r in judge(d, tools, args.config and args.config.resolve(), args.reuse)
    ]
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    print(table(rows, tools))
    print()
    print(per_trial(rows, tools))
    return 0


if __name__ == "__main__":
    sys.exit(main())
