"""`pip install .` gives a working `perfkit` outside the repository (issue 18).

The wheel is built with `pip wheel --no-deps` and installed with `--no-deps` into a fresh
venv, which sees the test venv's dependencies through a .pth line (so nothing is
downloaded). A path line in a .pth file adds that directory only: the .pth files inside
it, among them the editable install of this checkout, are not run, so `perfkit` in the
new venv is the wheel's. Every command runs in a temporary directory outside the
repository.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from perfkit.cli import main

from .projects import make_project

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "data" / "report" / "report.json"
INSTALL = "python -m pip install perfkit"


def run(cmd: list, cwd: Path, **kw) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(
        [str(c) for c in cmd], cwd=cwd, capture_output=True, text=True, env=env, **kw
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, Path]:
    """(the new venv's bin directory, the wheel), built from this checkout."""
    tmp = tmp_path_factory.mktemp("install")
    built = run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", tmp / "dist", ROOT], tmp
    )
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = (tmp / "dist").glob("perfkit-*.whl")
    venv = tmp / "venv"
    made = run([sys.executable, "-m", "venv", "--system-site-packages", venv], tmp)
    assert made.returncode == 0, made.stderr[-2000:]
    bindir = venv / "bin"
    purelib = run(
        [bindir / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], tmp
    ).stdout.strip()
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    Path(purelib, "_perfkit_test_deps.pth").write_text("\n".join(sorted(deps)) + "\n")
    got = run(
        [bindir / "python", "-m", "pip", "install", "--no-deps", "--no-index", "-q", wheel], tmp
    )
    assert got.returncode == 0, got.stderr[-2000:]
    return bindir, wheel


def test_the_wheel_holds_the_templates_and_not_the_workloads(installed):
    _bindir, wheel = installed
    names = zipfile.ZipFile(wheel).namelist()
    assert not [n for n in names if n.startswith("perfkit_workloads")], names
    for template in (
        "report.html.j2",
        "flamegraph.html.j2",
        "history.html.j2",
        "workflow-perf.yml.j2",
        "workflow-perf-main.yml.j2",
    ):
        assert f"perfkit/templates/{template}" in names
    assert "perfkit/py.typed" in names


def test_the_installed_perfkit_is_the_wheels_and_answers(installed, tmp_path):
    bindir, _wheel = installed
    where = run([bindir / "python", "-c", "import perfkit; print(perfkit.__file__)"], tmp_path)
    assert Path(where.stdout.strip()).is_relative_to(bindir.parent), where.stdout + where.stderr
    workloads = run([bindir / "python", "-c", "import perfkit_workloads"], tmp_path)
    assert workloads.returncode != 0  # not in the wheel, and the editable one is not seen
    helped = run([bindir / "perfkit", "--help"], tmp_path)
    assert helped.returncode == 0 and "perfkit check --baseline main" in helped.stdout, (
        helped.stderr
    )
    assert "init " in helped.stdout
    shutil.copyfile(GOLDEN, tmp_path / "report.json")
    gated = run([bindir / "perfkit", "gate", "report.json"], tmp_path)
    assert gated.returncode == 1 and "perfkit gate: FAILED" in gated.stdout, gated.stderr
    renders = run([bindir / "perfkit", "compare", "--help"], tmp_path)
    assert renders.returncode == 0 and "--threshold" in renders.stdout


def test_the_installed_init_writes_the_packaged_workflows(installed, tmp_path, monkeypatch, capsys):
    bindir, _wheel = installed
    there = make_project(tmp_path / "installed", "subdir")
    here = make_project(tmp_path / "in-process", "subdir")
    for project in (there, here):
        (project / "perfkit.toml").unlink()
    done = run([bindir / "perfkit", "init", "--install", INSTALL], there)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "perfkit baseline save main --run" in done.stdout
    monkeypatch.chdir(here)
    assert main(["init", "--install", INSTALL]) == 0  # from this checkout's templates
    for name in ("perf.yml", "perf-main.yml"):
        written = there / ".github" / "workflows" / name
        assert written.read_text() == (here / ".github" / "workflows" / name).read_text()
        assert INSTALL in written.read_text()
    assert (there / "perfkit.toml").read_text() == (here / "perfkit.toml").read_text()
