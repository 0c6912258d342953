"""Helpers shared by the commands (their options are in :mod:`perfkit.cli.options`):
making sides, resolving a side given on the command line, writing reports, profiling."""

from __future__ import annotations

import contextlib
import dataclasses
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import click

from perfkit import baseline as baselines
from perfkit import gitrepo
from perfkit.cli.options import progress_printer, write_json
from perfkit.config import Config
from perfkit.errors import BaselineError, PerfkitError, ResultsFormatError
from perfkit.ingest import read_file
from perfkit.ingest.asv import load_results
from perfkit.measure.asvconfig import AsvProject, discover
from perfkit.model import Measurement, Report
from perfkit.report import render_terminal, use_color, write_report

ASV_RESULTS = Path(".asv/results")


@dataclass(frozen=True)
class SideData:
    label: str
    measurements: list[Measurement]
    env: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def make_sides(
    stack: contextlib.ExitStack,
    wanted: Sequence[tuple[str, str | None]],
    *,
    asv_config: Path | None,
    same_python: bool | None,
    workdir: Path,
    config: Config,
    progress: Callable[[str], None],
):
    """Sides for (label, revision) pairs, each proven to import its own code."""
    from perfkit.measure.materialise import materialise

    return materialise(
        stack,
        asv_project(asv_config),
        wanted,
        same_python=same_python,
        workdir=workdir,
        import_name=config.import_name,
        progress=progress,
    )


def asv_project(asv_config: Path | None) -> AsvProject:
    """The asv project to measure: ``--config``, else found from the current directory."""
    return discover(Path.cwd(), asv_config)


def load_side(
    spec: str, label: str, *, machine: str | None, results_dir: Path, baselines_dir: Path
) -> SideData:
    """A side given as a file (baseline, asv, pyperf, pytest-benchmark), a baseline name,
    or an asv commit hash looked up in the results directory (read from the history store
    beside it when there is one, refreshed first: the same measurements)."""
    path = Path(spec)
    if path.is_file():
        if baselines.is_baseline_file(path):
            b = baselines.read(path)
            return SideData(
                f"{b.name}@{(b.commit or '?')[:8]}", list(b.measurements), dict(b.environment_info)
            )
        got = read_file(path)
        return SideData(path.name, got.measurements, got.env, got.warnings)
    if path.is_dir():
        raise ResultsFormatError(f"{spec}: is a directory; give a results file, baseline or commit")
    if machine is not None:
        try:
            b, notes = baselines.find(spec, machine, baselines_dir)
            return SideData(
                f"baseline {b.name}@{(b.commit or '?')[:8]}",
                list(b.measurements),
                dict(b.environment_info),
                notes,
            )
        except BaselineError:
            pass
    if results_dir.is_dir():
        from perfkit.history import store

        stored = store.load_commit(results_dir, spec)
        got = load_results(results_dir, commit=spec) if stored is None else stored
        return SideData(f"{label} {spec[:12]}", got)
    raise BaselineError(
        f"{spec!r} is not a file, a baseline in {baselines_dir}/ or a commit in {results_dir}/"
    )


def emit_report(
    report: Report,
    out_dir: Path,
    samples: dict[str, tuple[Measurement | None, Measurement | None]] | None,
    json_path: Path | None = None,
) -> None:
    """The report into ``out_dir``, its table on stdout; ``json_path`` (``--json``) also gets
    report.json, and ``-`` puts it on stdout alone (the table then goes to stderr)."""
    paths = write_report(report, out_dir, samples)
    to_stdout = json_path is not None and str(json_path) == "-"
    if json_path is not None:
        write_json(json_path, paths["report.json"].read_text(encoding="utf-8"))
    stream = sys.stderr if to_stdout else sys.stdout
    click.echo(render_terminal(report, color=use_color(stream)), err=to_stdout)
    click.echo(f"report: {out_dir / 'index.html'}", err=True)


def repo_root() -> Path:
    return gitrepo.toplevel(Path.cwd())


def profile_report(
    report: Report,
    out: Path,
    base_commit: str | None,
    head_commit: str | None,
    options,
    pythons: dict[str, str | None] | None = None,
) -> Report:
    """Profiles of the report's regressions, in the asv project found from here."""
    from perfkit.profile import profile_regressions

    try:
        project = discover(Path.cwd())
    except PerfkitError as exc:
        return dataclasses.replace(report, warnings=(*report.warnings, f"profiling skipped: {exc}"))
    return profile_regressions(
        report,
        out,
        project.root,
        project.benchmark_subdir,
        base_commit,
        head_commit,
        options=options,
        pythons=pythons,
        progress=progress_printer(),
    )


def commit_of(measurements: Sequence[Measurement]) -> str | None:
    return next((m.commit for m in measurements if m.commit), None)
