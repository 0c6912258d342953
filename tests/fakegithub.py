"""An in-memory stand-in for the part of the GitHub REST API perfkit uses (issue comments
of one pull request), shared by the unit tests (through httpx.MockTransport) and the
integration tests (behind a real HTTP server on 127.0.0.1)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

TOKEN = "ghp_TESTTOKEN1234567890secret"
PREFIX = "/api/v3"  # GitHub Enterprise style base path
BOT = {"login": "github-actions[bot]", "type": "Bot"}


@dataclass(frozen=True)
class Reply:
    status: int
    payload: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Seen:
    method: str
    path: str  # path and query as sent
    body: str
    authorization: str | None


class FakeGitHub:
    """Comments of pull request ``pr`` in ``repo``, served under ``prefix``."""

    def __init__(
        self,
        prefix: str = PREFIX,
        repo: str = "o/r",
        pr: int = 7,
        page_size: int = 2,
        max_requests: int = 200,
    ) -> None:
        self.prefix, self.repo, self.pr, self.page_size = prefix, repo, pr, page_size
        self.max_requests = max_requests
        self.comments: list[dict[str, Any]] = [
            {"id": 1, "body": "a human's comment", "user": {"login": "octocat"}}
        ]
        self.next_id = 100
        self.requests: list[Seen] = []
        self.script: list[Reply] = []  # answers to give first, in order
        self.read_only = False  # writes answer 403 like a fork's token
        self.write_refusal: Reply | None = None  # or this answer to every write
        self.fail_after_create = 0  # this many POSTs create the comment, then answer 502

    def perfkit_comments(self) -> list[dict[str, Any]]:
        return [c for c in self.comments if "<!-- perfkit-report -->" in c["body"]]

    def handle(
        self, method: str, target: str, authorization: str | None, body: str, origin: str
    ) -> Reply:
        if len(self.requests) >= self.max_requests:
            return Reply(503, {"message": "test server request budget exhausted"})
        self.requests.append(Seen(method, target, body, authorization))
        if authorization != f"Bearer {TOKEN}":
            return Reply(401, {"message": "Bad credentials"})
        if self.script:
            return self.script.pop(0)
        url = urlsplit(target)
        root = f"{self.prefix}/repos/{self.repo}/issues/"
        if not url.path.startswith(root):
            return Reply(404, {"message": "Not Found"})
        rest = url.path[len(root) :]
        if rest == f"{self.pr}/comments":
            if method == "GET":
                return self.list_page(parse_qs(url.query), origin)
            if method == "POST":
                return self.write(lambda: self.create(json.loads(body)["body"]))
        if rest.startswith("comments/") and rest[len("comments/") :].isdigit():
            cid = int(rest[len("comments/") :])
            found = [c for c in self.comments if c["id"] == cid]
            if found and method == "PATCH":
                return self.write(lambda: self.edit(found[0], json.loads(body)["body"]))
            if found and method == "DELETE":
                return self.write(lambda: self.delete(found[0]))
        return Reply(404, {"message": "Not Found"})

    def list_page(self, query: dict[str, list[str]], origin: str) -> Reply:
        size = min(int(query.get("per_page", ["30"])[0]), self.page_size)
        page = int(query.get("page", ["1"])[0])
        items = self.comments[(page - 1) * size : page * size]
        headers = {}
        if page * size < len(self.comments):
            nxt = f"{origin}{self.prefix}/repos/{self.repo}/issues/{self.pr}/comments?per_page={size}&page={page + 1}"
            headers["Link"] = f'<{nxt}>; rel="next"'
        return Reply(200, items, headers)

    def write(self, action) -> Reply:
        if self.read_only:
            return Reply(403, {"message": "Resource not accessible by integration"})
        return self.write_refusal or action()

    def create(self, text: str) -> Reply:
        comment = {"id": self.next_id, "body": text, "user": dict(BOT)}
        self.next_id += 1
        self.comments.append(comment)
        if self.fail_after_create:
            self.fail_after_create -= 1
            return Reply(502, {"message": "Bad Gateway"})
        return Reply(201, comment)

    def edit(self, comment: dict[str, Any], text: str) -> Reply:
        comment["body"] = text
        return Reply(200, comment)

    def delete(self, comment: dict[str, Any]) -> Reply:
        self.comments.remove(comment)
        return Reply(204)


def mock_transport(fake: FakeGitHub) -> httpx.MockTransport:
    """``fake`` behind httpx's in-process transport (no sockets)."""

    def handler(request: httpx.Request) -> httpx.Response:
        origin = f"{request.url.scheme}://{request.url.netloc.decode()}"
        reply = fake.handle(
            request.method,
            request.url.raw_path.decode(),
            request.headers.get("authorization"),
            request.content.decode(),
            origin,
        )
        content = b"" if reply.payload is None else json.dumps(reply.payload).encode()
        return httpx.Response(reply.status, content=content, headers=dict(reply.headers))

    return httpx.MockTransport(handler)
