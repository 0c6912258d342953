"""Where commits sit in the repository's history: position and date, by full or
abbreviated hash (asv names result files by the first 8 hex digits of the commit)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from perfkit.gitrepo import git

Placed = Mapping[str, tuple[int, str]]  # full hash -> (position oldest first, date ISO)


def commit_order(repo: Path | str = ".", rev: str = "HEAD") -> dict[str, tuple[int, str]]:
    """Full hash -> (position oldest first, committer date ISO), as
    :func:`perfkit.history.series.commit_order` (which imports the change-point code: slow)."""
    out = git(Path(repo), "log", "--topo-order", "--reverse", "--format=%H %cI", rev)
    order: dict[str, tuple[int, str]] = {}
    for i, line in enumerate(out.splitlines()):
        sha, _, date = line.partition(" ")
        order[sha] = (i, date)
    return order


class Placement:
    """Resolves full or unambiguous abbreviated hashes against ``placed``."""

    def __init__(self, placed: Placed) -> None:
        self.placed = placed
        self._by8: dict[str, list[str]] = {}
        for sha in placed:
            self._by8.setdefault(sha[:8], []).append(sha)

    def resolve(self, commit: str | None) -> str | None:
        if not commit:
            return None
        if commit in self.placed:
            return commit
        pool = self._by8.get(commit[:8], []) if len(commit) >= 8 else self.placed
        hits = [sha for sha in pool if sha.startswith(commit)]
        return hits[0] if len(hits) == 1 else None

    def place(self, commit: str | None) -> tuple[str | None, int | None, str]:
        """(full hash or None, position or None, date or "") of ``commit``."""
        full = self.resolve(commit)
        if full is None:
            return None, None, ""
        order, date = self.placed[full]
        return full, order, date
