"""``perfkit continuous BASE HEAD``: asv continuous, then perfkit's verdict, report and gate."""

from __future__ import annotations

from pathlib import Path

import click

from perfkit import gitrepo
from perfkit.cli.options import get_config
from perfkit.measure import continuous


@click.command("continuous")
@click.argument("base")
@click.argument("head")
@click.option("--repo", type=click.Path(path_type=Path), default=Path("."), show_default=True)
@click.option("--bench", "-b", multiple=True, help="Only benchmarks matching this regex.")
@click.option(
    "--rounds",
    type=int,
    default=2,
    show_default=True,
    help="Interleaved rounds (fresh processes) per commit and benchmark.",
)
@click.option("--repeat", type=int, default=None, help="Samples per process (asv's default).")
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("reports/continuous"),
    show_default=True,
    help="Report directory.",
)
@click.option(
    "--json",
    "json_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also write report.json here.",
)
@click.option(
    "--settings",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="perfkit.toml to use.",
)
@click.option(
    "--config",
    "asv_config",
    type=click.Path(path_type=Path),
    default=None,
    help="The project's asv.conf.json (default: found in --repo as users keep it).",
)
@click.option("--machine", default=None, help="asv machine name (default: as asv resolves it).")
def command(
    base: str,
    head: str,
    repo: Path,
    bench: tuple[str, ...],
    rounds: int,
    repeat: int | None,
    out: Path,
    json_path: Path | None,
    config_path: Path | None,
    asv_config: Path | None,
    machine: str | None,
) -> int:
    """Run `asv continuous BASE HEAD` (virtualenvs, samples, interleaved rounds) and gate.

    Failed benchmarks are reported as failures (and fail the gate); the rest are compared
    with perfkit's statistics. Exit 0 gate passed, 1 gate failed, 2 bad input.
    """
    from perfkit.cli.common import emit_report
    from perfkit.verdict.analysis import analyse, samples_by_name

    config = get_config(config_path)
    base_sha, head_sha = gitrepo.resolve(repo, base), gitrepo.resolve(repo, head)
    click.echo(f"asv continuous {base_sha[:8]} {head_sha[:8]} (log in {out}/asv.log)", err=True)
    run = continuous.run(
        repo,
        base_sha,
        head_sha,
        out / "asv.log",
        bench=bench,
        rounds=rounds,
        repeat=repeat,
        config=asv_config,
        machine=machine,
    )
    base_ms = continuous.read_side(run, base_sha)
    head_ms = continuous.read_side(run, head_sha)
    for m in base_ms + head_ms:
        if m.error:
            where = "base" if m in base_ms else "head"
            click.echo(
                f"perfkit: FAILED on {where} {m.commit and m.commit[:8]}: {m.name}: {m.error}",
                err=True,
            )
    report = analyse(
        base_ms,
        head_ms,
        config,
        base_label=f"base {base_sha[:8]}",
        head_label=f"head {head_sha[:8]}",
    )
    emit_report(report, out, samples_by_name(base_ms, head_ms), json_path)
    return 0 if report.gate.passed else 1
