"""The forkserver preload: a wrapper that leaves every call but asv's forkserver and its
spawned benchmark processes as it was,
a bootstrap that sets numba up only after a suite that imported it, and result files that
keep the environment name of the interpreter the round really measured."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from perfkit.measure import preload

SHOW = "import json, sys; print(json.dumps([sys.argv[1:], sys.path[0], sorted(sys.modules)]))"


def run(*cmd: str | Path) -> list:
    out = subprocess.run([str(c) for c in cmd], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_every_call_but_asvs_benchmark_script_passes_through_unchanged(tmp_path):
    wrapper = preload.wrap(sys.executable, tmp_path / "round")
    plain_args, _, plain_mods = run(sys.executable, "-c", SHOW, "discover", "x y", "$2")
    args, _, mods = run(wrapper, "-c", SHOW, "discover", "x y", "$2")
    assert args == plain_args == ["discover", "x y", "$2"]
    assert "asv_runner" not in mods and set(mods) == set(plain_mods)
    # asv's benchmark script in another mode than these two: run as by python itself
    script = tmp_path / "bench dir" / "benchmark.py"
    script.parent.mkdir()
    script.write_text(SHOW)
    args, path0, mods = run(wrapper, script, "discover", "a")
    assert (args, path0) == (["discover", "a"], str(script.parent))
    assert "asv_runner" not in mods
    # a spawned benchmark process runs through the bootstrap for its readings, as if the
    # script ran itself, without the server's hook
    args, path0, mods = run(wrapper, script, "run", "a")
    assert (args, path0) == (["run", "a"], str(script.parent))
    assert "asv_runner.benchmarks.time" in mods and "asv_runner.server" not in mods


def test_the_server_runs_through_the_bootstrap_as_if_it_ran_itself(tmp_path):
    wrapper = preload.wrap(sys.executable, tmp_path / "round")
    script = tmp_path / "asv pkg" / "benchmark.py"
    script.parent.mkdir()
    script.write_text(
        "import json, sys\n"
        "print(json.dumps([sys.argv, sys.path[0], __name__, sorted(sys.modules)]))\n"
    )
    argv, path0, name, mods = run(wrapper, script, "run_server", "/some/dir", "/a socket")
    # asv's script removes its own folder from sys.path when it is sys.path[0]
    assert argv == [str(script), "run_server", "/some/dir", "/a socket"]
    assert path0 == str(script.parent) and name == "__main__"
    assert "asv_runner.server" in mods  # the hook is installed
    assert "numba" not in mods  # nothing imported on the suite's behalf


def fake_server(tmp_path: Path, suite_imports: str) -> dict:
    """The bootstrap in front of a stand-in for asv's server: it imports a suite through
    ``asv_runner.server.disc_benchmarks`` as the real server's preimport does."""
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "__init__.py").write_text("")
    (suite / "bench.py").write_text(f"{suite_imports}\n\ndef time_x():\n    pass\n")
    script = tmp_path / "server.py"
    script.write_text(
        "import json, sys\n"
        "import asv_runner.server as server\n"
        "before = 'numba' in sys.modules\n"
        f"found = [b for b in server.disc_benchmarks({str(suite)!r})]\n"
        "ready = None\n"
        "if 'numba' in sys.modules:\n"
        "    from numba.core.registry import cpu_target\n"
        "    ready = len(cpu_target.typing_context._registries)\n"
        "print(json.dumps({'before': before, 'found': len(found), 'numba': 'numba' in"
        " sys.modules, 'registries': ready}))\n"
    )
    boot = Path(preload.wrap(sys.executable, tmp_path / "round")).parent / preload.BOOT_NAME
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run(
        [sys.executable, str(boot), str(script), "run_server"],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_numba_is_set_up_after_the_import_of_a_suite_that_imported_it(tmp_path):
    got = fake_server(tmp_path, "import numba")
    assert got["found"] == 1 and not got["before"] and got["numba"]
    assert got["registries"] > 0  # numba's typing registries loaded before any fork


def test_a_suite_without_numba_gets_nothing_imported(tmp_path):
    got = fake_server(tmp_path, "import json")
    assert got == {"before": False, "found": 1, "numba": False, "registries": None}


def result(tmp_path: Path, env_name) -> Path:
    path = tmp_path / "vm" / "abc12345-x.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"env_name": env_name, "results": {"b": [1.0]}, "version": 2}))
    return path


def test_the_result_keeps_the_environment_name_of_the_unwrapped_interpreter(tmp_path):
    real = tmp_path / "env" / "bin" / "python"
    wrapper = tmp_path / "work" / "round-000" / "python-preload"
    asv_name = "existing-py" + str(wrapper).replace(os.sep, "_") + "-VAR1"
    path = result(tmp_path, asv_name)
    preload.restore_env_name(path, str(wrapper), str(real))
    data = json.loads(path.read_text())
    assert data["env_name"] == "existing-py" + str(real).replace(os.sep, "_") + "-VAR1"
    assert data["results"] == {"b": [1.0]}


def test_an_unexpected_name_or_file_is_left_alone(tmp_path):
    path = result(tmp_path, "conda-py3.11-numpy")
    before = path.read_text()
    preload.restore_env_name(path, "/w/python-preload", "/env/bin/python")
    assert path.read_text() == before
    for broken in ("{not json", "[1, 2]"):
        path.write_text(broken)
        preload.restore_env_name(path, "/w/python-preload", "/env/bin/python")
        assert path.read_text() == broken
    preload.restore_env_name(tmp_path / "missing.json", "/w/p", "/e/p")


def test_only_a_list_asv_wrote_is_reused(tmp_path):
    from perfkit.measure import asvmain

    path = tmp_path / "benchmarks.json"
    good = {"version": 2, "s.time_a": {"name": "s.time_a", "params": [], "repeat": 0}}
    path.write_text(json.dumps(good))
    assert asvmain.listed(path, 2) == [good["s.time_a"]]
    assert asvmain.listed(path, 3) is None  # another asv's format
    for bad in ("{", "[]", '{"version": 2}', '{"version": 2, "s.x": {"params": []}}'):
        path.write_text(bad)
        assert asvmain.listed(path, 2) is None, bad
    assert asvmain.listed(tmp_path / "missing.json", 2) is None


def _asv_runs(tmp_path, monkeypatch, commands) -> list[tuple[list[str], dict]]:
    """(command line, environment) of ``_asv_run`` with a kept discovery, once per asv
    command in ``commands``, nothing run."""
    from perfkit.measure import asvrun

    seen = []
    monkeypatch.setattr(asvrun, "current_machine", lambda name=None: "m")
    monkeypatch.setattr(asvrun, "write_round_config", lambda *a: tmp_path / "c.json")
    monkeypatch.setattr(
        asvrun.subprocess, "run", lambda cmd, **kw: seen.append((cmd, kw["env"])) or None
    )
    found = tmp_path / "found.json"
    found.write_text("{}")
    for command in commands:
        monkeypatch.setattr(asvrun, "asv_command", lambda command=command: command)
        asvrun._asv_run(
            tmp_path,
            "c" * 40,
            tmp_path,
            [],
            python="py",
            config=None,
            machine=None,
            log=None,
            discovered=found,
        )
    monkeypatch.undo()
    return seen


def test_a_replaced_asv_command_is_never_bypassed(tmp_path, monkeypatch):
    """Tests and tools replace asv_command(); the discovery reuse only swaps asv's own."""
    (fake, fake_env), (real, real_env) = _asv_runs(
        tmp_path, monkeypatch, [["fake-asv"], [sys.executable, "-m", "asv"]]
    )
    assert fake[0] == "fake-asv" and "PERFKIT_ASV_DISCOVERED" not in fake_env
    assert real[:4] == [sys.executable, "-P", "-m", "perfkit.measure.asvmain"]
    assert real_env["PERFKIT_ASV_DISCOVERED"] == str(tmp_path / "found.json")


def test_the_discovery_reuse_runs_from_a_tree_with_its_own_perfkit(tmp_path, monkeypatch):
    """asv runs in the measured commit's tree; perfkit's own history (a baseline's commit
    measured again) holds an older perfkit package there, which must not shadow the
    installed one that has the wrapper."""
    import subprocess

    shadow = tmp_path / "perfkit" / "measure"
    shadow.mkdir(parents=True)
    for package in (shadow.parent, shadow):  # an older perfkit: no measure.asvmain
        (package / "__init__.py").write_text("")
    ((cmd, _env),) = _asv_runs(tmp_path, monkeypatch, [[sys.executable, "-m", "asv"]])
    wrapper = cmd[: cmd.index("run")]
    done = subprocess.run(
        [*wrapper, "--version"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "asv" in (done.stdout + done.stderr).lower()
