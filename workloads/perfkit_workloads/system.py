"""System kernels: CPU-bound work, allocation patterns, concurrent stress, fragmentation,
stack vs heap, and asyncio task overhead (plain Python: numba cannot do async)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from numba import njit, uint64

PATTERNS = ("sequential", "scattered", "chunked")
MAX_THREADS = 8


def _positive(name: str, value: int, high: int | None = None) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | np.integer)
        or value < 1
        or (high is not None and value > high)
    ):
        bound = f" and <= {high}" if high is not None else ""
        raise ValueError(f"{name} must be an integer >= 1{bound}, got {value!r}")
    return int(value)


@njit(cache=True, nogil=True)
def _mix(n_ops, seed):
    """n_ops rounds of integer mixing (multiply, xor-shift, rotate): pure ALU work."""
    x = uint64(seed) ^ uint64(0x9E3779B97F4A7C15)
    acc = uint64(0)
    for _ in range(n_ops):
        x = x * uint64(6364136223846793005) + uint64(1442695040888963407)
        y = x ^ (x >> uint64(29))
        acc += (y << uint64(7)) | (y >> uint64(57))
    return acc


def cpu_intensive(n_ops: int, seed: int = 0) -> int:
    """Call site of the CPU kernel."""
    return int(_mix(_positive("n_ops", n_ops), seed))


@njit(cache=True)
def _allocate(pattern, n_allocs, size):
    """Allocate ``n_allocs`` buffers of ``size`` int64 and write every element once; all stay
    alive until a final pass reads them back (so nothing can be optimised away).
    Returns (bytes touched, checksum)."""
    bufs = [np.empty(1, np.int64) for _ in range(0)]
    if pattern == 0:  # sequential: one buffer after another, front to back
        for _ in range(n_allocs):
            buf = np.empty(size, np.int64)
            for i in range(size):
                buf[i] = i
            bufs.append(buf)
    elif pattern == 1:  # scattered: all allocated first, then written in a seeded random order
        for _ in range(n_allocs):
            bufs.append(np.empty(size, np.int64))
        for k in np.random.permutation(n_allocs * size):
            bufs[k // size][k % size] = k % size
    else:  # chunked: one allocation carved into n_allocs slices
        chunk = np.empty(n_allocs * size, np.int64)
        for a in range(n_allocs):
            part = chunk[a * size : (a + 1) * size]
            for i in range(size):
                part[i] = i
            bufs.append(part)
    touched = 0
    checksum = 0
    for b in bufs:
        touched += b.nbytes
        for i in range(0, size, 7):
            checksum += b[i]
    return touched, checksum


@njit(cache=True)
def _seed(seed):
    np.random.seed(seed)


def allocation_pattern(pattern: str, n_allocs: int, size: int, seed: int = 0) -> tuple[int, int]:
    """Call site of the allocation kernel; returns (bytes touched, checksum). The checksum
    is the same for every pattern: each buffer holds 0..size-1."""
    if pattern not in PATTERNS:
        raise ValueError(f"pattern must be one of {', '.join(PATTERNS)}, got {pattern!r}")
    _seed(seed)
    touched, checksum = _allocate(
        PATTERNS.index(pattern), _positive("n_allocs", n_allocs), _positive("size", size)
    )
    return int(touched), int(checksum)


def concurrent_stress(n_threads: int, n_ops: int, seed: int = 0) -> int:
    """Call site of concurrent stress: ``n_threads`` threads run the nogil CPU kernel on
    their share; the combined checksum does not depend on the number of threads."""
    _positive("n_threads", n_threads, MAX_THREADS)
    _positive("n_ops", n_ops)
    shares = [
        (k, n_ops // MAX_THREADS + (1 if k < n_ops % MAX_THREADS else 0))
        for k in range(MAX_THREADS)
    ]
    work = [(k, n) for k, n in shares if n > 0]
    with ThreadPoolExecutor(max_workers=n_threads) as pool:
        parts = list(pool.map(lambda kn: int(_mix(kn[1], seed + kn[0])), work))
    return sum(parts) % (1 << 64)


@njit(cache=True)
def _fragment(cycles, slots, max_size, seed):
    """Each cycle frees a random half of the live buffers and allocates new ones of random
    sizes in their place, so the heap fragments. Returns total bytes allocated."""
    np.random.seed(seed)
    live = [np.zeros(1, np.int64) for _ in range(slots)]
    total = 0
    for _ in range(cycles):
        for s in range(slots):
            if np.random.random() < 0.5:
                size = 1 + np.random.randint(0, max_size)
                buf = np.empty(size, np.int64)
                buf[0] = size
                live[s] = buf  # the old buffer is freed here
                total += size * 8
    return total


def memory_fragmentation(cycles: int, slots: int = 256, max_size: int = 4096, seed: int = 0) -> int:
    """Call site of the fragmentation kernel."""
    return int(
        _fragment(
            _positive("cycles", cycles),
            _positive("slots", slots),
            _positive("max_size", max_size),
            seed,
        )
    )


@njit(cache=True, nogil=True)
def _stack(data):
    """Sliding window of 4 kept in local scalars (registers / stack)."""
    total = 0.0
    for i in range(data.shape[0] - 3):
        a, b, c, d = data[i], data[i + 1], data[i + 2], data[i + 3]
        total += (a * b + c * d) / (1.0 + a + d)
    return total


@njit(cache=True, nogil=True)
def _heap(data):
    """The same window copied into a freshly allocated heap array every step."""
    total = 0.0
    for i in range(data.shape[0] - 3):
        w = np.empty(4)
        for k in range(4):
            w[k] = data[i + k]
        total += (w[0] * w[1] + w[2] * w[3]) / (1.0 + w[0] + w[3])
    return total


def window_stack(data: np.ndarray) -> float:
    """Call site of the stack (locals) variant."""
    return float(_stack(data))


def window_heap(data: np.ndarray) -> float:
    """Call site of the heap (per-step allocation) variant."""
    return float(_heap(data))


async def _task(i: int) -> int:
    await asyncio.sleep(0)
    return i


async def _spawn(n: int) -> int:
    return sum(await asyncio.gather(*(asyncio.create_task(_task(i)) for i in range(n))))


def async_tasks(n_tasks: int) -> int:
    """Spawn ``n_tasks`` asyncio tasks that each yield once, and await them all."""
    return asyncio.run(_spawn(_positive("n_tasks", n_tasks)))
