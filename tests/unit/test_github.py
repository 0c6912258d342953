"""perfkit.ci.github against an in-memory GitHub (httpx.MockTransport): sticky comment, paging,
retries and their sleeps (recorded, never slept), refusals, and the token kept out of
every message."""

from __future__ import annotations

import email.utils
import time

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perfkit.ci.github import (
    COMMENT_LIMIT,
    MARKER,
    Client,
    ReadOnlyToken,
    RetryPolicy,
    Target,
    with_marker,
)
from perfkit.errors import GitHubError

from ..fakegithub import TOKEN, FakeGitHub, Reply, mock_transport

API = "https://ghe.example/api/v3"
TARGET = Target(API, "o/r", 7)


def make_client(
    fake: FakeGitHub, sleeps: list[float] | None = None, api: str = API, token: str = TOKEN, **kw
) -> Client:
    def no_sleep(seconds: float) -> None:
        raise AssertionError(f"unexpected sleep({seconds})")

    sleep = sleeps.append if sleeps is not None else no_sleep
    return Client(api, token, transport=mock_transport(fake), sleep=sleep, **kw)


def assert_token_free(*texts: object) -> None:
    for text in texts:
        assert TOKEN not in str(text) and TOKEN not in repr(text)


def test_first_call_creates_and_the_next_edits_the_same_comment():
    fake = FakeGitHub()
    with make_client(fake) as client:
        first = client.upsert_comment(TARGET, "one")
        second = client.upsert_comment(TARGET, "two")
    assert (first.action, second.action) == ("created", "updated")
    assert first.comment_id == second.comment_id
    assert [c["body"] for c in fake.perfkit_comments()] == [f"{MARKER}\ntwo"]
    assert fake.comments[0] == {"id": 1, "body": "a human's comment", "user": {"login": "octocat"}}


@pytest.mark.parametrize("api", [API, API + "/"])
def test_requests_go_under_the_enterprise_path_prefix(api):
    fake = FakeGitHub()
    with make_client(fake, api=api) as client:
        client.upsert_comment(Target(api, "o/r", 7), "x")
    assert [(s.method, s.path) for s in fake.requests] == [
        ("GET", "/api/v3/repos/o/r/issues/7/comments?per_page=100"),
        ("POST", "/api/v3/repos/o/r/issues/7/comments"),
    ]
    assert all(s.authorization == f"Bearer {TOKEN}" for s in fake.requests)


def test_pagination_finds_our_comment_on_a_later_page():
    fake = FakeGitHub(page_size=2)
    with make_client(fake) as client:
        created = client.upsert_comment(TARGET, "x")
        fake.comments[1:1] = [
            {"id": 10 + i, "body": f"c{i}", "user": {"login": "u"}} for i in range(6)
        ]
        fake.requests.clear()
        again = client.upsert_comment(TARGET, "y")
    assert again.comment_id == created.comment_id and again.action == "updated"
    gets = [s.path for s in fake.requests if s.method == "GET"]
    assert len(gets) == 4 and gets[-1].endswith("page=4")
    assert len(fake.perfkit_comments()) == 1


others = st.lists(
    st.sampled_from(["hi", "lgtm", "<!-- other -->", f"quoting {MARKER} here"]), max_size=4
)


@settings(max_examples=40, deadline=None)
@given(
    page_size=st.integers(1, 4), runs=st.lists(st.tuples(others, others), min_size=1, max_size=4)
)
def test_exactly_one_perfkit_comment_after_any_number_of_runs(page_size, runs):
    fake = FakeGitHub(page_size=page_size)
    ids = set()
    with make_client(fake) as client:
        for n, (before, after) in enumerate(runs):
            fake.comments[:0] = [
                {"id": 1000 + 10 * n + i, "body": b, "user": {"login": "h"}}
                for i, b in enumerate(before)
            ]
            fake.comments += [
                {"id": 2000 + 10 * n + i, "body": b, "user": {"login": "h"}}
                for i, b in enumerate(after)
            ]
            humans = [c for c in fake.comments if not c["body"].startswith(MARKER)]
            ids.add(client.upsert_comment(TARGET, f"run {n}").comment_id)
            mine = [c for c in fake.comments if c["body"].startswith(MARKER)]
            assert [c["body"] for c in mine] == [f"{MARKER}\nrun {n}"]
            assert [c for c in fake.comments if not c["body"].startswith(MARKER)] == humans
    assert len(ids) == 1


def test_newer_duplicates_by_the_same_author_are_removed():
    fake = FakeGitHub()
    bot = {"login": "github-actions[bot]"}
    fake.comments += [
        {"id": 5, "body": f"{MARKER}\nold", "user": bot},
        {"id": 6, "body": f"{MARKER}\nrace", "user": bot},
        {"id": 8, "body": f"{MARKER}\nsomeone else's", "user": {"login": "h"}},
    ]
    with make_client(fake) as client:
        outcome = client.upsert_comment(TARGET, "new")
    assert (outcome.action, outcome.comment_id, outcome.removed) == ("updated", 5, (6,))
    assert [c["id"] for c in fake.comments] == [1, 5, 8]


def test_server_errors_are_retried_with_exponential_backoff():
    fake, sleeps = FakeGitHub(), []
    fake.script = [Reply(502, {"message": "Bad Gateway"}), Reply(503)]
    with make_client(fake, sleeps) as client:
        assert client.upsert_comment(TARGET, "x").action == "created"
    assert sleeps == [1.0, 2.0]


def test_server_errors_give_up_after_the_attempts():
    fake, sleeps = FakeGitHub(), []
    fake.script = [Reply(502)] * 5
    with (
        make_client(fake, sleeps) as client,
        pytest.raises(
            GitHubError,
            match=r"answered 502 to GET repos/o/r/issues/7/comments; gave up after 5 attempts",
        ),
    ):
        client.upsert_comment(TARGET, "x")
    assert sleeps == [1.0, 2.0, 4.0, 8.0]
    assert not fake.perfkit_comments()


def test_a_create_applied_before_a_502_is_not_posted_twice():
    fake, sleeps = FakeGitHub(), []
    fake.fail_after_create = 1
    with make_client(fake, sleeps) as client:
        outcome = client.upsert_comment(TARGET, "x")
    assert outcome.action == "updated" and sleeps == [1.0]
    assert len(fake.perfkit_comments()) == 1
    assert [s.method for s in fake.requests] == ["GET", "POST", "GET", "PATCH"]


@pytest.mark.parametrize(
    ("status", "headers", "message", "expected"),
    [
        (429, {"Retry-After": "7"}, "", 7.0),
        (403, {"Retry-After": "3"}, "You have exceeded a secondary rate limit", 3.0),
        (403, {}, "You have exceeded a secondary rate limit", 60.0),
        (429, {}, "", 60.0),
    ],
)
def test_rate_limits_wait_as_asked(status, headers, message, expected):
    fake, sleeps = FakeGitHub(), []
    fake.script = [Reply(status, {"message": message}, headers)]
    with make_client(fake, sleeps) as client:
        assert client.upsert_comment(TARGET, "x").action == "created"
    assert sleeps == [expected]


def test_retry_after_as_an_http_date_and_an_exhausted_primary_limit():
    fake, sleeps = FakeGitHub(), []
    fake.script = [
        Reply(429, {}, {"Retry-After": email.utils.formatdate(time.time() + 20, usegmt=True)}),
        Reply(
            403, {}, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(time.time()) + 30)}
        ),
    ]
    with make_client(fake, sleeps) as client:
        client.upsert_comment(TARGET, "x")
    assert 17 <= sleeps[0] <= 21 and 28 <= sleeps[1] <= 31


def test_a_wait_beyond_the_budget_fails_at_once_with_one_line():
    fake, sleeps = FakeGitHub(), []
    fake.script = [Reply(429, {}, {"Retry-After": "500"})]
    with (
        make_client(fake, sleeps, retry=RetryPolicy(max_wait=120)) as client,
        pytest.raises(
            GitHubError, match="waiting 500 s more would exceed the 120 s perfkit waits in total"
        ) as err,
    ):
        client.upsert_comment(TARGET, "x")
    assert sleeps == [] and "\n" not in str(err.value)


def test_the_total_wait_is_capped_across_requests():
    fake, sleeps = FakeGitHub(), []
    fake.script = [
        Reply(429, {}, {"Retry-After": "50"}),
        Reply(429, {}, {"Retry-After": "50"}),
        Reply(429, {}, {"Retry-After": "50"}),
    ]
    with (
        make_client(fake, sleeps) as client,
        pytest.raises(GitHubError, match="perfkit waits in total"),
    ):
        client.upsert_comment(TARGET, "x")
    assert sleeps == [50.0, 50.0] and client.waited == 100.0


@pytest.mark.parametrize(
    ("setup", "error", "words"),
    [
        (
            "bad token",
            GitHubError,
            ["401", "Bad credentials", "GITHUB_TOKEN", "expired or revoked"],
        ),
        ("read only", ReadOnlyToken, ["o/r#7", "403", "`pull-requests: write`", "`issues: write`"]),
        ("cannot read", GitHubError, ["may not read o/r#7", "`pull-requests: read`"]),
        (
            "no repo",
            GitHubError,
            ["o/missing#7 not found at https://ghe.example/api/v3 (404)", "cannot see it"],
        ),
        ("invalid", GitHubError, ["422", "Body is too long"]),
    ],
)
def test_refusals_are_one_line_and_name_the_fix(setup, error, words):
    fake, target, token = FakeGitHub(), TARGET, TOKEN
    if setup == "bad token":
        token = TOKEN + "x"
    elif setup == "read only":
        fake.read_only = True
    elif setup == "cannot read":
        fake.script = [Reply(403, {"message": "Resource not accessible by integration"})]
    elif setup == "no repo":
        target = Target(API, "o/missing", 7)
    else:
        fake.write_refusal = Reply(422, {"message": "Validation Failed: Body is too long"})
    with make_client(fake, token=token) as client, pytest.raises(error) as err:
        client.upsert_comment(target, "x")
    message = str(err.value)
    assert all(w in message for w in words), message
    assert "\n" not in message
    assert_token_free(err.value, client)
    assert token[4:] not in message  # not even the wrong token


def test_a_token_echoed_by_the_server_is_scrubbed():
    fake = FakeGitHub()
    fake.write_refusal = Reply(422, {"message": f"token {TOKEN} is weird"})
    with make_client(fake) as client, pytest.raises(GitHubError) as err:
        client.upsert_comment(TARGET, "x")
    assert "token *** is weird" in str(err.value)
    assert_token_free(err.value)


def failing_transport(fake: FakeGitHub, failures: int, hosts: list[str]) -> httpx.MockTransport:
    inner = mock_transport(fake)

    def handler(request: httpx.Request) -> httpx.Response:
        hosts.append(request.url.host)
        if len(hosts) <= failures:
            raise httpx.ConnectError(
                f"connection refused (Authorization: {request.headers['authorization']})"
            )
        return inner.handle_request(request)

    return httpx.MockTransport(handler)


def test_network_errors_are_retried_then_reported_without_the_token():
    fake, sleeps, hosts = FakeGitHub(), [], []
    with Client(
        API, TOKEN, transport=failing_transport(fake, 2, hosts), sleep=sleeps.append
    ) as client:
        assert client.upsert_comment(TARGET, "x").action == "created"
    assert sleeps == [1.0, 2.0]
    with (
        Client(
            API, TOKEN, transport=failing_transport(fake, 99, []), sleep=lambda s: None
        ) as client,
        pytest.raises(
            GitHubError,
            match=r"cannot reach the GitHub API at https://ghe.example/api/v3/ \(ConnectError\)",
        ) as err,
    ):
        client.upsert_comment(TARGET, "x")
    assert_token_free(err.value)
    assert err.value.__cause__ is None and err.value.__suppress_context__


def test_a_same_origin_redirect_is_followed_with_the_token():
    fake = FakeGitHub()
    moved = "https://ghe.example/api/v3/repos/o/r/issues/7/comments?per_page=100"
    fake.script = [Reply(301, {"message": "Moved Permanently"}, {"Location": moved})]
    with make_client(fake) as client:
        assert [c["id"] for c in client.comments(Target(API, "o/old-name", 7))] == [1]
    assert [s.path.split("?")[0] for s in fake.requests] == [
        "/api/v3/repos/o/old-name/issues/7/comments",
        "/api/v3/repos/o/r/issues/7/comments",
    ]
    assert fake.requests[1].authorization == f"Bearer {TOKEN}"


def test_a_redirect_to_another_host_loses_the_token():
    fake, hosts = FakeGitHub(), []
    fake.script = [
        Reply(302, {}, {"Location": "https://elsewhere.example/api/v3/repos/o/r/issues/7/comments"})
    ]
    with (
        Client(API, TOKEN, transport=failing_transport(fake, 0, hosts)) as client,
        pytest.raises(GitHubError, match="401"),
    ):
        client.upsert_comment(TARGET, "x")
    assert hosts == ["ghe.example", "elsewhere.example"]
    assert fake.requests[1].authorization is None


def test_a_next_page_link_to_another_host_is_not_followed():
    fake, hosts = FakeGitHub(), []
    fake.script = [Reply(200, [], {"Link": '<https://evil.example/steal?page=2>; rel="next"'})]
    with (
        Client(API, TOKEN, transport=failing_transport(fake, 0, hosts)) as client,
        pytest.raises(GitHubError, match="leaves ghe.example"),
    ):
        client.upsert_comment(TARGET, "x")
    assert hosts == ["ghe.example"]


@pytest.mark.parametrize(
    ("token", "words"),
    [
        ("", "GITHUB_TOKEN is not set"),
        ("ghp_with space", "spaces or characters"),
        ("ghp_caf\u00e9", "spaces or characters"),
        ("ghp_line\nbreak", "spaces or characters"),
    ],
)
def test_unusable_tokens_are_refused_without_echoing_them(token, words):
    with pytest.raises(GitHubError, match=words) as err:
        Client(API, token)
    if token:
        assert token not in str(err.value) and token[4:] not in str(err.value)


def test_surrounding_whitespace_in_the_token_is_ignored():
    fake = FakeGitHub()
    with make_client(fake, token=f"  {TOKEN}\n") as client:
        client.upsert_comment(TARGET, "x")
    assert fake.requests[0].authorization == f"Bearer {TOKEN}"


def test_the_api_url_must_be_http():
    with pytest.raises(GitHubError, match="not an http"):
        Client("ftp://ghe.example", TOKEN)


def test_the_client_does_not_show_its_token():
    client = Client(API, TOKEN)
    assert repr(client) == "Client(api='https://ghe.example/api/v3/')"
    assert_token_free(client)
    client.close()


def test_with_marker_inserts_the_marker_once():
    assert with_marker("hello") == f"{MARKER}\nhello"
    assert with_marker(with_marker("hello")) == f"{MARKER}\nhello"
    assert with_marker(f"\n{MARKER}\nx") == f"\n{MARKER}\nx"


def test_with_marker_keeps_an_overlong_body_within_the_limit():
    body = "\n".join(f"| row {i} | {'x' * 50} |" for i in range(2000))
    out = with_marker(body)
    assert len(out) <= COMMENT_LIMIT and out.startswith(MARKER)
    assert out.endswith("(cut to fit GitHub's comment limit: the full report is in the artifact)\n")
    kept = out[len(MARKER) + 1 :].split("\n\n…")[0]
    assert body.startswith(kept) and kept.endswith("|")  # cut at a line end
    exact = "y" * (COMMENT_LIMIT - len(MARKER) - 1)
    assert with_marker(exact) == f"{MARKER}\n{exact}"
