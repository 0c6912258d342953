"""Integration fixtures: throw-away git copies of this project for real asv runs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GIT_ID = ["-c", "user.name=perfkit-tests", "-c", "user.email=tests@perfkit.invalid"]


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *GIT_ID, "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


def copy_project(dest: Path) -> Path:
    """Copy the project's tracked and new (non-ignored) files into a fresh one-commit repo."""
    listed = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "-co", "--exclude-standard"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    for rel in listed:
        src = ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    git(dest, "init", "-q", "-b", "main")
    git(dest, "add", "-A")
    git(dest, "commit", "-qm", "project copy")
    return dest


def asv(*args: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    """Run asv in ``cwd`` as a user would (no perfkit launcher: with --python=same the
    benchmarks import the package installed in this Python)."""
    env = {k: v for k, v in os.environ.items() if k != "ASV_PYTHONPATH"}
    proc = subprocess.run(
        [sys.executable, "-m", "asv", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"asv {' '.join(args)} exited {proc.returncode}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        )
    return proc


@pytest.fixture(scope="session", autouse=True)
def asv_machine() -> None:
    if not (Path.home() / ".asv-machine.json").exists():
        subprocess.run(
            [sys.executable, "-m", "asv", "machine", "--yes"], check=True, capture_output=True
        )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "project")
