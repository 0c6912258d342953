"""A small GitHub REST client for one job: keep a single perfkit comment on a pull request
up to date (found by a hidden marker, edited in place), with timeouts, retries on 5xx and
rate limits (honouring ``Retry-After``), and errors that never contain the token.

The token only ever travels in the ``Authorization`` header, to the API's own origin; it is
never part of a URL, and every message this module raises is scrubbed of it.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from perfkit.errors import GitHubError

MARKER = "<!-- perfkit-report -->"
DEFAULT_API = "https://api.github.com"
COMMENT_LIMIT = 65536  # characters GitHub accepts in one comment
TRUNCATED_NOTE = "\n\n… (cut to fit GitHub's comment limit: the full report is in the artifact)\n"
MAX_PAGES = 300  # 30,000 comments
WRITE_PERMISSION = "`pull-requests: write` (`issues: write` for issue comments)"


class ReadOnlyToken(GitHubError):
    """The token may not write here (403 on a write; typically a pull request from a fork)."""


class _Unsure(GitHubError):
    """A create request failed in a way that may or may not have created the comment."""


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: attempts per request, exponential backoff from ``backoff`` seconds
    (doubling, at most ``max_delay``), and at most ``max_wait`` seconds of sleep in total."""

    attempts: int = 5
    backoff: float = 1.0
    max_delay: float = 30.0
    max_wait: float = 120.0


@dataclass(frozen=True)
class Target:
    api: str  # base URL, e.g. https://api.github.com or https://ghe.example/api/v3
    repo: str  # owner/name
    pr: int

    def __str__(self) -> str:
        return f"{self.repo}#{self.pr}"


@dataclass(frozen=True)
class Outcome:
    action: str  # "created" or "updated"
    comment_id: int
    removed: tuple[int, ...] = field(default=())  # duplicate perfkit comments deleted


def pause(seconds: float) -> None:
    """The default sleeper (tests replace ``perfkit.ci.github.pause`` to stay fast)."""
    time.sleep(seconds)


def with_marker(body: str, limit: int = COMMENT_LIMIT) -> str:
    """``body`` starting with the marker and within ``limit`` characters (cut at a line
    end, with a note, only when the renderer did not already keep it short enough)."""
    if not body.lstrip().startswith(MARKER):
        body = f"{MARKER}\n{body}"
    if len(body) <= limit:
        return body
    room = limit - len(TRUNCATED_NOTE)
    cut = body.rfind("\n", 0, room)
    return body[: cut if cut > len(MARKER) else room] + TRUNCATED_NOTE


def is_perfkit_comment(comment: dict[str, Any]) -> bool:
    return str(comment.get("body") or "").lstrip().startswith(MARKER)


def retry_after(headers: httpx.Headers, now: float) -> float | None:
    """Seconds asked for by ``Retry-After`` (delta-seconds or an HTTP date), else by an
    exhausted rate limit's ``x-ratelimit-reset``; None when neither says."""
    value = headers.get("retry-after")
    if value is not None:
        try:
            return max(0.0, float(value))
        except ValueError:
            try:
                return max(0.0, email.utils.parsedate_to_datetime(value).timestamp() - now)
            except (TypeError, ValueError):
                return 60.0
    reset = headers.get("x-ratelimit-reset")
    if headers.get("x-ratelimit-remaining") == "0" and reset and reset.isdigit():
        return max(1.0, float(reset) - now)
    return None


def _detail(resp: httpx.Response) -> str:
    """GitHub's own one-line explanation of a refusal (its JSON ``message``), if any."""
    try:
        message = resp.json().get("message", "")
    except (ValueError, AttributeError):
        return ""
    return " ".join(str(message).split())[:200]


def refusal(resp: httpx.Response, method: str, target: Target) -> GitHubError:
    """The one-line error for a final 4xx/5xx answer (not yet scrubbed)."""
    status, detail = resp.status_code, _detail(resp)
    said = f": {detail}" if detail else ""
    if status == 401:
        return GitHubError(
            f"GitHub rejected the token (401{said}): GITHUB_TOKEN is missing, expired or revoked"
        )
    if status == 403 and method != "GET":
        return ReadOnlyToken(
            f"the token may not write comments on {target} (403{said}): "
            f"grant {WRITE_PERMISSION} in the workflow's permissions"
        )
    if status == 403:
        return GitHubError(
            f"the token may not read {target} (403{said}): grant `pull-requests: read`"
        )
    if status == 404:
        return GitHubError(
            f"{target} not found at {target.api} (404): the repository or pull "
            "request does not exist, or the token cannot see it"
        )
    if status == 422:
        return GitHubError(f"GitHub refused the comment on {target} (422{said})")
    return GitHubError(f"GitHub answered {status}{said} to {method} on {target}")


class Client:
    """Talks to one API base URL with one token. Use as a context manager or ``close()``."""

    def __init__(
        self,
        api: str,
        token: str,
        *,
        timeout: float = 10.0,
        retry: RetryPolicy = RetryPolicy(),
        sleep: Callable[[float], None] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        token = (token or "").strip()
        if not token:
            raise GitHubError(
                "GITHUB_TOKEN is not set: pass it to the step "
                "(env: GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }})"
            )
        if not token.isascii() or not token.isprintable() or " " in token:
            raise GitHubError("GITHUB_TOKEN contains spaces or characters a header cannot carry")
        if not api.startswith(("https://", "http://")):
            raise GitHubError(
                f"GITHUB_API_URL {api[:80].replace(token, '***')!r} is not an http(s) URL"
            )
        self._token, self._retry, self._waited = token, retry, 0.0
        self._sleep = sleep if sleep is not None else (lambda s: pause(s))
        self._http = httpx.Client(
            base_url=api.rstrip("/") + "/",
            timeout=timeout,
            transport=transport,
            follow_redirects=True,
            headers={
                "Authorization": f"Bearer {token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": "2022-11-28",
                "User-Agent": "perfkit",
            },
        )

    def __repr__(self) -> str:
        return f"Client(api={str(self._http.base_url)!r})"

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    @property
    def waited(self) -> float:
        """Seconds slept so far for retries (bounded by ``RetryPolicy.max_wait``)."""
        return self._waited

    def scrub(self, error: GitHubError) -> GitHubError:
        """The same error with the token (should it ever appear) replaced by ***."""
        text = str(error)
        return error if self._token not in text else type(error)(text.replace(self._token, "***"))

    def wait(self, seconds: float, why: str) -> None:
        """Sleep ``seconds`` unless that would exceed the total retry budget."""
        if self._waited + seconds > self._retry.max_wait:
            raise GitHubError(
                f"{why}: waiting {seconds:.0f} s more would exceed the "
                f"{self._retry.max_wait:.0f} s perfkit waits in total; try again later"
            )
        self._sleep(seconds)
        self._waited += seconds

    def backoff(self, attempt: int) -> float:
        return min(self._retry.backoff * 2.0 ** (attempt - 1), self._retry.max_delay)

    def request(
        self,
        method: str,
        path: str,
        target: Target,
        body: dict[str, Any] | None = None,
        *,
        idempotent: bool = True,
    ) -> httpx.Response:
        """Send one request, retrying rate limits (always) and 5xx / network errors (only
        when ``idempotent``: a failed POST may have been applied), following redirects (the
        token is dropped when one leaves the API's origin). Returns a 2xx answer;
        raises GitHubError (one line, scrubbed) otherwise."""
        try:
            return self._request(method, path, target, body, idempotent)
        except GitHubError as exc:
            raise self.scrub(exc) from None

    def _request(
        self, method: str, path: str, target: Target, body: dict[str, Any] | None, idempotent: bool
    ) -> httpx.Response:
        what = f"{method} {path.split('?')[0]}"
        for attempt in range(1, self._retry.attempts + 1):
            resp, problem = self._send(method, path, body, what)
            delay = None if resp is None else self._rate_limit_delay(resp)
            if delay is not None:
                self.wait(delay, f"rate limited by GitHub ({resp.status_code}, {what})")
                continue
            if resp is not None and resp.status_code < 500:
                if resp.status_code >= 300:
                    raise refusal(resp, method, target)
                return resp
            if not idempotent:  # 5xx or no answer: the create may have been applied
                raise _Unsure(problem)
            if attempt == self._retry.attempts:
                raise GitHubError(f"{problem}; gave up after {attempt} attempts")
            self.wait(self.backoff(attempt), problem)
        raise GitHubError(
            f"GitHub API kept rate-limiting {what}; gave up after {self._retry.attempts} attempts"
        )

    def _send(
        self, method: str, path: str, body: dict[str, Any] | None, what: str
    ) -> tuple[httpx.Response | None, str]:
        """The answer (or None when there was none) and how to describe it as a failure."""
        try:
            resp = self._http.request(method, path, json=body)
        except httpx.HTTPError as exc:
            return (
                None,
                f"cannot reach the GitHub API at {self._http.base_url} ({type(exc).__name__})",
            )
        return resp, f"GitHub API answered {resp.status_code} to {what}"

    @staticmethod
    def _rate_limit_delay(resp: httpx.Response) -> float | None:
        """Seconds to wait when the answer is a (secondary) rate limit, else None."""
        if resp.status_code not in (403, 429):
            return None
        delay = retry_after(resp.headers, time.time())
        if delay is not None:
            return delay
        if resp.status_code == 429 or "rate limit" in _detail(resp).lower():
            return 60.0  # GitHub: without headers, wait at least a minute
        return None

    def comments(self, target: Target) -> list[dict[str, Any]]:
        """Every issue comment of the pull request, following ``Link: rel="next"`` pages (only
        to the API's own origin: the token is never sent elsewhere)."""
        out: list[dict[str, Any]] = []
        path: str | None = f"repos/{target.repo}/issues/{target.pr}/comments?per_page=100"
        for _ in range(MAX_PAGES):
            resp = self.request("GET", path, target)
            page = resp.json()
            if not isinstance(page, list):
                raise GitHubError(
                    f"unexpected answer from the GitHub API: comments of {target} are not a list"
                )
            out += page
            path = self._next_page(resp)
            if path is None:
                return out
        raise GitHubError(f"{target} has more than {MAX_PAGES} pages of comments")

    def _next_page(self, resp: httpx.Response) -> str | None:
        nxt = resp.links.get("next", {}).get("url")
        if not nxt:
            return None
        url, base = httpx.URL(nxt), self._http.base_url
        if (url.scheme, url.host, url.port) != (base.scheme, base.host, base.port):
            raise GitHubError(
                f"GitHub's next-page link leaves {base.host}: not following it with the token"
            )
        return str(url)

    def upsert_comment(self, target: Target, body: str) -> Outcome:
        """Edit perfkit's own comment (the oldest one starting with the marker) or create it,
        so that exactly one exists afterwards: newer duplicates by the same author (left by a
        race or a create that failed after it was applied) are deleted."""
        body = with_marker(body)
        base = f"repos/{target.repo}/issues"
        for attempt in range(1, self._retry.attempts + 1):
            mine = [c for c in self.comments(target) if is_perfkit_comment(c)]
            if mine:
                keep = mine[0]
                self.request("PATCH", f"{base}/comments/{int(keep['id'])}", target, {"body": body})
                extra = [int(c["id"]) for c in mine[1:] if c.get("user") == keep.get("user")]
                for cid in extra:
                    self.request("DELETE", f"{base}/comments/{cid}", target)
                return Outcome("updated", int(keep["id"]), tuple(extra))
            try:
                resp = self.request(
                    "POST", f"{base}/{target.pr}/comments", target, {"body": body}, idempotent=False
                )
            except _Unsure as exc:  # look again before posting a second time
                if attempt == self._retry.attempts:
                    raise GitHubError(f"{exc}; gave up after {attempt} attempts") from None
                self.wait(self.backoff(attempt), str(exc))
                continue
            return Outcome("created", int(resp.json()["id"]))
        raise GitHubError(f"could not create the comment on {target}")  # pragma: no cover
