"""Run the driver under py-spy (CPU) or with memray's Tracker (memory), turning every
failure into one ProfilerError line."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from perfkit.errors import BenchmarkNotFoundError, ProfilerError, ToolMissingError
from perfkit.ingest.names import parse_full_name
from perfkit.profile import driver
from perfkit.profile.folded import Profile, parse

# py-spy in non-blocking mode never pauses the target, so timings are not distorted;
# 199 Hz avoids aliasing with 100 Hz / 1 kHz periodic work.
DEFAULT_RATE = 199
PTRACE_HINT = (
    "py-spy is not permitted to attach (ptrace): run as root, set "
    "kernel.yama.ptrace_scope=0, or give the container the SYS_PTRACE capability"
)


@dataclass(frozen=True)
class Target:
    tree: Path  # source tree: benchmarks/ and, without ``python``, the package under test
    name: str  # full benchmark name
    benchmark_dir: str = "benchmarks"
    python: str | None = None  # a built side's interpreter (None: this one, the tree first)

    @property
    def root(self) -> Path:
        return self.tree / self.benchmark_dir


def _tool(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
    if not found:
        raise ToolMissingError(f"{name} is not installed (pip install {name})")
    return found


def _driver_cmd(target: Target, mode: str, extra: list[str]) -> list[str]:
    """The driver runs by path (-P: its folder not on sys.path) so the tree's packages win."""
    base, params = parse_full_name(target.name)
    return [
        target.python or sys.executable,
        "-P",
        driver.__file__,
        "--root",
        str(target.root),
        "--benchmark",
        base,
        "--values",
        json.dumps([v for _k, v in params]),
        "--mode",
        mode,
        *extra,
    ]


def _env(target: Target) -> dict[str, str]:
    from perfkit.measure.sides import source_roots

    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "ASV_PYTHONPATH")}
    if target.python is None:  # the checkout first; a built side imports its own build
        env["PYTHONPATH"] = os.pathsep.join(str(r) for r in source_roots(target.tree))
    env["RUST_BACKTRACE"] = "0"  # a py-spy panic should be one line, not a backtrace
    return env


def _check_driver(proc: subprocess.CompletedProcess, target: Target, what: str) -> None:
    lines = [
        ln for ln in (proc.stderr or "").splitlines() if ln.strip() and not ln.startswith("py-spy>")
    ]
    missing = [ln for ln in lines if ln.startswith(driver.NOT_FOUND)]
    if missing:
        raise BenchmarkNotFoundError(missing[-1][len(driver.NOT_FOUND) :])
    last = lines[-1] if lines else f"exit code {proc.returncode}"
    if any("Permission denied" in ln or "Operation not permitted" in ln for ln in lines):
        raise ProfilerError(PTRACE_HINT)
    if proc.returncode != 0:
        raise ProfilerError(f"{what} of {target.name} failed: {last}")


def profile_cpu(
    target: Target,
    out_dir: Path,
    label: str,
    *,
    seconds: float = 3.0,
    rate: int = DEFAULT_RATE,
    native: bool = False,
) -> tuple[Profile, Path]:
    """Folded stacks of the measured region, per side; returns the profile and the raw file."""
    out_dir.mkdir(parents=True, exist_ok=True)
    raw, stats = out_dir / f"cpu-{label}.folded.txt", out_dir / f".calls-{label}.json"
    raw.unlink(missing_ok=True)
    cmd = [
        _tool("py-spy"),
        "record",
        "--rate",
        str(rate),
        "--nonblocking",
        "--nolineno",
        "--format",
        "raw",
        "--output",
        str(raw),
        *(["--native"] if native else []),
        "--",
        *_driver_cmd(target, "cpu", ["--seconds", str(seconds), "--stats-out", str(stats)]),
    ]
    proc = subprocess.run(cmd, env=_env(target), capture_output=True, text=True, check=False)
    _check_driver(proc, target, "py-spy record")
    if not stats.exists():  # py-spy exits 0 even when its target failed
        raise ProfilerError(f"{target.name} ({label}): the profiled process died before finishing")
    if not raw.exists():
        raise ProfilerError(f"{target.name} ({label}): exited too fast for py-spy to take a sample")
    calls = json.loads(stats.read_text())["calls"]
    stats.unlink()
    stacks = parse(raw.read_text(), source=str(raw), strip_prefixes=[str(target.tree)])
    if not stacks:
        raise ProfilerError(f"{target.name} ({label}): no sample fell inside the measured region")
    return Profile(stacks, calls, rate), raw


@dataclass(frozen=True)
class MemoryStats:
    peak_bytes: int  # heap high-water mark (memray), not RSS
    allocations: int


def profile_memory(target: Target, out_dir: Path, label: str) -> tuple[MemoryStats, Path, Path]:
    """memray around one call of the body; writes the flamegraph (offline) and stats JSON."""
    try:
        import memray  # noqa: F401
    except ImportError:
        raise ToolMissingError(
            "memray is not installed or not supported on this platform"
        ) from None
    if target.python is not None:
        _ensure_memray(target.python)
    out_dir.mkdir(parents=True, exist_ok=True)
    capture = out_dir / f".memray-{label}.bin"
    capture.unlink(missing_ok=True)
    proc = subprocess.run(
        _driver_cmd(target, "memory", ["--memray-out", str(capture)]),
        env=_env(target),
        capture_output=True,
        text=True,
        check=False,
    )
    _check_driver(proc, target, "memray")
    html, stats_json = out_dir / f"memory-{label}.html", out_dir / f"memory-{label}.stats.json"
    _memray("flamegraph", "--no-web", "--force", "-o", str(html), str(capture), target=target)
    stats = read_memory_stats(capture)
    try:
        _memray("stats", "--json", "--force", "-o", str(stats_json), str(capture), target=target)
    except ProfilerError:  # memray stats cannot histogram a run without allocations
        stats_json.write_text(
            json.dumps(
                {
                    "metadata": {"peak_memory": stats.peak_bytes},
                    "total_num_allocations": stats.allocations,
                }
            )
        )
    capture.unlink(missing_ok=True)
    return stats, html, stats_json


def _ensure_memray(python: str) -> None:
    """A built side's environment (perfkit's own slot) gets the memray this process reads
    captures with, pinned to the same version so the capture format matches."""
    import importlib.metadata

    version = importlib.metadata.version("memray")
    probe = f"import memray, sys; sys.exit(memray.__version__ != {version!r})"
    if subprocess.run([python, "-c", probe], capture_output=True, check=False).returncode == 0:
        return
    proc = subprocess.run(
        [python, "-m", "pip", "install", "-q", f"memray=={version}"],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise ToolMissingError(f"memray {version} could not be installed into {python}: {last}")


def read_memory_stats(capture: Path) -> MemoryStats:
    import memray

    with memray.FileReader(str(capture)) as reader:
        meta = reader.metadata
        return MemoryStats(
            peak_bytes=int(meta.peak_memory), allocations=int(meta.total_allocations)
        )


def _memray(*args: str, target: Target) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "memray", *args], capture_output=True, text=True, check=False
    )
    if run.returncode != 0:
        last = (run.stderr.strip().splitlines() or ["no output"])[-1]
        raise ProfilerError(f"memray {args[0]} failed for {target.name}: {last}")
