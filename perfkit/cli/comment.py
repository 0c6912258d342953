"""perfkit comment: keep one perfkit comment on the pull request up to date.

Exit 0 when the comment was created or edited, or when a pull request from a fork left the
token read-only (the comment then goes to the job summary); 2 on any other problem, with
one line on stderr that never contains the token.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from perfkit.ci import ghactions, github
from perfkit.cli.options import renamed_option
from perfkit.errors import ResultsFormatError
from perfkit.report import render_comment, report_from_json
from perfkit.report.markdown import check_artifact_url


def artifact_link(url: str | None) -> str:
    return f"\n\n[Download the full report (artifact)]({url})\n" if url else ""


def read_text(md: Path) -> str:
    try:
        return md.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ResultsFormatError(f"{md}: cannot read the comment ({type(exc).__name__})") from None


def read_body(path: Path, artifact_url: str | None = None, report_url: str | None = None) -> str:
    """The comment: COMMENT_MD (or DIR/comment.md) as given, ending with a link to the
    artifact when ``artifact_url`` is given. It is re-rendered from the report.json next
    to it when ``report_url`` (where the report's files are served) must go into its
    links, or when the artifact link would not fit otherwise; without a report.json an
    overlong comment is cut at a line end."""
    md = path / "comment.md" if path.is_dir() else path
    link = artifact_link(check_artifact_url(artifact_url))
    report_url, room = check_artifact_url(report_url), github.COMMENT_LIMIT - len(link)
    report = md.parent / "report.json"
    if report_url and not report.is_file():
        raise ResultsFormatError(
            f"{report}: --report-url re-renders the comment from it, but it does not exist"
        )
    if report_url:
        return (
            render_comment(report_from_json(report), artifact_url=report_url, limit=room).rstrip(
                "\n"
            )
            + link
        )
    body = github.with_marker(read_text(md))
    if not link:
        return body
    if len(body) > room and report.is_file():
        body = render_comment(report_from_json(report), limit=room)
    return github.with_marker(body, room).rstrip("\n") + link


def fork_fallback(body: str, summary: Path | None) -> int:
    where = "the job summary" if summary else "the log below ($GITHUB_STEP_SUMMARY is not set)"
    click.echo(
        "perfkit: pull request from a fork: the token is read-only, so the comment "
        f"went to {where} instead",
        err=True,
    )
    if summary is None:
        click.echo(body, nl=False)
    return 0


@click.command("comment")
@click.argument("comment_md", type=click.Path(path_type=Path))
@click.option(
    "--pr",
    type=click.IntRange(min=1),
    help="Pull request number (default: from the Actions event).",
)
@click.option(
    "--github-repo", "github_repo", help="OWNER/NAME on GitHub (default: $GITHUB_REPOSITORY)."
)
@click.option(
    "--artifact-url",
    help="The uploaded report artifact (an http(s) URL): the comment ends with a link to it.",
)
@click.option(
    "--report-url",
    help="Where the report's files are served (an http(s) base URL): its links point there.",
)
@click.option("--dry-run", is_flag=True, help="Print the comment; post nothing, write no summary.")
@renamed_option("--repo", "--github-repo", "github_repo")
def command(
    comment_md: Path,
    pr: int | None,
    github_repo: str | None,
    artifact_url: str | None,
    report_url: str | None,
    dry_run: bool,
) -> int:
    """Post COMMENT_MD (or DIR/comment.md) to the pull request, editing perfkit's earlier
    comment in place, and append it to $GITHUB_STEP_SUMMARY when set. Uses GITHUB_TOKEN,
    GITHUB_REPOSITORY, GITHUB_API_URL and GITHUB_EVENT_PATH."""
    body = read_body(comment_md, artifact_url, report_url)
    if dry_run:
        click.echo(body, nl=False)
        return 0
    summary = ghactions.append_step_summary(body)
    target = ghactions.resolve_target(github_repo, pr)
    event = ghactions.read_event(os.environ.get("GITHUB_EVENT_PATH"))
    with github.Client(target.api, ghactions.token()) as client:
        try:
            outcome = client.upsert_comment(target, body)
        except github.ReadOnlyToken:
            if not event.fork:
                raise  # a missing permission in the repository itself is an error (exit 2)
            return fork_fallback(body, summary)
    removed = f" (removed {len(outcome.removed)} duplicate(s))" if outcome.removed else ""
    click.echo(f"perfkit: {outcome.action} comment {outcome.comment_id} on {target}{removed}")
    return 0
