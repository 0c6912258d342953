"""`perfkit comment`, run in-process, against a real HTTP server on 127.0.0.1 standing in
for a GitHub Enterprise API (path prefix /api/v3). The server is bounded in requests
(FakeGitHub.max_requests) and in time (a watchdog shuts it down; socket timeouts)."""

from __future__ import annotations

import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from perfkit.ci import github as github_module
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
)
from perfkit.report import write_report

from ..fakegithub import PREFIX, TOKEN, FakeGitHub, Reply

MARKER = "<!-- perfkit-report -->"
SERVER_LIFETIME = 60.0  # seconds; the watchdog stops the server after this
HOSTILE_NAME = "sync.X.time_<script>alert(1)</script>(n='**b** | @octocat #12 `rm -rf /`')"


def serve(fake: FakeGitHub) -> ThreadingHTTPServer:
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        timeout = 5  # a stuck client cannot hold a server thread for long

        def answer(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            host, port = self.server.server_address[:2]
            with lock:
                reply = fake.handle(
                    self.command,
                    self.path,
                    self.headers.get("Authorization"),
                    body,
                    f"http://{host}:{port}",
                )
            data = b"" if reply.payload is None else json.dumps(reply.payload).encode()
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in reply.headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = do_DELETE = answer  # noqa: N815

        def log_message(self, *args: object) -> None:
            pass

    return ThreadingHTTPServer(("127.0.0.1", 0), Handler)


@pytest.fixture
def gh(monkeypatch, tmp_path):
    fake = FakeGitHub(page_size=2, max_requests=100)
    server = serve(fake)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    watchdog = threading.Timer(SERVER_LIFETIME, server.shutdown)
    watchdog.start()
    host, port = server.server_address[:2]
    monkeypatch.setenv("GITHUB_API_URL", f"http://{host}:{port}{PREFIX}")
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("GITHUB_REPOSITORY", "o/r")
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event_file(tmp_path / "event.json", head="o/r")))
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    yield fake
    watchdog.cancel()
    server.shutdown()
    server.server_close()
    thread.join(5)
    assert all(s.path.startswith(f"{PREFIX}/") for s in fake.requests)  # GHE prefix kept


@pytest.fixture
def sleeps(monkeypatch) -> list[float]:
    """Retry sleeps requested by the client, recorded instead of slept."""
    requested: list[float] = []
    monkeypatch.setattr(github_module, "pause", requested.append)
    return requested


def event_file(path: Path, head: str) -> Path:
    path.write_text(
        json.dumps(
            {
                "pull_request": {
                    "number": 7,
                    "head": {"repo": {"full_name": head}},
                    "base": {"repo": {"full_name": "o/r"}},
                }
            }
        )
    )
    return path


def hostile_report(tmp_path: Path) -> Path:
    ev = Evidence(1.3, 1.25, 1.35, 1e-6, 1e-5, 0.05, 0.95, 12, 12, 4, 4, 1.0, 1.3, 0.04, True, "t")
    c = Comparison(
        name=HOSTILE_NAME,
        benchmark="sync.X",
        kind=BenchmarkKind.TIME,
        unit="seconds",
        direction=Direction.LOWER_IS_BETTER,
        verdict=Verdict.REGRESSION,
        severity=Severity.CRITICAL,
        evidence=ev,
        message="worse by 30 %",
    )
    report = Report(
        "2026-11-24T00:00:00Z",
        "base @evil",
        "head",
        (c,),
        GateDecision(False, 10.0, 75.0, ("1 regression",)),
    )
    out = tmp_path / "report"
    write_report(report, out)
    return out / "comment.md"


def raw_comment(tmp_path: Path, with_marker: bool = True) -> tuple[Path, str]:
    text = (f"{MARKER}\n" if with_marker else "") + (
        f"## perfkit\n\n| {HOSTILE_NAME} | <img src=x onerror=alert(1)> |\n\n"
        "cc @octocat @org/team — ünïcödé ✓\n<details><summary>all</summary>\n\n*x*\n</details>\n"
    )
    path = tmp_path / "comment.md"
    path.write_bytes(text.encode("utf-8"))
    return path, text


def assert_token_absent(tmp_path: Path, *texts: str) -> None:
    for text in texts:
        assert TOKEN not in text
    for f in tmp_path.rglob("*"):
        if f.is_file():
            assert TOKEN.encode() not in f.read_bytes(), f


def test_first_run_creates_then_edits_the_same_comment(gh, tmp_path, capsys):
    md = hostile_report(tmp_path)
    assert main(["comment", str(md)]) == 0
    assert "created comment 100 on o/r#7" in capsys.readouterr().out
    first_id = gh.perfkit_comments()[0]["id"]
    gh.comments += [
        {"id": 50 + i, "body": f"chatter {i}", "user": {"login": "x"}} for i in range(4)
    ]
    before = [dict(c) for c in gh.comments if c["id"] != first_id]
    assert main(["comment", str(md)]) == 0
    mine = gh.perfkit_comments()
    assert len(mine) == 1 and mine[0]["id"] == first_id
    assert [c for c in gh.comments if c["id"] != first_id] == before  # others untouched
    assert [s.method for s in gh.requests].count("PATCH") == 1
    assert "updated comment 100 on o/r#7" in capsys.readouterr().out


def test_the_renderers_output_reaches_github_inert(gh, tmp_path):
    md = hostile_report(tmp_path)
    assert main(["comment", str(md)]) == 0
    body = gh.perfkit_comments()[0]["body"]
    assert body == md.read_text(encoding="utf-8")
    assert body.startswith(MARKER)
    assert "<script>" not in body and "@octocat" not in body and "#12" not in body
    assert "&lt;script&gt;" in body


@pytest.mark.parametrize("with_marker", [True, False])
def test_a_comment_file_is_posted_byte_for_byte(gh, tmp_path, with_marker):
    path, text = raw_comment(tmp_path, with_marker)
    assert main(["comment", str(path)]) == 0
    posted = json.loads(next(s.body for s in gh.requests if s.method == "POST"))["body"]
    assert posted == (text if with_marker else f"{MARKER}\n{text}")


def test_pagination_finds_our_comment_on_a_later_page(gh, tmp_path):
    md = hostile_report(tmp_path)
    gh.comments += [{"id": 10 + i, "body": f"c{i}", "user": {}} for i in range(5)]
    assert main(["comment", str(md)]) == 0
    gh.comments = [{"id": 20 + i, "body": f"c{i}", "user": {}} for i in range(5)] + gh.comments
    gh.requests.clear()
    assert main(["comment", str(md)]) == 0
    assert len(gh.perfkit_comments()) == 1
    pages = [s.path for s in gh.requests if s.method == "GET"]
    assert len(pages) == 6 and pages[-1].endswith("&page=6")  # 12 comments, 2 a page


def test_a_502_is_retried(gh, tmp_path, sleeps):
    gh.script = [Reply(502)]
    assert main(["comment", str(hostile_report(tmp_path))]) == 0
    assert sleeps == [1.0]
    assert len(gh.perfkit_comments()) == 1


def test_a_create_that_answered_502_is_not_posted_twice(gh, tmp_path, sleeps):
    gh.fail_after_create = 1
    assert main(["comment", str(hostile_report(tmp_path))]) == 0
    assert len(gh.perfkit_comments()) == 1 and sleeps == [1.0]


def test_retry_after_is_honoured_in_real_time(gh, tmp_path):
    gh.script = [Reply(429, {}, {"Retry-After": "1"})]
    start = time.monotonic()
    assert main(["comment", str(hostile_report(tmp_path))]) == 0
    assert time.monotonic() - start >= 1.0
    assert len(gh.perfkit_comments()) == 1


def test_a_secondary_rate_limit_asks_for_its_delay(gh, tmp_path, sleeps):
    gh.script = [
        Reply(403, {"message": "You have exceeded a secondary rate limit"}, {"Retry-After": "42"})
    ]
    assert main(["comment", str(hostile_report(tmp_path))]) == 0
    assert sleeps == [42.0]


def test_403_names_the_permission_exits_2_and_never_shows_the_token(
    gh, tmp_path, capsys, caplog, monkeypatch
):
    caplog.set_level(logging.DEBUG)
    gh.read_only = True
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    code = main(["comment", str(hostile_report(tmp_path))])
    out = capsys.readouterr()
    assert code == 2
    assert out.err.count("\n") == 1 and out.err.startswith("perfkit: error: ")
    assert "`pull-requests: write`" in out.err and "`issues: write`" in out.err and "403" in out.err
    assert summary.read_text().startswith(MARKER)  # the job summary still has the report
    assert_token_absent(tmp_path, out.out, out.err, caplog.text)
    assert caplog.text  # httpx did log the requests (without the token)


@pytest.mark.parametrize(
    ("setup", "words"),
    [
        ("bad token", "GitHub rejected the token (401"),
        ("no repo", "o/missing#7 not found at http"),
        ("invalid", "GitHub refused the comment on o/r#7 (422: Validation Failed)"),
        ("no token", "GITHUB_TOKEN is not set"),
    ],
)
def test_refusals_are_one_line_and_exit_2(gh, tmp_path, capsys, monkeypatch, setup, words):
    if setup == "bad token":
        monkeypatch.setenv("GITHUB_TOKEN", "ghp_wrong_" + TOKEN[::-1])
    elif setup == "no repo":
        monkeypatch.setenv("GITHUB_REPOSITORY", "o/missing")
    elif setup == "invalid":
        gh.write_refusal = Reply(422, {"message": "Validation Failed"})
    else:
        monkeypatch.delenv("GITHUB_TOKEN")
    code = main(["comment", str(hostile_report(tmp_path))])
    out = capsys.readouterr()
    assert code == 2 and out.out == ""
    assert out.err.count("\n") == 1 and words in out.err, out.err
    assert TOKEN[::-1] not in out.err
    assert_token_absent(tmp_path, out.err)
    if setup == "no token":
        assert gh.requests == []


def test_a_fork_pull_request_falls_back_to_the_job_summary(gh, tmp_path, monkeypatch, capsys):
    gh.read_only = True
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event_file(tmp_path / "fork.json", head="fork/r")))
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    md = hostile_report(tmp_path)
    assert main(["comment", str(md)]) == 0
    out = capsys.readouterr()
    assert summary.read_text() == "earlier step\n" + md.read_text().rstrip("\n") + "\n\n"
    assert (
        out.err.count("\n") == 1
        and "fork" in out.err
        and "read-only" in out.err
        and "job summary" in out.err
    )
    assert not gh.perfkit_comments()
    assert_token_absent(tmp_path, out.out, out.err)


def test_a_fork_without_a_job_summary_prints_the_comment(gh, tmp_path, monkeypatch, capsys):
    gh.read_only = True
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event_file(tmp_path / "fork.json", head="fork/r")))
    path, text = raw_comment(tmp_path)
    assert main(["comment", str(path)]) == 0
    out = capsys.readouterr()
    assert out.out == text and "$GITHUB_STEP_SUMMARY is not set" in out.err


def test_the_summary_is_appended_on_success(gh, tmp_path, monkeypatch):
    summary = tmp_path / "summary.md"
    summary.write_text("# build\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    path, text = raw_comment(tmp_path)
    assert main(["comment", str(path)]) == 0
    assert main(["comment", str(path)]) == 0
    assert summary.read_text() == "# build\n" + (text.rstrip("\n") + "\n\n") * 2


def test_dry_run_prints_and_touches_nothing(gh, tmp_path, monkeypatch, capsys):
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    path, text = raw_comment(tmp_path, with_marker=False)
    assert main(["comment", str(path), "--dry-run"]) == 0
    assert capsys.readouterr().out == f"{MARKER}\n{text}"
    assert gh.requests == [] and not summary.exists()


def test_flags_override_the_environment(gh, tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_REPOSITORY", "someone/else")
    monkeypatch.delenv("GITHUB_EVENT_PATH")
    gh.pr = 12
    assert main(["comment", str(hostile_report(tmp_path)), "--repo", "o/r", "--pr", "12"]) == 0
    assert gh.requests[-1].path == f"{PREFIX}/repos/o/r/issues/12/comments"


ARTIFACT = "https://github.com/o/r/actions/runs/1/artifacts/2"
LINK = f"\n\n[Download the full report (artifact)]({ARTIFACT})\n"


def test_an_artifact_url_ends_the_comment_with_a_link(gh, tmp_path):
    md = hostile_report(tmp_path)
    assert main(["comment", str(md.parent), "--artifact-url", ARTIFACT]) == 0
    assert gh.perfkit_comments()[0]["body"] == md.read_text().rstrip("\n") + LINK
    path, text = raw_comment(tmp_path)
    assert main(["comment", str(path), "--artifact-url", ARTIFACT]) == 0
    assert gh.perfkit_comments()[0]["body"] == text.rstrip("\n") + LINK


def test_a_report_url_rerenders_the_links_from_report_json(gh, tmp_path):
    md = hostile_report(tmp_path)
    assert main(["comment", str(md), "--report-url", "https://perf.example/pr/7"]) == 0
    body = gh.perfkit_comments()[0]["body"]
    assert "(https://perf.example/pr/7/index.html)" in body and "<script>" not in body
    assert (
        main(["comment", str(raw_comment(tmp_path)[0]), "--report-url", "https://perf.example/"])
        == 2
    )


def test_the_artifact_link_never_pushes_the_comment_over_the_limit(gh, tmp_path):
    md = hostile_report(tmp_path)
    rendered = md.read_text()
    md.write_text(MARKER + "\n" + "x" * 100 + ("\n" + "y" * 99) * 654)  # 65,524 characters
    assert main(["comment", str(md), "--artifact-url", ARTIFACT]) == 0
    assert gh.perfkit_comments()[0]["body"] == rendered.rstrip("\n") + LINK  # re-rendered to fit
    (md.parent / "report.json").unlink()
    assert main(["comment", str(md), "--artifact-url", ARTIFACT]) == 0
    body = gh.perfkit_comments()[0]["body"]
    assert len(body) <= 65536 and body.endswith("the full report is in the artifact)" + LINK)


def test_a_bad_artifact_url_is_refused_before_any_request(gh, tmp_path, capsys):
    path, _text = raw_comment(tmp_path)
    assert main(["comment", str(path), "--artifact-url", "javascript:alert(1)"]) == 2
    assert "artifact URL" in capsys.readouterr().err and gh.requests == []


def test_a_missing_comment_file_is_exit_2(gh, tmp_path, capsys):
    assert main(["comment", str(tmp_path / "nope.md")]) == 2
    assert "nope.md: cannot read the comment" in capsys.readouterr().err
