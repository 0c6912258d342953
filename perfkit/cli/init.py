"""perfkit init: adopt perfkit in an existing asv project."""

from __future__ import annotations

from pathlib import Path

import click

from perfkit.cli.options import asv_config_option


@click.command("init")
@asv_config_option
@click.option(
    "--install",
    default="python -m pip install perfkit",
    show_default=True,
    help="The workflows' command that installs perfkit (e.g. from a git URL or a wheel).",
)
@click.option("--force", is_flag=True, help="Overwrite files that exist.")
def command(asv_config: Path | None, install: str, force: bool) -> int:
    """Write perfkit.toml and the pull-request and main-branch workflows, adapted to this
    asv project (its config's place, its Python, its results), then say what to run next.
    Refuses to overwrite without --force."""
    from perfkit.ci.adopt import plan, write
    from perfkit.cli.common import asv_project

    project = asv_project(asv_config)
    made = plan(project, install)
    for path in write(made, force=force):
        click.echo(f"wrote {path.relative_to(project.root)}")
    click.echo("next:")
    for step in made.next_steps:
        click.echo(f"  {step}")
    return 0
