"""Fill the history: measure every commit of a range with asv, skipping measured ones.

Two ways, both writing ordinary asv result files that ``perfkit history`` reads:

* ``asv_range`` — asv's own ``asv run A..B --skip-existing-commits --record-samples``:
  one virtualenv per commit built by asv (what CI should use);
* ``same_python`` — each commit checked out in a temporary worktree and measured in the
  current Python (``asv run --python=same --set-commit-hash``, through
  :func:`perfkit.measure.asvrun.run_round`): no environment to build, seconds per commit, for
  suites whose code under test lives in the repository (``ASV_PYTHONPATH`` points at the
  checked-out tree).
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from perfkit import gitrepo
from perfkit.errors import GitError, ToolFailedError
from perfkit.measure import asvrun

Progress = Callable[[str], None]


@dataclass(frozen=True)
class RangeRun:
    measured: tuple[str, ...]
    skipped: tuple[str, ...]  # already had results
    failed: tuple[str, ...]  # asv wrote no result file


def commits(repo: Path, rev_range: str) -> list[str]:
    """Commits of ``A..B`` (or a single rev: just it), oldest first, first parents."""
    if ".." not in rev_range:
        return [gitrepo.resolve(repo, rev_range)]
    start, _, end = rev_range.partition("..")
    gitrepo.resolve(repo, start or "HEAD")
    gitrepo.resolve(repo, end or "HEAD")
    found = gitrepo.commits_in_order(repo, rev_range)
    if not found:
        raise GitError(f"{rev_range}: no commits in this range")
    return found


def measured(results_dir: Path, machine: str | None = None) -> set[str]:
    """8-character prefixes of the commits that already have a result file."""
    pattern = f"{machine}/*-*.json" if machine else "*/*-*.json"
    return {p.name[:8] for p in results_dir.glob(pattern) if p.name != "machine.json"}


def same_python(
    repo: Path,
    revs: Sequence[str],
    results_dir: Path,
    *,
    bench: Sequence[str] = (),
    repeat: int = 10,
    rerun: bool = False,
    config: Path | None = None,
    machine: str | None = None,
    progress: Progress = lambda _msg: None,
) -> RangeRun:
    """Measure each commit in a temporary worktree in the current Python. ``config`` (an
    asv.conf.json in ``repo``) is read from each commit's worktree; ``machine`` names the
    asv machine the results are filed under."""
    machine = asvrun.current_machine(machine)
    done = set() if rerun else measured(results_dir, machine)
    ran, skipped, failed = [], [], []
    for i, commit in enumerate(revs, 1):
        if commit[:8] in done:
            skipped.append(commit)
            progress(f"[{i}/{len(revs)}] {commit[:8]} already measured, skipped")
            continue
        progress(f"[{i}/{len(revs)}] measuring {commit[:8]}")
        with gitrepo.worktree(repo, commit) as tree:
            try:
                asvrun.run_round(
                    tree,
                    commit,
                    results_dir,
                    bench=bench,
                    repeat=repeat,
                    config=_in_tree(config, repo, tree),
                    machine=machine,
                )
                ran.append(commit)
            except ToolFailedError as exc:
                failed.append(commit)
                progress(f"[{i}/{len(revs)}] {commit[:8]} failed: {exc}")
    return RangeRun(tuple(ran), tuple(skipped), tuple(failed))


def _in_tree(config: Path | None, repo: Path, tree: Path) -> Path | None:
    """``config`` as checked out in ``tree`` (the commit's own), when it lives in ``repo``."""
    if config is None:
        return None
    try:
        return tree / config.resolve().relative_to(repo.resolve())
    except ValueError:  # outside the repository: the same file for every commit
        return config.resolve()


def asv_range(
    repo: Path,
    rev_range: str,
    *,
    bench: Sequence[str] = (),
    skip_existing: bool = True,
    repeat: int | None = None,
    config: Path | None = None,
    machine: str | None = None,
) -> int:
    """``asv run RANGE --skip-existing-commits --record-samples`` with the project's asv
    config (found as users keep it, or ``config``); asv prints progress. ``repeat``
    (samples per process; None: the suite's own) is passed as ``-a repeat=N`` and
    recorded in the results' benchmarks.json, as asv does not."""
    from perfkit.measure.asvconfig import find_config
    from perfkit.measure.continuous import results_dir_of

    machine = asvrun.current_machine(machine)
    conf_path = find_config(repo, config)
    cmd = [
        *asvrun.asv_command(),
        "run",
        rev_range,
        "--record-samples",
        "--config",
        str(conf_path),
        "--machine",
        machine,
    ]
    if skip_existing:
        cmd.append("--skip-existing-commits")
    if repeat is not None:
        cmd += ["-a", f"repeat={repeat}"]
    for regex in bench:
        cmd += ["--bench", regex]
    returncode = subprocess.run(cmd, cwd=repo, check=False).returncode
    if repeat is not None:
        asvrun.record_attributes(results_dir_of(repo, conf_path), repeat)
    return returncode
