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
