"""Regenerate the report golden files in tests/data/report/ after an intended change.

    PYTHONPATH=. python tools/report_goldens.py          # write them
    PYTHONPATH=. python tools/report_goldens.py --check  # exit 1 if any differs

They are rendered from the fixed Report in tests/unit/report/sample.py; review the diff
(git diff tests/data/report) before committing.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.unit.report.sample import GOLDEN, golden_texts  # noqa: E402


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for name, text in golden_texts().items():
        path = GOLDEN / name
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        stale.append(name)
        if not check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    verb = "differ" if check else "rewritten"
    print(f"{len(stale)} golden file(s) {verb}: {', '.join(stale) or 'none'}")
    return 1 if check and stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
