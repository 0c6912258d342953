"""Find the commit that moved a benchmark, then confirm it with perfkit's statistics.

The search is a bisection over the first-parent commits of ``GOOD..BAD``: a commit
whose level (median) is nearer the bad level than the good one (on a log scale) is
"bad". Levels come from results already in the results directory when there are some
(``perfkit run-range`` leaves them), otherwise the commit is measured. With asv's own
environments the search is ``asv find`` (:func:`asv_find`).

One process per commit is weak evidence on a shared machine: a neighbour on the core
can make a whole process 2x slower, never faster. So a commit that looks like the worse
end is measured again, next to both ends measured again, and judged against those
three fresh processes only (levels stored an hour earlier can sit 1.6x away).

The candidate is then confirmed: it and its parent are measured with perfkit's
interleaved protocol (:mod:`perfkit.measure`) and compared by
:func:`perfkit.stats.compare`; the bisection is confirmed when that verdict is a
regression (or improvement) in the direction from good to bad.
"""

from __future__ import annotations

import math
import re
import subprocess
import tempfile
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from perfkit import asvrun, gitrepo
from perfkit.errors import GitError, HistoryError, ToolFailedError
from perfkit.model import Comparison, Direction, Measurement, Verdict


class Level(typing.Protocol):
    """Level of a commit (a stored result, or one measured now); ``again`` measures a
    fresh process now."""

    worse_is_higher: bool  # a disturbed process shows a higher value (time, bytes)

    def __call__(self, commit: str) -> float: ...

    def again(self, commit: str) -> float: ...


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

    Returns (first bad commit, its parent, [(commit, level), ...] in the order measured;
    a commit measured again appears again).
    """
    if not revs:
        raise GitError("nothing to bisect: the range GOOD..BAD is empty")
    steps: list[tuple[str, float]] = []
    sign = 1.0 if level.worse_is_higher else -1.0

    def measured(commit: str, again: bool = False) -> float:
        value = level.again(commit) if again else level(commit)
        if not (math.isfinite(value) and value > 0):
            raise HistoryError(f"commit {commit[:8]}: no positive result to bisect on")
        steps.append((commit, value))
        return sign * math.log(value)  # higher = worse from here on

    good_level, bad_level = measured(good), measured(revs[-1])
    worse_end_is_bad = bad_level > good_level

    def nearer_bad(value: float, good_at: float, bad_at: float) -> bool:
        return abs(value - bad_at) < abs(value - good_at)

    lo, hi = -1, len(revs) - 1  # revs[lo] (or good) is good, revs[hi] is bad
    while hi - lo > 1:
        mid = (lo + hi) // 2
        is_bad = nearer_bad(measured(revs[mid]), good_level, bad_level)
        if is_bad == worse_end_is_bad:
            # looks like the worse end: a neighbour may have slowed that one process.
            # Measure it again next to both ends, now, and judge it against them only:
            # stored levels of another hour can sit 1.6x away on a shared machine.
            g, m, b = measured(good, True), measured(revs[mid], True), measured(revs[-1], True)
            is_bad = nearer_bad(m, g, b)
        if is_bad:
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


def _median(m: Measurement) -> float:
    samples = sorted(m.samples)
    return samples[len(samples) // 2]


def _find(results_dir: Path, commit: str, benchmark: str) -> Measurement | None:
    """``benchmark`` at ``commit`` in the newest result file that has it."""
    from perfkit.ingest.asv import read_result_file

    files = sorted(results_dir.glob(f"*/{commit[:8]}-*.json"), key=lambda p: p.stat().st_mtime)
    for path in reversed(files):
        for m in read_result_file(path):
            if m.name == benchmark and m.ok:
                return m
    return None


class MeasuredLevel:
    """Levels from existing results, else measured in a temporary worktree.

    A first measurement of a commit is added to ``results_dir``; the extra processes of
    :meth:`again` go to a scratch directory, so existing result files stay as they were.
    """

    def __init__(self, repo: Path, results_dir: Path, benchmark: str, *, repeat: int = 10):
        self.repo, self.results_dir = repo, results_dir
        self.benchmark, self.repeat = benchmark, repeat
        self.worse_is_higher = True

    def _measure(self, commit: str, results_dir: Path) -> Measurement | None:
        with gitrepo.worktree(self.repo, commit) as tree:
            asvrun.run_round(
                tree, commit, results_dir, bench=asvrun.selection_regex([self.benchmark]),
                repeat=self.repeat,
            )  # fmt: skip
        return _find(results_dir, commit, self.benchmark)

    def _level(self, commit: str, m: Measurement | None) -> float:
        if m is None:
            raise HistoryError(f"commit {commit[:8]}: no result for {self.benchmark}")
        self.worse_is_higher = m.direction is Direction.LOWER_IS_BETTER
        return _median(m)

    def __call__(self, commit: str) -> float:
        m = _find(self.results_dir, commit, self.benchmark)
        if m is None:
            m = self._measure(commit, self.results_dir)
        return self._level(commit, m)

    def again(self, commit: str) -> float:
        with tempfile.TemporaryDirectory(prefix="perfkit-bisect-") as scratch:
            return self._level(commit, self._measure(commit, Path(scratch)))


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
