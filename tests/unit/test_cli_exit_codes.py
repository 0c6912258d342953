"""The CLI's exit codes (0 pass, 1 gate failed, 2 bad input, 3 internal error), the crash log,
-v/-q, and the order of ``perfkit --help``; all in-process through ``perfkit.cli.main``."""

from __future__ import annotations

import shutil
from pathlib import Path

import click
import pytest

import perfkit.cli.gate as gate_cli
from perfkit.cli import COMMAND_ORDER, GlobalOptions, cli, main  # noqa: F401
from perfkit.cli.options import progress_printer
from perfkit.errors import ResultsFormatError

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "report" / "report.json"


@pytest.fixture
def report(tmp_path, monkeypatch) -> Path:
    """A copy of the golden report (3 regressions, score 61.5: the gate fails) in a clean cwd."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    path = tmp_path / "report.json"
    shutil.copyfile(GOLDEN, path)
    return path


def _boom(*args, **kwargs):
    raise RuntimeError("boom\nsecond line")


def test_exit_0_when_the_gate_passes(report, capsys):
    assert (
        main(["gate", str(report), "--min-score", "0", "--max-regressions", "10", "--allow", "*"])
        == 0
    )
    assert "PASSED" in capsys.readouterr().out


def test_exit_1_when_the_gate_fails(report, capsys):
    assert main(["gate", str(report)]) == 1
    out = capsys.readouterr().out
    assert "FAILED" in out and "3 regression(s)" in out


@pytest.mark.parametrize(
    "argv", [["gate", "missing.json"], ["gate"], ["no-such-command"], ["gate", "--bogus", "x"]]
)
def test_exit_2_on_bad_input_or_usage_in_one_line(report, capsys, argv):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.strip()


def test_exit_2_on_a_malformed_report_is_one_line(report, capsys):
    report.write_text('{"schema": "perfkit-report", "version": 1}')
    assert main(["gate", str(report)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("perfkit: error:")


def test_a_perfkit_error_raised_by_a_command_stays_exit_2(report, capsys, monkeypatch):
    monkeypatch.setattr(
        gate_cli,
        "report_from_json",
        lambda path: (_ for _ in ()).throw(ResultsFormatError("bad file")),
    )
    assert main(["gate", str(report)]) == 2
    assert capsys.readouterr().err.strip() == "perfkit: error: bad file"


def test_exit_3_on_an_internal_error_one_line_and_a_log(report, capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(gate_cli, "report_from_json", _boom)
    assert main(["gate", str(report)]) == 3
    captured = capsys.readouterr()
    err_lines = captured.err.strip().splitlines()
    assert len(err_lines) == 1, captured.err
    line = err_lines[0]
    assert line.startswith("perfkit: internal error: RuntimeError: boom second line; traceback in ")
    assert "Traceback" not in captured.err and "Traceback" not in captured.out
    log = Path(line.rsplit("traceback in ", 1)[1])
    assert log.is_file() and log.is_relative_to(tmp_path / "cache" / "perfkit")
    text = log.read_text()
    assert (
        "Traceback (most recent call last)" in text and "_boom" in text and "perfkit gate" in text
    )


def test_exit_3_with_verbose_shows_the_traceback(report, capsys, monkeypatch):
    monkeypatch.setattr(gate_cli, "report_from_json", _boom)
    assert main(["-v", "gate", str(report)]) == 3
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and "_boom" in err
    assert err.strip().splitlines()[-1].startswith("perfkit: internal error: RuntimeError: boom")


def test_exit_3_when_the_log_folder_cannot_be_written_falls_back(
    report, capsys, monkeypatch, tmp_path
):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # mkdir under a file fails
    monkeypatch.setattr(gate_cli, "report_from_json", _boom)
    assert main(["gate", str(report)]) == 3
    line = capsys.readouterr().err.strip()
    log = Path(line.rsplit("traceback in ", 1)[1])
    assert log.is_file() and "boom" in log.read_text()


def test_quiet_silences_progress_lines_only(capsys):
    with click.Context(cli, obj=GlobalOptions(quiet=True)):
        progress_printer()("measuring")
    assert capsys.readouterr().err == ""
    with click.Context(cli, obj=GlobalOptions(quiet=False)):
        progress_printer()("measuring")
    assert "measuring" in capsys.readouterr().err
    progress_printer()("outside any command")  # no click context: prints
    assert "outside any command" in capsys.readouterr().err
    with click.Context(cli, obj=GlobalOptions(quiet=True)):
        progress_printer(quiet=False)("explicit")  # an explicit argument wins
    assert "explicit" in capsys.readouterr().err


def test_quiet_and_verbose_are_accepted_before_a_command(report, capsys):
    assert main(["-q", "gate", str(report)]) == 1
    assert main(["--verbose", "--quiet", "gate", str(report)]) == 1


def test_help_lists_commands_in_workflow_order_with_an_example(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "perfkit check --baseline main" in out  # the example workflow
    listed = [
        line.split()[0]
        for line in out.split("Commands:", 1)[1].splitlines()
        if line.startswith("  ")
    ]
    assert listed[:8] == [
        "init",
        "check",
        "run",
        "compare",
        "gate",
        "baseline",
        "profile",
        "comment",
    ]
    assert listed == list(COMMAND_ORDER)


def test_the_command_table_names_every_command_module_and_its_help():
    """Commands load lazily from COMMANDS: a module defining ``command`` that the table
    forgets would be unreachable, a summary that drifts from the command would mislead.
    The history group's table names commands of those modules (the same objects)."""
    import importlib
    import pkgutil

    import perfkit.cli as package
    from perfkit.cli import COMMANDS, GROUPS, HISTORY, load

    modules = {
        m.name
        for m in pkgutil.iter_modules(package.__path__)
        if isinstance(
            getattr(importlib.import_module(f"perfkit.cli.{m.name}"), "command", None),
            click.Command,
        )
    }
    assert modules == {module for module, _summary in COMMANDS.values()}
    ctx = click.Context(cli, **cli.context_settings)
    for name, (module, summary) in COMMANDS.items():
        command = cli.get_command(ctx, name)
        if name not in GROUPS:
            assert command is importlib.import_module(f"perfkit.cli.{module}").command
        assert command.name == name and command.help and summary.endswith("."), (name, summary)
    history = cli.get_command(ctx, "history")
    assert history.list_commands(ctx) == list(HISTORY)
    for name, (spec, summary) in HISTORY.items():
        command = history.get_command(ctx, name)
        assert command is load(spec) and command.help and summary.endswith("."), name
        assert spec.partition(":")[0] in modules
    store = cli.get_command(ctx, "store")
    assert history.get_command(ctx, "rebuild") is store.get_command(ctx, "rebuild")
    assert history.get_command(ctx, "fill") is cli.get_command(ctx, "run-range")
    assert history.get_command(ctx, "bisect") is cli.get_command(ctx, "bisect")


def test_perfkit_history_without_a_sub_command_is_history_analyse(tmp_path, capsys):
    """`perfkit history --results DIR ...` works as before `history` became a group."""
    missing = str(tmp_path / "none")
    assert main(["history", "--results", missing]) == 2
    plain = capsys.readouterr().err
    assert main(["history", "analyse", "--results", missing]) == 2
    assert capsys.readouterr().err == plain and "no asv results directory" in plain
    assert main(["history", "--help"]) == 0
    out = capsys.readouterr().out
    assert all(sub in out for sub in ("analyse", "rebuild", "update", "series", "fill"))
    assert main(["history", "--bogus"]) == 2  # an unknown option of analyse: usage error


def test_help_and_the_gate_start_without_the_heavy_libraries():
    import subprocess
    import sys

    code = (
        "import sys; from perfkit.cli import main; main(['--help']); "
        "heavy = [m for m in ('scipy', 'pandas', 'matplotlib', 'numba') if m in sys.modules]; "
        "sys.exit(1 if heavy else 0)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-500:] + proc.stderr[-500:]


def test_the_gate_starts_without_the_heavy_libraries(tmp_path):
    """``perfkit gate`` runs in every CI job: reading report.json must not pull in the
    renderers' libraries (jinja2, matplotlib) or the statistics stack."""
    import subprocess
    import sys
    from pathlib import Path

    report = Path(__file__).parents[1] / "data" / "report" / "report.json"
    code = (
        "import sys; from perfkit.cli import main\n"
        "try:\n    code = main(['gate', sys.argv[1]])\nexcept SystemExit as exc:\n    code = exc.code\n"
        "heavy = [m for m in ('scipy', 'pandas', 'matplotlib', 'numba', 'jinja2') if m in sys.modules]\n"
        "print('HEAVY', heavy, code)"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(report)], capture_output=True, text=True)
    assert proc.stdout.strip().splitlines()[-1] == "HEAVY [] 1", (
        proc.stdout[-500:] + proc.stderr[-500:]
    )


def test_command_modules_do_not_import_each_other():
    """Commands share only perfkit.cli.options and perfkit.cli.common; the work itself is
    in library modules, so one command never runs another's code path."""
    import ast
    from pathlib import Path

    import perfkit.cli as package
    from perfkit.cli import COMMANDS

    commands = {module for module, _summary in COMMANDS.values()}
    shared = {"options", "common"}
    for path in Path(package.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.ImportFrom)
                and node.module
                and node.module.startswith("perfkit.cli.")
            ):
                imported = node.module.removeprefix("perfkit.cli.")
                assert imported in shared, f"{path.name} imports perfkit.cli.{imported}"
                assert imported not in commands


def test_the_console_script_exits_with_the_code_and_all_its_output():
    """``perfkit`` leaves with os._exit once numba is loaded (its teardown is slow): the
    exit code and every line written to a pipe must still arrive."""
    import subprocess
    import sys
    from pathlib import Path

    report = Path(__file__).parents[1] / "data" / "report" / "report.json"
    code = "import sys, numba; from perfkit.cli import entry; sys.argv = ['perfkit', 'gate', sys.argv[1]]; entry()"
    proc = subprocess.run([sys.executable, "-c", code, str(report)], capture_output=True, text=True)
    assert proc.returncode == 1, proc.stderr[-500:]
    assert proc.stdout.startswith("perfkit gate: FAILED") and "performance score" in proc.stdout
