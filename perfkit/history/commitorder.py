"""Where the order of commits in a history comes from (never from result dates).

In order of preference:

1. a git repository (``--repo``): ``git log --topo-order`` of ``HEAD``, oldest first;
2. asv's published ``index.json`` (``--order-from``): its ``revision_to_hash`` (asv >= 0.3
   numbers every commit of the branches it publishes, oldest first) and
   ``revision_to_date``;
3. an order file (``--order-from``): one commit hash per line, oldest first (``#``
   comments and blank lines ignored), e.g. ``git log --reverse --format=%H`` saved once.

Projects often keep results in a repository of their own, and the code repository can
be too large to clone; 2 and 3 need no repository. :func:`choose` picks one and fails
with one line naming the options *before* any result is read.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from perfkit.errors import GitError, HistoryError
from perfkit.gitrepo import git

HELP = (
    "give --repo PATH (a git clone of the project) or --order-from PATH (asv's "
    "published index.json, or a file of commit hashes one per line, oldest first)"
)


@dataclass(frozen=True)
class CommitOrder:
    """Full hash -> (position, oldest first; date ISO or ""), and where it came from."""

    positions: dict[str, tuple[int, str]]
    source: str


def from_repo(repo: Path | str, rev: str = "HEAD") -> CommitOrder:
    out = git(Path(repo), "log", "--topo-order", "--reverse", "--format=%H %cI", rev)
    positions: dict[str, tuple[int, str]] = {}
    for i, line in enumerate(out.splitlines()):
        sha, _, date = line.partition(" ")
        positions[sha] = (i, date)
    return CommitOrder(positions, f"git repository {repo}")


def from_file(path: Path | str) -> CommitOrder:
    """asv's index.json (``revision_to_hash``) or a text file of hashes, by content."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise HistoryError(f"--order-from {path}: cannot read ({exc})") from None
    if text.lstrip().startswith("{"):
        return _from_index(path, text)
    positions: dict[str, tuple[int, str]] = {}
    for lineno, line in enumerate(text.splitlines(), 1):
        sha = line.split("#", 1)[0].strip()
        if not sha:
            continue
        if not all(c in "0123456789abcdefABCDEF" for c in sha) or len(sha) < 7:
            raise HistoryError(
                f"--order-from {path}: line {lineno}: {sha[:40]!r} is not a commit hash"
            )
        positions.setdefault(sha.lower(), (len(positions), ""))
    if not positions:
        raise HistoryError(f"--order-from {path}: no commit hashes in it")
    return CommitOrder(positions, f"order file {path}")


def _from_index(path: Path, text: str) -> CommitOrder:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise HistoryError(f"--order-from {path}: invalid JSON ({exc})") from None
    revisions = data.get("revision_to_hash") if isinstance(data, dict) else None
    if not isinstance(revisions, dict) or not revisions:
        raise HistoryError(
            f"--order-from {path}: no revision_to_hash (asv older than 0.3 "
            "published none): give an order file instead"
        )
    dates = data.get("revision_to_date") or {}
    try:
        ordered = sorted((int(r), str(h)) for r, h in revisions.items())
    except ValueError:
        raise HistoryError(f"--order-from {path}: revision_to_hash keys are not numbers") from None
    positions: dict[str, tuple[int, str]] = {}
    for i, (rev, sha) in enumerate(ordered):
        positions.setdefault(sha, (i, _iso(dates.get(str(rev)))))
    return CommitOrder(positions, f"asv index {path}")


def _iso(ms: object) -> str:
    if isinstance(ms, int | float) and not isinstance(ms, bool):
        return datetime.fromtimestamp(ms / 1000.0, UTC).isoformat(timespec="seconds")
    return ""


def _is_repo(path: Path) -> bool:
    proc = subprocess.run(
        ["git", "-C", str(path), "rev-parse", "--git-dir"], capture_output=True, check=False
    )
    return proc.returncode == 0


def choose(repo: Path | None, order_from: Path | None, cwd: Path | None = None) -> CommitOrder:
    """``--repo`` if given, else ``--order-from``, else the current directory if it is a git
    repository; otherwise a HistoryError naming the options (nothing has been read yet)."""
    if repo is not None:
        if not Path(repo).exists():
            raise HistoryError(f"--repo {repo}: no such directory; {HELP}")
        try:
            return from_repo(repo)
        except GitError as exc:
            raise HistoryError(
                f"--repo {repo}: not a git repository with commits ({exc}); {HELP}"
            ) from None
    if order_from is not None:
        return from_file(order_from)
    here = Path.cwd() if cwd is None else cwd
    if _is_repo(here):
        return from_repo(here)
    raise HistoryError(f"no commit order: {here} is not a git repository; {HELP}")
