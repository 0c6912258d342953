"""Read benchmark results (asv, pyperf, pytest-benchmark) into Measurements.

Readers sit in a registry: each says whether it recognises a parsed file and reads it.
Every defect becomes one ResultsFormatError line naming the file; nothing partial is
returned.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from perfkit import gcpause
from perfkit.errors import ResultsFormatError
from perfkit.ingest import asv, pyperf, pytest_benchmark
from perfkit.ingest.jsonfile import read_json
from perfkit.model import Measurement

# (format, sniff(data), read(path, data, warnings), environment(path, data))
Reader = tuple[
    str,
    Callable[[Any], bool],
    Callable[[Path, Any, list[str]], list[Measurement]],
    Callable[[Path, Any], dict[str, str]],
]

READERS: list[Reader] = [
    (
        "asv",
        asv.sniff,
        lambda path, data, warnings: asv.read_result_file(path, warnings=warnings, data=data),
        asv.environment,
    ),
    (
        "pytest-benchmark",
        pytest_benchmark.sniff,
        pytest_benchmark.read,
        lambda _path, data: pytest_benchmark.environment(data),
    ),
    ("pyperf", pyperf.sniff, pyperf.read, lambda _path, data: pyperf.environment(data)),
]


@dataclass(frozen=True)
class FileResults:
    """What one results file says: its measurements, the machine and Python it records
    (perfkit's environment keys), and one warning line per oddity it was read despite."""

    format: str
    measurements: list[Measurement]
    env: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


SETTLE_ABOVE = 2_000  # measurements: a file this large is exempted from later GC scans


def read_file(path: Path) -> FileResults:
    """Detect the format of ``path`` from its content and read it. A large file's
    measurements are then exempt from the cyclic collector's scans (``gcpause``)."""
    with gcpause.paused():
        got = _read_file(path)
    if len(got.measurements) > SETTLE_ABOVE:
        gcpause.settle()
    return got


def _read_file(path: Path) -> FileResults:
    data = read_json(path)
    for name, sniff, read, environment in READERS:
        if sniff(data):
            warnings: list[str] = []
            try:
                measurements = read(path, data, warnings)
            except ResultsFormatError as exc:  # every refusal names the format it was read as
                message = str(exc)
                if name not in message:
                    raise ResultsFormatError(f"{message} (read as {name} results)") from None
                raise
            if not measurements:
                raise ResultsFormatError(f"{path}: holds no benchmark results")
            return FileResults(name, measurements, environment(path, data), warnings)
    raise ResultsFormatError(
        f"{path}: not a recognised results file (expected asv, pyperf or pytest-benchmark JSON)"
    )


def load(path: Path) -> list[Measurement]:
    """Detect the format of ``path`` from its content and read it."""
    return read_file(path).measurements
