"""``asv continuous`` driven by perfkit: asv measures, perfkit reads and judges.

asv builds a virtualenv per commit, measures BASE and HEAD with interleaved rounds of
fresh processes and records the samples. It exits 2 as soon as any benchmark failed and
then hides its comparison, so perfkit never uses asv's verdict or exit code: it reads the
two result files itself (only the entries this run wrote, by ``started_at``), keeps
failed benchmarks as failures and compares the rest with :mod:`perfkit.stats`.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from perfkit import asvrun
from perfkit.errors import ConfigError, ToolFailedError
from perfkit.model import Measurement


@dataclass(frozen=True)
class ContinuousRun:
    returncode: int
    started_at: float  # unix seconds; result entries older than this are stale
    results_dir: Path
    machine: str
    log: Path


def results_dir_of(repo: Path) -> Path:
    """The results directory named by the repository's asv.conf.json (absolute)."""
    from asv.util import load_json

    conf_path = repo / "asv.conf.json"
    try:
        conf = load_json(str(conf_path), js_comments=True)
    except Exception as exc:  # asv raises its own UserError/ValueError for bad files
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ConfigError(f"{conf_path}: cannot read asv configuration ({reason})") from None
    return (repo / conf.get("results_dir", "results")).resolve()


def run(
    repo: Path,
    base: str,
    head: str,
    log: Path,
    *,
    bench: Sequence[str] = (),
    rounds: int = 2,
    repeat: int | None = None,
) -> ContinuousRun:
    """``asv continuous BASE HEAD`` with samples recorded and rounds interleaved."""
    machine = asvrun.current_machine()
    cmd = [*asvrun.asv_command(), "continuous", base, head, "--interleave-rounds",
           "-a", f"rounds={rounds}"]  # fmt: skip
    if repeat is not None:
        cmd += ["-a", f"repeat={repeat}"]
    for regex in bench:
        cmd += ["--bench", regex]
    started = time.time() - 1.0  # asv stores started_at in ms; allow for rounding
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "w") as out:
        proc = subprocess.run(cmd, cwd=repo, stdout=out, stderr=subprocess.STDOUT, check=False)
    asvrun.record_attributes(results_dir_of(repo), repeat, rounds=rounds)
    return ContinuousRun(proc.returncode, started, results_dir_of(repo), machine, log)


def session_of(result: ContinuousRun) -> str:
    """One session id for both sides of one ``asv continuous --interleave-rounds`` run:
    its rounds alternate between the commits (base, head, head, base), which is what
    makes two sides one session (evaluated in docs/verdicts-on-files.md); two result
    files read from disk are never one session."""
    return f"asv-continuous-{result.started_at:.3f}"


def read_side(result: ContinuousRun, commit: str) -> list[Measurement]:
    """The Measurements this run wrote for ``commit`` (failed ones included, with errors)."""
    from perfkit.ingest.asv import read_result_file

    files = sorted((result.results_dir / result.machine).glob(f"{commit[:8]}-*.json"))
    fresh = [
        replace(m, session=session_of(result))
        for path in files
        for m in read_result_file(path)
        if m.started_at is None or m.started_at >= result.started_at
    ]
    if not fresh:
        tail = _tail(result.log)
        raise ToolFailedError(
            f"asv continuous wrote no results for {commit[:8]} (exit {result.returncode}): {tail}"
        )
    return fresh


def _tail(log: Path) -> str:
    try:
        lines = [line for line in log.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        return "no output"
    return lines[-1].strip() if lines else "no output"
