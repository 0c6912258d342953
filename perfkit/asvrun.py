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

from perfkit.errors import ConfigError, ToolFailedError, ToolMissingError

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
        base, _, params = full.partition("(")
        if params:
            values = [p.split("=", 1)[1] for p in _split_params(params[:-1])]
            full = f"{base}({', '.join(values)})"
        regexes.append("^" + re.escape(full) + "$")
    return regexes


def _split_params(text: str) -> list[str]:
    """Split 'a=1, b='x, y'' on top-level ', ' (values are Python reprs)."""
    parts, depth, quote, start = [], 0, "", 0
    for i, ch in enumerate(text):
        if quote:
            if ch == quote and text[i - 1] != "\\":
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0 and text[i + 1 : i + 2] == " ":
            parts.append(text[start:i])
            start = i + 2
    parts.append(text[start:])
    return parts


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
    log: Path | None = None,
) -> RoundResult:
    """Run the selected benchmarks once each, in fresh processes, in the current Python.

    ``repeat`` is samples per process, or asv's "(min, max, max_time)" form.
    """
    ensure_machine()
    config = write_round_config(tree, results_dir)
    cmd = [
        *asv_command(), "run", "--config", str(config), "--python=same",
        "--set-commit-hash", commit, "--record-samples", "--launch-method", "spawn",
        "-a", "rounds=1", "-a", f"repeat={str(repeat).replace(' ', '')}",
    ]  # fmt: skip
    for regex in bench:
        cmd += ["--bench", regex]
    env = dict(os.environ)
    # asv drops PYTHONPATH; ASV_PYTHONPATH makes the measured tree's package win
    env["ASV_PYTHONPATH"] = os.pathsep.join(
        p for p in (str(tree), env.get("ASV_PYTHONPATH", "")) if p
    )
    started = time.time() - 1.0  # asv stores started_at in ms; allow clock rounding
    with open(log or os.devnull, "a") as out:
        proc = subprocess.run(cmd, cwd=tree, stdout=out, stderr=subprocess.STDOUT, check=False)
    files = sorted(results_dir.glob(f"*/{commit[:8]}-*.json"), key=lambda p: p.stat().st_mtime)
    if not files:
        hint = f"; see {log}" if log else ""
        raise ToolFailedError(
            f"asv run wrote no results for {commit[:8]} (exit {proc.returncode}){hint}"
        )
    return RoundResult(files[-1], started, proc.returncode)


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no output"
