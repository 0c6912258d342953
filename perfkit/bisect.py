"""Find the commit that moved a benchmark, then confirm it with perfkit's statistics.

The search is a bisection over the first-parent commits of ``GOOD..BAD``: a commit
whose level (median) is nearer the bad level than the good one (on a log scale) is
"bad". Levels come from results already in the results directory when there are some
(``perfkit run-range`` leaves them), otherwise the commit is measured. With asv's own
environments the search is ``asv find`` (:func:`asv_find`).

A single timing can be a lucky process, so the candidate is then confirmed: it and its
parent are measured with perfkit's interleaved protocol (:mod:`perfkit.measure`) and
compared by :func:`perfkit.stats.compare`; the bisection is confirmed when that verdict
is a regression (or improvement) in the direction from good to bad.
"""

from __future__ import annotations

import math
import re
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from perfkit import asvrun, gitrepo
from perfkit.errors import GitError, HistoryError, ToolFailedError
from perfkit.model import Comparison, Verdict

Level = Callable[[str], float]


@dataclass(frozen=True)
class BisectResult:
    benchmark: str
    good: str
    bad: str
    commit: str  # first commit at the bad level
    parent: str
    steps: tuple[tuple[str, float], ...]  # (commit, level) in the order measured
    comparison: Comparison | None = None
    confirmed: bool = False
    method: str = "perfkit"


def search(revs: Sequence[str], good: str, level: Level) -> tuple[str, str, list]:
    """Bisect ``revs`` (``GOOD..BAD`` oldest first, the last one bad) for the first bad.

    Returns (first bad commit, its parent, [(commit, level), ...] measured).
    """
    if not revs:
        raise GitError("nothing to bisect: the range GOOD..BAD is empty")
    steps: list[tuple[str, float]] = []

    def measured(commit: str) -> float:
        value = level(commit)
        if not (math.isfinite(value) and value > 0):
            raise HistoryError(f"commit {commit[:8]}: no positive result to bisect on")
        steps.append((commit, value))
        return math.log(value)

    lo_level, hi_level = measured(good), measured(revs[-1])
    lo, hi = -1, len(revs) - 1  # revs[lo] (or good) is good, revs[hi] is bad
    while hi - lo > 1:
        mid = (lo + hi) // 2
        value = measured(revs[mid])
        if abs(value - hi_level) < abs(value - lo_level):
            hi = mid
        else:
            lo = mid
    parent = good if hi == 0 else revs[hi - 1]
    return revs[hi], parent, steps


def confirmed(comparison: Comparison | None, increase: bool) -> bool:
    """True when the verdict is a change in the good -> bad direction (``increase``)."""
    if comparison is None or comparison.evidence is None:
        return False
    if comparison.verdict not in (Verdict.REGRESSION, Verdict.IMPROVEMENT):
        return False
    return (comparison.evidence.ratio > 1.0) == increase


def asv_find(repo: Path, good: str, bad: str, benchmark: str, *, invert: bool = False) -> str:
    """Run ``asv find GOOD..BAD BENCHMARK`` and return the commit it names."""
    asvrun.ensure_machine()
    cmd = [*asvrun.asv_command(), "find", f"{good}..{bad}", f"^{re.escape(benchmark)}$"]
    if invert:
        cmd.append("--invert")
    proc = subprocess.run(cmd, cwd=repo, capture_output=True, text=True, check=False)
    found = re.search(r"Greatest (?:regression|improvement) found: (\w+)", proc.stdout)
    if proc.returncode != 0 or not found:
        raise ToolFailedError(f"asv find failed (exit {proc.returncode}): {proc.stderr[-200:]}")
    return gitrepo.resolve(repo, found.group(1))


def level_from_results(results_dir: Path, benchmark: str) -> Callable[[str], float | None]:
    """Median of ``benchmark`` at a commit from existing result files, or None."""
    from perfkit.ingest.asv import read_result_file

    def lookup(commit: str) -> float | None:
        files = sorted(results_dir.glob(f"*/{commit[:8]}-*.json"), key=lambda p: p.stat().st_mtime)
        for path in reversed(files):
            for m in read_result_file(path):
                if m.name == benchmark and m.ok:
                    samples = sorted(m.samples)
                    return samples[len(samples) // 2]
        return None

    return lookup


def measured_level(repo: Path, results_dir: Path, benchmark: str, *, repeat: int = 10) -> Level:
    """Level of a commit: from existing results, else measured in a temporary worktree."""
    lookup = level_from_results(results_dir, benchmark)

    def level(commit: str) -> float:
        value = lookup(commit)
        if value is None:
            with gitrepo.worktree(repo, commit) as tree:
                asvrun.run_round(
                    tree, commit, results_dir, bench=asvrun.selection_regex([benchmark]),
                    repeat=repeat,
                )  # fmt: skip
            value = lookup(commit)
        if value is None:
            raise HistoryError(f"commit {commit[:8]}: no result for {benchmark}")
        return value

    return level


def confirm(
    repo: Path, benchmark: str, parent: str, commit: str, workdir: Path, *, rounds: int = 4
) -> Comparison | None:
    """Parent vs commit with perfkit's interleaved protocol and statistics."""
    from perfkit.config import Config
    from perfkit.measure import Protocol, Side, measure
    from perfkit.stats import compare

    config = Config()
    protocol = Protocol(rounds=rounds, extra_rounds=rounds, repeat=5,
                        bench=tuple(asvrun.selection_regex([benchmark])))  # fmt: skip
    with gitrepo.worktree(repo, parent) as base_tree, gitrepo.worktree(repo, commit) as head_tree:
        sides = [Side("base", parent, base_tree), Side("head", commit, head_tree)]
        got = measure(sides, workdir, protocol, config=config)
    found = [c for c in compare(got["base"], got["head"], config) if c.name == benchmark]
    return found[0] if found else None
