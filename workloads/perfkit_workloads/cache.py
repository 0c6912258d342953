"""Cache behaviour: dependent loads (pointer chasing) over working sets sized to fit each
level of this machine's cache hierarchy, read from the machine, never hard-coded."""

from __future__ import annotations

import os
import re
import subprocess
from functools import cache
from pathlib import Path

import numpy as np
from numba import njit

LEVELS = ("L1", "L2", "L3", "DRAM")
_SYSCONF = {
    "L1": "SC_LEVEL1_DCACHE_SIZE",
    "L2": "SC_LEVEL2_CACHE_SIZE",
    "L3": "SC_LEVEL3_CACHE_SIZE",
}
_UNITS = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}


def _from_sysconf() -> dict[str, int]:
    out = {}
    for level, name in _SYSCONF.items():
        try:
            value = os.sysconf(name)
        except (ValueError, OSError):
            continue
        if value > 0:
            out[level] = value
    return out


def _parse_size(text: str) -> int | None:
    m = re.match(r"\s*(\d+)\s*([KMG])?", text)
    return int(m.group(1)) * _UNITS.get(m.group(2) or "", 1) if m else None


def _from_sysfs() -> dict[str, int]:
    out = {}
    for index in sorted(Path("/sys/devices/system/cpu/cpu0/cache").glob("index*")):
        try:
            level = (index / "level").read_text().strip()
            kind = (index / "type").read_text().strip()
            size = _parse_size((index / "size").read_text())
        except OSError:
            continue
        if kind in ("Data", "Unified") and size:
            out[f"L{level}"] = size
    return out


def _from_lscpu() -> dict[str, int]:
    try:
        text = subprocess.run(["lscpu", "-B"], capture_output=True, text=True, check=False).stdout
    except OSError:
        return {}
    out = {}
    for label, level in (("L1d cache", "L1"), ("L2 cache", "L2"), ("L3 cache", "L3")):
        m = re.search(rf"^{label}:\s+(\d+)\s*(?:\((\d+) instances?\))?", text, re.M)
        if m:  # lscpu gives the total over all instances; a core sees one
            out[level] = int(m.group(1)) // int(m.group(2) or 1)
    return out


@cache
def cache_sizes() -> dict[str, int]:
    """Bytes per core of L1d, L2 and L3 (sysconf, then sysfs, then lscpu)."""
    for source in (_from_sysconf, _from_sysfs, _from_lscpu):
        sizes = source()
        if all(level in sizes for level in ("L1", "L2", "L3")):
            return sizes
    raise RuntimeError("cannot read this machine's cache sizes (sysconf, sysfs and lscpu failed)")


# A VM reports its host socket's whole L3 (480 MiB on one 2-core VM here) although other
# tenants' cores share it: there a 240 MiB "L3" ring ran at DRAM latency (190 ns/load) and
# building a 2 GiB "DRAM" ring made asv time out. A core's realistic share is a few MiB.
L3_SHARE_CAP = 16 << 20


def working_set(level: str) -> int:
    """Bytes of a working set that fits ``level`` (half of it; of L3, half of at most
    ``L3_SHARE_CAP``), or clearly exceeds that L3 share (8 times it) for DRAM."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}, got {level!r}")
    sizes = dict(cache_sizes())
    sizes["L3"] = min(sizes["L3"], L3_SHARE_CAP)
    return 8 * sizes["L3"] if level == "DRAM" else sizes[level] // 2


@njit(cache=True)
def _single_cycle(n, seed):
    """Sattolo's algorithm: a random permutation that is one cycle through all n slots."""
    np.random.seed(seed)
    perm = np.arange(n, dtype=np.int64)
    for i in range(n - 1, 0, -1):
        j = np.random.randint(0, i)
        perm[i], perm[j] = perm[j], perm[i]
    return perm


@cache
def chase_ring(level: str, seed: int = 0) -> np.ndarray:
    """A pointer-chasing ring filling the working set of ``level`` (8-byte slots); built
    once per process (asv runs setup before every sample) and read-only, as it is shared."""
    ring = _single_cycle(max(working_set(level) // 8, 16), seed)
    ring.flags.writeable = False
    return ring


@njit(cache=True, nogil=True)
def _chase(ring, steps, j):
    for _ in range(steps):
        j = ring[j]  # each load depends on the previous one: latency, not bandwidth
    return j


def chase(ring: np.ndarray, steps: int, start: int = 0) -> int:
    """Call site of the pointer-chase kernel: follow ``steps`` links from ``start``; returns
    where it stopped (continue from there so every step is a fresh dependent load)."""
    if steps < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    if not 0 <= start < ring.shape[0]:
        raise ValueError(f"start must be a slot of the ring (0..{ring.shape[0] - 1}), got {start}")
    return int(_chase(ring, steps, start))
