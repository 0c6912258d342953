"""The perfkit command line: the only place that parses arguments, prints and exits.

``COMMANDS`` names each sub-command, the module of this package that defines it as
``command`` and its one-line summary, in workflow order. A module is imported only when
its command runs, so ``perfkit --help`` and a light command start without scipy, pandas,
matplotlib or numba (``tests/unit/test_cli_exit_codes.py`` checks the table against the
modules and their help).

Exit codes: 0 success / gate passed, 1 gate failed (regression or score below the bar),
2 bad input or usage (one line on stderr, no traceback), 3 internal error (one line on
stderr naming a log file that holds the traceback; ``-v`` prints the traceback too).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import importlib
import os
import sys
import tempfile
import traceback
from dataclasses import dataclass
from pathlib import Path

import click

from perfkit import __version__
from perfkit.errors import PerfkitError

EXIT_OK = 0
EXIT_GATE_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 3

# the order a user meets the commands in: measure and judge, then keep, explain, tell;
# then the commands over commit history
COMMANDS = {  # name: (module, summary), in the order a user meets them
    "init": ("init", "Adopt perfkit in an asv project: settings, workflows."),
    "check": ("check", "Measure the working tree against a baseline; gate."),
    "run": ("run", "Measure base and head interleaved, each its own build."),
    "compare": ("compare", "Compare two result files, baselines or commits."),
    "gate": ("gate", "Pass (0) or fail (1) on a report; fail closed."),
    "baseline": ("baseline", "Save, list and show stored baselines."),
    "profile": ("profile", "Flamegraphs and memory profiles, head vs base."),
    "comment": ("comment", "Post or update the pull-request comment."),
    "merge": ("merge", "Join the shards of `run --shard K/N` into one report."),
    "envs": ("envs", "List or remove the per-side environments."),
    "history": ("history", "Commit history: analyse, fill, bisect; the store."),
    "run-range": ("run_range", "Measure every commit of a range."),
    "bisect": ("bisect", "Find the commit that moved a benchmark; confirm it."),
    "continuous": ("continuous", "`asv continuous BASE HEAD` judged by perfkit."),
    "store": ("store", "The history store: update, rebuild, changes, series."),
}
# `perfkit history SUB`: the commands over commit history, gathered from their modules
# (the very command objects of `perfkit store SUB`, `run-range` and `bisect`, which stay
# as aliases); `perfkit history [OPTIONS]` without a sub-command is `history analyse`.
# "module:name" is sub-command `name` of the group that module defines.
HISTORY = {
    "analyse": ("history", "Find the commits where benchmarks changed level (default)."),
    "update": ("store:update", "Read new and changed result files into the store."),
    "rebuild": ("store:rebuild", "Build the store again from every result file."),
    "changes": ("store:changes", "Change points in the last N commits, from the store."),
    "series": ("store:series", "One benchmark's full series, from the store."),
    "fill": ("run_range", "Measure every commit of a range (= run-range)."),
    "bisect": ("bisect", "Find the commit that moved a benchmark (= bisect)."),
}
COMMAND_ORDER = tuple(COMMANDS)


class GateFailed(click.ClickException):
    """Raised by commands whose outcome is a failed gate (exit 1), after printing it."""

    exit_code = EXIT_GATE_FAILED

    def show(self, file=None) -> None:  # the command already printed why
        if self.message:
            click.echo(self.message, err=True)


@dataclass
class GlobalOptions:
    """The group's options, shared with the commands through ``ctx.obj`` (mutable on purpose:
    the group callback fills it in and ``main`` reads it after the command has failed)."""

    verbose: bool = False
    quiet: bool = False


def load(spec: str) -> click.Command:
    """The command ``spec`` names in a table: ``module`` or ``module:sub-command``."""
    module, _, sub = spec.partition(":")
    command = importlib.import_module(f"{__name__}.{module}").command
    return command.commands[sub] if sub else command  # type: ignore[attr-defined]


class _LazyGroup(click.Group):
    """Commands of ``table`` in its order, each module imported only when its command is
    used; with ``default``, arguments that name no sub-command go to that one."""

    def __init__(self, *args, table: dict, default: str | None = None, **kw) -> None:
        super().__init__(*args, **kw)
        self.table, self.default = table, default

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.table)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.table:
            return None
        if name not in self.commands:
            spec = self.table[name][0]
            top = self.table is COMMANDS and name in GROUPS
            self.commands[name] = GROUPS[name] if top else load(spec)
        return self.commands[name]

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        first = args[0] if args else None
        if self.default and first not in self.table and first not in ctx.help_option_names:
            args = [self.default, *args]
        return super().parse_args(ctx, args)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, summary) for name, (_spec, summary) in self.table.items()])


@click.group(
    cls=_LazyGroup, table=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]}
)
@click.version_option(__version__, prog_name="perfkit")
@click.option(
    "-v", "--verbose", is_flag=True, help="Show the traceback of an internal error on stderr."
)
@click.option(
    "-q",
    "--quiet",
    is_flag=True,
    help="No progress lines on stderr (results and errors still print).",
)
@click.pass_context
def cli(ctx: click.Context, verbose: bool, quiet: bool) -> None:
    """perfkit: trustworthy performance verdicts on top of asv.

    \b
    A workflow, from an asv project to a pull-request check:
      perfkit baseline save main --run    # measure the tree, store baselines/main--MACHINE.json
      perfkit check --baseline main       # measure again, compare, profile, report, gate
      perfkit run --base origin/main --out reports/pr   # a PR: base and head interleaved
      perfkit comment reports/pr          # post or update the PR comment
      perfkit gate reports/pr/report.json # exit 1 on a regression

    \b
    Exit codes: 0 pass, 1 gate failed, 2 bad input or usage, 3 internal error
    (one line naming a log file with the traceback; -v prints it).
    """
    options = ctx.ensure_object(GlobalOptions)
    options.verbose, options.quiet = verbose, quiet


history = _LazyGroup(
    "history",
    table=HISTORY,
    default="analyse",
    help="""The commands over commit history.

    \b
    perfkit history [analyse] [OPTIONS]   # change points of every benchmark (the default)
    perfkit history update|rebuild        # the Parquet history store of the results
    perfkit history changes|series        # questions answered from the store
    perfkit history fill A..B             # measure every commit of a range (= run-range)
    perfkit history bisect NAME GOOD BAD  # the commit that moved a benchmark (= bisect)
    """,
)
GROUPS: dict[str, click.Group] = {"history": history}  # top-level names built here


def _log_dir() -> Path:
    """Where crash logs go: ``$XDG_CACHE_HOME/perfkit`` (``~/.cache/perfkit``), else the temp dir."""
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "perfkit"


def _write_crash_log(exc: BaseException, argv: list[str]) -> Path | None:
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    text = (
        f"perfkit {__version__}, Python {sys.version.split()[0]}\n"
        f"command: perfkit {' '.join(argv)}\n\n" + "".join(traceback.format_exception(exc))
    )
    for folder in (_log_dir(), Path(tempfile.gettempdir()) / "perfkit"):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"crash-{stamp}-{os.getpid()}.log"
            path.write_text(text, encoding="utf-8")
            return path
        except OSError:
            continue
    return None


def _internal_error(exc: BaseException, argv: list[str], verbose: bool) -> int:
    """One line on stderr, the traceback in a log file (and on stderr with -v): exit 3."""
    what = " ".join(f"{type(exc).__name__}: {exc}".split())  # one line, whatever the message
    log = _write_crash_log(exc, argv)
    if verbose:
        click.echo("".join(traceback.format_exception(exc)).rstrip(), err=True)
    where = f"traceback in {log}" if log else "the traceback could not be written (-v prints it)"
    click.echo(f"perfkit: internal error: {what}; {where}", err=True)
    return EXIT_INTERNAL


def main(argv: list[str] | None = None) -> int:
    """Run the CLI in-process and return its exit code (never raises SystemExit)."""
    args = list(sys.argv[1:] if argv is None else argv)
    options = GlobalOptions()
    try:
        result = cli.main(args=args, prog_name="perfkit", standalone_mode=False, obj=options)
    except PerfkitError as exc:
        click.echo(f"perfkit: error: {exc}", err=True)
        return exc.exit_code
    except GateFailed as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("perfkit: aborted", err=True)
        return EXIT_BAD_INPUT
    except click.ClickException as exc:
        exc.show()
        return EXIT_BAD_INPUT
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("perfkit: interrupted", err=True)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # a bug: never let it look like a failed gate (exit 1)
        return _internal_error(exc, args, options.verbose)
    # commands may return their exit code (e.g. the gate); None means success
    return result if isinstance(result, int) else EXIT_OK


# True in the console script (``entry``), whose process ends when the command returns:
# a command may then skip work that only a long-lived process needs (``perfkit history``
# leaves the garbage collector off rather than let it walk the run's objects once more).
QUICK_EXIT = False


def entry() -> None:
    """The ``perfkit`` console script: :func:`main`, then a quick exit. Once numba (and
    LLVM) are loaded, interpreter teardown takes 0.6 s and more on a loaded machine; every
    command has finished its work and closed its files by now, so flush and leave."""
    global QUICK_EXIT
    QUICK_EXIT = True
    code = main()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed or broken pipe
            stream.flush()
    if "numba" in sys.modules:
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    entry()
