"""Pieces shared by the commands: options, progress lines, resolving a side, writing reports."""

from __future__ import annotations

import contextlib
import dataclasses
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import click

from perfkit import baseline as baselines
from perfkit import gitrepo
from perfkit.config import Config, load_config
from perfkit.errors import BaselineError, ResultsFormatError
from perfkit.ingest import read_file
from perfkit.ingest.asv import load_results
from perfkit.measure import LAUNCH_METHODS, Protocol
from perfkit.model import Measurement, Report, Verdict
from perfkit.report import render_terminal, use_color, write_report

ASV_RESULTS = Path(".asv/results")


@dataclass(frozen=True)
class SideData:
    label: str
    measurements: list[Measurement]
    env: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def progress_printer(quiet: bool | None = None) -> Callable[[str], None]:
    """Progress lines on stderr with the elapsed time, so long steps show they are alive.
    ``quiet=None`` follows the global ``perfkit -q`` (no lines)."""
    if quiet is None:
        ctx = click.get_current_context(silent=True)
        quiet = bool(ctx is not None and getattr(ctx.find_root().obj, "quiet", False))
    start = time.monotonic()

    def emit(message: str) -> None:
        if not quiet:
            click.echo(f"[{time.monotonic() - start:6.1f}s] {message}", err=True)

    return emit


def config_option(fn: Callable) -> Callable:
    return click.option(
        "--settings", "config_path", type=click.Path(path_type=Path, dir_okay=False),
        default=None, help="perfkit.toml to use (default: ./perfkit.toml or [tool.perfkit] in pyproject.toml).",
    )(fn)  # fmt: skip


def side_options(fn: Callable) -> Callable:
    """How sides are made: the asv config (asv's --config), the machine, the fast path."""
    fn = click.option(
        "--same-python/--no-same-python", "same_python", default=None,
        help="Measure in this interpreter with each side's checkout first on sys.path (fast; pure-Python "
             "projects only) instead of building each commit into its own asv environment. "
             "Default: built environments when the asv config asks for them.",
    )(fn)  # fmt: skip
    fn = click.option("--machine", default=None, help="asv machine name (default: as asv resolves it, by host name).")(fn)
    return click.option(
        "--config", "asv_config", type=click.Path(path_type=Path), default=None,
        help="The project's asv.conf.json (default: ./asv.conf.json, then benchmarks/, asv_bench/, benchmark/, bench/).",
    )(fn)  # fmt: skip


def make_sides(stack: contextlib.ExitStack, wanted: Sequence[tuple[str, str | None]], *, asv_config: Path | None,
               same_python: bool | None, workdir: Path, config: Config, progress: Callable[[str], None]):  # fmt: skip
    """Sides for (label, revision) pairs, each proven to import its own code."""
    from perfkit.materialise import materialise

    return materialise(stack, asv_project(asv_config), wanted, same_python=same_python, workdir=workdir,
                       import_name=config.import_name, progress=progress)  # fmt: skip


def asv_project(asv_config: Path | None):
    """The asv project to measure: ``--config``, else found from the current directory."""
    from perfkit.asvconfig import discover

    return discover(Path.cwd(), asv_config)


def protocol_options(fn: Callable) -> Callable:
    default = Protocol()
    fn = click.option(
        "--launch-method", "launch", type=click.Choice(LAUNCH_METHODS), default=default.launch,
        show_default=True, help="How asv starts each benchmark process (spawn: for suites that start threads on import).",
    )(fn)  # fmt: skip
    fn = click.option("--repeat", default=default.repeat, show_default=True, help="Samples per process.")(fn)
    fn = click.option(
        "--warmup", default=default.warmup, show_default=True,
        help="asv warmup_time per process, seconds (negative: asv's default, 0.1).",
    )(fn)  # fmt: skip
    fn = click.option(
        "--extra-rounds", default=default.extra_rounds, show_default=True,
        help="Extra processes per side for suspects: flagged, or inconclusive and possibly past the threshold (0: no extra stage).",
    )(fn)  # fmt: skip
    fn = click.option(
        "--final-rounds", default=default.final_rounds, show_default=True,
        help="Extra processes per side for the ones still inconclusive after --extra-rounds but near a verdict.",
    )(fn)  # fmt: skip
    fn = click.option(
        "--rounds", default=default.rounds, show_default=True, help="Processes per benchmark and side."
    )(fn)
    return click.option(
        "--bench", "-b", multiple=True, help="Only benchmarks matching this regex (asv --bench)."
    )(fn)


def make_protocol(rounds: int, extra_rounds: int, final_rounds: int, repeat: int, warmup: float,
                  bench: Sequence[str], launch: str, machine: str | None = None) -> Protocol:  # fmt: skip
    try:
        return Protocol(rounds=rounds, extra_rounds=extra_rounds, final_rounds=final_rounds, repeat=repeat,
                        warmup=warmup, bench=tuple(bench), launch=launch, machine=machine)  # fmt: skip
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def get_config(config_path: Path | None) -> Config:
    return load_config(Path.cwd(), config_path)


def load_side(
    spec: str, label: str, *, machine: str | None, results_dir: Path, baselines_dir: Path
) -> SideData:
    """A side given as a file (baseline, asv, pyperf, pytest-benchmark), a baseline name,
    or an asv commit hash looked up in the results directory."""
    path = Path(spec)
    if path.is_file():
        if baselines.is_baseline_file(path):
            b = baselines.read(path)
            return SideData(f"{b.name}@{(b.commit or '?')[:8]}", list(b.measurements),
                            dict(b.environment_info))  # fmt: skip
        got = read_file(path)
        return SideData(path.name, got.measurements, got.env, got.warnings)
    if path.is_dir():
        raise ResultsFormatError(f"{spec}: is a directory; give a results file, baseline or commit")
    if machine is not None:
        try:
            b, notes = baselines.find(spec, machine, baselines_dir)
            return SideData(f"baseline {b.name}@{(b.commit or '?')[:8]}", list(b.measurements),
                            dict(b.environment_info), notes)  # fmt: skip
        except BaselineError:
            pass
    if results_dir.is_dir():
        return SideData(f"{label} {spec[:12]}", load_results(results_dir, commit=spec))
    raise BaselineError(
        f"{spec!r} is not a file, a baseline in {baselines_dir}/ or a commit in {results_dir}/"
    )


def emit_report(
    report: Report,
    out_dir: Path,
    samples: dict[str, tuple[Measurement | None, Measurement | None]] | None,
    json_path: Path | None = None,
) -> None:
    paths = write_report(report, out_dir, samples)
    if json_path is not None:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(paths["report.json"], json_path)
    click.echo(render_terminal(report, color=use_color(sys.stdout)))
    click.echo(f"report: {out_dir / 'index.html'}", err=True)


def repo_root() -> Path:
    return gitrepo.toplevel(Path.cwd())


def profile_report(report: Report, out: Path, base_commit: str | None, head_commit: str | None,
                   options, pythons: dict[str, str | None] | None = None) -> Report:  # fmt: skip
    """Attach profiles of the report's regressions; the head runs from the working tree when
    it is the measured commit, else from a worktree like the base; ``pythons`` are the
    built sides' interpreters by label. Failures become warnings."""
    from perfkit.asvconfig import discover
    from perfkit.errors import PerfkitError
    from perfkit.profile import Trees, attach_profiles

    if not report.by_verdict(Verdict.REGRESSION):
        return report
    progress, pythons = progress_printer(), pythons or {}
    try:
        project = discover(Path.cwd())
        root = project.root
        with contextlib.ExitStack() as stack:
            def tree(commit: str | None) -> Path:
                if commit is None:
                    raise PerfkitError("the results record no commit: cannot check its code out")
                full = gitrepo.resolve(root, commit)
                if full == gitrepo.resolve(root, "HEAD"):
                    return root
                return stack.enter_context(gitrepo.worktree(root, full))

            trees = Trees(head=tree(head_commit), base=tree(base_commit), head_python=pythons.get("head"),
                          base_python=pythons.get("base"),
                          benchmark_dir=str(project.benchmark_dir.relative_to(root)))  # fmt: skip
            return attach_profiles(report, out, trees, options=options, progress=progress)
    except PerfkitError as exc:
        return dataclasses.replace(report, warnings=(*report.warnings, f"profiling skipped: {exc}"))


def built_pythons(sides) -> dict[str, str | None]:
    """The interpreters of built sides by label (same-python sides profile in this one)."""
    return {s.label: s.python for s in sides if s.env_prefix is not None}


def commit_of(measurements: Sequence[Measurement]) -> str | None:
    return next((m.commit for m in measurements if m.commit), None)
