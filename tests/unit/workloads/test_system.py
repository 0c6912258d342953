"""System kernels against plain references, cache sizes from the machine, bad parameters."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from perfkit_workloads import cache, system
from perfkit_workloads.cache import (
    L3_SHARE_CAP,
    LEVELS,
    cache_sizes,
    chase,
    chase_ring,
    working_set,
)


def mix_reference(n_ops: int, seed: int) -> int:
    m = (1 << 64) - 1
    x, acc = (seed ^ 0x9E3779B97F4A7C15) & m, 0
    for _ in range(n_ops):
        x = (x * 6364136223846793005 + 1442695040888963407) & m
        y = x ^ (x >> 29)
        acc = (acc + (((y << 7) & m) | (y >> 57))) & m
    return acc


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 2000), st.integers(0, 2**32))
def test_cpu_kernel_matches_python(n_ops, seed):
    assert system.cpu_intensive(n_ops, seed) == mix_reference(n_ops, seed)


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 8), st.integers(1, 5000))
def test_concurrent_result_does_not_depend_on_thread_count(threads, n_ops):
    assert system.concurrent_stress(threads, n_ops) == system.concurrent_stress(1, n_ops)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 40), st.integers(1, 300))
def test_allocation_patterns_touch_exactly_what_they_claim(n_allocs, size):
    expected_sum = n_allocs * sum(range(0, size, 7))
    results = {p: system.allocation_pattern(p, n_allocs, size) for p in system.PATTERNS}
    assert all(r == (n_allocs * size * 8, expected_sum) for r in results.values()), results


def test_fragmentation_allocates_and_is_deterministic():
    assert system.memory_fragmentation(5, seed=1) == system.memory_fragmentation(5, seed=1) > 0


def test_stack_and_heap_variants_agree():
    data = np.random.default_rng(0).random(1000)
    ref = sum(
        (data[i] * data[i + 1] + data[i + 2] * data[i + 3]) / (1 + data[i] + data[i + 3])
        for i in range(len(data) - 3)
    )
    assert system.window_stack(data) == pytest.approx(ref) == system.window_heap(data)


def test_cache_sizes_come_from_the_machine_and_grow():
    sizes = cache_sizes()
    assert 0 < sizes["L1"] < sizes["L2"] < sizes["L3"]
    sets = [working_set(level) for level in LEVELS]
    l3_share = min(sizes["L3"], L3_SHARE_CAP)
    assert sets == sorted(sets) and sets[-1] > l3_share and sets[2] < l3_share


def test_a_vms_whole_socket_l3_is_not_taken_for_one_cores_share(monkeypatch):
    """One 2-core VM reported 480 MiB of L3: a 2 GiB DRAM ring made asv time out."""
    monkeypatch.setattr(
        cache, "cache_sizes", lambda: {"L1": 48 << 10, "L2": 2 << 20, "L3": 480 << 20}
    )
    assert working_set("L3") == L3_SHARE_CAP // 2 and working_set("DRAM") == 8 * L3_SHARE_CAP
    monkeypatch.setattr(
        cache, "cache_sizes", lambda: {"L1": 32 << 10, "L2": 1 << 20, "L3": 4 << 20}
    )
    assert working_set("L3") == 2 << 20 and working_set("DRAM") == 32 << 20


def test_a_ring_is_built_once_per_process_and_cannot_be_changed():
    ring = chase_ring("L2", seed=7)
    assert chase_ring("L2", seed=7) is ring and not ring.flags.writeable
    with pytest.raises(ValueError):
        ring[0] = 0


@pytest.mark.parametrize("level", ["L1", "L2"])
def test_chase_ring_is_one_cycle_through_every_slot(level):
    ring = chase_ring(level, seed=4)
    seen, j = np.zeros(len(ring), bool), 0
    for _ in range(len(ring)):
        assert not seen[j]
        seen[j] = True
        j = ring[j]
    assert j == 0 and seen.all()
    assert chase(ring, len(ring)) == 0 and chase(ring, 5) == chase(ring, 2, chase(ring, 3))


def test_async_benchmark_awaits_every_task():
    assert system.async_tasks(500) == sum(range(500))


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: system.cpu_intensive(0), "n_ops"),
        (lambda: system.concurrent_stress(0, 10), "n_threads"),
        (lambda: system.concurrent_stress(9, 10), "n_threads"),
        (lambda: system.allocation_pattern("random", 1, 1), "pattern"),
        (lambda: system.allocation_pattern("chunked", 0, 1), "n_allocs"),
        (lambda: system.memory_fragmentation(0), "cycles"),
        (lambda: working_set("L4"), "level"),
        (lambda: system.async_tasks(0), "n_tasks"),
        (lambda: chase(np.arange(4), 0), "steps"),
    ],
)
def test_bad_parameters_name_the_parameter(call, name):
    with pytest.raises(ValueError, match=name):
        call()
