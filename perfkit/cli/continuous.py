"""``perfkit continuous BASE HEAD``: asv continuous, then perfkit's verdict, report and gate."""

from __future__ import annotations

from pathlib import Path

import click

from perfkit import gitrepo
from perfkit.cli.options import (
    ROUNDS_HELP,
    asv_config_option,
    bench_option,
    config_option,
    get_config,
    json_option,
    machine_option,
    progress_printer,
    repo_option,
    threshold_option,
)
from perfkit.measure import continuous


@click.command("continuous")
@click.argument("base")
@click.argument("head")
@repo_option
@bench_option
@click.option(
    "--rounds",
    type=int,
    default=2,
    show_default=True,
    help=ROUNDS_HELP + " asv continuous interleaves them (base, head, head, base).",
)
@click.option("--repeat", type=int, default=None, help="Samples per process (asv's default).")
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("reports/continuous"),
    show_default=True,
    help="Report directory.",
)
@json_option
@threshold_option
@config_option
@asv_config_option
@machine_option
def command(
    base: str,
    head: str,
    repo: Path,
    bench: tuple[str, ...],
    rounds: int,
    repeat: int | None,
    out: Path,
    json_path: Path | None,
    threshold: float | None,
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

    config = get_config(config_path, threshold)
    progress = progress_printer()
    base_sha, head_sha = gitrepo.resolve(repo, base), gitrepo.resolve(repo, head)
    progress(f"asv continuous {base_sha[:8]} {head_sha[:8]} (full log in {out}/asv.log)")
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
        progress=progress,
    )
    progress(f"asv continuous finished (exit {run.returncode}); reading its results")
    base_ms = continuous.read_side(run, base_sha)
    head_ms = continuous.read_side(run, head_sha)
    for m in base_ms + head_ms:
        if m.error:
            where = "base" if m in base_ms else "head"
            click.echo(
                f"perfkit: FAILED on {where} {m.commit and m.commit[:8]}: {m.name}: {m.error}",
                err=True,
            )
    progress(f"comparing {len(base_ms)} benchmarks of base with {len(head_ms)} of head")
    report = analyse(
        base_ms,
        head_ms,
        config,
        base_label=f"base {base_sha[:8]}",
        head_label=f"head {head_sha[:8]}",
    )
    emit_report(report, out, samples_by_name(base_ms, head_ms), json_path)
    return 0 if report.gate.passed else 1
