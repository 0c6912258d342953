"""A small GitHub REST client for one job: keep a single perfkit comment on a pull request
up to date (found by a hidden marker, edited in place), with timeouts, retries on 5xx and
secondary rate limits (honouring Retry-After), and errors that never contain the token."""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from perfkit.errors import GitHubError

MARKER = "<!-- perfkit-report -->"
DEFAULT_API = "https://api.github.com"
MAX_ATTEMPTS = 5
MAX_WAIT = 120.0  # seconds we are willing to sleep in total for retries
PERMISSIONS = {
    401: "GitHub rejected the token (401): it is missing, expired or revoked",
    403: "the token may not write pull-request comments (403): grant `pull-requests: write` "
    "(and `issues: write`) in the workflow's permissions",
    404: "repository or pull request not found (404), or the token cannot see it",
    422: "GitHub refused the comment (422): the body is invalid or too long",
}


class ReadOnlyToken(GitHubError):
    """The token cannot write here (typically a pull request from a fork)."""


@dataclass(frozen=True)
class Target:
    api: str  # base URL, e.g. https://api.github.com or https://ghe.example/api/v3
    repo: str  # owner/name
    pr: int


def _scrub(text: str, token: str | None) -> str:
    return text.replace(token, "***") if token else text


class Client:
    def __init__(self, api: str, token: str, *, timeout: float = 10.0,
                 sleep: Callable[[float], None] = time.sleep,
                 transport: httpx.BaseTransport | None = None) -> None:  # fmt: skip
        if not token:
            raise GitHubError("GITHUB_TOKEN is not set: cannot post the comment")
        self._token = token
        self._sleep = sleep
        self._http = httpx.Client(
            base_url=api.rstrip("/") + "/", timeout=timeout, transport=transport,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/vnd.github+json",
                     "X-GitHub-Api-Version": "2022-11-28", "User-Agent": "perfkit"},
        )  # fmt: skip

    def close(self) -> None:
        self._http.close()

    def request(self, method: str, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
        waited = 0.0
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                resp = self._http.request(method, path.lstrip("/"), json=body)
            except httpx.HTTPError as exc:
                if attempt == MAX_ATTEMPTS:
                    raise GitHubError(_scrub(f"cannot reach the GitHub API: {type(exc).__name__}", self._token)) from None
                delay = min(2.0 ** attempt, 30.0)
            else:
                delay = self._retry_delay(resp, attempt)
                if delay is None:
                    return resp
            if attempt == MAX_ATTEMPTS or waited + delay > MAX_WAIT:
                break
            self._sleep(delay)
            waited += delay
        raise GitHubError(f"GitHub API kept failing after {attempt} attempts ({method} {path})")

    @staticmethod
    def _retry_delay(resp: httpx.Response, attempt: int) -> float | None:
        """Seconds to wait before retrying, or None when the response is final."""
        limited = resp.status_code == 429 or (
            resp.status_code == 403
            and ("retry-after" in resp.headers or resp.headers.get("x-ratelimit-remaining") == "0")
        )
        if limited:
            if "retry-after" in resp.headers:
                try:
                    return max(0.0, float(resp.headers["retry-after"]))
                except ValueError:
                    return 60.0
            reset = resp.headers.get("x-ratelimit-reset")
            return max(1.0, float(reset) - time.time()) if reset and reset.isdigit() else 60.0
        if resp.status_code >= 500:
            return min(2.0 ** (attempt - 1), 30.0)
        return None

    def check(self, resp: httpx.Response, write: bool = False) -> httpx.Response:
        if resp.status_code < 400:
            return resp
        if write and resp.status_code == 403:
            raise ReadOnlyToken(PERMISSIONS[403])
        message = PERMISSIONS.get(resp.status_code, f"GitHub API error {resp.status_code}")
        raise GitHubError(_scrub(message, self._token))

    def comments(self, target: Target) -> list[dict[str, Any]]:
        """Every issue comment of the pull request (following Link pagination)."""
        out: list[dict[str, Any]] = []
        path: str | None = f"repos/{target.repo}/issues/{target.pr}/comments?per_page=100"
        for _ in range(100):  # at most 10,000 comments
            if path is None:
                break
            resp = self.check(self.request("GET", path))
            page = resp.json()
            if not isinstance(page, list):
                raise GitHubError("unexpected answer from the GitHub API (comments are not a list)")
            out += page
            nxt = resp.links.get("next", {}).get("url")
            path = nxt[len(str(self._http.base_url)):] if nxt and nxt.startswith(str(self._http.base_url)) else None
        return out

    def upsert_comment(self, target: Target, body: str) -> tuple[str, int]:
        """Edit perfkit's own comment (found by its marker) or create it; ('updated'|'created', id)."""
        if MARKER not in body:
            body = f"{MARKER}\n{body}"
        mine = [c for c in self.comments(target) if MARKER in str(c.get("body", ""))]
        if mine:
            cid = int(mine[0]["id"])
            self.check(self.request("PATCH", f"repos/{target.repo}/issues/comments/{cid}", {"body": body}), write=True)
            return "updated", cid
        resp = self.check(self.request("POST", f"repos/{target.repo}/issues/{target.pr}/comments", {"body": body}), write=True)
        return "created", int(resp.json()["id"])


def pr_number(event_path: str | None) -> int | None:
    """The pull request number from the Actions event payload, if any."""
    if not event_path or not Path(event_path).is_file():
        return None
    try:
        event = json.loads(Path(event_path).read_text())
    except (OSError, ValueError):
        return None
    number = (event.get("pull_request") or {}).get("number") or (event.get("issue") or {}).get("number")
    return int(number) if isinstance(number, int) else None


def is_fork(event_path: str | None) -> bool:
    if not event_path or not Path(event_path).is_file():
        return False
    try:
        pr = json.loads(Path(event_path).read_text()).get("pull_request") or {}
        head, base = pr.get("head", {}).get("repo") or {}, pr.get("base", {}).get("repo") or {}
        return bool(head) and head.get("full_name") != base.get("full_name")
    except (OSError, ValueError, AttributeError):
        return False


def resolve_target(repo: str | None, pr: int | None, env: dict[str, str] | None = None) -> Target:
    env = dict(os.environ if env is None else env)
    repo = repo or env.get("GITHUB_REPOSITORY")
    if not repo or not re.fullmatch(r"[\w.-]+/[\w.-]+", repo):
        raise GitHubError("no repository: pass --repo OWNER/NAME or set GITHUB_REPOSITORY")
    pr = pr or pr_number(env.get("GITHUB_EVENT_PATH"))
    if not pr:
        raise GitHubError("no pull request number: pass --pr N or run on a pull_request event")
    return Target(env.get("GITHUB_API_URL") or DEFAULT_API, repo, pr)


def append_step_summary(markdown: str, env: dict[str, str] | None = None) -> bool:
    """Append to $GITHUB_STEP_SUMMARY when set (never truncating it)."""
    path = (os.environ if env is None else env).get("GITHUB_STEP_SUMMARY")
    if not path:
        return False
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(markdown.rstrip("\n") + "\n")
    return True
