"""Samples judged in the CPU's fast state, by perfkit's calibration readings.

A shared host's vCPU runs fast, or about 1.9x slower for 0.1-2 s at a time (measured on
this kind of machine: docs/statistics.md "The CPU's state, read"). perfkit times a fixed
loop around every sample of its own rounds; ``_fast_state`` keeps the samples whose loop
ran near its fast level. The model below draws such sides: each process starts in the slow
state with probability ``q`` and switches state between samples with probability 0.1; the
calibration loop reads the same state with its own 3 % jitter."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from perfkit import baseline as baseline_io
from perfkit.config import Config
from perfkit.measure import preload
from perfkit.model import Baseline, Measurement, Verdict
from perfkit.verdict import stats
from perfkit.verdict.stats import compare

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))

from fast_state_sim import SLOW, side, timed  # noqa: E402  (the model, shared with the tool)


def verdicts(effect: float, q: float, draws: int, calibrated: bool, seed: int = 7) -> list[Verdict]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(draws):
        base, head = side(rng, 8, 1.0, q), side(rng, 8, effect, q)
        if not calibrated:
            base, head = replace(base, calibration=()), replace(head, calibration=())
        out.append(compare([base], [head])[0].verdict)
    return out


FLAGGED = (Verdict.REGRESSION, Verdict.IMPROVEMENT)


@pytest.mark.parametrize("q", [0.3, 0.5, 0.7])
def test_identical_code_in_both_cpu_states_is_flagged_at_most_at_the_nominal_rate(q):
    got = verdicts(1.0, q, 150, calibrated=True)
    # 5 % nominal: 7.5 expected at most; 13 of 150 lies beyond it at p < 0.05
    assert sum(v in FLAGGED for v in got) <= 12


@pytest.mark.parametrize("q", [0.3, 0.5])
def test_a_five_percent_slowdown_behind_the_slow_state_is_caught_with_the_calibration(q):
    with_cal = verdicts(1.05, q, 60, calibrated=True)
    without = verdicts(1.05, q, 60, calibrated=False)
    caught = sum(v is Verdict.REGRESSION for v in with_cal)
    assert caught >= 48  # 80 %
    assert caught >= sum(v is Verdict.REGRESSION for v in without) + 25
    assert Verdict.IMPROVEMENT not in with_cal


def test_swapping_the_sides_swaps_the_verdict():
    rng = np.random.default_rng(3)
    for _ in range(20):
        base, head = side(rng, 8, 1.0, 0.5), side(rng, 8, 1.08, 0.5)
        there, back = compare([base], [head])[0], compare([head], [base])[0]
        mirror = {Verdict.REGRESSION: Verdict.IMPROVEMENT, Verdict.IMPROVEMENT: Verdict.REGRESSION}
        assert back.verdict == mirror.get(there.verdict, there.verdict)
        assert there.evidence.ratio * back.evidence.ratio == pytest.approx(1.0)


def test_the_samples_kept_are_chosen_by_the_calibration_alone():
    rng = np.random.default_rng(5)
    base, head = side(rng, 8, 1.0, 0.3), side(rng, 8, 1.0, 0.3)
    # the head's samples 1.5x slower, its readings as they were: nothing about which
    # samples are kept may change, and the slowdown must show in full
    slower = replace(head, runs=tuple(tuple(x * 1.5 for x in r) for r in head.runs))
    cut = stats._fast_state(base, head, Config())
    cut_slower = stats._fast_state(base, slower, Config())
    assert cut is not None and cut_slower is not None
    assert cut_slower[1].runs == tuple(tuple(x * 1.5 for x in r) for r in cut[1].runs)
    assert cut[2] is cut_slower[2] is True  # one session: still paired round by round
    readings = [x for m in (base, head) for c in m.calibration for x in c]
    limit = np.percentile(readings, stats.FAST_LEVEL) * stats.FAST_BAND
    fast = [
        [
            tuple(x for x, c in zip(r, cal, strict=True) if c <= limit)
            for r, cal in zip(m.runs, m.calibration, strict=True)
        ]
        for m in (base, head)
    ]
    # one session: processes with enough fast-state samples, paired by round (the same
    # round where both sides have one, else a round apart)
    enough = [[r if len(r) >= stats.FAST_SAMPLES else () for r in side] for side in fast]
    both = [i for i in range(8) if enough[0][i] and enough[1][i]]
    assert 3 <= len(both) < 8
    pairs = stats._near_pairs(enough[0], enough[1], stats.FAST_REACH)
    assert len(pairs) >= len(both)
    assert all((enough[0][i], enough[1][i]) in pairs for i in both)
    assert cut[0].runs == tuple(p[0] for p in pairs)
    assert cut[1].runs == tuple(p[1] for p in pairs)
    got = compare([base], [slower])[0]
    assert got.verdict is Verdict.REGRESSION and "fast state" in got.evidence.method
    assert got.evidence.ratio == pytest.approx(1.5, rel=0.02)


def merged(*parts: Measurement) -> Measurement:
    return replace(
        parts[0],
        runs=tuple(r for m in parts for r in m.runs),
        calibration=tuple(c for m in parts for c in m.calibration),
    )


def test_without_enough_fast_state_processes_the_sides_are_judged_as_without_calibration():
    rng = np.random.default_rng(11)
    # two processes of the base in the fast state, every other process slow throughout
    base = merged(side(rng, 2, 1.0, 0.0, switch=0.0), side(rng, 6, 1.0, 1.0, switch=0.0))
    head = merged(side(rng, 5, 1.1, 0.0, switch=0.0), side(rng, 3, 1.1, 1.0, switch=0.0))
    assert stats._fast_state(base, head, Config()) is None
    plain = [replace(m, calibration=()) for m in (base, head)]
    assert compare([base], [head])[0] == compare([plain[0]], [plain[1]])[0]


def test_calibration_of_other_processes_than_the_samples_is_not_used():
    rng = np.random.default_rng(13)
    base, head = side(rng, 8, 1.0, 0.5), side(rng, 8, 1.1, 0.5)
    short = replace(head, calibration=head.calibration[:-1])
    assert stats._fast_state(base, short, Config()) is None
    assert compare([base], [short])[0] == compare([base], [replace(head, calibration=())])[0]


def test_a_process_whose_readings_do_not_match_its_samples_is_set_aside():
    rng = np.random.default_rng(13)
    base, head = side(rng, 8, 1.0, 0.2), side(rng, 8, 1.1, 0.2)
    bad = replace(head, calibration=(head.calibration[0][:-1],) + head.calibration[1:])
    whole, cut = stats._fast_state(base, head, Config()), stats._fast_state(base, bad, Config())
    assert whole is not None and cut is not None
    assert cut[1].runs == tuple(r for r in whole[1].runs if r not in (cut_first(head, whole),))


def cut_first(head: Measurement, whole: tuple[Measurement, Measurement]) -> tuple[float, ...]:
    """The first process's kept samples (its readings in ``whole``)."""
    first = set(head.runs[0])
    return next((r for r in whole[1].runs if set(r) <= first), ())


def test_a_side_whose_calibration_reads_all_fast_keeps_every_sample():
    rng = np.random.default_rng(17)
    base, head = side(rng, 6, 1.0, 0.0), side(rng, 6, 1.0, 0.0)
    steady = [replace(m, calibration=tuple((0.0004,) * 10 for _ in m.runs)) for m in (base, head)]
    assert stats._fast_state(*steady, Config()) is None  # nothing to set aside: judged as before
    assert "fast state" not in compare([steady[0]], [steady[1]])[0].evidence.method


def test_a_baseline_keeps_the_calibration_and_drops_a_broken_one():
    rng = np.random.default_rng(19)
    m = replace(side(rng, 3, 1.0, 0.5), session=None)
    b = Baseline(
        name="x", machine="m", commit="c", created_at="2026-12-07T00:00:00Z", measurements=(m,)
    )
    back = baseline_io.loads(baseline_io.dumps(b), "x.json").measurements[0]
    assert back.calibration == m.calibration and back.runs == m.runs
    data = json.loads(baseline_io.dumps(b))
    for bad in ([[1.0]], "x", [[0.0] * 10] * 3, [[float("1e400")] * 10] * 3):
        data["benchmarks"][m.name]["calibration"] = bad
        text = json.dumps(data).replace("Infinity", "1e400")
        assert baseline_io.loads(text, "x.json").measurements[0].calibration == ()


def test_a_rounds_calibration_file_is_read_line_by_line(tmp_path):
    good = {"name": "a.time_x", "samples": [0.1, 0.2], "calibration": [0.001, 0.002]}
    lines = [
        json.dumps(good),
        "{not json",
        json.dumps({**good, "calibration": [0.001]}),  # does not match its samples
        json.dumps({**good, "name": "a.time_y", "calibration": [0.001, -1.0]}),
        json.dumps([1, 2]),
        json.dumps({**good, "name": "a.time_z", "samples": "x"}),
    ]
    (tmp_path / preload.CALIBRATION_NAME).write_text("\n".join(lines) + "\n")
    assert preload.calibration(tmp_path) == {("a.time_x", (0.1, 0.2)): (0.001, 0.002)}
    assert preload.calibration(tmp_path / "missing") == {}


def drifting(fast_rounds: set[int], drift: float) -> Measurement:
    """8 rounds of one session: the fast state itself slows by ``drift`` from the first
    round to the last; the rounds outside ``fast_rounds`` ran in the slow state."""
    runs, cal = [], []
    for k in range(8):
        state = 1.0 if k in fast_rounds else SLOW
        level = 1 + drift * k / 7
        runs.append(tuple(0.01 * level * state * (1 + 0.001 * i) for i in range(10)))
        cal.append(tuple(0.0004 * state * (1 + 0.002 * i) for i in range(10)))
    return timed(runs, cal)


def test_the_fast_state_drifting_over_a_session_is_no_change(monkeypatch):
    # identical code; the base's fast rounds came early, the head's late, while the fast
    # state slowed by 20 %: only rounds that ran next to each other compare like with like
    base, head = drifting({0, 1, 2, 3, 4}, 0.2), drifting({2, 3, 4, 5, 6, 7}, 0.2)
    cut = stats._fast_state(base, head, Config())
    assert cut is not None and cut[2] and len(cut[0].runs) == 3
    assert compare([base], [head])[0].verdict not in FLAGGED
    # the same fast processes, unpaired: as one session's processes they would read the
    # drift as a change; perfkit reads unpaired fast processes with a session's shift
    monkeypatch.setattr(stats, "FAST_PAIR", False)
    unpaired = stats._fast_state(base, head, Config())
    assert unpaired is not None and not unpaired[2]
    assert compare([unpaired[0]], [unpaired[1]])[0].verdict is Verdict.REGRESSION
    assert compare([base], [head])[0].verdict not in FLAGGED


def test_sides_of_different_sessions_are_cut_but_not_paired():
    rng = np.random.default_rng(23)
    base, head = side(rng, 8, 1.0, 0.3), replace(side(rng, 8, 1.0, 0.3), session="s2")
    cut = stats._fast_state(base, head, Config())
    assert cut is not None and cut[2] is False
    assert not compare([base], [head])[0].evidence.paired


def test_fast_processes_a_round_apart_pair_and_the_pairs_swap_with_the_sides():
    # the base ran fast in the even rounds, the head in the odd ones: no round has both,
    # but each fast process has one of the other side a round away
    base, head = drifting({0, 2, 4, 6}, 0.0), drifting({1, 3, 5, 7}, 0.0)
    cut = stats._fast_state(base, head, Config())
    assert cut is not None and cut[2] and len(cut[0].runs) == len(cut[1].runs) == 4
    assert compare([base], [head])[0].evidence.paired
    swapped = stats._fast_state(head, base, Config())
    assert swapped is not None and swapped[2]
    assert sorted(swapped[0].runs) == sorted(cut[1].runs)
    assert sorted(swapped[1].runs) == sorted(cut[0].runs)


def test_near_pairs_prefer_the_same_round_and_never_reach_further():
    a, b = (1.0,), (2.0,)
    # round 1 has both sides: paired there, not with the neighbours
    assert stats._near_pairs([(), a, ()], [b, b, b], 1) == [(a, b)]
    # fast processes three rounds apart do not pair at reach 1
    assert stats._near_pairs([a, (), (), ()], [(), (), (), b], 1) == []
    assert stats._near_pairs([a, (), (), ()], [(), (), (), b], 3) == [(a, b)]
