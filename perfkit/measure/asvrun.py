"""Drive asv for one measuring round: one fresh process per benchmark, samples recorded.

perfkit keeps the process boundaries asv throws away by running each round as its own
asv invocation (``-a rounds=1``) into its own results directory, so every round's result
file holds exactly one process's samples per benchmark.
"""

from __future__ import annotations

import json
import os
import platform
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
from perfkit.measure import asvmain
from perfkit.measure import preload as preloading
from perfkit.measure.asvconfig import find_config, read_raw
from perfkit.measure.sides import launcher

MACHINE_FILE = Path.home() / ".asv-machine.json"


@dataclass(frozen=True)
class RoundResult:
    result_file: Path
    started_at: float  # unix seconds; entries older than this are stale
    returncode: int


def asv_command() -> list[str]:
    return [sys.executable, "-m", "asv"]


def _machines(attempts: int = 6) -> dict:
    # asv itself (`asv machine`, `asv run` on a new host) rewrites the file in place: a
    # read that meets it half-written is tried again before it counts as broken
    for attempt in range(attempts):
        try:
            data = json.loads(MACHINE_FILE.read_text()) if MACHINE_FILE.exists() else {}
            break
        except (OSError, ValueError):
            if attempt == attempts - 1:
                raise ConfigError(f"{MACHINE_FILE}: unreadable; run `asv machine --yes`") from None
            time.sleep(0.25)
    return {k: v for k, v in data.items() if k != "version" and isinstance(v, dict)}


def ensure_machine(name: str | None = None) -> None:
    """Add this machine's entry (asv's defaults) to asv's machine file when missing, as
    ``asv machine --yes`` would, but atomically and under a lock: asv rewrites the file
    in place, and a concurrent run (shards of one suite on one host) read it half-written."""
    wanted = name or platform.node()
    if wanted in _machines():
        return
    import fcntl
    import tempfile

    from asv.machine import Machine

    lock = Path(tempfile.gettempdir()) / "perfkit-asv-machine.lock"
    with open(lock, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        if wanted in _machines():
            return
        try:
            data = json.loads(MACHINE_FILE.read_text()) if MACHINE_FILE.exists() else {}
            entry = {**Machine.get_defaults(), "machine": wanted}
        except (OSError, ValueError) as exc:
            raise ToolMissingError(
                f"cannot add machine {wanted!r} to {MACHINE_FILE}: {exc}"
            ) from None
        data[wanted] = entry
        data["version"] = Machine.api_version
        write_text_atomic(MACHINE_FILE, json.dumps(data, indent=4, sort_keys=True) + "\n")


def current_machine(name: str | None = None) -> str:
    """The asv machine results are written under, resolved as asv resolves it: ``name``
    (``--machine``), else the entry named after this host; ``asv machine --yes`` adds it
    when missing, as asv would ask for it."""
    machines = _machines()
    host = name or platform.node()
    if host not in machines and name is None and len(machines) == 1:
        return next(iter(machines))  # asv takes a lone entry for this host
    ensure_machine(name)
    return host


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


def write_round_config(tree: Path, results_dir: Path, source: Path | None = None) -> Path:
    """A copy of the tree's asv config (``source``, else found as users keep it) with
    absolute paths, resolved from the config's folder as asv does, and a per-round
    results dir."""
    source = source or find_config(tree)
    conf = read_raw(source)
    here = source.parent
    conf["repo"] = str((here / conf.get("repo", ".")).resolve())
    conf["benchmark_dir"] = str((here / conf.get("benchmark_dir", "benchmarks")).resolve())
    conf["env_dir"] = str((here / conf.get("env_dir", "env")).resolve())
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
    python: str | None = None,
    config: Path | None = None,
    machine: str | None = None,
    bench: Sequence[str] = (),
    repeat: int | str = 5,
    launch: str = "spawn",
    warmup: float = -1.0,
    preload: bool = True,
    discovered: Path | None = None,
    log: Path | None = None,
) -> RoundResult:
    """Run the selected benchmarks once each, in fresh processes, in ``python`` (a side's
    environment; None: this interpreter with ``tree`` first on the path).

    ``repeat`` is samples per process, or asv's "(min, max, max_time)" form; ``warmup``
    is asv's warmup_time in seconds (negative: the suite's own). ``preload``: with the
    forkserver, numba's compiler is set up once in asv's server when the suite imported
    numba, not again in every forked process, and with either launch method a calibration
    loop is timed around every sample (:mod:`perfkit.measure.preload`).
    ``discovered``: where this side's benchmark list is kept between its rounds; asv's
    discovery is reused from there when the file exists (:mod:`perfkit.measure.asvmain`),
    and the round saves it there when not.
    """
    results_dir = results_dir.resolve()
    python = python or launcher(tree.resolve(), results_dir, "same")
    runs_with = preloading.wrap(python, results_dir) if preload else python
    log = log.resolve() if log else None
    args = [
        "--record-samples",
        "--launch-method",
        launch,
        "-a",
        "rounds=1",
        "-a",
        f"repeat={str(repeat).replace(' ', '')}",
    ]
    if warmup >= 0:
        args += ["-a", f"warmup_time={warmup:g}"]
    for regex in bench:
        args += ["--bench", regex]
    started = time.time() - 1.0  # asv stores started_at in ms; allow clock rounding
    reuse = discovered if discovered is not None and discovered.is_file() else None
    proc = _asv_run(
        tree,
        commit,
        results_dir,
        args,
        python=runs_with,
        config=config,
        machine=machine,
        log=log,
        discovered=reuse,
    )
    files = sorted(results_dir.glob(f"*/{commit[:8]}-*.json"), key=lambda p: p.stat().st_mtime)
    if not files:
        hint = f"; see {log}" if log else ""
        raise ToolFailedError(
            f"asv run wrote no results for {commit[:8]} (exit {proc.returncode}){hint}"
        )
    if runs_with != python:
        preloading.restore_env_name(files[-1], runs_with, python)
    if discovered is not None and reuse is None and proc.returncode == 0:
        keep_discovery(results_dir / "benchmarks.json", discovered)
    record_attributes(results_dir, repeat)
    return RoundResult(files[-1], started, proc.returncode)


def _asv_run(
    tree: Path,
    commit: str,
    out_dir: Path,
    args: list[str],
    *,
    python: str | None,
    config: Path | None,
    machine: str | None,
    log: Path | None,
    discovered: Path | None = None,
) -> subprocess.CompletedProcess:
    """``asv run`` of ``commit`` in ``python`` (an "existing" environment; None: this
    interpreter with ``tree`` first) into ``out_dir``, its output appended to ``log``."""
    tree = tree.resolve()
    conf_path = write_round_config(tree, out_dir, config)
    python = python or launcher(tree, out_dir, "same")
    command = asv_command()
    env = {k: v for k, v in os.environ.items() if k != "ASV_PYTHONPATH"}
    if discovered is not None and command == [sys.executable, "-m", "asv"]:
        # -P: asv runs in the side's tree, which may hold its own (older) perfkit package
        command = [sys.executable, "-P", "-m", "perfkit.measure.asvmain"]
        env[asvmain.ENV] = str(discovered)
    cmd = [
        *command,
        "run",
        "--config",
        str(conf_path),
        "--environment",
        f"existing:{python}",
        "--machine",
        current_machine(machine),
        "--set-commit-hash",
        commit,
        *args,
    ]
    with open(log or os.devnull, "a") as out:
        return subprocess.run(
            cmd, cwd=tree, env=env, stdout=out, stderr=subprocess.STDOUT, check=False
        )


def keep_discovery(written: Path, keep: Path) -> None:
    """Keep the benchmark list asv wrote in a side's first round (before perfkit amends
    it) for that side's later rounds; one that asv would not take back is not kept."""
    from asv.benchmarks import Benchmarks

    try:
        text = written.read_text()
    except OSError:
        return
    if asvmain.listed(written, Benchmarks.api_version) is not None:
        write_text_atomic(keep, text)


def discover(
    tree: Path,
    commit: str,
    out_dir: Path,
    *,
    python: str | None = None,
    config: Path | None = None,
    machine: str | None = None,
    log: Path | None = None,
) -> list[str]:
    """The suite's benchmark names (without parameters), discovered by asv in ``python``
    (``asv run --bench just-discover`` writes benchmarks.json and measures nothing)."""
    out_dir = out_dir.resolve()
    proc = _asv_run(
        tree,
        commit,
        out_dir,
        ["--bench", "just-discover"],
        python=python,
        config=config,
        machine=machine,
        log=log,
    )
    try:
        data = json.loads((out_dir / "benchmarks.json").read_text())
    except (OSError, ValueError):
        raise ToolFailedError(
            f"asv could not discover the benchmarks of {commit[:8]} (exit {proc.returncode})"
            + (f"; see {log}" if log else "")
        ) from None
    return sorted(k for k, v in data.items() if isinstance(v, dict) and "name" in v)


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


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no output"
