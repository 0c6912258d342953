"""Where a run was measured: pyperf's own metadata collection, and the warnings that
matter when two sides were measured on differently configured or untuned systems."""

from __future__ import annotations

from collections.abc import Mapping

# keys whose difference between base and head makes timings differ for other reasons
RELEVANT = (
    "hostname",
    "cpu_model_name",
    "cpu_count",
    "cpu_freq",
    "cpu_config",
    "cpu_affinity",
    "isolated_cpus",
    "aslr",
    "python_implementation",
    "python_version",
    "python_compiler",
    "python_cflags",
    "platform",
    "perf_version",
)
# keys whose difference makes stored timings useless here: other hardware or another Python
HARDWARE = ("cpu_model_name", "cpu_count", "python_implementation", "python_version")
HIGH_LOAD = 1.0  # load average per logical CPU considered "busy"


def collect() -> dict[str, str]:
    """This machine's and this Python's benchmark-relevant metadata: pyperf's (a private
    module of pyperf 2.x, the richest source), else the essentials from the standard library."""
    try:
        from pyperf._collect_metadata import collect_metadata

        meta = collect_metadata()
    except (ImportError, AttributeError, OSError):  # another pyperf, or a sandbox it cannot read
        meta = basic_metadata()
    meta.pop("date", None)
    meta.pop("uptime", None)
    return {str(k): str(v) for k, v in meta.items()}


def basic_metadata() -> dict[str, str]:
    """What decides timings, without pyperf: CPU model and count, Python, host, load."""
    import os
    import platform
    import sys

    meta = {
        "hostname": platform.node(),
        "cpu_count": str(os.cpu_count() or 1),
        "platform": platform.platform(),
        "python_implementation": platform.python_implementation().lower(),
        "python_version": ".".join(map(str, sys.version_info[:3]))
        + f" ({platform.architecture()[0].replace('bit', '-bit')})",
    }
    try:
        with open("/proc/cpuinfo") as f:
            model = next(
                (ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), None
            )
        if model:
            meta["cpu_model_name"] = model
        meta["load_avg_1min"] = f"{os.getloadavg()[0]:.2f}"
    except OSError:
        pass
    return meta


def compare_environments(base: Mapping[str, str], head: Mapping[str, str]) -> list[str]:
    """One warning per relevant key that differs between the two sides."""
    out = []
    for key in RELEVANT:
        b, h = base.get(key), head.get(key)
        if b is not None and h is not None and b != h:
            out.append(
                f"base and head were measured on differently configured systems: "
                f"{key} {b!r} (base) vs {h!r} (head)"
            )
    return out


def hardware_differences(stored: Mapping[str, str], here: Mapping[str, str]) -> list[str]:
    """How the machine a baseline was taken on differs from this one in what decides its
    timings ("cpu_model_name 'AMD EPYC' vs 'Intel Xeon'"); empty when it does not, or
    when the baseline does not say."""
    return [
        f"{key} {stored[key]!r} vs {here[key]!r}"
        for key in HARDWARE
        if stored.get(key) is not None and here.get(key) is not None and stored[key] != here[key]
    ]


def tuning_warnings(env: Mapping[str, str]) -> list[str]:
    """What `pyperf system show` would advise about this system (one line each)."""
    out = []
    if "Full randomization" in env.get("aslr", ""):
        out.append("ASLR is enabled (full randomization): memory layout varies between processes")
    # pyperf records isolated_cpus only when some are; a file from another tool (asv,
    # pytest-benchmark) says nothing about it, which is no reason to warn
    if not env.get("isolated_cpus") and ("aslr" in env or "cpu_config" in env):
        out.append("no CPU is isolated (isolcpus): other work shares the benchmark's cores")
    config = env.get("cpu_config", "")
    if "governor" in config and "performance" not in config:
        out.append(f"CPU frequency governor is not 'performance' ({config})")
    try:
        load = float(env.get("load_avg_1min", "0"))
        cpus = max(1, int(env.get("cpu_count", "1")))
        if load / cpus > HIGH_LOAD:
            out.append(
                f"the system was busy while measuring (load average {load:.1f} on {cpus} CPUs)"
            )
    except ValueError:
        pass
    return out
