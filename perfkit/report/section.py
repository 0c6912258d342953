"""Sections of a size-limited text (the pull-request comment) and how they share the room.

A Section is a title, some intro lines, items and some closing lines. ``fit`` gives each
section, in priority order, as many of its items as fit in what is left of the limit; a
section that loses items says how many (its ``more`` note). A section with compact items
that does not fit whole switches to them first, and is cut only if even those do not fit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

SEPARATOR = "\n\n"


@dataclass(frozen=True)
class Section:
    title: str
    items: tuple[str, ...]
    intro: tuple[str, ...] = ()
    outro: tuple[str, ...] = ()
    compact_items: tuple[str, ...] | None = None  # shorter items to try before cutting
    more: str = "- …and {n} more in the full report."
    # how many items there are when ``items`` (and ``compact_items``) hold only the first
    # of them: as many as overflow any budget (``first_items``); None: all are there
    total: int | None = None

    @property
    def count(self) -> int:
        return len(self.items) if self.total is None else self.total

    def text(self, items: Sequence[str], cut: int = 0) -> str:
        note = [self.more.format(n=cut)] if cut else []
        title = [self.title] if self.title else []
        return "\n".join([*title, *self.intro, *items, *note, *self.outro])

    def fit(self, budget: int) -> str:
        """The section within ``budget`` characters, or "" (no items, or no room at all)."""
        if not self.items:
            return ""
        whole = self.total is None or self.total == len(self.items)
        full = self.text(self.items)
        if whole and len(full) <= budget:
            return full
        items = self.items
        if self.compact_items is not None:
            items = self.compact_items
            whole = self.total is None or self.total == len(items)
            if whole and len(compact := self.text(items)) <= budget:
                return compact
        return self._cut(items, budget)

    def _cut(self, items: Sequence[str], budget: int) -> str:
        used, kept = len(self.text((), self.count)), 0
        for item in items:
            if used + len(item) + 1 > budget:
                break
            used, kept = used + len(item) + 1, kept + 1
        text = self.text(items[:kept], self.count - kept)
        return text if len(text) <= budget else ""


def first_items(items: Iterable[str], limit: int) -> tuple[str, ...]:
    """The first of ``items``, up to and including the one that takes their length (one
    newline each) past ``limit``: no budget within ``limit`` holds more, so the rest need
    not be made (a comment of 20,000 benchmarks formats a few hundred)."""
    out, used = [], 0
    for item in items:
        out.append(item)
        used += len(item) + 1
        if used > limit:
            break
    return tuple(out)


def fit(header: str, layout: Mapping[str, Section], priority: Sequence[str], limit: int) -> str:
    """``header`` then the sections in ``layout`` order, sharing ``limit - 1`` characters
    (one is kept for the final newline) in ``priority`` order (keys of ``layout``; a section
    left out of ``priority`` gets no room)."""
    budget = limit - 1 - len(header)
    texts = dict.fromkeys(layout, "")
    for key in priority:
        text = layout[key].fit(budget - len(SEPARATOR))
        if text:
            texts[key] = text
            budget -= len(text) + len(SEPARATOR)
    out = header + "".join(SEPARATOR + t for t in texts.values() if t)
    return out[: limit - 1]  # only a header longer than the limit itself is ever cut here
