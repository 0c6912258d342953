"""``asv continuous`` driven by perfkit: asv measures, perfkit reads and judges.

asv builds a virtualenv per commit, measures BASE and HEAD with interleaved rounds of
fresh processes and records the samples. It exits 2 as soon as any benchmark failed and
then hides its comparison, so perfkit never uses asv's verdict or exit code: it reads the
two result files itself (only the entries this run wrote, by ``started_at``), keeps
failed benchmarks as failures and compares the rest with :mod:`perfkit.verdict.stats`.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from perfkit.errors import ConfigError, ToolFailedError
from perfkit.measure import asvrun
from perfkit.model import Measurement

Progress = Callable[[str], None]


@dataclass(frozen=True)
class ContinuousRun:
    returncode: int
    started_at: float  # unix seconds; result entries older than this are stale
    results_dir: Path
    machine: str
    log: Path


def results_dir_of(repo: Path, config: Path | None = None) -> Path:
    """The results directory named by the project's asv config (absolute; the config
    found in ``repo`` as users keep it, or ``config``)."""
    from perfkit.measure.asvconfig import find_config, read_raw

    conf_path = find_config(repo, config)
    conf = read_raw(conf_path)
    value = conf.get("results_dir", "results")
    if not isinstance(value, str):
        raise ConfigError(f"{conf_path}: results_dir must be a path")
    return (conf_path.parent / value).resolve()


def run(
    repo: Path,
    base: str,
    head: str,
    log: Path,
    *,
    bench: Sequence[str] = (),
    rounds: int = 2,
    repeat: int | None = None,
    config: Path | None = None,
    machine: str | None = None,
    progress: Progress = lambda _m: None,
) -> ContinuousRun:
    """``asv continuous BASE HEAD`` with samples recorded and rounds interleaved; asv's
    step lines (building, each round, each benchmark) go to ``progress`` as they come."""
    from perfkit.measure.asvconfig import find_config

    machine = asvrun.current_machine(machine)
    conf_path = find_config(repo, config)
    cmd = [
        *asvrun.asv_command(),
        "continuous",
        base,
        head,
        "--interleave-rounds",
        "--config",
        str(conf_path),
        "--machine",
        machine,
        "-a",
        f"rounds={rounds}",
    ]
    if repeat is not None:
        cmd += ["-a", f"repeat={repeat}"]
    for regex in bench:
        cmd += ["--bench", regex]
    started = time.time() - 1.0  # asv stores started_at in ms; allow for rounding
    log.parent.mkdir(parents=True, exist_ok=True)
    returncode, _output = run_logged(cmd, repo, log, progress)
    results_dir = results_dir_of(repo, conf_path)
    asvrun.record_attributes(results_dir, repeat, rounds=rounds)
    return ContinuousRun(returncode, started, results_dir, machine, log)


def is_step_line(line: str) -> bool:
    """asv's own step lines: ``· Creating environments``, ``[ 25.00%] ··· bench  1.2ms``
    (not the tracebacks and tool output in between)."""
    text = line.strip()
    return text.startswith(("·", "[")) and len(text) > 1


def run_logged(
    cmd: Sequence[str], cwd: Path, log: Path, progress: Progress = lambda _m: None
) -> tuple[int, str]:
    """Run ``cmd`` with its output (stdout and stderr) into ``log`` and returned; each of
    asv's step lines also goes to ``progress`` as it is printed, so a run of minutes shows
    it is alive."""
    log.parent.mkdir(parents=True, exist_ok=True)
    lines: list[str] = []
    with (
        open(log, "w", encoding="utf-8") as out,
        subprocess.Popen(
            list(cmd),
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            bufsize=1,
        ) as proc,
    ):
        assert proc.stdout is not None
        for line in proc.stdout:
            out.write(line)
            out.flush()
            lines.append(line)
            if is_step_line(line):
                progress(" ".join(line.split())[:160])
    return proc.returncode, "".join(lines)


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
