"""The suite's package loads numba before asv's forkserver forks a process per benchmark."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_importing_the_suite_loads_a_compiled_kernel():
    """In a fresh interpreter (as asv's forkserver starts), importing ``benchmarks`` leaves a
    compiled kernel in memory, so forked benchmark processes do not load numba again."""
    code = (
        "import benchmarks\n"
        "from perfkit_workloads.cache import _single_cycle\n"
        "print(len(_single_cycle.overloads))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert int(out.stdout) >= 1


def test_without_the_suite_nothing_is_compiled():
    code = (
        "from perfkit_workloads.cache import _single_cycle\nprint(len(_single_cycle.overloads))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert int(out.stdout) == 0
