"""Drive asv for one measuring round: one fresh process per benchmark, samples recorded.

perfkit keeps the process boundaries asv throws away by running each round as its own
asv invocation (``-a rounds=1``) into its own results directory, so every round's result
file holds exactly one process's samples per benchmark.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from perfkit.atomic import write_text_atomic
from perfkit.errors import ConfigError, ToolFailedError, ToolMissingError
from perfkit.ingest.names import parse_full_name

MACHINE_FILE = Path.home() / ".asv-machine.json"


@dataclass(frozen=True)
class RoundResult:
    result_file: Path
    started_at: float  # unix seconds; entries older than this are stale
    returncode: int


def asv_command() -> list[str]:
    return [sys.executable, "-m", "asv"]


def ensure_machine() -> None:
    """asv asks interactively for machine details once; answer with the defaults."""
    if MACHINE_FILE.exists():
        return
    proc = subprocess.run(
        [*asv_command(), "machine", "--yes"], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise ToolMissingError(f"`asv machine --yes` failed: {_last_line(proc.stderr)}")


def current_machine() -> str:
    """The asv machine name of this machine (what asv writes results under)."""
    ensure_machine()
    try:
        data = json.loads(MACHINE_FILE.read_text())
        return next(k for k in data if k != "version")
    except (OSError, ValueError, StopIteration):
        raise ConfigError(f"{MACHINE_FILE}: unreadable; run `asv machine --yes`") from None


def selection_regex(names: Sequence[str]) -> list[str]:
    """asv --bench regexes selecting exactly these benchmarks / parameter combinations.

    asv matches parameterised benchmarks as ``name(value1, value2)``; perfkit's full
    names are ``name(p1=value1, p2=value2)``, so translate.
    """
    regexes = []
    for full in names:
        base, params = parse_full_name(full)
        if params:
            full = f"{base}({', '.join(v for _k, v in params)})"
        regexes.append("^" + re.escape(full) + "$")
    return regexes


def write_round_config(tree: Path, results_dir: Path) -> Path:
    """A copy of the tree's asv.conf.json with absolute paths and a per-round results dir."""
    source = tree / "asv.conf.json"
    try:
        conf = json.loads(source.read_text())
    except FileNotFoundError:
        raise ConfigError(f"{source}: no asv.conf.json in the tree to measure") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{source}: invalid JSON ({exc.msg} at line {exc.lineno})") from None
    conf["repo"] = str(tree)
    conf["benchmark_dir"] = str(tree / conf.get("benchmark_dir", "benchmarks"))
    conf["env_dir"] = str(tree / conf.get("env_dir", "env"))
    conf["results_dir"] = str(results_dir)
    conf["html_dir"] = str(results_dir / "html")
    # a detached worktree or a CI checkout may have no branch of the configured name
    conf["branches"] = ["HEAD"]
    results_dir.mkdir(parents=True, exist_ok=True)
    path = results_dir / "asv.conf.json"
    path.write_text(json.dumps(conf, indent=2))
    return path


def run_round(
    tree: Path,
    commit: str,
    results_dir: Path,
    *,
    bench: Sequence[str] = (),
    repeat: int | str = 5,
    launch: str = "spawn",
    warmup: float = -1.0,
    log: Path | None = None,
) -> RoundResult:
    """Run the selected benchmarks once each, in fresh processes, in the current Python.

    ``repeat`` is samples per process, or asv's "(min, max, max_time)" form; ``warmup``
    is asv's warmup_time in seconds (negative: the suite's own).
    """
    ensure_machine()
    tree, results_dir = tree.resolve(), results_dir.resolve()
    log = log.resolve() if log else None
    config = write_round_config(tree, results_dir)
    cmd = [
        *asv_command(), "run", "--config", str(config), "--python=same",
        "--set-commit-hash", commit, "--record-samples", "--launch-method", launch,
        "-a", "rounds=1", "-a", f"repeat={str(repeat).replace(' ', '')}",
    ]  # fmt: skip
    if warmup >= 0:
        cmd += ["-a", f"warmup_time={warmup:g}"]
    for regex in bench:
        cmd += ["--bench", regex]
    env = tree_env(tree)
    started = time.time() - 1.0  # asv stores started_at in ms; allow clock rounding
    with open(log or os.devnull, "a") as out:
        proc = subprocess.run(cmd, cwd=tree, env=env, stdout=out, stderr=subprocess.STDOUT, check=False)
    files = sorted(results_dir.glob(f"*/{commit[:8]}-*.json"), key=lambda p: p.stat().st_mtime)
    if not files:
        hint = f"; see {log}" if log else ""
        raise ToolFailedError(
            f"asv run wrote no results for {commit[:8]} (exit {proc.returncode}){hint}"
        )
    record_attributes(results_dir, repeat)
    return RoundResult(files[-1], started, proc.returncode)


def record_attributes(results_dir: Path, repeat: int | str | None, rounds: int = 1) -> None:
    """Write the rounds and repeat asv really ran with (``-a`` overrides) into
    benchmarks.json; ``repeat`` None keeps the suite's own.

    asv records the suite's own attributes there, not the overrides; a reader that
    splits a result file's samples into processes by those attributes would cut one
    process's 10 samples into two processes."""
    path = results_dir / "benchmarks.json"
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return  # nothing to correct; the reader then keeps the samples pooled
    for meta in data.values():
        if isinstance(meta, dict) and "rounds" in meta:
            meta["rounds"] = rounds
            if repeat is not None:
                meta["repeat"] = json.loads(str(repeat).replace("(", "[").replace(")", "]"))
    write_text_atomic(path, json.dumps(data, indent=4))


def tree_env(tree: Path) -> dict[str, str]:
    """Environment that makes asv's processes import the measured tree's code.

    asv removes PYTHONPATH from its benchmark processes (and with --python=same even
    ASV_PYTHONPATH ends up removed), so the suite's ``benchmarks/__init__.py`` reads
    PERFKIT_TREE and puts it first on sys.path (three lines; see the README)."""
    env = dict(os.environ)
    env["PERFKIT_TREE"] = str(tree)
    env["ASV_PYTHONPATH"] = str(tree)
    return env


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no output"
