"""Which benchmarks get more rounds: the first look's suspects, and the sequential stage."""

from __future__ import annotations

import pytest

from perfkit.measure.protocol import Protocol, is_suspect
from perfkit.model import BenchmarkKind, Comparison, Direction, Evidence, Verdict


def comparison(verdict: Verdict, ratio: float, min_detectable: float = 0.12) -> Comparison:
    ev = Evidence(
        ratio,
        ratio * 0.9,
        ratio * 1.1,
        0.3,
        0.5,
        0.05,
        0.95,
        12,
        12,
        4,
        4,
        1.0,
        ratio,
        min_detectable,
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


@pytest.mark.parametrize(
    ("verdict", "ratio", "expected"),
    [
        (Verdict.REGRESSION, 1.2, True),
        (Verdict.IMPROVEMENT, 0.8, True),
        (Verdict.INCONCLUSIVE, 1.03, True),
        (Verdict.INCONCLUSIVE, 0.97, True),
        (Verdict.INCONCLUSIVE, 1.01, False),
        (Verdict.UNCHANGED, 1.0, False),
    ],
)
def test_extra_rounds_go_to_changes_and_to_inconclusive_ones_that_could_cross(
    verdict, ratio, expected
):
    assert is_suspect(comparison(verdict, ratio)) is expected
    assert not is_suspect(
        Comparison("b", "b", BenchmarkKind.TIME, "s", Direction.LOWER_IS_BETTER, Verdict.FAILED)
    )


@pytest.mark.parametrize(
    ("ratio", "min_detectable", "expected"),
    [
        (1.0, 0.16, True),
        (0.99, 0.40, True),
        (1.01, 0.14, False),
        (1.0, 0.05, False),
    ],
)
def test_first_rounds_too_disturbed_to_tell_get_extra_rounds_too(ratio, min_detectable, expected):
    assert is_suspect(comparison(Verdict.INCONCLUSIVE, ratio, min_detectable)) is expected
    assert not is_suspect(comparison(Verdict.UNCHANGED, ratio, min_detectable))
    # across sessions the session shift, not the processes, sets the detectable change
    assert not is_suspect(
        comparison(Verdict.INCONCLUSIVE, ratio, min_detectable), one_session=False
    )


@pytest.mark.parametrize(
    ("ratio", "min_detectable", "expected"),
    [
        (
            1.03,
            0.14,
            False,
        ),  # 3 %: a session shift, out of reach of the 14 % this data could detect
        (0.97, 0.14, False),
        (1.08, 0.14, True),
        (0.92, 0.14, True),  # half of that or more: more processes could settle it
    ],
)
def test_across_sessions_only_estimates_within_reach_of_a_verdict_are_suspects(
    ratio, min_detectable, expected
):
    assert (
        is_suspect(comparison(Verdict.INCONCLUSIVE, ratio, min_detectable), one_session=False)
        is expected
    )
    assert is_suspect(
        comparison(Verdict.INCONCLUSIVE, ratio, min_detectable)
    )  # within one session: yes


@pytest.mark.parametrize(
    "kw",
    [
        {"rounds": 0},
        {"repeat": 0},
        {"extra_rounds": -1},
        {"budget": 0.5},
        {"budget": float("nan")},
        {"step": 0},
        {"launch": "fork"},
    ],
)
def test_protocol_refuses_nonsense(kw):
    with pytest.raises(ValueError, match=next(iter(kw))):
        Protocol(**kw)
