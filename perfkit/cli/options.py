"""Options and small printing helpers shared by the commands: one meaning per option
name everywhere. Light on purpose (click only at import): ``perfkit gate`` and
``perfkit --help`` must start fast, so anything heavy is imported inside a function.

Command modules import this module and :mod:`perfkit.cli.common`, never each other.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from perfkit.config import Config
    from perfkit.measure.protocol import Protocol
    from perfkit.model import GateDecision
    from perfkit.profile import Options


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
    fn = click.option(
        "--machine",
        default=None,
        help="asv machine name (default: as asv resolves it, by host name).",
    )(fn)
    return click.option(
        "--config", "asv_config", type=click.Path(path_type=Path), default=None,
        help="The project's asv.conf.json (default: ./asv.conf.json, then benchmarks/, asv_bench/, benchmark/, bench/).",
    )(fn)  # fmt: skip


def protocol_options(fn: Callable) -> Callable:
    from perfkit.measure.protocol import LAUNCH_METHODS, Protocol

    default = Protocol()
    fn = click.option(
        "--launch-method", "launch", type=click.Choice(LAUNCH_METHODS), default=default.launch,
        show_default=True, help="How asv starts each benchmark process (spawn: for suites that start threads on import).",
    )(fn)  # fmt: skip
    fn = click.option(
        "--repeat", default=default.repeat, show_default=True, help="Samples per process."
    )(fn)
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
        "--rounds",
        default=default.rounds,
        show_default=True,
        help="Processes per benchmark and side.",
    )(fn)
    return click.option(
        "--bench", "-b", multiple=True, help="Only benchmarks matching this regex (asv --bench)."
    )(fn)


def get_config(config_path: Path | None) -> Config:
    from perfkit.config import load_config

    return load_config(Path.cwd(), config_path)


def make_protocol(rounds: int, extra_rounds: int, final_rounds: int, repeat: int, warmup: float,
                  bench: Sequence[str], launch: str, machine: str | None = None) -> Protocol:  # fmt: skip
    from perfkit.measure.protocol import Protocol

    try:
        return Protocol(rounds=rounds, extra_rounds=extra_rounds, final_rounds=final_rounds, repeat=repeat,
                        warmup=warmup, bench=tuple(bench), launch=launch, machine=machine)  # fmt: skip
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def profile_options(fn: Callable) -> Callable:
    from perfkit.profile.runner import DEFAULT_RATE

    fn = click.option("--seconds", default=3.0, show_default=True, help="Sampling time per side.")(
        fn
    )
    fn = click.option(
        "--rate", default=DEFAULT_RATE, show_default=True, help="py-spy samples per second."
    )(fn)
    fn = click.option("--native", is_flag=True, help="Include native (C) frames in py-spy stacks.")(
        fn
    )
    return click.option("--no-memory", is_flag=True, help="Skip the memray profiles.")(fn)


def make_options(seconds: float, rate: int, native: bool, no_memory: bool) -> Options:
    from perfkit.profile import Options

    return Options(seconds=seconds, rate=rate, native=native, memory=not no_memory)


def print_gate(decision: GateDecision) -> int:
    if decision.passed:
        click.echo(f"perfkit gate: PASSED (score {decision.score:.1f} >= {decision.min_score:g})")
        return 0
    click.echo(f"perfkit gate: FAILED (score {decision.score:.1f}, minimum {decision.min_score:g})")
    for reason in decision.reasons:
        click.echo(f"  - {reason}")
    return 1
