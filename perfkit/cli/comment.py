"""perfkit comment: keep one perfkit comment on the pull request up to date.

Exit 0 when the comment was created or edited, or when a pull request from a fork left the
token read-only (the comment then goes to the job summary); 2 on any other problem, with
one line on stderr that never contains the token.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from perfkit import ghactions, github
from perfkit.errors import ResultsFormatError
from perfkit.report import render_comment, report_from_json
from perfkit.report.markdown import check_artifact_url


def read_body(path: Path, artifact_url: str | None) -> str:
    """The comment: COMMENT_MD as given (or DIR/comment.md); with an artifact URL it is
    re-rendered from the report.json next to it so its links point into the artifact, or,
    without a report.json, ends with a link to the artifact."""
    md = path / "comment.md" if path.is_dir() else path
    url = check_artifact_url(artifact_url)
    report = md.parent / "report.json"
    if url and report.is_file():
        return render_comment(report_from_json(report), artifact_url=url)
    try:
        body = md.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ResultsFormatError(f"{md}: cannot read the comment ({type(exc).__name__})") from None
    return f"{body.rstrip()}\n\n[Full report (artifact)]({url})\n" if url else body


def fork_fallback(body: str, summary: Path | None) -> int:
    where = "the job summary" if summary else "the log below ($GITHUB_STEP_SUMMARY is not set)"
    click.echo("perfkit: pull request from a fork: the token is read-only, so the comment "
               f"went to {where} instead", err=True)  # fmt: skip
    if summary is None:
        click.echo(body, nl=False)
    return 0


@click.command("comment")
@click.argument("comment_md", type=click.Path(path_type=Path))
@click.option("--pr", type=click.IntRange(min=1), help="Pull request number (default: from the Actions event).")
@click.option("--repo", help="OWNER/NAME (default: $GITHUB_REPOSITORY).")
@click.option("--artifact-url", help="Where the uploaded report lives; the comment links to it.")
@click.option("--dry-run", is_flag=True, help="Print the comment; post nothing, write no summary.")
def command(comment_md: Path, pr: int | None, repo: str | None, artifact_url: str | None,
            dry_run: bool) -> int:  # fmt: skip
    """Post COMMENT_MD (or DIR/comment.md) to the pull request, editing perfkit's earlier
    comment in place, and append it to $GITHUB_STEP_SUMMARY when set. Uses GITHUB_TOKEN,
    GITHUB_REPOSITORY, GITHUB_API_URL and GITHUB_EVENT_PATH."""  # fmt: skip
    body = github.with_marker(read_body(comment_md, artifact_url))
    if dry_run:
        click.echo(body, nl=False)
        return 0
    summary = ghactions.append_step_summary(body)
    target = ghactions.resolve_target(repo, pr)
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
