"""Read benchmark results (asv, pyperf, pytest-benchmark) into Measurements.

Readers sit in a registry: each says whether it recognises a parsed file and reads it.
Every defect becomes one ResultsFormatError line naming the file; nothing partial is
returned.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from perfkit.errors import ResultsFormatError
from perfkit.ingest import asv, pyperf, pytest_benchmark
from perfkit.ingest.jsonfile import read_json
from perfkit.model import Measurement

Reader = tuple[str, Callable[[Any], bool], Callable[[Path, Any], list[Measurement]]]

READERS: list[Reader] = [
    ("asv", asv.sniff, lambda path, _data: asv.read_result_file(path)),
    ("pytest-benchmark", pytest_benchmark.sniff, pytest_benchmark.read),
    ("pyperf", pyperf.sniff, pyperf.read),
]


def load(path: Path) -> list[Measurement]:
    """Detect the format of ``path`` from its content and read it."""
    data = read_json(path)
    for _name, sniff, read in READERS:
        if sniff(data):
            measurements = read(path, data)
            if not measurements:
                raise ResultsFormatError(f"{path}: holds no benchmark results")
            return measurements
    raise ResultsFormatError(
        f"{path}: not a recognised results file (expected asv, pyperf or pytest-benchmark JSON)"
    )
