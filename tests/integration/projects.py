"""Small asv projects shaped like real ones, built on the fly as git repositories.

Layouts: ``flat`` (package at the root, config at the root), ``src`` (src layout),
``subdir`` (src layout, config in ``benchmarks/`` with ``"repo": ".."`` as numpy and
scipy keep it) and ``cext`` (a C extension built by setuptools). Each repository has the
commits ``base``, ``same`` (a comment-only change), ``slow`` (the work ``SLOW`` times
over) and ``broken`` (the package raises at import), named by tags.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

GIT_ID = ["-c", "user.name=perfkit-tests", "-c", "user.email=tests@perfkit.invalid"]
SLOW = 2.5  # the injected slowdown: large enough that a loaded machine cannot hide it
WORK = 200_000  # loop iterations of the timed body (a few milliseconds)

PY_WORK = '''"""mypkg: a tiny project for perfkit's integration tests."""

__version__ = "1.0"


def work():
    total = 0
    for i in range({n}):
        total += i * i % 7
    return total
'''
C_SOURCE = r"""#include <Python.h>
/* the timed loop; volatile so the compiler keeps every iteration */
static PyObject *work(PyObject *self, PyObject *args) {
    volatile unsigned long long total = 0;
    for (unsigned long long i = 0; i < %dULL; i++) total += i * i %% 7;
    return PyLong_FromUnsignedLongLong(total);
}
static PyMethodDef methods[] = {{"work", work, METH_NOARGS, ""}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef mod = {PyModuleDef_HEAD_INIT, "_fast", NULL, -1, methods};
PyMODINIT_FUNC PyInit__fast(void) { return PyModule_Create(&mod); }
"""
C_WORK = 20_000_000
# CPU time, not wall time: these tests check which code each side runs, and a loaded
# 2-core machine (load 7 seen while they ran) hides a 2.5x change in wall time per process
BENCH = """import time

import mypkg


class Work:
    timer = time.process_time

    def time_work(self):
        mypkg.work()
"""
PYPROJECT = """[build-system]
requires = ["setuptools>=61", "wheel"]
build-backend = "setuptools.build_meta"

[project]
name = "mypkg"
version = "1.0"
"""
SETUP_C = """from setuptools import Extension, setup

setup(ext_modules=[Extension("mypkg._fast", ["src/mypkg/fast.c"])])
"""


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *GIT_ID, "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


def asv_config(layout: str) -> dict:
    conf = {
        "version": 1,
        "project": "mypkg",
        "repo": ".",
        "branches": ["main"],
        "dvcs": "git",
        "environment_type": "virtualenv",
        "pythons": ["3.11"],
        "matrix": {"req": {"setuptools": [""], "wheel": [""]}},
        "build_command": [
            "python -m pip wheel --no-deps --no-build-isolation -w {build_cache_dir} {build_dir}"
        ],
        "benchmark_dir": "benchmarks",
        "env_dir": ".asv/env",
        "results_dir": ".asv/results",
        "html_dir": ".asv/html",
    }
    if layout == "subdir":  # paths relative to the config file, as asv reads them
        conf.update(
            repo="..",
            benchmark_dir=".",
            env_dir="../.asv/env",
            results_dir="../.asv/results",
            html_dir="../.asv/html",
        )
    return conf


def _package_dir(repo: Path, layout: str) -> Path:
    return repo / "mypkg" if layout == "flat" else repo / "src" / "mypkg"


def _write_work(
    repo: Path, layout: str, factor: float, comment: str = "", broken: bool = False
) -> None:
    pkg = _package_dir(repo, layout)
    pkg.mkdir(parents=True, exist_ok=True)
    if layout == "cext":
        (pkg / "fast.c").write_text(f"/* {comment} */\n" + C_SOURCE % int(C_WORK * factor))
        init = '"""mypkg with a C extension."""\n\n__version__ = "1.0"\n\nfrom mypkg._fast import work  # noqa: F401\n'
    else:
        init = PY_WORK.format(n=int(WORK * factor))
    if comment:
        init = f"# {comment}\n" + init
    if broken:
        init += '\nraise RuntimeError("mypkg is broken at import")\n'
    (pkg / "__init__.py").write_text(init)


def make_project(dest: Path, layout: str) -> Path:
    """A git repository of ``layout`` with the tagged commits base, same, slow, broken."""
    dest.mkdir(parents=True)
    (dest / "pyproject.toml").write_text(PYPROJECT)
    if layout == "cext":
        (dest / "setup.py").write_text(SETUP_C)
    bench_dir = dest / "benchmarks"
    bench_dir.mkdir()
    (bench_dir / "__init__.py").write_text("")
    (bench_dir / "bench_work.py").write_text(BENCH)
    conf_dir = bench_dir if layout == "subdir" else dest
    # asv reads comments and trailing commas: so must perfkit
    text = json.dumps(asv_config(layout), indent=2)
    (conf_dir / "asv.conf.json").write_text(
        "// asv config of a test project\n" + text[:-2] + ",\n}\n"
    )
    (dest / ".gitignore").write_text(".asv/\nreports/\n*.egg-info/\nbuild/\n__pycache__/\n")
    # these projects test which code each side runs, not the statistics' power: a 25 %
    # threshold keeps a 2.5x change far past it and identical code (one benchmark, two
    # speed modes of a process: +4.8 % [+0.0, +9.9] seen once) well inside it
    (dest / "perfkit.toml").write_text("[stats]\nthreshold = 0.25\n")
    _write_work(dest, layout, 1.0)
    git(dest, "init", "-q", "-b", "main")
    steps = [
        ("base", {}),
        ("same", {"comment": "a comment only"}),
        ("slow", {"factor": SLOW}),
        ("broken", {"broken": True}),
    ]
    for tag, change in steps:
        if tag != "base":
            _write_work(
                dest,
                layout,
                change.get("factor", 1.0),
                change.get("comment", ""),
                change.get("broken", False),
            )
        git(dest, "add", "-A")
        git(dest, "commit", "-qm", tag)
        git(dest, "tag", tag)
    git(dest, "checkout", "-q", "base")
    git(dest, "checkout", "-q", "-B", "main")
    return dest
