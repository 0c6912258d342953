"""perfkit.ci.ghactions: event payloads, the target from flags or environment, the job summary."""

from __future__ import annotations

import json

import pytest

from perfkit.ci.ghactions import Event, append_step_summary, parse_event, read_event, resolve_target
from perfkit.ci.github import DEFAULT_API, Target
from perfkit.errors import ConfigError, GitHubError


def pr_event(number: object = 7, head: object = "o/r", base: object = "o/r") -> dict:
    side = lambda name: {"repo": None if name is None else {"full_name": name}}  # noqa: E731
    return {"pull_request": {"number": number, "head": side(head), "base": side(base)}}


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (pr_event(), Event(7, False)),
        (pr_event(head="O/R"), Event(7, False)),  # GitHub names are case-insensitive
        (pr_event(head="fork/r"), Event(7, True)),
        (pr_event(head=None), Event(7, True)),  # the fork was deleted
        ({"issue": {"number": 12}}, Event(12, False)),
        (pr_event(number=True), Event(None, False)),
        (pr_event(number="7"), Event(None, False)),
        (pr_event(number=-1), Event(None, False)),
        ({"pull_request": None}, Event()),
        ([1, 2], Event()),
        ({}, Event()),
    ],
)
def test_parse_event(payload, expected):
    assert parse_event(payload) == expected


def test_read_event_tolerates_missing_and_broken_files(tmp_path):
    good = tmp_path / "event.json"
    good.write_text(json.dumps(pr_event(head="fork/r")))
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    assert read_event(str(good)) == Event(7, True)
    assert (
        read_event(str(broken))
        == read_event(str(tmp_path / "none.json"))
        == read_event(None)
        == Event()
    )


def test_resolve_target_prefers_flags_then_the_environment(tmp_path):
    event = tmp_path / "event.json"
    event.write_text(json.dumps(pr_event(number=9)))
    env = {
        "GITHUB_REPOSITORY": "o/r",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_API_URL": "https://ghe.example/api/v3",
    }
    assert resolve_target(None, None, env) == Target("https://ghe.example/api/v3", "o/r", 9)
    assert resolve_target("a/b", 3, env) == Target("https://ghe.example/api/v3", "a/b", 3)
    assert resolve_target("a/b", 3, {}) == Target(DEFAULT_API, "a/b", 3)


@pytest.mark.parametrize(
    ("repo", "pr", "words"),
    [
        (None, 1, "no repository"),
        ("just-a-name", 1, "is not OWNER/NAME"),
        ("o/r/x", 1, "is not OWNER/NAME"),
        ("../r", 1, "is not OWNER/NAME"),
        ("o/..", 1, "is not OWNER/NAME"),
        ("o/r?x=1", 1, "is not OWNER/NAME"),
        ("o/r", None, "pass --pr N"),
    ],
)
def test_resolve_target_errors_are_one_line(repo, pr, words):
    with pytest.raises(GitHubError, match=words):
        resolve_target(repo, pr, {})


def test_step_summary_is_appended_never_truncated(tmp_path):
    summary = tmp_path / "summary.md"
    summary.write_text("# earlier step\n")
    env = {"GITHUB_STEP_SUMMARY": str(summary)}
    assert append_step_summary("first\n\n", env) == summary
    assert append_step_summary("second", env) == summary
    assert summary.read_text() == "# earlier step\nfirst\n\nsecond\n\n"
    assert append_step_summary("x", {}) is None


def test_an_unwritable_step_summary_is_a_one_line_error(tmp_path):
    with pytest.raises(ConfigError, match=r"GITHUB_STEP_SUMMARY .*: cannot append"):
        append_step_summary("x", {"GITHUB_STEP_SUMMARY": str(tmp_path / "no" / "such" / "dir.md")})
