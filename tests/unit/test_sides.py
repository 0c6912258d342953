"""Finding the asv config, resolving the machine, naming the package, the launcher."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from perfkit.errors import ConfigError, ProvenanceError
from perfkit.measure import asvrun, sides
from perfkit.measure.asvconfig import AsvProject, discover, find_config
from perfkit.measure.materialise import use_built
from perfkit.measure.provenance import check, import_names
from perfkit.measure.sides import Side, launcher, pick_slot

CONF = '// numpy-style: comments and a trailing comma\n{"version": 1, "project": "my-pkg", "repo": "..",\n "benchmark_dir": ".",}\n'


def test_config_in_a_subdirectory_is_found_and_read_as_asv_reads_it(tmp_path: Path):
    (tmp_path / "asv_bench").mkdir()
    (tmp_path / "asv_bench" / "asv.conf.json").write_text(CONF)
    project = discover(tmp_path)
    assert project.config_path == (tmp_path / "asv_bench" / "asv.conf.json").resolve()
    assert project.root == tmp_path.resolve()  # "repo" relative to the config file
    assert project.benchmark_dir == (tmp_path / "asv_bench").resolve()
    assert project.env_dir == (tmp_path / "asv_bench" / "env").resolve()
    assert project.builds_environments  # asv's default environment type is virtualenv
    assert project.in_tree(tmp_path / "other") == tmp_path / "other" / "asv_bench" / "asv.conf.json"


def test_root_config_comes_before_the_conventional_subdirectories(tmp_path: Path):
    for sub in ("", "benchmarks"):
        (tmp_path / sub).mkdir(exist_ok=True)
        (tmp_path / sub / "asv.conf.json").write_text('{"repo": "."}')
    assert find_config(tmp_path) == (tmp_path / "asv.conf.json").resolve()


def test_no_config_is_one_error_listing_where_it_looked(tmp_path: Path):
    with pytest.raises(ConfigError) as err:
        find_config(tmp_path)
    message = str(err.value)
    for where in (
        "asv.conf.json",
        "benchmarks/asv.conf.json",
        "asv_bench/asv.conf.json",
        "benchmark/asv.conf.json",
        "bench/asv.conf.json",
        "--config",
    ):
        assert where in message
    assert "\n" not in message


def test_explicit_config_path_and_bad_files(tmp_path: Path):
    path = tmp_path / "conf" / "custom.json"
    path.parent.mkdir()
    path.write_text('{"repo": "..", "environment_type": "existing"}')
    project = discover(tmp_path, Path("conf/custom.json"))
    assert project.root == tmp_path.resolve() and not project.builds_environments
    with pytest.raises(ConfigError, match="no such asv config"):
        find_config(tmp_path, Path("missing.json"))
    path.write_text('{"repo": "https://github.com/numpy/numpy.git"}')
    with pytest.raises(ConfigError, match="local path"):
        discover(tmp_path, path)
    path.write_text("{not json")
    with pytest.raises(ConfigError):
        discover(tmp_path, path)


def test_same_python_is_explicit_for_projects_that_build(tmp_path: Path):
    built = AsvProject(tmp_path, tmp_path, tmp_path, tmp_path, "virtualenv", "p", ("3.11",))
    existing = AsvProject(tmp_path, tmp_path, tmp_path, tmp_path, "existing", "p", ())
    assert use_built(built, None) and not use_built(built, True)
    assert not use_built(existing, None)
    with pytest.raises(ConfigError):
        use_built(existing, False)


def test_machine_resolved_as_asv_does(tmp_path: Path, monkeypatch):
    machine_file = tmp_path / ".asv-machine.json"
    monkeypatch.setattr(asvrun, "MACHINE_FILE", machine_file)
    monkeypatch.setattr(asvrun.platform, "node", lambda: "thishost")
    machine_file.write_text(
        json.dumps(
            {"ci-box": {"machine": "ci-box"}, "thishost": {"machine": "thishost"}, "version": 1}
        )
    )
    assert asvrun.current_machine() == "thishost"  # by host name, not the first entry
    assert asvrun.current_machine("ci-box") == "ci-box"
    machine_file.write_text(json.dumps({"only": {"machine": "only"}, "version": 1}))
    assert asvrun.current_machine() == "only"  # a lone entry serves this host, as in asv


def test_import_names(tmp_path: Path):
    (tmp_path / "src" / "my_pkg").mkdir(parents=True)
    assert import_names(tmp_path, "my-pkg") == ["my_pkg"]
    assert import_names(tmp_path, "whatever", ["explicit"]) == ["explicit"]
    (tmp_path / "src" / "my_pkg" / "__init__.py").write_text("")
    assert import_names(tmp_path, "distribution-name-differs") == ["my_pkg"]
    flat = tmp_path / "flat"
    (flat / "benchmarks").mkdir(parents=True)
    (flat / "benchmarks" / "__init__.py").write_text("")
    assert import_names(flat, "unknown") == []  # the suite's own code: nothing to shadow it
    for name in ("pkg_a", "pkg_b"):
        (flat / name).mkdir(parents=True)
        (flat / name / "__init__.py").write_text("")
    assert import_names(flat, "unknown") == ["pkg_a", "pkg_b"]  # every candidate is checked


def test_launcher_puts_the_checkout_first(tmp_path: Path):
    tree = tmp_path / "tree"
    (tree / "src" / "probe_pkg").mkdir(parents=True)
    (tree / "src" / "probe_pkg" / "__init__.py").write_text("VALUE = 'from the tree'\n")
    python = launcher(tree, tmp_path / "work", "head")
    origins = check([Side("head", "c" * 40, tree, python=python)], ["probe_pkg"])
    assert origins["head"][0].location == str(
        (tree / "src" / "probe_pkg" / "__init__.py").resolve()
    )
    # the launcher is an interpreter asv can run: it prints its version
    out = subprocess.run(
        [python, "-c", "import sys; print(sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=True,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
    )
    assert out.stdout.strip() == str(sys.version_info[:2])


def test_provenance_names_the_side_whose_package_fails_to_import(tmp_path: Path):
    tree = tmp_path / "tree"
    (tree / "broken_pkg").mkdir(parents=True)
    (tree / "broken_pkg" / "__init__.py").write_text("raise RuntimeError('boom at import')\n")
    side = Side("head", "d" * 40, tree, python=launcher(tree, tmp_path, "head"))
    with pytest.raises(
        ProvenanceError,
        match=r"head side \(dddddddd\): import broken_pkg failed: RuntimeError: boom",
    ):
        check([side], ["broken_pkg"])


def test_slots_reuse_the_one_holding_the_commit(tmp_path: Path):
    project = AsvProject(
        tmp_path / "c.json", tmp_path, tmp_path, tmp_path / "env", "virtualenv", "p", ("3.11",)
    )
    slot = sides.slots_dir(project) / "slot-2"
    (slot / "abc").mkdir(parents=True)
    (slot / "abc" / "asv-install-status.json").write_text(json.dumps({"commit_hash": "f" * 40}))
    assert pick_slot(project, "f" * 40, set()) == slot
    assert pick_slot(project, "e" * 40, set()).name == "slot-0"  # a free one first
    assert pick_slot(project, "f" * 40, {slot}).name == "slot-0"  # taken by the other side


def test_repo_subdir_is_where_a_same_python_side_imports_from(tmp_path: Path):
    """asv's ``repo_subdir`` (the package's pyproject in a folder of the repository, as in
    this repository's workloads/): the launcher puts that folder first, the package name
    is looked for there, and a bad value is a config error."""
    (tmp_path / "asv.conf.json").write_text(
        '{"repo": ".", "project": "my-pkg", "repo_subdir": "python", "environment_type": "existing"}'
    )
    (tmp_path / "python" / "my_pkg").mkdir(parents=True)
    (tmp_path / "python" / "my_pkg" / "__init__.py").write_text("")
    project = discover(tmp_path)
    assert project.repo_subdir == "python"
    side = sides.same_python("head", "0" * 40, tmp_path, project, tmp_path / "work")
    script = Path(side.python).read_text()
    assert f"ASV_PYTHONPATH={tmp_path / 'python'}" in script
    assert import_names(tmp_path / project.repo_subdir, project.project) == ["my_pkg"]
    for bad in ('"/abs"', '"../out"', "3"):
        (tmp_path / "asv.conf.json").write_text(f'{{"repo": ".", "repo_subdir": {bad}}}')
        with pytest.raises(ConfigError, match="repo_subdir"):
            discover(tmp_path)
