"""asv's forkserver with numba's compiler set up once per round, before the forks.

With ``--launch-method forkserver`` asv imports the suite once per round in a server
process and forks one process per benchmark from it. numba sets its compiler up lazily,
at the first call of a jitted function: a suite that imports numba leaves that to every
forked process, and there it costs about 0.6 s of CPU per process (its type and target
registries), while the benchmark's kernels themselves then load from numba's cache in
about 0.01 s. Measured on the 12-body evaluation suite: a process's CPU fell from about
0.7-0.85 s to 0.2 s with the set-up done in the server, at 0.5 s once per round there
(docs/measuring.md, "CPU per process").

What is measured stays the same: every benchmark still runs in a fresh process forked for
it alone, with asv's warm-up and samples; the base and the head never share a server
(each round of each side is its own ``asv run``). Only a suite that imported numba
itself gets the set-up (nothing is imported on its behalf); anything that fails leaves
asv's server as it was. With ``spawn`` (since 2026-12-08) each benchmark's own process
runs through the bootstrap too, for the calibration readings alone (no server, no
set-up to share); every other call of the interpreter passes through untouched.

The bootstrap runs in the side's interpreter (perfkit need not be installed there), so
it is a standalone script written next to the round's results.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
from pathlib import Path

from perfkit.atomic import write_text_atomic

BOOT_NAME = "perfkit-forkserver-boot.py"
# the calibration readings of a round's samples, one JSON line per benchmark run
CALIBRATION_NAME = "perfkit-calibration.jsonl"
# about 0.4 ms on a 2020s x86 core: short beside asv's 10 ms samples, long beside the
# timer's resolution
CALIBRATION_LOOP = 8_000
WRAPPER_NAME = "python-preload"

# Standalone: runs as asv's forkserver (``python BOOT <asv benchmark.py> run_server ...``).
BOOTSTRAP = '''\
"""perfkit: run asv's forkserver, setting numba's compiler up once after the suite's
import (only when the suite imported numba), before any benchmark process is forked, and
timing a fixed calibration loop around every sample of a timing benchmark."""
import json
import os
import runpy
import sys
import time

CALIBRATION = os.path.join(os.path.dirname(os.path.abspath(__file__)), "CALIBRATION_NAME")


def _calibrate():
    """Seconds of a fixed pure-Python loop: the same code on both sides, so it reads only
    the state of the CPU the process runs on (a shared host's vCPU runs fast or about 2x
    slower for 0.1-2 s at a time), never the code under test."""
    start = time.perf_counter()
    s = 0
    for i in range(CALIBRATION_LOOP):
        s += i * i
    return time.perf_counter() - start


def _hook_calibration():
    try:
        from asv_runner.benchmarks.time import TimeBenchmark

        real_timing, real_run = TimeBenchmark.benchmark_timing, TimeBenchmark.run
    except Exception:
        return  # another asv_runner: no calibration, samples as before

    def benchmark_timing(self, timer, *args, **kwargs):
        readings = []
        real_timeit = timer.timeit

        def timeit(number):
            readings.append(_calibrate())  # before each timed call, outside its timing
            return real_timeit(number)

        try:
            timer.timeit = timeit
        except Exception:
            return real_timing(self, timer, *args, **kwargs)  # samples as before, no readings
        samples, number = real_timing(self, timer, *args, **kwargs)
        readings.append(_calibrate())
        # the samples are the last timed calls: each gets the slower of its two readings
        n = len(samples)
        self._perfkit_calibration = [
            max(a, b) for a, b in zip(readings[-n - 1 : -1], readings[-n:])
        ]
        return samples, number

    def run(self, *param):
        self._perfkit_calibration = None
        result = real_run(self, *param)
        calibration = self._perfkit_calibration
        try:
            if calibration and len(result["samples"]) == len(calibration):
                line = {"name": self.name, "samples": result["samples"], "calibration": calibration}
                with open(CALIBRATION, "a") as out:
                    out.write(json.dumps(line) + "\\n")
        except Exception:
            pass  # the benchmark's own result stands without its calibration
        return result

    TimeBenchmark.benchmark_timing, TimeBenchmark.run = benchmark_timing, run


def _after_suite_import():
    if "numba" not in sys.modules:
        return
    try:
        from numba.core.registry import cpu_target

        cpu_target.typing_context.refresh()
        cpu_target.target_context.refresh()
    except Exception:
        pass  # another numba: the forked processes set it up themselves, as before


def _hook():
    try:
        import asv_runner.server as server

        real = server.disc_benchmarks
    except Exception:
        return

    def disc_benchmarks(*args, **kwargs):
        yield from real(*args, **kwargs)
        _after_suite_import()

    server.disc_benchmarks = disc_benchmarks


script = sys.argv[1]
sys.argv = sys.argv[1:]
sys.path[0] = os.path.dirname(os.path.abspath(script))  # as if the script ran itself
if sys.argv[1:2] == ["run_server"]:  # a spawned benchmark process has no server to set up
    _hook()
_hook_calibration()
runpy.run_path(script, run_name="__main__")
'''


def wrap(python: str, out_dir: Path) -> str:
    """An interpreter for asv's ``existing:`` environment that runs ``python`` (a real
    interpreter or a launcher script) as before, except asv's forkserver and the
    processes asv spawns to run one benchmark each, which it runs through
    :data:`BOOTSTRAP` (the numba set-up happens in the forkserver only)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    boot = out_dir.resolve() / BOOT_NAME
    boot.write_text(
        BOOTSTRAP.replace("CALIBRATION_NAME", CALIBRATION_NAME).replace(
            "CALIBRATION_LOOP", str(CALIBRATION_LOOP)
        )
    )
    path = out_dir.resolve() / WRAPPER_NAME
    py, b = shlex.quote(python), shlex.quote(str(boot))
    path.write_text(
        "#!/bin/sh\n# perfkit: asv's forkserver and spawned benchmark processes through the\n"
        "# preload bootstrap, all else (discovery, version checks) as is\n"
        f'case "$2" in run_server|run) exec {py} {b} "$@";; esac\n'
        f'exec {py} "$@"\n'
    )
    path.chmod(0o755)
    return str(path)


def _asv_path_name(python: str) -> str:
    """The part of an ``existing:`` environment's name asv derives from its interpreter."""
    return "py" + os.path.abspath(shutil.which(python) or python).replace(os.path.sep, "_")


def restore_env_name(result_file: Path, wrapper: str, python: str) -> None:
    """Give a round's result the environment name asv gives ``python`` itself, not the
    wrapper's (a per-round path): the wrapper is how the round ran, not what it measured."""
    try:
        data = json.loads(result_file.read_text())
    except (OSError, ValueError):
        return  # the reader reports what is wrong with the file
    name = data.get("env_name") if isinstance(data, dict) else None
    old, new = _asv_path_name(wrapper), _asv_path_name(python)
    if isinstance(name, str) and old in name:
        data["env_name"] = name.replace(old, new)
        write_text_atomic(result_file, json.dumps(data))


def calibration(out_dir: Path) -> dict[tuple[str, tuple[float, ...]], tuple[float, ...]]:
    """The calibration readings of a round's samples, by (benchmark, its samples as asv
    recorded them): a line that does not parse, or does not match a result, is ignored
    (those samples are judged without, as every sample from elsewhere is)."""
    out: dict[tuple[str, tuple[float, ...]], tuple[float, ...]] = {}
    try:
        lines = (out_dir / CALIBRATION_NAME).read_text().splitlines()
    except (OSError, UnicodeDecodeError):
        return out
    for line in lines:
        try:
            row = json.loads(line)
            samples = tuple(float(x) for x in row["samples"])
            readings = tuple(float(x) for x in row["calibration"])
            name = str(row["name"])
        except (ValueError, TypeError, KeyError):
            continue
        if len(samples) == len(readings) and all(x > 0 and x < float("inf") for x in readings):
            out[(name, samples)] = readings
    return out
