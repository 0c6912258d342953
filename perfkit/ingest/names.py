"""Full benchmark names: the base name plus parameter values, as people read them."""

from __future__ import annotations

from collections.abc import Sequence


def full_name(benchmark: str, params: Sequence[tuple[str, str]]) -> str:
    """``bench(n=1, policy='drop')``; values stay exactly as the tool wrote them."""
    if not params:
        return benchmark
    return f"{benchmark}({', '.join(f'{k}={v}' for k, v in params)})"


def parse_full_name(full: str) -> tuple[str, list[tuple[str, str]]]:
    """Inverse of full_name: ``bench(n=1, p='a, b')`` -> ('bench', [('n', '1'), ('p', "'a, b'")])."""
    base, _, rest = full.partition("(")
    if not rest:
        return full, []
    pairs = []
    for part in _split_top_level(rest[:-1]):
        key, _, value = part.partition("=")
        pairs.append((key, value))
    return base, pairs


def _split_top_level(text: str) -> list[str]:
    """Split on ', ' outside quotes and brackets (values are Python reprs)."""
    parts, depth, quote, start = [], 0, "", 0
    for i, ch in enumerate(text):
        if quote:
            if ch == quote and text[i - 1] != "\\":
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0 and text[i + 1 : i + 2] == " ":
            parts.append(text[start:i])
            start = i + 2
    parts.append(text[start:])
    return parts
