"""perfkit comment: keep one perfkit comment on the pull request up to date."""

from __future__ import annotations

import os
from pathlib import Path

import click

from perfkit import github
from perfkit.errors import ResultsFormatError
from perfkit.report import render_comment, report_from_json


def read_body(path: Path, artifact_url: str | None) -> str:
    """The comment: re-rendered from report.json when an artifact URL is given."""
    folder = path if path.is_dir() else path.parent
    report = folder / "report.json"
    if artifact_url and report.exists():
        return render_comment(report_from_json(report), artifact_url=artifact_url)
    md = path / "comment.md" if path.is_dir() else path
    try:
        return md.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ResultsFormatError(f"{md}: cannot read the comment ({type(exc).__name__})") from None


@click.command("comment")
@click.argument("comment_md", type=click.Path(path_type=Path))
@click.option("--pr", type=int, help="Pull request number (default: from the Actions event).")
@click.option("--repo", help="OWNER/NAME (default: $GITHUB_REPOSITORY).")
@click.option("--artifact-url", help="Where the uploaded report lives; the comment links to it.")
@click.option("--dry-run", is_flag=True, help="Print the comment instead of posting it.")
def command(comment_md: Path, pr, repo, artifact_url, dry_run) -> int:
    """Post COMMENT_MD (or DIR/comment.md) to the pull request, editing perfkit's earlier
    comment in place. Also appends it to $GITHUB_STEP_SUMMARY when set. Uses
    GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_API_URL and GITHUB_EVENT_PATH."""  # fmt: skip
    body = read_body(comment_md, artifact_url)
    summarised = github.append_step_summary(body)
    if dry_run:
        click.echo(body)
        return 0
    target = github.resolve_target(repo, pr)
    event = os.environ.get("GITHUB_EVENT_PATH")
    client = github.Client(target.api, os.environ.get("GITHUB_TOKEN", ""))
    try:
        action, cid = client.upsert_comment(target, body)
    except github.ReadOnlyToken:
        if not github.is_fork(event):
            raise  # a missing permission in our own repository is an error (exit 2)
        where = "the job summary" if summarised else "nowhere ($GITHUB_STEP_SUMMARY is not set)"
        click.echo(f"perfkit: read-only token on a pull request from a fork: the summary went to {where}",
                   err=True)  # fmt: skip
        return 0
    finally:
        client.close()
    click.echo(f"perfkit: {action} comment {cid} on {target.repo}#{target.pr}")
    return 0
