"""`perfkit init` in asv projects that are not this repository, then the quick start.

For a project with its config at the root and one with it in `benchmarks/` (`"repo":
".."`): the written workflows pass the same offline linters as ours (GitHub's schema,
zizmor) and every perfkit command line in them parses; a second `init` refuses to
overwrite; then the README's quick start (baseline, check) runs on the project. The
quick start uses --same-python to keep the suite short: the built sides are covered by
test_sides.py.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from perfkit.cli import main

from .projects import make_project
from .test_workflows import assert_parses, expand, zizmor

pytestmark = pytest.mark.slow


def perfkit_lines(path: Path) -> list[list[str]]:
    wf = YAML(typ="safe").load(path.read_text())
    out = []
    for job in wf["jobs"].values():
        for step in job["steps"]:
            env = {**job.get("env", {}), **step.get("env", {})}
            out += [
                expand(line.strip(), env)
                for line in step.get("run", "").splitlines()
                if line.strip().startswith("perfkit ")
            ]
    return out


@pytest.mark.parametrize("layout", ["flat", "subdir"])
def test_init_writes_linted_workflows_and_the_quick_start_runs(
    layout: str, tmp_path: Path, monkeypatch, capsys
):
    repo = make_project(tmp_path / layout, layout)
    (repo / "perfkit.toml").unlink()  # a project that has not adopted perfkit yet
    monkeypatch.chdir(repo)
    assert main(["init", "--install", "python -m pip install ./vendor/perfkit"]) == 0
    out = capsys.readouterr().out
    assert "perfkit baseline save main --run" in out
    workflows = repo / ".github" / "workflows"
    assert sorted(p.name for p in workflows.iterdir()) == ["perf-main.yml", "perf.yml"]
    assert 'import_name = ["mypkg"]' in (repo / "perfkit.toml").read_text()

    schema = subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.github-workflows",
            *map(str, workflows.iterdir()),
        ],
        capture_output=True,
        text=True,
    )
    assert schema.returncode == 0, schema.stdout + schema.stderr
    lint = subprocess.run(
        [zizmor(), "--offline", "--no-progress", "--persona", "pedantic", str(workflows)],
        capture_output=True,
        text=True,
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr
    pr = (workflows / "perf.yml").read_text()
    assert "python -m pip install ./vendor/perfkit" in pr and 'python-version: "3.11"' in pr
    lines = perfkit_lines(workflows / "perf.yml") + perfkit_lines(workflows / "perf-main.yml")
    assert len(lines) >= 5
    for words in lines:  # every perfkit line is a valid command line
        assert_parses(" ".join(words), words[1:])
    if layout == "subdir":
        assert all(
            "--config" in words and "benchmarks/asv.conf.json" in words
            for words in lines
            if words[1] in ("run", "baseline")
        )

    assert main(["init"]) == 2  # nothing is overwritten without --force
    assert "use --force" in capsys.readouterr().err
    assert main(["init", "--force"]) == 0

    quick = ["--same-python", "--rounds", "2"]
    assert main(["baseline", "save", "main", "--run", *quick]) == 0
    assert list((repo / "baselines").glob("main--*.json"))
    judge = [*quick, "--extra-rounds", "0", "--no-profile", "--out", "reports/latest"]
    assert main(["check", "--baseline", "main", *judge]) in (0, 1)
    assert (repo / "reports" / "latest" / "report.json").is_file()
