"""Find the commit that moved a benchmark, then confirm it with perfkit's statistics.

The search is a bisection over the first-parent commits of ``GOOD..BAD``: a probed
commit is "bad" when its level is nearer the bad end's than the good end's (on a log
scale). With asv's own environments the search is ``asv find`` (:func:`asv_find`).

One process per commit is weak evidence on a shared machine: a neighbour on the core can
make a whole process 2-3x slower (never faster), and levels stored an hour earlier can
sit 1.6x away from today's. So every level is measured now, a process's level is its
best sample, a commit's level its best process, and :func:`search` measures more
processes where a disturbance could mislead it.

The candidate is then confirmed: it and its parent are measured with perfkit's
interleaved protocol (:mod:`perfkit.measure.protocol`) and compared by
:func:`perfkit.verdict.stats.compare`; the bisection is confirmed when that verdict is a
regression (or improvement) in the direction from good to bad.
"""

from __future__ import annotations

import math
import re
import tempfile
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from perfkit import gitrepo
from perfkit.errors import GitError, HistoryError, ToolFailedError
from perfkit.measure import asvrun
from perfkit.model import Comparison, Direction, Measurement, Verdict

if typing.TYPE_CHECKING:
    from perfkit.config import Config

Progress = Callable[[str], None]


class Level(typing.Protocol):
    """The level of a commit in one process measured now."""

    worse_is_higher: bool  # a disturbed process shows a higher value (time, bytes)

    def __call__(self, commit: str) -> float: ...


@dataclass(frozen=True)
class SearchResult:
    commit: str  # the first bad commit
    parent: str
    increase: bool  # the bad end's level is higher than the good end's
    steps: tuple[tuple[str, float], ...]  # (commit, level) of every process, in order


def search(
    revs: Sequence[str],
    good: str,
    level: Level,
    *,
    retries: int = 2,
    progress: Progress = lambda _m: None,
) -> SearchResult:
    """Bisect ``revs`` (``GOOD..BAD`` oldest first, the last one bad) for the first bad.

    The ends are measured first (G B B G), then every probe measures G M B B M G. The
    ends' levels are their best processes so far (every probe measures them again, so
    one disturbed process is soon outvoted). A disturbance
    only ever makes a process look worse, so a probed commit nearer the better end in
    any process is at the better end; one nearer the worse end is measured up to
    ``retries`` more times before it is taken for the worse end.
    """
    if not revs:
        raise GitError("nothing to bisect: the range GOOD..BAD is empty")
    bad = revs[-1]
    steps: list[tuple[str, float]] = []

    def best(commit: str) -> float:
        """The commit's least disturbed process so far (log, higher = worse)."""
        sign = 1.0 if level.worse_is_higher else -1.0  # known once something was measured
        return min(sign * math.log(v) for c, v in steps if c == commit)

    def measure(*commits: str) -> None:
        for commit in commits:
            progress(f"measuring {commit[:8]} (process {len(steps) + 1})")
            value = level(commit)
            if not (math.isfinite(value) and value > 0):
                raise HistoryError(f"commit {commit[:8]}: no positive result to bisect on")
            steps.append((commit, value))

    def at_worse_end(commit: str) -> bool:
        g, m, b = best(good), best(commit), best(bad)
        worse, better = max(g, b), min(g, b)
        return abs(m - worse) < abs(m - better)

    measure(good, bad, bad, good)  # the ends first, so one probe's two cannot mislead
    lo, hi = -1, len(revs) - 1  # revs[lo] (or good) is good, revs[hi] is bad
    while hi - lo > 1:
        mid = (lo + hi) // 2
        progress(f"{hi - lo - 1} candidate commits left; probing {revs[mid][:8]}")
        measure(good, revs[mid], bad, bad, revs[mid], good)
        for _ in range(retries):
            if not at_worse_end(revs[mid]):
                break
            measure(revs[mid])
        is_bad = at_worse_end(revs[mid]) == (best(bad) > best(good))
        if is_bad:
            hi = mid
        else:
            lo = mid
        progress(f"{revs[mid][:8]} is {'bad' if is_bad else 'good'}")
    parent = good if hi == 0 else revs[hi - 1]
    increase = (best(bad) > best(good)) == level.worse_is_higher
    return SearchResult(revs[hi], parent, increase, tuple(steps))


def confirmed(comparison: Comparison | None, increase: bool) -> bool:
    """True when the verdict is a change in the good -> bad direction (``increase``)."""
    if comparison is None or comparison.evidence is None:
        return False
    if comparison.verdict not in (Verdict.REGRESSION, Verdict.IMPROVEMENT):
        return False
    return (comparison.evidence.ratio > 1.0) == increase


def asv_find(
    repo: Path,
    good: str,
    bad: str,
    benchmark: str,
    *,
    invert: bool = False,
    asv_config: Path | None = None,
    machine: str | None = None,
    log: Path | None = None,
    progress: Progress = lambda _m: None,
) -> str:
    """Run ``asv find GOOD..BAD BENCHMARK`` and return the commit it names; asv's step
    lines go to ``progress`` as they come, its whole output to ``log``."""
    from perfkit.measure.asvconfig import find_config
    from perfkit.measure.continuous import run_logged

    asvrun.ensure_machine(machine)
    cmd = [*asvrun.asv_command(), "find", f"{good}..{bad}", f"^{re.escape(benchmark)}$"]
    cmd += ["--config", str(find_config(repo, asv_config))]
    if machine is not None:
        cmd += ["--machine", machine]
    if invert:
        cmd.append("--invert")
    with tempfile.TemporaryDirectory(prefix="perfkit-find-") as scratch:
        returncode, output = run_logged(cmd, repo, log or Path(scratch) / "asv-find.log", progress)
    found = re.search(r"Greatest (?:regression|improvement) found: (\w+)", output)
    if returncode != 0 or not found:
        tail = " ".join(output[-200:].split())
        raise ToolFailedError(f"asv find failed (exit {returncode}): {tail}")
    return gitrepo.resolve(repo, found.group(1))


def _best_sample(m: Measurement) -> float:
    """A process's level: its best sample. A neighbour on the core (a time slice lost
    inside a sample) only ever makes a sample worse, so the median of a process on a
    busy machine sits up to 3x off where its best sample does not."""
    return min(m.samples) if m.direction is Direction.LOWER_IS_BETTER else max(m.samples)


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
    """One fresh process of ``benchmark`` at a commit, measured in a temporary worktree
    into a scratch results directory (existing result files are never touched)."""

    def __init__(self, repo: Path, benchmark: str, *, repeat: int = 10):
        self.repo, self.benchmark, self.repeat = repo, benchmark, repeat
        self.worse_is_higher = True

    def __call__(self, commit: str) -> float:
        with (
            tempfile.TemporaryDirectory(prefix="perfkit-bisect-") as scratch,
            gitrepo.worktree(self.repo, commit) as tree,
        ):
            asvrun.run_round(
                tree,
                commit,
                Path(scratch),
                bench=asvrun.selection_regex([self.benchmark]),
                repeat=self.repeat,
            )
            m = _find(Path(scratch), commit, self.benchmark)
        if m is None:
            raise HistoryError(f"commit {commit[:8]}: no result for {self.benchmark}")
        self.worse_is_higher = m.direction is Direction.LOWER_IS_BETTER
        return _best_sample(m)


def confirm(
    repo: Path,
    benchmark: str,
    parent: str,
    commit: str,
    workdir: Path,
    *,
    rounds: int = 4,
    same_python: bool | None = True,
    asv_config: Path | None = None,
    config: Config | None = None,
    machine: str | None = None,
    progress: Progress = lambda _m: None,
) -> Comparison | None:
    """Parent vs commit with perfkit's interleaved protocol and statistics (``config``:
    perfkit's settings, its threshold included), each side built as the project's asv
    config says (or in this Python with ``same_python``)."""
    import contextlib

    from perfkit.config import Config
    from perfkit.measure.asvconfig import discover
    from perfkit.measure.materialise import materialise
    from perfkit.measure.protocol import Protocol, measure
    from perfkit.verdict.stats import compare

    config = config if config is not None else Config()
    protocol = Protocol(
        rounds=rounds,
        extra_rounds=rounds,
        repeat=5,
        bench=tuple(asvrun.selection_regex([benchmark])),
        machine=machine,
    )
    with contextlib.ExitStack() as stack:
        made = materialise(
            stack,
            discover(repo, asv_config),
            [("base", parent), ("head", commit)],
            same_python=same_python,
            workdir=workdir / "sides",
            import_name=config.import_name,
            progress=progress,
        )
        got = measure(made.sides, workdir, protocol, config=config, progress=progress)
    found = [c for c in compare(got["base"], got["head"], config) if c.name == benchmark]
    return found[0] if found else None
