"""asv's command line, reusing the discovery of an earlier round of the same side.

Every ``asv run`` discovers the suite first: one more interpreter that imports the suite
(numba and numpy with it), about 0.6-0.8 s of CPU per round on the 12-body evaluation
suite, for a list that cannot change between the rounds of one side (the same commit in
the same environment). With ``PERFKIT_ASV_DISCOVERED`` naming the ``benchmarks.json``
asv wrote in that side's first round, the rounds after it take the list from there; asv
does everything else as always (the forkserver still imports the suite and every
benchmark still runs in a fresh process). A file that does not read as asv's list leaves
asv to discover, as before.

    python -m perfkit.measure.asvmain run ...   # as ``python -m asv run ...``
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

ENV = "PERFKIT_ASV_DISCOVERED"


def listed(path: Path, api_version: int) -> list[dict] | None:
    """The benchmarks of an asv ``benchmarks.json`` (None: not one of this asv's)."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("version") != api_version:
        return None
    found = [v for k, v in data.items() if k != "version" and isinstance(v, dict)]
    if not found or not all(isinstance(b.get("name"), str) and "params" in b for b in found):
        return None
    return found


def reuse(path: Path) -> bool:
    """Make asv take its benchmarks from ``path`` instead of discovering them."""
    from asv.benchmarks import Benchmarks

    found = listed(path, Benchmarks.api_version)
    if found is None or not hasattr(Benchmarks, "_disc_benchmarks"):
        return False

    def _disc_benchmarks(cls, conf, repo, environments, commit_hashes, check):
        return [json.loads(json.dumps(b)) for b in found]  # copies: asv amends them

    Benchmarks._disc_benchmarks = classmethod(_disc_benchmarks)
    return True


def main() -> None:
    path = os.environ.pop(ENV, None)
    if path:
        # any surprise: asv discovers, as always
        with contextlib.suppress(Exception):
            reuse(Path(path))
    from asv.main import main as asv_main

    asv_main()


if __name__ == "__main__":
    main()
