"""The GitHub workflows users copy: schema-valid (check-jsonschema), free of zizmor findings
(template injection, excessive permissions, unpinned actions, persisted credentials), both
offline; shaped as the README says; and every perfkit command line in them accepted by
perfkit's own CLI (so a renamed flag breaks this test, not a user's CI)."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pytest
from ruamel.yaml import YAML

from perfkit.cli import cli

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
FILES = sorted(WORKFLOWS.glob("*.yml"))
SHA_PIN = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")


def load(name: str) -> dict[str, Any]:
    return YAML(typ="safe").load((WORKFLOWS / name).read_text())


def zizmor() -> str:
    """zizmor is a binary in the test extra: next to this Python, or on PATH."""
    here = Path(sys.executable).parent / "zizmor"
    if here.is_file():
        return str(here)
    found = subprocess.run(
        ["sh", "-c", "command -v zizmor"], capture_output=True, text=True
    ).stdout.strip()
    if not found:
        pytest.fail("zizmor is not installed (it is in the test extra: pip install -e '.[test]')")
    return found


def steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    """The steps of the workflow's last job (the one that comments and gates)."""
    return list(workflow["jobs"].values())[-1]["steps"]


def test_the_workflows_exist():
    assert {p.name for p in FILES} == {"perf.yml", "perf-main.yml", "perf-sharded.yml"}


def test_sharded_workflow_measures_every_shard_and_merges_them_once():
    wf = load("perf-sharded.yml")
    measure, report = wf["jobs"]["measure"], wf["jobs"]["report"]
    shards = measure["strategy"]["matrix"]["shard"]
    assert shards == list(range(1, measure["env"]["SHARDS"] + 1))
    assert measure["strategy"]["fail-fast"] is False and report["needs"] == "measure"
    script = "\n".join(s.get("run", "") for s in report["steps"])
    assert all(f"reports/shard-{k}" in script for k in shards)
    assert (
        report["steps"][-1]["run"].startswith("perfkit gate ") and "if" not in report["steps"][-1]
    )


def test_workflows_match_the_github_schema():
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.github-workflows",
            *map(str, FILES),
        ],
        capture_output=True,
        text=True,
    )
    if "No module named check_jsonschema" in proc.stderr:
        pytest.fail("check-jsonschema is not installed (it is in the test extra)")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ok -- validation done" in proc.stdout


@pytest.mark.parametrize("persona", ["regular", "pedantic"])
def test_zizmor_finds_nothing(persona):
    proc = subprocess.run(
        [zizmor(), "--offline", "--no-progress", "--persona", persona, str(WORKFLOWS)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "No findings" in proc.stdout + proc.stderr


@pytest.mark.parametrize("name", ["perf.yml", "perf-main.yml", "perf-sharded.yml"])
def test_least_privilege_pinned_actions_and_no_expressions_in_scripts(name):
    wf = load(name)
    assert wf["permissions"] == {}
    for job_name, job in wf["jobs"].items():
        comments = name == "perf.yml" or job_name == "report"
        wanted = (
            {"contents": "read", "pull-requests": "write"} if comments else {"contents": "read"}
        )
        assert job["permissions"] == wanted, job_name
        for step in job["steps"]:
            assert "uses" not in step or SHA_PIN.match(step["uses"]), step["uses"]
            assert "${{" not in step.get("run", ""), f"{step.get('name')}: pass values through env"
        checkout = job["steps"][0]
        assert checkout["uses"].startswith("actions/checkout@")
        assert checkout["with"]["persist-credentials"] is False
        if job_name != "report":  # the merge job reads no history
            assert checkout["with"]["fetch-depth"] == 0
        python = job["steps"][1]["with"]
        assert python["cache"] == "pip" and python["python-version"] == "3.11"


def test_pull_request_workflow_measures_uploads_comments_then_gates_last():
    wf = load("perf.yml")
    assert list(wf["on"]) == ["pull_request"]
    runs = [s.get("run", "") for s in steps(wf)]
    uses = [s.get("uses", "").split("@")[0] for s in steps(wf)]
    order = [
        next(i for i, r in enumerate(runs) if "perfkit run --base" in r),
        uses.index("actions/upload-artifact"),
        next(i for i, r in enumerate(runs) if r.startswith("perfkit comment")),
        len(runs) - 1,
    ]
    assert order == sorted(order) and len(set(order)) == 4
    assert runs[-1].startswith("perfkit gate ") and "report.json" in runs[-1]
    assert "if" not in steps(wf)[-1]  # the gate runs only when everything before succeeded
    comment = steps(wf)[order[2]]
    assert comment["env"]["GITHUB_TOKEN"] == "${{ secrets.GITHUB_TOKEN }}"
    assert "git merge-base" in runs[order[0]]


def test_measuring_flags_and_report_folder_live_in_one_place():
    text = (WORKFLOWS / "perf.yml").read_text()
    assert text.count("reports/pr") == 1 and text.count("--rounds") == 1
    text = (WORKFLOWS / "perf-main.yml").read_text()
    assert text.count("--rounds") == 1


def test_main_workflow_refreshes_baseline_and_history():
    wf = load("perf-main.yml")
    assert wf["on"] == {"push": {"branches": ["main"]}}
    script = "\n".join(s.get("run", "") for s in steps(wf))
    assert "perfkit baseline save main --run" in script and "perfkit history" in script
    upload = next(s for s in steps(wf) if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert {"baselines/", ".asv/results/"} <= set(upload["with"]["path"].split())
    cache = next(s for s in steps(wf) if s.get("uses", "").startswith("actions/cache@"))
    assert cache["with"]["path"] == ".asv/results"


def perfkit_lines(name: str) -> list[tuple[str, dict[str, str]]]:
    """Every `perfkit ...` command line of a workflow with the env it runs under."""
    wf = load(name)
    out = []
    for job in wf["jobs"].values():
        for step in job["steps"]:
            env = {**job.get("env", {}), **step.get("env", {})}
            for line in step.get("run", "").splitlines():
                if line.strip().startswith("perfkit "):
                    out.append((line.strip(), env))
    return out


def expand(line: str, env: dict[str, str]) -> list[str]:
    """The words the shell would pass (env vars substituted, `${X:+word}` as if X is set)."""
    line = re.sub(r"\$\{(\w+):\+([^}]*)\}", r"\2", line)
    line = re.sub(r"\$\{?(\w+)\}?", lambda m: str(env.get(m.group(1), "deadbeef")), line)
    return shlex.split(line)


def assert_parses(line: str, words: list[str]) -> None:
    """``words`` (after "perfkit") is a command line perfkit's CLI accepts as it is."""
    command: click.Command = cli
    ctx = click.Context(cli, info_name="perfkit", **cli.context_settings)
    while isinstance(command, click.Group):
        sub = command.get_command(ctx, words[0])
        assert sub is not None, f"{line}: no command {words[0]!r}"
        command, words = sub, words[1:]
        ctx = click.Context(command, info_name=command.name, parent=ctx)
    opts, extra, _ = command.make_parser(ctx).parse_args(list(words))
    assert extra == [], f"{line}: unexpected {extra}"
    missing = [p.name for p in command.params if p.required and p.name not in opts]
    assert missing == [], f"{line}: missing {missing}"


@pytest.mark.parametrize("name", ["perf.yml", "perf-main.yml", "perf-sharded.yml"])
def test_every_perfkit_command_line_parses(name):
    lines = perfkit_lines(name)
    assert lines
    for line, env in lines:
        assert_parses(line, expand(line, env)[1:])
