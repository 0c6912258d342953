"""The GitHub workflows users copy: schema-valid (check-jsonschema) and free of zizmor
findings (template injection, excessive permissions, unpinned actions), both offline."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if not found:
        pytest.fail(f"{name} is not installed (it is in the test extra: pip install -e '.[test]')")
    return found


def test_there_are_workflows_to_check():
    assert {p.name for p in WORKFLOWS} >= {"perf.yml", "perf-main.yml"}


def test_workflows_match_the_github_schema():
    proc = subprocess.run([tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows",
                           *map(str, WORKFLOWS)], capture_output=True, text=True)  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_zizmor_finds_nothing():
    proc = subprocess.run([tool("zizmor"), "--offline", "--no-progress", str(ROOT / ".github" / "workflows")],
                          capture_output=True, text=True)  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "No findings" in proc.stdout + proc.stderr


def test_pull_request_workflow_gates_last_and_never_interpolates_user_text():
    text = (ROOT / ".github" / "workflows" / "perf.yml").read_text()
    steps = [line.strip() for line in text.splitlines() if line.strip().startswith("run:")]
    assert steps[-1] == "run: perfkit gate reports/pr/report.json"
    for risky in ("github.event.pull_request.title", "github.head_ref", "github.event.pull_request.body"):
        assert risky not in text
