"""Which benchmarks get extra rounds."""

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
    "kw",
    [{"rounds": 0}, {"repeat": 0}, {"extra_rounds": -1}, {"final_rounds": -1}, {"launch": "fork"}],
)
def test_protocol_refuses_nonsense(kw):
    with pytest.raises(ValueError, match=next(iter(kw))):
        Protocol(**kw)


def test_too_disturbed_to_tell_counts_only_within_one_session():
    from perfkit.config import Config
    from perfkit.measure.protocol import suspects
    from perfkit.model import Measurement

    def side(levels, session):
        runs = tuple(tuple(v * f for f in (1.0, 1.01, 0.99)) for v in levels)
        return [
            Measurement(
                name="b",
                benchmark="b",
                kind=BenchmarkKind.TIME,
                unit="seconds",
                runs=runs,
                runs_known=True,
                session=session,
            )
        ]

    base, head = [1.0, 1.6], [1.6, 1.0]  # no shift; two processes, one of each 1.6x slow
    assert suspects(side(base, "s"), side(head, "s"), Config()) == ["b"]
    assert suspects(side(base, "stored"), side(head, "now"), Config()) == []


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
    ("verdict", "ratio", "min_detectable", "expected"),
    [
        (Verdict.INCONCLUSIVE, 1.04, 0.08, True),
        (Verdict.INCONCLUSIVE, 0.96, 0.09, True),
        (Verdict.INCONCLUSIVE, 1.04, 0.12, False),  # too noisy for two more processes to settle
        (Verdict.INCONCLUSIVE, 1.01, 0.06, False),  # near zero: more would confirm 'no change'
        (Verdict.REGRESSION, 1.06, 0.04, False),
        (Verdict.UNCHANGED, 1.04, 0.03, False),
    ],
)
def test_final_rounds_go_only_to_near_misses(verdict, ratio, min_detectable, expected):
    from perfkit.measure.protocol import is_open

    assert is_open(comparison(verdict, ratio, min_detectable)) is expected
    # across sessions the session shift keeps the detectable change above twice the threshold
    assert not is_open(comparison(verdict, ratio, 0.14), one_session=False)


@pytest.mark.parametrize(
    ("protocol", "second", "third", "expected"),
    [
        (Protocol(), ["a", "b"], ["b"], [(0, 4, None), (4, 8, ["a", "b"]), (8, 10, ["b"])]),
        (Protocol(), [], ["b"], [(0, 4, None)]),  # nothing suspect: nothing more
        (Protocol(), ["a"], [], [(0, 4, None), (4, 8, ["a"])]),
        (Protocol(extra_rounds=0), ["a"], ["a"], [(0, 4, None)]),  # no second stage, no third
        (
            Protocol(rounds=2, extra_rounds=2, final_rounds=0),
            ["a"],
            ["a"],
            [(0, 2, None), (2, 4, ["a"])],
        ),
    ],
)
def test_each_stage_measures_only_what_the_previous_one_left_open(
    monkeypatch, tmp_path, protocol, second, third, expected
):
    from perfkit.measure import protocol as m

    calls = []

    def fake_rounds(sides, rounds, workdir, protocol, acc, *, names=None, progress=None):
        calls.append((rounds.start, rounds.stop, names))

    monkeypatch.setattr(m, "run_rounds", fake_rounds)
    monkeypatch.setattr(m, "suspects", lambda base, head, config: second)
    monkeypatch.setattr(m, "still_open", lambda base, head, config: third)
    sides = [m.Side("base", "b" * 40, tmp_path), m.Side("head", "h" * 40, tmp_path)]
    m.measure(sides, tmp_path, protocol)
    assert calls == expected
