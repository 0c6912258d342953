"""Full benchmark names: the base name plus parameter values, as people read them."""

from __future__ import annotations

from collections.abc import Sequence


def full_name(benchmark: str, params: Sequence[tuple[str, str]]) -> str:
    """``bench(n=1, policy='drop')``; values stay exactly as the tool wrote them."""
    if not params:
        return benchmark
    return f"{benchmark}({', '.join(f'{k}={v}' for k, v in params)})"
