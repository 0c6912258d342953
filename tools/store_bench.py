"""Scale benchmark of the history store (perfkit.history.store): 10^7 measurements by default.

Generates a git repository of C commits (git fast-import) and a real asv results
directory (format 2, one file per commit, B benchmarks each with S samples; steps of
+30 % injected into 1 % of the benchmarks within the last 100 commits), then measures,
each step in a fresh process (peak RSS per step):

  build    cold build of the store from the JSON files (perfkit.history.store.rebuild)
  update   incremental update after one new commit's result file
  changes  "what changed in the last 100 commits" across all benchmarks (warm Reader)
  series   one benchmark's full series (warm Reader)
  compare  one commit's Measurements as ``perfkit compare`` reads them: from the store
           (perfkit.history.store.load_commit) and from its JSON file (load_results);
           ``--step compare`` only, not part of the full run

Each figure is repeated (--repeats, default 3) and reported as min/median/max.

    python tools/store_bench.py --benchmarks 1000 --commits 10000 --out /tmp/store_bench.json

The generated tree is kept under --work and reused when it has the same shape.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ENV = "virtualenv-py3.11"
MACHINE = "bench"
COLUMNS = ["result", "params", "version", "started_at", "duration", "samples"]
STEP = 1.3


# --- synthetic history ------------------------------------------------------------------------


def make_repo(root: Path, n_commits: int) -> list[str]:
    """A git repository of ``n_commits`` empty commits on ``main``, oldest first."""
    root.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    lines = []
    for i in range(1, n_commits + 1):
        msg = f"c{i}\n"
        lines.append(
            f"commit refs/heads/main\nmark :{i}\n"
            f"committer t <t@e> {1_600_000_000 + 60 * i} +0000\n"
            f"data {len(msg)}\n{msg}"
        )
        if i > 1:
            lines.append(f"from :{i - 1}\n")
        lines.append("\n")
    subprocess.run(
        ["git", "-C", str(root), "fast-import", "--quiet"],
        input="".join(lines).encode(),
        check=True,
    )
    out = subprocess.run(
        ["git", "-C", str(root), "rev-list", "--reverse", "main"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return out.split()


def benchmark_names(n: int) -> list[str]:
    return [f"suite{i % 10}.Group{i // 10 % 10}.time_b{i:04d}" for i in range(n)]


def write_benchmarks(results: Path, names: list[str]) -> None:
    results.mkdir(parents=True, exist_ok=True)
    meta = {
        n: {
            "name": n,
            "type": "time",
            "unit": "seconds",
            "params": [],
            "param_names": [],
            "rounds": 2,
            "repeat": 5,
            "version": "v1",
        }
        for n in names
    }
    (results / "benchmarks.json").write_text(json.dumps(meta))
    (results / MACHINE).mkdir(exist_ok=True)
    (results / MACHINE / "machine.json").write_text(json.dumps({"machine": MACHINE, "version": 1}))


class History:
    """Levels of every benchmark at every commit (steps known), deterministic by seed."""

    def __init__(self, n_benchmarks: int, n_commits: int, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.base = rng.lognormal(-6.0, 1.0, n_benchmarks)
        self.steps = {}
        last = min(100, n_commits // 2)
        for b in rng.choice(n_benchmarks, size=max(1, n_benchmarks // 100), replace=False):
            self.steps[int(b)] = n_commits - last + int(rng.integers(10, last - 10))
        self.seed = seed

    def levels(self, commit: int) -> np.ndarray:
        rng = np.random.default_rng((self.seed, commit))
        level = self.base * (1 + 0.02 * rng.standard_normal(self.base.size))
        for b, at in self.steps.items():
            if commit >= at:
                level[b] *= STEP
        return level


def result_json(sha: str, commit: int, names: list[str], levels: np.ndarray, samples: int) -> str:
    rng = np.random.default_rng((1, commit))
    noise = 1 + 0.01 * rng.standard_normal((len(names), samples))
    values = levels[:, None] * noise
    started = (1_600_000_000 + 60 * commit) * 1000
    medians = np.median(values, axis=1).tolist()
    samples_lists = np.round(values, 9).tolist()
    rows = {
        name: [[medians[i]], [], "v1", started + i, 1.0, [samples_lists[i]]]
        for i, name in enumerate(names)
    }
    return json.dumps(
        {
            "commit_hash": sha,
            "env_name": ENV,
            "date": started,
            "params": {"machine": MACHINE, "python": "3.11"},
            "python": "3.11",
            "requirements": {},
            "env_vars": {},
            "result_columns": COLUMNS,
            "results": rows,
            "durations": {},
            "version": 2,
        }
    )


def write_result(
    results: Path, sha: str, commit: int, names: list[str], hist: History, samples: int
) -> Path:
    path = results / MACHINE / f"{sha[:8]}-{ENV}.json"
    path.write_text(result_json(sha, commit, names, hist.levels(commit), samples))
    return path


def generate(work: Path, n_benchmarks: int, n_commits: int, samples: int, held_back: int) -> dict:
    """The repo and results (all but the last ``held_back`` commits); reused when present."""
    shape = {
        "benchmarks": n_benchmarks,
        "commits": n_commits,
        "samples": samples,
        "held_back": held_back,
    }
    marker = work / "shape.json"
    if marker.exists() and json.loads(marker.read_text()) == shape:
        return shape
    shutil.rmtree(work, ignore_errors=True)
    start = time.perf_counter()
    shas = make_repo(work / "repo", n_commits)
    names = benchmark_names(n_benchmarks)
    write_benchmarks(work / "results", names)
    hist = History(n_benchmarks, n_commits)
    for i, sha in enumerate(shas[: n_commits - held_back]):
        write_result(work / "results", sha, i, names, hist, samples)
    (work / "shas.txt").write_text("\n".join(shas))
    (work / "steps.json").write_text(
        json.dumps({names[b]: shas[at] for b, at in hist.steps.items()})
    )
    print(
        f"generated {n_commits - held_back} result files in {time.perf_counter() - start:.1f} s",
        file=sys.stderr,
    )
    marker.write_text(json.dumps(shape))
    return shape


def rows_env_info(data: dict) -> str:
    from perfkit.history.store.rows import env_info

    return env_info(data)


def fast_reader(path: Path, benchmarks: dict) -> tuple[str, dict, str]:
    """The store's columns of one *synthetic* result file, vectorised (json + numpy).

    Knows the generated layout only (no parameters, every result with its samples), and
    gives the same rows as perfkit's asv reader would (tests/unit/test_store.py checks).
    It stands in for that reader in the 10^7 cold build, whose cost per measurement is
    reported separately (``--reader asv``).
    """
    import pyarrow as pa

    data = json.loads(path.read_bytes())
    names = list(data["results"])
    rows = list(data["results"].values())
    samples = np.array([r[5][0] for r in rows], dtype=float)
    size = len(names)
    rounds = int(benchmarks[names[0]]["rounds"])  # asv's rounds: one run each, equal sizes
    per = samples.shape[1] // rounds
    inner = pa.ListArray.from_arrays(
        pa.array(np.arange(0, samples.size + 1, per, dtype=np.int32)), pa.array(samples.ravel())
    )
    q = np.percentile(samples, (0.0, 25.0, 50.0, 75.0, 100.0), axis=1)
    machine, env = data["params"]["machine"], data["env_name"]
    return (
        data["commit_hash"],
        {
            "benchmark": names,
            "name": names,
            "parameters": [""] * size,
            "machine": [machine] * size,
            "environment": [env] * size,
            "kind": ["time"] * size,
            "unit": ["seconds"] * size,
            "direction": ["lower_is_better"] * size,
            "version": [r[2] for r in rows],
            "n": np.full(size, samples.shape[1], dtype=np.int32),
            "median": q[2],
            "q25": q[1],
            "q75": q[3],
            "min": q[0],
            "max": q[4],
            "error": [""] * size,
            "started_at": [r[3] / 1000.0 for r in rows],
            "seq": np.arange(size, dtype=np.int32),
            "param_names": pa.array([[]] * size, pa.list_(pa.string())),
            "param_values": pa.array([[]] * size, pa.list_(pa.string())),
            "runs": pa.ListArray.from_arrays(
                pa.array(np.arange(0, size * rounds + 1, rounds, dtype=np.int32)), inner
            ),
            "runs_known": np.ones(size, dtype=bool),
            "value": [r[0][0] for r in rows],
            "skipped": np.zeros(size, dtype=bool),
            "session": pa.nulls(size, pa.string()),
        },
        rows_env_info(data),
    )


# --- measured steps (each in its own process) --------------------------------------------------


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reader(name: str):
    from perfkit.history.store import rows

    return fast_reader if name == "fast" else rows.read_asv


def step_build(work: Path, reader: str) -> dict:
    from perfkit.history import store

    start = time.perf_counter()
    summary = store.rebuild(
        work / "results", work / "store", repo=work / "repo", reader=_reader(reader)
    )
    return {
        "seconds": time.perf_counter() - start,
        "rows": summary.live_rows,
        "parts": summary.parts,
        "peak_mb": _peak_mb(),
        "loadavg": os.getloadavg()[0],
    }


def step_update(work: Path, commit: int, reader: str) -> dict:
    """One new commit's file, read by perfkit's own asv reader whatever ``reader`` says."""
    from perfkit.history import store

    shape = json.loads((work / "shape.json").read_text())
    shas = (work / "shas.txt").read_text().split()
    names = benchmark_names(shape["benchmarks"])
    hist = History(shape["benchmarks"], shape["commits"])
    write_result(work / "results", shas[commit], commit, names, hist, shape["samples"])
    start = time.perf_counter()
    summary = store.update(
        work / "results", work / "store", repo=work / "repo", reader=_reader("asv")
    )
    seconds = time.perf_counter() - start
    assert summary.read == 1, summary
    return {
        "seconds": seconds,
        "rows_added": summary.rows_added,
        "parts": summary.parts,
        "peak_mb": _peak_mb(),
        "loadavg": os.getloadavg()[0],
    }


def step_query(work: Path, repeats: int, last: int) -> dict:
    from perfkit.history import store
    from perfkit.history.series import HistoryOptions

    names = benchmark_names(json.loads((work / "shape.json").read_text())["benchmarks"])
    steps = json.loads((work / "steps.json").read_text())
    out: dict = {
        "changes": [],
        "series": [],
        "changes_cpu": [],
        "series_cpu": [],
        "loadavg_before": os.getloadavg()[0],
    }
    with store.Reader(work / "store") as reader:
        start = time.perf_counter()
        found = reader.changes(last)
        out["changes_first_seconds"] = time.perf_counter() - start  # includes numba JIT / cache
        for _ in range(repeats):
            start, cpu = time.perf_counter(), time.process_time()
            found = reader.changes(last)
            out["changes"].append(time.perf_counter() - start)
            out["changes_cpu"].append(time.process_time() - cpu)
        # the store's part alone: the query of the rows the detection takes (the rest of
        # `changes` is perfkit.history.changepoint's detection)
        out["changes_query"], out["changes_query_cpu"] = [], []
        for _ in range(repeats):
            start, cpu = time.perf_counter(), time.process_time()
            reader.recent_rows(last + HistoryOptions().window)
            out["changes_query"].append(time.perf_counter() - start)
            out["changes_query_cpu"].append(time.process_time() - cpu)
        hits = {c.name: c.commit for c in found}
        out["changes_found"] = len(found)
        out["steps_injected"] = len(steps)
        out["steps_found_at_their_commit"] = sum(hits.get(n) == sha for n, sha in steps.items())
        reader.series(names[0])  # warm-up
        for r in range(repeats):
            start, cpu = time.perf_counter(), time.process_time()
            df = reader.series(names[(r + 1) * 97 % len(names)])
            out["series"].append(time.perf_counter() - start)
            out["series_cpu"].append(time.process_time() - cpu)
        out["series_points"] = len(df)
    out["peak_mb"] = _peak_mb()
    out["loadavg_after"] = os.getloadavg()[0]
    return out


def step_compare(work: Path, repeats: int) -> dict:
    """One commit read through the store and from its file: a recent commit (in a
    commit-range part) and an old one (folded into the clustered part). The store must
    sit where ``perfkit compare`` looks for it (``results.store``): a symlink to it."""
    from perfkit.history import store
    from perfkit.ingest.asv import load_results

    link = work / "results.store"
    if not link.exists():
        link.symlink_to((work / "store").absolute())
    shas = (work / "shas.txt").read_text().split()
    commits = len(list((work / "results" / MACHINE).glob(f"*-{ENV}.json")))
    out: dict = {"loadavg_before": os.getloadavg()[0]}
    for label, i in (("recent", commits - 10), ("old", commits // 2)):
        times, json_times = [], []
        for _ in range(repeats):
            start = time.perf_counter()
            got = store.load_commit(work / "results", shas[i], repo=work / "repo")
            times.append(time.perf_counter() - start)
            start = time.perf_counter()
            want = load_results(work / "results", commit=shas[i])
            json_times.append(time.perf_counter() - start)
            assert got == want, f"commit {i}: the store's Measurements differ from the file's"
        out[f"{label}_store_s"] = spread(times)
        out[f"{label}_json_s"] = spread(json_times)
    out["old_clustered_query_s"] = _clustered_read(work, shas[commits // 2])
    out["peak_mb"] = _peak_mb()
    out["loadavg_after"] = os.getloadavg()[0]
    return out


def _clustered_read(work: Path, sha: str) -> dict:
    """Where an old commit's read goes: one DuckDB query on the clustered part for its
    rows' position only, every Measurement column but the samples, and all of them."""
    from perfkit.history.store import manifest, parts, rows

    store_dir = work / "store"
    found = [p for p in manifest.read(store_dir).parts if p.clustered]
    if not found:
        return {}
    source = f"{MACHINE}/{sha[:8]}-{ENV}.json"
    every = [f'"{c}"' for c in rows.MEASUREMENT_COLUMNS]
    picks = {
        "rows_found_by_source": '"seq"',
        "without_samples": ", ".join(c for c in every if c != '"runs"'),
        "all_columns": ", ".join(every),
    }
    con = parts.connect(store_dir)
    out = {}
    try:
        for label, cols in picks.items():
            start = time.perf_counter()
            sql = f"SELECT {cols} FROM read_parquet({parts.quote(str(store_dir / found[0].file))})"
            con.execute(f"{sql} WHERE source = ?", [source]).fetchall()
            out[label] = time.perf_counter() - start
    finally:
        con.close()
    return out


def _child(args: list[str]) -> dict:
    cmd = [sys.executable, __file__, *args]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(done.stdout)


def spread(values: list[float]) -> dict:
    return {"min": min(values), "median": statistics.median(values), "max": max(values)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--benchmarks", type=int, default=1000)
    p.add_argument("--commits", type=int, default=10_000)
    p.add_argument("--samples", type=int, default=10)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--build-repeats", type=int, help="cold builds (default: --repeats)")
    p.add_argument("--last", type=int, default=100)
    p.add_argument("--work", type=Path, default=Path("/tmp/store-bench"))
    p.add_argument("--out", type=Path)
    p.add_argument(
        "--reader",
        choices=["fast", "asv"],
        default="fast",
        help="how result files are read: a vectorised reader of the synthetic files "
        "(fast) or perfkit's asv reader (asv: its real cost per measurement)",
    )
    p.add_argument(
        "--step",
        choices=["generate", "build", "update", "query", "compare"],
        help=argparse.SUPPRESS,
    )
    p.add_argument("--commit", type=int, help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.step == "generate":  # the tree only, the newest --repeats commits held back
        print(json.dumps(generate(a.work, a.benchmarks, a.commits, a.samples, a.repeats)))
        return 0
    if a.step == "build":
        print(json.dumps(step_build(a.work, a.reader)))
        return 0
    if a.step == "update":
        print(json.dumps(step_update(a.work, a.commit, a.reader)))
        return 0
    if a.step == "query":
        print(json.dumps(step_query(a.work, a.repeats, a.last)))
        return 0
    if a.step == "compare":
        print(json.dumps(step_compare(a.work, a.repeats)))
        return 0
    generate(a.work, a.benchmarks, a.commits, a.samples, held_back=a.repeats)
    common = ["--work", str(a.work), "--reader", a.reader]
    builds, updates, queries = [], [], None
    for _ in range(a.build_repeats or a.repeats):
        for held in range(a.repeats):  # forget the commits an earlier repeat added
            sha = (a.work / "shas.txt").read_text().split()[a.commits - 1 - held]
            (a.work / "results" / MACHINE / f"{sha[:8]}-{ENV}.json").unlink(missing_ok=True)
        builds.append(_child([*common, "--step", "build"]))
        print(f"build: {builds[-1]}", file=sys.stderr)
    for r in range(a.repeats):
        commit = a.commits - a.repeats + r
        updates.append(_child([*common, "--step", "update", "--commit", str(commit)]))
        print(f"update: {updates[-1]}", file=sys.stderr)
    queries = _child(
        [*common, "--step", "query", "--repeats", str(a.repeats), "--last", str(a.last)]
    )
    print(f"query: {queries}", file=sys.stderr)
    report = {
        "reader": a.reader,
        "shape": {
            "benchmarks": a.benchmarks,
            "commits": a.commits,
            "samples": a.samples,
            "measurements": a.benchmarks * a.commits,
            "cpus": os.cpu_count(),
        },
        "cold_build_s": spread([b["seconds"] for b in builds]),
        "cold_build_us_per_measurement": spread([b["seconds"] / b["rows"] * 1e6 for b in builds]),
        "cold_build_peak_mb": spread([b["peak_mb"] for b in builds]),
        "rows": builds[-1]["rows"],
        "update_1_commit_s": spread([u["seconds"] for u in updates]),
        "update_peak_mb": spread([u["peak_mb"] for u in updates]),
        f"changes_last_{a.last}_warm_s": spread(queries["changes"]),
        "changes_first_call_s": queries["changes_first_seconds"],
        "changes_found": queries["changes_found"],
        "steps_injected": queries["steps_injected"],
        "steps_found_at_their_commit": queries["steps_found_at_their_commit"],
        "changes_cpu_s": spread(queries["changes_cpu"]),
        "changes_query_s": spread(queries["changes_query"]),
        "changes_query_cpu_s": spread(queries["changes_query_cpu"]),
        "series_warm_s": spread(queries["series"]),
        "series_cpu_s": spread(queries["series_cpu"]),
        "query_loadavg": [queries["loadavg_before"], queries["loadavg_after"]],
        "series_points": queries["series_points"],
        "query_peak_mb": queries["peak_mb"],
    }
    text = json.dumps(report, indent=2)
    if a.out:
        a.out.write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
