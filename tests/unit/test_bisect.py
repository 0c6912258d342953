from __future__ import annotations

import pytest

from perfkit.errors import GitError, HistoryError
from perfkit.history import bisect
from perfkit.measure import commitrange
from perfkit.model import BenchmarkKind, Comparison, Direction, Evidence, Verdict


class FakeLevel:
    """A benchmark with a step at ``first_bad``; processes listed in ``disturbed`` (by
    commit and how many processes of it were measured before) run ``slowdown`` times
    worse, as with a neighbour on the core.
    """

    def __init__(self, first_bad, factor, *, worse_is_higher=True, disturbed=(), slowdown=2.0):
        self.first_bad, self.factor, self.worse_is_higher = first_bad, factor, worse_is_higher
        self.disturbed, self.slowdown = set(disturbed), slowdown
        self.calls: list[str] = []

    def __call__(self, commit: str) -> float:
        i = -1 if commit == "good" else int(commit[1:])
        wobble = 1.0 + 0.02 * ((i * 7) % 3 - 1)
        value = (self.factor if i >= self.first_bad else 1.0) * wobble
        if (commit, self.calls.count(commit)) in self.disturbed:
            value = value * self.slowdown if self.worse_is_higher else value / self.slowdown
        self.calls.append(commit)
        return value


REVS = [f"c{i:02d}" for i in range(20)]


@pytest.mark.parametrize("first_bad", [0, 1, 7, 18, 19])
@pytest.mark.parametrize("factor", [1.25, 0.7])
@pytest.mark.parametrize("worse_is_higher", [True, False])
def test_search_finds_first_bad_commit(first_bad, factor, worse_is_higher):
    level = FakeLevel(first_bad, factor, worse_is_higher=worse_is_higher)
    found = bisect.search(REVS, "good", level)
    assert found.commit == REVS[first_bad]
    assert found.parent == ("good" if first_bad == 0 else REVS[first_bad - 1])
    assert found.increase == (factor > 1)
    # G B B G, then log2(20) rounded up probes of G M B B M G, a commit at the worse end
    # measured 2 more times
    assert len(level.calls) <= 4 + 8 * 5
    assert level.calls[:10] == [
        "good",
        "c19",
        "c19",
        "good",
        "good",
        "c09",
        "c19",
        "c19",
        "c09",
        "good",
    ]
    assert [c for c, _ in found.steps] == level.calls


@pytest.mark.parametrize("factor", [2.0, 0.5])
@pytest.mark.parametrize("victim", ["good", "c09", "c11", "c12", "c14", "c19"])
@pytest.mark.parametrize("nth", [0, 1, 2, 3])
def test_one_disturbed_process_does_not_mislead_the_search(factor, victim, nth):
    """A neighbour slows one process 2x, as large as the step itself: any process of a
    probed commit or of an end (the search probes c09, c14, c11, c12)."""
    level = FakeLevel(12, factor, disturbed={(victim, nth)})
    found = bisect.search(REVS, "good", level)
    assert found.commit == "c12", found.steps
    assert found.increase == (factor > 1)


@pytest.mark.parametrize("factor", [2.0, 0.5])
@pytest.mark.parametrize("victim", ["good", "c09", "c12", "c19"])
def test_both_processes_of_a_commit_in_one_probe_disturbed(factor, victim):
    """Seen on this machine with two busy neighbours: both processes of the good end in
    a probe 2.2x slow, the probed good commit then sat nearer the bad end."""
    level = FakeLevel(12, factor, disturbed={(victim, 0), (victim, 1)}, slowdown=2.2)
    assert bisect.search(REVS, "good", level).commit == "c12"


def test_every_process_of_a_probed_commit_disturbed_misleads():
    """The limit, stated: a good commit whose 2 + 2 processes are all slowed to the bad
    level is taken for bad."""
    level = FakeLevel(12, 2.0, disturbed={("c09", k) for k in range(4)})
    assert bisect.search(REVS, "good", level).commit != "c12"


def test_a_single_commit_range_still_measures_the_direction():
    level = FakeLevel(0, 0.7)
    found = bisect.search(["c00"], "good", level)
    assert (found.commit, found.parent, found.increase) == ("c00", "good", False)
    assert level.calls == ["good", "c00", "c00", "good"]


def test_search_rejects_empty_range_and_missing_levels():
    with pytest.raises(GitError):
        bisect.search([], "good", FakeLevel(0, 1.0))
    with pytest.raises(HistoryError):
        bisect.search(["c00", "c01"], "good", FakeLevel(0, float("nan")))


def _comparison(verdict: Verdict, ratio: float) -> Comparison:
    ev = Evidence(
        ratio=ratio,
        ci_low=ratio * 0.98,
        ci_high=ratio * 1.02,
        p_value=1e-4,
        p_adjusted=1e-4,
        threshold=0.05,
        confidence=0.95,
        n_base_samples=20,
        n_head_samples=20,
        n_base_runs=4,
        n_head_runs=4,
        base_location=1.0,
        head_location=ratio,
        min_detectable=0.02,
    )
    return Comparison(
        name="b",
        benchmark="b",
        kind=BenchmarkKind.TIME,
        unit="seconds",
        direction=Direction.LOWER_IS_BETTER,
        verdict=verdict,
        evidence=ev,
    )


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
