"""`perfkit compare` on two large asv result files, end to end (read, compare, every
report written, terminal listing), with min / median / max over repeats.

Two asv result files (format 2) of N benchmarks (default 20,000; every tenth
parameterised with 2 values), 4 processes x 10 samples each, ``benchmarks.json``
recording rounds 4 / repeat 10. The head is the base x1.3 for every other benchmark (a
suite-wide shift: thousands of regressions to list), identical noise otherwise.

    python tools/files_scale.py [--n 20000] [--repeats 3] [--stages]

``--stages`` also prints the CPU split by stage, measured in-process in a fresh
interpreter per repeat (imports, the renderers' included; reading both files; compare +
gate; each report format; terminal), min / median / max over the repeats.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def write_side(root: Path, commit: str, n: int, rng: np.random.Generator, shift: float) -> Path:
    machine = root / "m"
    machine.mkdir(parents=True, exist_ok=True)
    (machine / "machine.json").write_text(
        json.dumps({"machine": "m", "cpu": "cpu", "num_cpu": "2", "version": 1})
    )
    cols = ["result", "params", "version", "started_at", "duration", "samples"]
    results, meta = {}, {}
    for i in range(n):
        name = f"suite.B{i // 100}.time_b{i}"
        params = [["1", "2"]] if i % 10 == 0 else []
        factor = shift if i % 2 else 1.0
        samples = [
            list(factor * np.exp(rng.normal(-5, 0.03)) * rng.lognormal(0, 0.02, 40))
            for _ in range(len(params[0]) if params else 1)
        ]
        result = [float(np.median(s)) for s in samples]
        results[name] = [
            result if params else result[0],
            params,
            "v1",
            1_700_000_000_000,
            1.0,
            samples,
        ]
        meta[name] = {
            "name": name,
            "type": "time",
            "unit": "seconds",
            "params": params,
            "param_names": ["n"] if params else [],
            "rounds": 4,
            "repeat": 10,
            "version": "v1",
        }
    path = machine / f"{commit[:8]}-env.json"
    path.write_text(
        json.dumps(
            {
                "commit_hash": commit,
                "env_name": "env",
                "date": 0,
                "params": {"machine": "m", "cpu": "cpu"},
                "python": "3.11",
                "requirements": {},
                "env_vars": {},
                "result_columns": cols,
                "results": results,
                "durations": {},
                "version": 2,
            }
        )
    )
    (root / "benchmarks.json").write_text(json.dumps(meta))
    return path


STAGES = r"""
import resource, sys, time
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
t = cpu()
from pathlib import Path
from perfkit.cli import compare  # what `perfkit compare` imports before it reads
from perfkit.config import Config
from perfkit.ingest import read_file
from perfkit.verdict.analysis import analyse, samples_by_name
from perfkit import report as rp
rp.file_renderers()  # imports the renderers (jinja2, matplotlib), as writing the report does
split = {"imports": cpu() - t}
t = cpu()
b, h = read_file(Path(sys.argv[1])), read_file(Path(sys.argv[2]))
split["read both files"] = cpu() - t
t = cpu()
r = analyse(b.measurements, h.measurements, Config(), base_label="a", head_label="b",
            base_env=b.env, head_env=h.env, warnings=b.warnings + h.warnings)
samples = samples_by_name(b.measurements, h.measurements)
split["compare + gate"] = cpu() - t
for fmt in ("json", "markdown", "html", "terminal"):
    t = cpu()
    rp.render(fmt, r, samples)
    split[fmt] = cpu() - t
print(repr(split))
"""


def stages(base: Path, head: Path, repeats: int) -> dict[str, list[float]]:
    """CPU seconds per stage, one fresh interpreter per repeat."""
    out: dict[str, list[float]] = {}
    for _ in range(repeats):
        proc = subprocess.run(
            [sys.executable, "-c", STAGES, str(base), str(head)],
            capture_output=True,
            text=True,
            check=True,
        )
        for name, cpu in ast.literal_eval(proc.stdout.strip().splitlines()[-1]).items():
            out.setdefault(name, []).append(cpu)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--n", type=int, default=20_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--stages", action="store_true", help="also the CPU split by stage")
    args = ap.parse_args()
    exe = Path(sys.executable).parent / "perfkit"
    with tempfile.TemporaryDirectory(prefix="files-scale-") as tmp:
        base = write_side(Path(tmp) / "a", "a" * 40, args.n, np.random.default_rng(1), 1.0)
        head = write_side(Path(tmp) / "b", "b" * 40, args.n, np.random.default_rng(2), 1.3)
        mb = (base.stat().st_size + head.stat().st_size) / 1e6
        times, cpus, lines = [], [], 0
        for k in range(args.repeats):
            start, cpu0 = time.perf_counter(), _children_cpu()
            proc = subprocess.run(
                [str(exe), "compare", str(base), str(head), "--out", f"{tmp}/out{k}"],
                capture_output=True,
                text=True,
                check=True,
            )
            times.append(time.perf_counter() - start)
            cpus.append(_children_cpu() - cpu0)
            lines = proc.stdout.count("\n")
        print(
            f"perfkit compare, 2 asv files of {args.n:,} benchmarks ({mb:.0f} MB together), end to end: "
            f"wall min {min(times):.1f} s, median {statistics.median(times):.1f} s, max {max(times):.1f} s; "
            f"CPU (user+sys) min {min(cpus):.1f} s, median {statistics.median(cpus):.1f} s, max {max(cpus):.1f} s; "
            f"{lines} terminal lines; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
        )
        if args.stages:
            for name, cpus in stages(base, head, args.repeats).items():
                print(
                    f"  {name:<16} CPU min {min(cpus):.2f} s, median "
                    f"{statistics.median(cpus):.2f} s, max {max(cpus):.2f} s"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
