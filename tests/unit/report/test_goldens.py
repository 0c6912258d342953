"""Golden files of every format, rendered from the fixed Report in sample.py.

After an intended change, regenerate them with ``PYTHONPATH=. python tools/report_goldens.py``
and review ``git diff tests/data/report``."""

from __future__ import annotations

import pytest

from .sample import GOLDEN, golden_texts

TEXTS = golden_texts()


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_rendering_matches_the_golden_file(name: str):
    expected = (GOLDEN / name).read_text(encoding="utf-8")
    assert TEXTS[name] == expected, (
        f"{name} changed; if intended run tools/report_goldens.py and review the diff"
    )


def test_goldens_cover_every_format():
    assert set(TEXTS) == {"report.json", "comment.md", "terminal.txt", "index.normalised.html"}
