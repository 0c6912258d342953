"""The perfkit command line: the only place that parses arguments, prints and exits.

Every module in this package that defines ``command`` (a click command or group) is
registered as a sub-command, so features add a command without editing this file.

Exit codes: 0 success / gate passed, 1 gate failed (regression or score below the bar),
2 bad input or usage (one line on stderr, no traceback), 3 internal error.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import click

from perfkit import __version__
from perfkit.errors import PerfkitError

EXIT_OK = 0
EXIT_GATE_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 3


class GateFailed(click.ClickException):
    """Raised by commands whose outcome is a failed gate (exit 1), after printing it."""

    exit_code = EXIT_GATE_FAILED

    def show(self, file=None) -> None:  # the command already printed why
        if self.message:
            click.echo(self.message, err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="perfkit")
def cli() -> None:
    """perfkit: trustworthy performance verdicts on top of asv."""


def _register_commands() -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        command = getattr(module, "command", None)
        if isinstance(command, click.Command):
            cli.add_command(command)


_register_commands()


def main(argv: list[str] | None = None) -> int:
    """Run the CLI in-process and return its exit code (never raises SystemExit)."""
    try:
        result = cli.main(args=argv, prog_name="perfkit", standalone_mode=False)
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
    # commands may return their exit code (e.g. the gate); None means success
    return result if isinstance(result, int) else EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
