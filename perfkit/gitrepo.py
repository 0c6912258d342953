"""The git operations perfkit needs: resolve commits, order history, temporary worktrees.

A base commit is always measured (or profiled) in a temporary ``git worktree`` so the
user's working tree is never touched.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from perfkit.errors import GitError, ToolMissingError


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo`` and return stdout stripped; GitError with git's last line on failure."""
    if shutil.which("git") is None:
        raise ToolMissingError("git is not installed (needed to resolve commits)")
    proc = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["git failed"])[-1]
        raise GitError(f"git {' '.join(args)}: {last}")
    return proc.stdout.strip()


def toplevel(path: Path) -> Path:
    return Path(git(path, "rev-parse", "--show-toplevel"))


def resolve(repo: Path, rev: str) -> str:
    """Full hash of ``rev``; a clear error when it is not a commit of this repository."""
    try:
        return git(repo, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    except GitError:
        raise GitError(f"{rev!r} is not a commit in {repo}") from None


def has_commit(repo: Path, commit: str) -> bool:
    """True when ``commit`` is in this clone (a shallow clone may lack a baseline's)."""
    try:
        resolve(repo, commit)
    except GitError:
        return False
    return True


def merge_base(repo: Path, a: str, b: str) -> str:
    return git(repo, "merge-base", a, b)


def is_dirty(repo: Path) -> bool:
    """True when tracked files differ from HEAD (untracked files do not count)."""
    return bool(git(repo, "status", "--porcelain", "--untracked-files=no"))


def commits_in_order(repo: Path, rev_range: str) -> list[str]:
    """Commits of ``rev_range`` oldest first, following first parents (history order)."""
    out = git(repo, "rev-list", "--first-parent", "--reverse", rev_range)
    return out.split() if out else []


@contextlib.contextmanager
def worktree(repo: Path, commit: str) -> Iterator[Path]:
    """A detached temporary worktree of ``commit``, removed afterwards."""
    parent = Path(tempfile.mkdtemp(prefix="perfkit-wt-"))
    path = parent / "tree"
    git(repo, "worktree", "add", "--detach", "--quiet", str(path), commit)
    try:
        yield path
    finally:
        with contextlib.suppress(GitError):
            git(repo, "worktree", "remove", "--force", str(path))
        shutil.rmtree(parent, ignore_errors=True)
        with contextlib.suppress(GitError):
            git(repo, "worktree", "prune")
