from __future__ import annotations

import pytest

from perfkit import bisect, commitrange
from perfkit.errors import GitError, HistoryError
from perfkit.model import BenchmarkKind, Comparison, Direction, Evidence, Verdict


class FakeLevel:
    """A benchmark with a step at ``first_bad``; processes listed in ``disturbed`` (by
    commit, in the order measured) run ``slowdown`` times worse, as with a neighbour."""

    def __init__(self, first_bad, factor, *, worse_is_higher=True, disturbed=(), slowdown=2.0):
        self.first_bad, self.factor, self.worse_is_higher = first_bad, factor, worse_is_higher
        self.disturbed, self.slowdown = set(disturbed), slowdown
        self.calls: list[str] = []

    def _process(self, commit: str) -> float:
        i = -1 if commit == "good" else int(commit[1:])
        wobble = 1.0 + 0.02 * ((i * 7) % 3 - 1)
        value = (self.factor if i >= self.first_bad else 1.0) * wobble * self.epoch
        if (commit, self.calls.count(commit)) in self.disturbed:
            value = value * self.slowdown if self.worse_is_higher else value / self.slowdown
        self.calls.append(commit)
        return value

    epoch = 1.0  # the machine's speed when measuring; stored levels are of another hour
    __call__ = again = _process


@pytest.mark.parametrize("first_bad", [0, 1, 7, 18, 19])
@pytest.mark.parametrize("factor", [1.25, 0.7])
@pytest.mark.parametrize("worse_is_higher", [True, False])
def test_search_finds_first_bad_commit(first_bad, factor, worse_is_higher):
    revs = [f"c{i:02d}" for i in range(20)]
    level = FakeLevel(first_bad, factor, worse_is_higher=worse_is_higher)
    commit, parent, steps = bisect.search(revs, "good", level)
    assert commit == revs[first_bad]
    assert parent == ("good" if first_bad == 0 else revs[first_bad - 1])
    # both ends, log2(20) rounded up commits, each maybe with a fresh triple
    assert len(level.calls) <= 2 + 4 * 5
    assert [c for c, _ in steps] == level.calls


@pytest.mark.parametrize("factor", [2.0, 0.5])
@pytest.mark.parametrize("victim", ["c09", "c11", "c12", "c14"])
def test_one_disturbed_process_does_not_mislead_the_search(factor, victim):
    """A neighbour slows one process of a probed commit 2x, as large as the step itself
    (the search probes c09, c14, c11, c12)."""
    revs = [f"c{i:02d}" for i in range(20)]
    level = FakeLevel(12, factor, disturbed={(victim, 0)})
    commit, _, steps = bisect.search(revs, "good", level)
    assert commit == "c12", steps


def test_fresh_processes_are_judged_against_fresh_ends():
    """Stored levels were taken while the machine ran 1.6x slower; a commit measured
    again now must not be compared with them (a good commit measured now would sit
    nearer the stored slow level than the stored fast one... or far below both)."""
    revs = [f"c{i:02d}" for i in range(30)]
    level = FakeLevel(19, 2.0, disturbed={("c14", 0)})
    stored = level._process

    def now(commit: str) -> float:
        level.epoch = 1 / 1.6
        try:
            return stored(commit)
        finally:
            level.epoch = 1.0

    level.again = now
    commit, _, steps = bisect.search(revs, "good", level)
    assert commit == "c19", steps


def test_without_a_fresh_look_a_disturbed_commit_would_mislead():
    """The reason for ``again``: one slowed good commit is the step's size."""
    revs = [f"c{i:02d}" for i in range(20)]
    level = FakeLevel(12, 2.0, disturbed={("c09", 0)})
    level.again = lambda commit: level.calls.append(commit) or (2.0 if commit in ("c09", "c19") else 1.0)
    commit, _, _ = bisect.search(revs, "good", level)
    assert commit != "c12"


def test_search_rejects_empty_range_and_missing_levels():
    with pytest.raises(GitError):
        bisect.search([], "good", FakeLevel(0, 1.0))
    with pytest.raises(HistoryError):
        bisect.search(["c00", "c01"], "good", FakeLevel(0, float("nan")))


def _comparison(verdict: Verdict, ratio: float) -> Comparison:
    ev = Evidence(ratio=ratio, ci_low=ratio * 0.98, ci_high=ratio * 1.02, p_value=1e-4,
                  p_adjusted=1e-4, threshold=0.05, confidence=0.95, n_base_samples=20,
                  n_head_samples=20, n_base_runs=4, n_head_runs=4, base_location=1.0,
                  head_location=ratio, min_detectable=0.02)  # fmt: skip
    return Comparison(name="b", benchmark="b", kind=BenchmarkKind.TIME, unit="seconds",
                      direction=Direction.LOWER_IS_BETTER, verdict=verdict, evidence=ev)  # fmt: skip


def test_confirmation_needs_a_change_in_the_searched_direction():
    assert bisect.confirmed(_comparison(Verdict.REGRESSION, 1.25), increase=True)
    assert not bisect.confirmed(_comparison(Verdict.REGRESSION, 1.25), increase=False)
    assert bisect.confirmed(_comparison(Verdict.IMPROVEMENT, 0.8), increase=False)
    assert not bisect.confirmed(_comparison(Verdict.UNCHANGED, 1.01), increase=True)
    assert not bisect.confirmed(_comparison(Verdict.INCONCLUSIVE, 1.3), increase=True)
    assert not bisect.confirmed(None, increase=True)


def test_measured_commits_are_found_by_result_file_prefix(tmp_path):
    (tmp_path / "m1").mkdir()
    for name in ("abcdef12-env.json", "12345678-existing-py.json", "machine.json"):
        (tmp_path / "m1" / name).write_text("{}")
    assert commitrange.measured(tmp_path) == {"abcdef12", "12345678"}
    assert commitrange.measured(tmp_path, "other") == set()
