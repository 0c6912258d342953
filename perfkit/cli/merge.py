"""perfkit merge DIR...: the shards of one `perfkit run --shard K/N` judged as one suite."""

from __future__ import annotations

from pathlib import Path

import click

from perfkit.cli.common import emit_report
from perfkit.cli.options import config_option, get_config, json_option, threshold_option


@click.command("merge")
@click.argument("folders", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("reports/merged"),
    show_default=True,
)
@json_option
@threshold_option
@config_option
def command(
    folders: tuple[Path, ...],
    out: Path,
    json_path: Path | None,
    threshold: float | None,
    config_path: Path | None,
) -> int:
    """Join the outputs of `perfkit run --shard K/N` (one folder per shard) into one
    report: every benchmark once, the false discovery rate, score and gate over all of
    them. A missing or failed shard makes its benchmarks failed (the gate fails closed,
    naming the shard); a benchmark measured by two shards is an error (exit 2)."""
    from perfkit.errors import ResultsFormatError
    from perfkit.measure import shard
    from perfkit.verdict.analysis import analyse, samples_by_name

    outputs, absent = [], []
    for folder in folders:  # a shard that never uploaded is missing, not bad input
        if (folder / shard.RECORD).is_file():
            outputs.append(shard.read(folder))
        else:
            absent.append(f"{folder}: no shard output (that shard did not finish)")
    if not outputs:
        raise ResultsFormatError(f"no shard output in {', '.join(map(str, folders))}")
    merged = shard.merge(outputs)
    merged.warnings[:0] = absent
    base_commit, head_commit = merged.commits
    report = analyse(
        merged.base,
        merged.head,
        get_config(config_path, threshold),
        base_label=f"base {(base_commit or '?')[:8]}",
        head_label=f"head {head_commit[:8]}",
        base_env=merged.environment["base"],
        head_env=merged.environment["head"],
        warnings=merged.warnings,
    )
    emit_report(report, out, samples_by_name(merged.base, merged.head), json_path)
    return 0
