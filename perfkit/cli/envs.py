"""perfkit envs list|clean: the per-side asv environments perfkit keeps between runs."""

from __future__ import annotations

from pathlib import Path

import click

from perfkit.cli.options import asv_config_option


@click.group("envs")
def command() -> None:
    """The environments perfkit builds for the sides it measures (one slot each, kept
    between runs under asv's env_dir/perfkit/ so a merge base is built only once)."""


@command.command("list")
@asv_config_option
def list_(asv_config: Path | None) -> None:
    """Each slot and the commit installed in it."""
    from perfkit.cli.common import asv_project
    from perfkit.measure import sides

    project = asv_project(asv_config)
    slots = sides.listing(project)
    for slot, commit in slots:
        click.echo(f"{slot}  {commit[:12] if commit else '(no build installed)'}")
    if not slots:
        click.echo(f"no environments under {sides.slots_dir(project)}")


@command.command("clean")
@asv_config_option
def clean(asv_config: Path | None) -> None:
    """Remove every environment perfkit built for this project (they are rebuilt on demand)."""
    from perfkit.cli.common import asv_project
    from perfkit.measure import sides

    removed = sides.clean(asv_project(asv_config))
    click.echo(
        f"removed {len(removed)} environment slot(s)"
        + (f" under {removed[0].parent}" if removed else "")
    )
