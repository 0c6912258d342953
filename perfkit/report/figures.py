"""Raw numbers formatted for people (the model keeps raw values; only reporters format)."""

from __future__ import annotations

import math

from perfkit.model import Comparison, Direction, Evidence

_TIME_UNITS = ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs"), (1e-9, "ns"))
_BYTE_UNITS = ((2**30, "GiB"), (2**20, "MiB"), (2**10, "KiB"), (1, "B"))


def finite(x: float | None) -> bool:
    return x is not None and math.isfinite(x)


def pct(x: float | None, digits: int = 1) -> str:
    """A signed percentage: ``+31.0 %``; ``n/a`` when unknown or not finite."""
    return f"{x:+.{digits}f} %" if finite(x) else "n/a"


def ratio_pct(ratio: float | None) -> float | None:
    """A head/base ratio as a signed percent change (None when unknown or not finite)."""
    return (ratio - 1.0) * 100.0 if finite(ratio) else None


def interval(ev: Evidence | None) -> str:
    if ev is None:
        return "n/a"
    return f"[{pct(ratio_pct(ev.ci_low))}, {pct(ratio_pct(ev.ci_high))}]"


def change(c: Comparison) -> str:
    """``+31.0 % [+25.8 %, +36.2 %]``: the change of the raw value with its interval."""
    if c.evidence is None:
        return "n/a"
    return f"{pct(c.change_percent)} {interval(c.evidence)}"


def direction_note(c: Comparison, before: str = " (", after: str = ")") -> str:
    """Say so for higher-is-better benchmarks (their raw change reads the other way)."""
    return f"{before}higher is better{after}" if c.direction is Direction.HIGHER_IS_BETTER else ""


def confidence(ev: Evidence | None) -> str:
    return f"{ev.confidence * 100:g} %" if ev is not None and finite(ev.confidence) else "n/a"


def p_value(p: float | None) -> str:
    if not finite(p):
        return "n/a"
    return "<0.0001" if p < 1e-4 else f"{p:.2g}"


def fraction(x: float | None) -> str:
    """An unsigned fraction as percent: 0.031 -> ``3.1 %``."""
    return f"{x * 100:.1f} %" if finite(x) else "n/a"


def quantity(x: float | None, unit: str) -> str:
    """A value with a readable unit: seconds and bytes scaled, anything else as is."""
    if not finite(x):
        return "n/a"
    if unit in ("seconds", "s"):
        scale, name = next(((s, n) for s, n in _TIME_UNITS if abs(x) >= s), _TIME_UNITS[-1])
        return f"{x / scale:.4g} {name}"
    if unit in ("bytes", "B"):
        scale, name = next(((s, n) for s, n in _BYTE_UNITS if abs(x) >= s), _BYTE_UNITS[-1])
        return f"{x / scale:.4g} {name}"
    return f"{x:,.0f} {unit}" if 1e4 <= abs(x) < 1e15 else f"{x:.4g} {unit}"


def count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
