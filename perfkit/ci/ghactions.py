"""The GitHub Actions environment of a job: which repository and pull request, whether the
pull request comes from a fork, the API URL and token, and the job summary file."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from perfkit.ci.github import DEFAULT_API, Target
from perfkit.errors import ConfigError, GitHubError

REPO = re.compile(r"(?!\.{1,2}/)[A-Za-z0-9_.-]+/(?!\.{1,2}$)[A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class Event:
    """What perfkit needs from the event payload at ``$GITHUB_EVENT_PATH``."""

    pr: int | None = None
    fork: bool = False  # the pull request's head lives in another repository


def _environ(env: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if env is None else env


def _repo_name(pr_side: Any) -> str | None:
    repo = pr_side.get("repo") if isinstance(pr_side, dict) else None
    return str(repo.get("full_name", "")).lower() if isinstance(repo, dict) else None


def parse_event(payload: Any) -> Event:
    """The pull request number (``pull_request.number``, or ``issue.number`` for comment
    events) and whether its head repository differs from the base repository (a deleted
    fork has no head repository: also a fork)."""
    if not isinstance(payload, dict):
        return Event()
    pr = payload.get("pull_request") if isinstance(payload.get("pull_request"), dict) else None
    source = pr or (payload.get("issue") if isinstance(payload.get("issue"), dict) else {})
    number = source.get("number")
    number = (
        number if isinstance(number, int) and not isinstance(number, bool) and number > 0 else None
    )
    if pr is None:
        return Event(number)
    base = _repo_name(pr.get("base"))
    return Event(number, base is not None and _repo_name(pr.get("head")) != base)


def read_event(path: str | None) -> Event:
    """The event payload file, or an empty Event when there is none or it is unreadable."""
    if not path:
        return Event()
    try:
        return parse_event(json.loads(Path(path).read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return Event()


def resolve_target(
    repo: str | None, pr: int | None, env: Mapping[str, str] | None = None
) -> Target:
    """Repository, pull request and API URL from the flags, else from the environment."""
    env = _environ(env)
    repo = repo or env.get("GITHUB_REPOSITORY")
    if not repo:
        raise GitHubError("no repository: pass --repo OWNER/NAME or set GITHUB_REPOSITORY")
    if not REPO.fullmatch(repo):
        raise GitHubError(f"repository {repo[:100]!r} is not OWNER/NAME")
    pr = pr or read_event(env.get("GITHUB_EVENT_PATH")).pr
    if not pr:
        raise GitHubError("no pull request number: pass --pr N or run on a pull_request event")
    return Target(env.get("GITHUB_API_URL") or DEFAULT_API, repo, pr)


def token(env: Mapping[str, str] | None = None) -> str:
    return _environ(env).get("GITHUB_TOKEN", "")


def append_step_summary(markdown: str, env: Mapping[str, str] | None = None) -> Path | None:
    """Append ``markdown`` to ``$GITHUB_STEP_SUMMARY`` when set (other steps write there
    too: never truncate it); return its path, or None when it is not set."""
    path = _environ(env).get("GITHUB_STEP_SUMMARY")
    if not path:
        return None
    try:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(markdown.rstrip("\n") + "\n\n")
    except OSError as exc:
        raise ConfigError(f"$GITHUB_STEP_SUMMARY {path}: cannot append ({exc.strerror})") from None
    return Path(path)
