"""perfkit profile NAME...: flamegraphs (per side and differential) and memray profiles."""

from __future__ import annotations

import contextlib
from pathlib import Path

import click

from perfkit.cli.common import asv_project, make_sides
from perfkit.cli.options import (
    get_config,
    make_options,
    profile_options,
    progress_printer,
    side_options,
)
from perfkit.profile import Trees, profile_benchmark


@click.command("profile")
@click.argument("names", nargs=-1, required=True)
@click.option(
    "--base",
    "base_rev",
    default="HEAD",
    show_default=True,
    help="Commit of the base side (checked out in a temporary worktree).",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("reports/profile"),
    show_default=True,
)
@profile_options
@side_options
def command(
    names, base_rev, out, seconds, rate, native, no_memory, asv_config, machine, same_python
) -> int:
    """Profile benchmarks NAMES (full names with parameters, as in the report) at the
    working tree (head) and at --base, each side made as for measuring (its own build,
    or --same-python), and write flamegraphs and memory profiles."""
    progress = progress_printer()
    project = asv_project(asv_config)
    options = make_options(seconds, rate, native, no_memory)
    with contextlib.ExitStack() as stack:
        made = make_sides(
            stack,
            [("base", base_rev), ("head", None)],
            asv_config=asv_config,
            same_python=same_python,
            workdir=out / "sides",
            config=get_config(None),
            progress=progress,
        )
        base, head = made.sides
        pythons = made.built_pythons
        trees = Trees(
            head=head.tree,
            base=base.tree,
            head_python=pythons.get("head"),
            base_python=pythons.get("base"),
            benchmark_dir=project.benchmark_subdir,
        )
        for name in names:
            progress(f"profiling {name}")
            got = profile_benchmark(name, trees, out / "profiles", out, options)
            click.echo(f"{name}")
            for frame in got.top_frames[:3]:
                click.echo(f"  grown: {frame}")
            if got.memory:
                m = got.memory
                click.echo(
                    f"  heap peak (memray): {m.base_peak_bytes} -> {m.head_peak_bytes} bytes, "
                    f"allocations {m.base_allocations} -> {m.head_allocations}"
                )
            for a in got.artifacts:
                click.echo(f"  {a.description}: {out / a.path}")
    return 0
