from __future__ import annotations

import pytest

from perfkit import bisect, commitrange
from perfkit.errors import GitError, HistoryError
from perfkit.model import BenchmarkKind, Comparison, Direction, Evidence, Verdict


@pytest.mark.parametrize("first_bad", [0, 1, 7, 18, 19])
@pytest.mark.parametrize("factor", [1.25, 0.7])
def test_search_finds_first_bad_commit(first_bad, factor):
    revs = [f"c{i:02d}" for i in range(20)]
    calls = []

    def level(commit: str) -> float:
        calls.append(commit)
        i = -1 if commit == "good" else int(commit[1:])
        wobble = 1.0 + 0.02 * ((i * 7) % 3 - 1)
        return (factor if i >= first_bad else 1.0) * wobble

    commit, parent, steps = bisect.search(revs, "good", level)
    assert commit == revs[first_bad]
    assert parent == ("good" if first_bad == 0 else revs[first_bad - 1])
    assert len(calls) <= 2 + 5  # log2(20) rounded up, plus both ends
    assert [c for c, _ in steps] == calls


def test_search_rejects_empty_range_and_missing_levels():
    with pytest.raises(GitError):
        bisect.search([], "good", lambda c: 1.0)
    with pytest.raises(HistoryError):
        bisect.search(["a", "b"], "good", lambda c: float("nan"))


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
