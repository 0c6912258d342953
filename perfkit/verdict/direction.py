"""Which way is better for a benchmark, from its kind and unit.

asv treats every value as lower-is-better. perfkit reads a throughput as higher-is-better
when its unit is a rate ("messages/s", "blocks/sec", "per second", "Hz"); the config file
can override any benchmark.
"""

from __future__ import annotations

from perfkit.model import BenchmarkKind, Direction

_RATE_SUFFIXES = ("/s", "/sec", "/second", "per second", "hz", "/ms")


def infer_direction(kind: BenchmarkKind, unit: str) -> Direction:
    u = unit.strip().lower()
    if kind is BenchmarkKind.TRACK and u.endswith(_RATE_SUFFIXES):
        return Direction.HIGHER_IS_BETTER
    return Direction.LOWER_IS_BETTER
