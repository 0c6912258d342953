"""`perfkit comment` against a local HTTP server standing in for the GitHub API."""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from perfkit.cli import main
from perfkit.model import (
    BenchmarkKind,
    Comparison,
    Direction,
    Evidence,
    GateDecision,
    Report,
    Severity,
    Verdict,
)  # fmt: skip
from perfkit.report import write_report

TOKEN = "ghp_TESTTOKEN1234567890secret"
PREFIX = "/api/v3"  # GitHub Enterprise style base path
MAX_REQUESTS = 200


class FakeGitHub:
    def __init__(self) -> None:
        self.comments = [{"id": 1, "body": "a human's comment", "user": {"login": "octocat"}}]
        self.next_id = 100
        self.requests: list[tuple[str, str, str]] = []
        self.script: list[tuple[int, dict[str, str]]] = []  # responses to give first
        self.read_only = False
        self.page_size = 2

    def handle(self, h: BaseHTTPRequestHandler, method: str) -> None:
        if len(self.requests) > MAX_REQUESTS:
            return self.send(h, 503, {"message": "test server request budget exhausted"})
        body = h.rfile.read(int(h.headers.get("Content-Length") or 0)).decode()
        self.requests.append((method, h.path, body))
        if h.headers.get("Authorization") != f"Bearer {TOKEN}":
            return self.send(h, 401, {"message": "Bad credentials"})
        if self.script:
            status, headers = self.script.pop(0)
            return self.send(h, status, {"message": "scripted"}, headers)
        path = h.path.split("?")[0]
        if not path.startswith(PREFIX + "/repos/o/r/"):
            return self.send(h, 404, {"message": "Not Found"})
        rest = path[len(PREFIX + "/repos/o/r/"):]
        if method == "GET" and rest == "issues/7/comments":
            page = int(h.path.split("page=")[-1]) if "&page=" in h.path else 1
            items = self.comments[(page - 1) * self.page_size: page * self.page_size]
            link = {}
            if page * self.page_size < len(self.comments):
                base = f"http://{h.headers['Host']}{PREFIX}/repos/o/r/issues/7/comments?per_page=100"
                link = {"Link": f'<{base}&page={page + 1}>; rel="next"'}
            return self.send(h, 200, items, link)
        if self.read_only and method in ("POST", "PATCH"):
            return self.send(h, 403, {"message": "Resource not accessible by integration"})
        if method == "POST" and rest == "issues/7/comments":
            comment = {"id": self.next_id, "body": json.loads(body)["body"], "user": {"login": "bot"}}
            self.next_id += 1
            self.comments.append(comment)
            return self.send(h, 201, comment)
        if method == "PATCH" and rest.startswith("issues/comments/"):
            cid = int(rest.rsplit("/", 1)[1])
            for c in self.comments:
                if c["id"] == cid:
                    c["body"] = json.loads(body)["body"]
                    return self.send(h, 200, c)
        return self.send(h, 404, {"message": "Not Found"})

    @staticmethod
    def send(h, status, payload, headers=None) -> None:
        data = json.dumps(payload).encode()
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(data)

    def perfkit_comments(self) -> list[dict]:
        return [c for c in self.comments if "<!-- perfkit-report -->" in c["body"]]


@pytest.fixture
def github(monkeypatch, tmp_path):
    fake = FakeGitHub()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            fake.handle(self, "GET")

        def do_POST(self):  # noqa: N802
            fake.handle(self, "POST")

        def do_PATCH(self):  # noqa: N802
            fake.handle(self, "PATCH")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    monkeypatch.setenv("GITHUB_API_URL", f"http://127.0.0.1:{server.server_address[1]}{PREFIX}")
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("GITHUB_REPOSITORY", "o/r")
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 7, "head": {"repo": {"full_name": "o/r"}},
                                                  "base": {"repo": {"full_name": "o/r"}}}}))  # fmt: skip
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    yield fake
    server.shutdown()
    server.server_close()


def hostile_report(tmp_path: Path) -> Path:
    name = "sync.X.time_<script>alert(1)</script>(n='**b** | @octocat #12 `rm -rf /`')"
    ev = Evidence(1.3, 1.25, 1.35, 1e-6, 1e-5, 0.05, 0.95, 12, 12, 4, 4, 1.0, 1.3, 0.04, True, "t")
    c = Comparison(name=name, benchmark="sync.X", kind=BenchmarkKind.TIME, unit="seconds",
                   direction=Direction.LOWER_IS_BETTER, verdict=Verdict.REGRESSION,
                   severity=Severity.CRITICAL, evidence=ev, message="worse by 30 %")  # fmt: skip
    report = Report("2026-11-24T00:00:00Z", "base @evil", "head", (c,), GateDecision(False, 10.0, 75.0, ("1 regression",)))
    out = tmp_path / "report"
    write_report(report, out)
    return out / "comment.md"


def test_first_run_creates_then_edits_the_same_comment(github, tmp_path, capsys):
    md = hostile_report(tmp_path)
    assert main(["comment", str(md)]) == 0
    assert len(github.perfkit_comments()) == 1
    first_id = github.perfkit_comments()[0]["id"]
    github.comments += [{"id": 50 + i, "body": f"chatter {i}", "user": {"login": "x"}} for i in range(4)]
    assert main(["comment", str(md)]) == 0  # the perfkit comment is now on page 1, others follow
    mine = github.perfkit_comments()
    assert len(mine) == 1 and mine[0]["id"] == first_id
    assert github.comments[0]["body"] == "a human's comment"
    assert any(m == "PATCH" for m, _p, _b in github.requests)
    assert "updated comment" in capsys.readouterr().out


def test_posted_body_renders_hostile_names_inert(github, tmp_path):
    assert main(["comment", str(hostile_report(tmp_path))]) == 0
    body = github.perfkit_comments()[0]["body"]
    assert "<script>" not in body and "@octocat" not in body and "#12" not in body
    assert "&lt;script&gt;" in body
    assert not re.search(r"(?<!\\)\| @", body)  # the pipe inside the name is escaped


def test_pagination_finds_our_comment_on_a_later_page(github, tmp_path):
    md = hostile_report(tmp_path)
    github.comments += [{"id": 10 + i, "body": f"c{i}", "user": {}} for i in range(5)]
    assert main(["comment", str(md)]) == 0
    github.comments = [{"id": 20 + i, "body": f"c{i}", "user": {}} for i in range(5)] + github.comments
    assert main(["comment", str(md)]) == 0
    assert len(github.perfkit_comments()) == 1
    assert sum("page=" in p for _m, p, _b in github.requests) >= 2


def test_server_errors_are_retried(github, tmp_path, monkeypatch):
    monkeypatch.setattr(time, "sleep", lambda s: None)
    github.script = [(502, {}), (502, {})]
    assert main(["comment", str(hostile_report(tmp_path))]) == 0
    assert len(github.perfkit_comments()) == 1


def test_rate_limit_retry_after_is_honoured(github, tmp_path):
    github.script = [(429, {"Retry-After": "1"})]
    start = time.monotonic()
    assert main(["comment", str(hostile_report(tmp_path))]) == 0
    assert time.monotonic() - start >= 1.0
    assert len(github.perfkit_comments()) == 1


@pytest.mark.parametrize(("status", "words"), [(403, "pull-requests: write"), (401, "token"), (404, "not found")])
def test_refusals_are_one_line_without_the_token(github, tmp_path, capsys, status, words):
    if status == 403:
        github.read_only = True
    elif status == 401:
        import os
        os.environ["GITHUB_TOKEN"] = TOKEN + "x"
    else:
        import os
        os.environ["GITHUB_REPOSITORY"] = "o/missing"
    summary = tmp_path / "summary.md"
    code = main(["comment", str(hostile_report(tmp_path))])
    out = capsys.readouterr()
    assert code == 2
    errors = [ln for ln in out.err.splitlines() if ln.startswith("perfkit: error:")]
    assert len(errors) == 1 and words in errors[0]
    assert TOKEN not in out.out + out.err
    for f in tmp_path.rglob("*"):
        if f.is_file():
            assert TOKEN not in f.read_text(errors="ignore"), f
    assert not summary.exists()


def test_fork_pull_request_falls_back_to_the_job_summary(github, tmp_path, monkeypatch, capsys):
    github.read_only = True
    event = tmp_path / "fork.json"
    event.write_text(json.dumps({"pull_request": {"number": 7, "head": {"repo": {"full_name": "fork/r"}},
                                                  "base": {"repo": {"full_name": "o/r"}}}}))  # fmt: skip
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert main(["comment", str(hostile_report(tmp_path))]) == 0
    text = summary.read_text()
    assert text.startswith("earlier step\n") and "perfkit" in text
    assert "fork" in capsys.readouterr().err
    assert not github.perfkit_comments()
