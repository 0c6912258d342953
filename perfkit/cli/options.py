"""Options and small printing helpers shared by the commands: one meaning per option
name everywhere. Light on purpose (click only at import): ``perfkit gate`` and
``perfkit --help`` must start fast, so anything heavy is imported inside a function.

Command modules import this module and :mod:`perfkit.cli.common`, never each other.
"""

from __future__ import annotations

import functools
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
    """``--settings``: perfkit's own configuration (``--config`` is asv's, as in asv)."""
    return click.option(
        "--settings",
        "config_path",
        type=click.Path(path_type=Path, dir_okay=False),
        default=None,
        help="perfkit.toml to use (default: ./perfkit.toml or [tool.perfkit] in pyproject.toml).",
    )(fn)


def asv_config_option(fn: Callable) -> Callable:
    """``--config``: the project's asv.conf.json, as asv's own ``--config``."""
    return click.option(
        "--config",
        "asv_config",
        type=click.Path(path_type=Path),
        default=None,
        help="The project's asv.conf.json (default: ./asv.conf.json, then benchmarks/, "
        "asv_bench/, benchmark/, bench/).",
    )(fn)


def machine_option(fn: Callable) -> Callable:
    return click.option(
        "--machine",
        default=None,
        help="asv machine name (default: as asv resolves it, by host name).",
    )(fn)


def repo_option(fn: Callable) -> Callable:
    """``--repo``: a local git checkout, everywhere (a GitHub repository is ``--github-repo``)."""
    return click.option(
        "--repo",
        type=click.Path(path_type=Path, file_okay=False),
        default=Path("."),
        show_default=True,
        help="The project's local git checkout.",
    )(fn)


def side_options(fn: Callable) -> Callable:
    """How sides are made: the asv config (asv's --config), the machine, the fast path."""
    fn = click.option(
        "--same-python/--no-same-python",
        "same_python",
        default=None,
        help="Measure in this interpreter with each side's checkout first on sys.path (fast; "
        "pure-Python projects only) instead of building each commit into its own asv "
        "environment. Default: built environments when the asv config asks for them.",
    )(fn)
    return asv_config_option(machine_option(fn))


ROUNDS_HELP = "Processes per benchmark and side."
REPEAT_HELP = "Samples per process."


def measure_options(fn: Callable) -> Callable:
    """What is measured and how much: --bench, --rounds, --repeat, --warmup, --launch-method."""
    from perfkit.measure.protocol import LAUNCH_METHODS, Protocol

    default = Protocol()
    fn = click.option(
        "--launch-method",
        "launch",
        type=click.Choice(LAUNCH_METHODS),
        default=default.launch,
        show_default=True,
        help="How asv starts each benchmark process (spawn: for suites that start threads on "
        "import).",
    )(fn)
    fn = click.option("--repeat", default=default.repeat, show_default=True, help=REPEAT_HELP)(fn)
    fn = click.option(
        "--warmup",
        default=default.warmup,
        show_default=True,
        help="asv warmup_time per process, seconds (negative: asv's default, 0.1).",
    )(fn)
    fn = click.option("--rounds", default=default.rounds, show_default=True, help=ROUNDS_HELP)(fn)
    return bench_option(fn)


def bench_option(fn: Callable) -> Callable:
    return click.option(
        "--bench", "-b", multiple=True, help="Only benchmarks matching this regex (asv --bench)."
    )(fn)


def _parse_budget(ctx: click.Context, param: click.Parameter, value: str | None) -> float:
    """``2x``, ``2.5x`` or ``2``: a factor >= 1 of the first rounds' processes; else exit 2."""
    from perfkit.errors import ConfigError

    text = str(value).strip().lower().removesuffix("x")
    try:
        number = float(text)
    except ValueError:
        number = float("nan")
    if not 1 <= number <= 100:  # NaN fails too
        raise ConfigError(
            f"--budget must be a factor from 1 to 100 of the first rounds' processes "
            f"(e.g. 2x), got {value!r}"
        )
    return number


def confirm_options(fn: Callable) -> Callable:
    """The sequential stage for the benchmarks not settled after the first rounds: it needs
    a comparison, so only commands that judge."""
    from perfkit.measure.protocol import Protocol

    default = Protocol()
    fn = click.option(
        "--extra-rounds",
        default=default.extra_rounds,
        show_default=True,
        help=f"At most this many more processes per side for a benchmark whose verdict is not "
        f"settled after --rounds, {default.step} at a time (0: none).",
    )(fn)
    return click.option(
        "--budget",
        callback=_parse_budget,
        default=f"{default.budget:g}x",
        show_default=True,
        metavar="FACTORx",
        help="The run's processes at most this many times those of the first --rounds; what "
        "was spent is in the report.",
    )(fn)


def protocol_options(fn: Callable) -> Callable:
    """The measuring protocol of the commands that measure and judge."""
    return measure_options(confirm_options(fn))


def _parse_threshold(ctx: click.Context, param: click.Parameter, value: str | None) -> float | None:
    """A number > 0 and < 10 (a fraction: 0.05 = 5 %), else one line and exit 2."""
    if value is None:
        return None
    from perfkit.errors import ConfigError

    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if not 0 < number < 10:  # NaN fails too
        raise ConfigError(
            f"--threshold must be a number > 0 and < 10 (a fraction: 0.05 = 5 %), got {value!r}"
        )
    return number


def threshold_option(fn: Callable) -> Callable:
    """``--threshold``: the practical threshold of this run, like asv's ``--factor`` and
    pyperf's ``--min-speed``; it replaces perfkit.toml's ``[stats] threshold`` and its
    per-benchmark ``[stats.thresholds]``, and is recorded in every comparison's evidence."""
    return click.option(
        "--threshold",
        callback=_parse_threshold,
        default=None,
        metavar="FRACTION",
        help="Practical threshold for this run (0.05 = 5 %): smaller changes are never "
        "regressions. Overrides [stats] threshold and [stats.thresholds] of perfkit.toml.",
    )(fn)


def with_threshold(config: Config, threshold: float | None) -> Config:
    """``config`` judging every benchmark at ``threshold`` (None: unchanged)."""
    if threshold is None:
        return config
    import dataclasses

    stats = dataclasses.replace(config.stats, threshold=threshold, thresholds=())
    return dataclasses.replace(config, stats=stats)


def json_option(fn: Callable) -> Callable:
    """``--json FILE``: writes a file everywhere; ``--json -`` writes to stdout."""
    return click.option(
        "--json",
        "json_path",
        type=click.Path(path_type=Path, dir_okay=False, allow_dash=True),
        default=None,
        metavar="FILE",
        help="Also write the result as JSON to FILE ('-': stdout).",
    )(fn)


def write_json(path: Path, text: str) -> None:
    """``text`` to ``path`` atomically, or to stdout when ``path`` is ``-``."""
    if str(path) == "-":
        click.echo(text)
        return
    from perfkit.atomic import write_text_atomic

    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, text if text.endswith("\n") else text + "\n")


def baselines_option(fn: Callable) -> Callable:
    """``--baselines DIR``: where baselines are stored (``--dir``: its old name in
    ``perfkit baseline``, hidden)."""
    from perfkit.baseline import DEFAULT_DIR

    fn = renamed_option("--dir", "--baselines", "baselines_dir", file_okay=False)(fn)
    return click.option(
        "--baselines",
        "baselines_dir",
        type=click.Path(path_type=Path, file_okay=False),
        default=DEFAULT_DIR,
        show_default=True,
        help="Where baselines are stored.",
    )(fn)


def renamed_option(old: str, new: str, dest: str, **path_attrs) -> Callable[[Callable], Callable]:
    """A hidden, deprecated ``old`` name for the option ``new`` (parameter ``dest``): it
    still works, with a warning on stderr; given together with ``new``, ``new`` wins."""
    alias = f"{dest}_deprecated_alias"

    def decorate(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            value = kwargs.pop(alias, None)
            if value is not None:
                click.echo(f"perfkit: warning: {old} is deprecated, use {new}", err=True)
                source = click.get_current_context().get_parameter_source(dest)
                if source in (None, click.core.ParameterSource.DEFAULT):
                    kwargs[dest] = value
            return fn(*args, **kwargs)

        kind = click.Path(path_type=Path, **path_attrs) if path_attrs else None
        return click.option(old, alias, type=kind, default=None, hidden=True)(wrapper)

    return decorate


def get_config(config_path: Path | None, threshold: float | None = None) -> Config:
    """perfkit.toml (or ``--settings``), with ``--threshold`` applied."""
    from perfkit.config import load_config

    return with_threshold(load_config(Path.cwd(), config_path), threshold)


def make_protocol(
    rounds: int,
    extra_rounds: int,
    budget: float,
    repeat: int,
    warmup: float,
    bench: Sequence[str],
    launch: str,
    machine: str | None = None,
) -> Protocol:
    from perfkit.measure.protocol import Protocol

    try:
        return Protocol(
            rounds=rounds,
            extra_rounds=extra_rounds,
            budget=budget,
            repeat=repeat,
            warmup=warmup,
            bench=tuple(bench),
            launch=launch,
            machine=machine,
        )
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
