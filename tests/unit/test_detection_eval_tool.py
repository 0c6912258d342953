"""tools/detection_eval.py: the cut that shows what a cheaper protocol would have seen."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))

import detection_eval  # noqa: E402


def _rows():
    runs = {
        side: {"b": [[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0], [9.0, 10.0, 11.0, 12.0]]}
        for side in ("base", "head")
    }
    return [{"tool": "perfkit", "runs": runs}, {"tool": "asv compare", "rounds": {"base": [[1.0]]}}]


def test_truncate_keeps_the_first_processes_and_samples_of_perfkit_rows_only():
    rows = _rows()
    cut = detection_eval.truncate(rows, 2, 3)
    assert cut[0]["runs"]["base"]["b"] == [[1.0, 2.0, 3.0], [5.0, 6.0, 7.0]]
    assert cut[0]["runs"]["head"]["b"] == [[1.0, 2.0, 3.0], [5.0, 6.0, 7.0]]
    assert cut[1] == rows[1]
    assert len(rows[0]["runs"]["base"]["b"][0]) == 4  # the stored rows are not changed


def test_truncate_by_samples_alone_keeps_every_process():
    cut = detection_eval.truncate(_rows(), 0, 1)
    assert cut[0]["runs"]["base"]["b"] == [[1.0], [5.0], [9.0]]
    assert detection_eval.truncate(_rows(), 0, 0) == _rows()


def test_replay_runs_the_sequential_stage_on_stored_processes_and_counts_what_it_used():
    import numpy as np

    from perfkit.config import Config
    from perfkit.measure.protocol import Protocol

    rng = np.random.default_rng(3)

    def procs(level, n):
        return [list(level * np.exp(np.abs(rng.normal(0, 0.005, 10)))) for _ in range(n)]

    runs = {
        "base": {"slow": procs(1.0, 10), "same": procs(1.0, 4), "short": procs(1.0, 4)},
        "head": {"slow": procs(1.5, 10), "same": procs(1.0, 4), "short": procs(1.06, 4)},
    }
    row = {"tool": "perfkit", "trial": 0, "scale": 1.1, "runs": runs, "cpu_s": 100.0}
    (got,) = detection_eval.replay([row], Protocol(), Config())
    assert got["verdicts"]["slow"] == "regression"
    # slow: found at the first look, confirmed on 4 more processes, then clear: 8 a side;
    # same: settled at the first look; short: wanted more than the 4 stored (censored)
    assert got["processes"] == 2 * (8 + 4 + 4) and got["censored"] == 1
    assert got["cpu_s"] == 100.0 * got["processes"] / (2 * (10 + 4 + 4))


def test_asv_decisions_are_asv_compares_on_the_merged_rounds():
    base = [{"a": [1.0, 1.01, 0.99, 1.0, 1.02], "b": [1.0, 1.01, 0.99, 1.0, 1.02]}] * 2
    head = [{"a": [1.3, 1.31, 1.29, 1.3, 1.32], "b": [1.0, 1.02, 0.99, 1.01, 1.0]}] * 2
    assert detection_eval.asv_decisions({"base": base, "head": head}) == {
        "a": "regression",
        "b": "unchanged",
    }
    assert detection_eval.asv_decisions({"base": head, "head": base})["a"] == "improvement"


def test_replay_judges_with_the_stored_calibration_readings_unless_told_not_to():
    from perfkit.config import Config
    from perfkit.measure.protocol import Protocol

    # identical code: every base sample ran in the CPU's fast state; each head process ran
    # 3 of its 10 samples fast and 7 in the 1.9x slow state, as its readings say
    fast = [1.0 + 0.001 * i for i in range(10)]
    head = [x * (1.0 if i < 3 else 1.9) for i, x in enumerate(fast)]
    read_fast, read_head = [0.0004] * 10, [0.0004 if i < 3 else 0.00076 for i in range(10)]
    row = {
        "tool": "perfkit",
        "trial": 0,
        "scale": 1.0,
        "runs": {"base": {"b": [fast] * 14}, "head": {"b": [head] * 14}},
        "calibration": {"base": {"b": [read_fast] * 14}, "head": {"b": [read_head] * 14}},
        "cpu_s": 1.0,
    }
    (read,) = detection_eval.replay([row], Protocol(), Config())
    (blind,) = detection_eval.replay([row], Protocol(), Config(), calibrated=False)
    assert read["verdicts"]["b"] != "regression"
    assert blind["verdicts"]["b"] == "regression"  # the better half holds slow samples
