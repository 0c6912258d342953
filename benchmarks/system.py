"""System benchmarks: CPU-bound kernels, allocation patterns, concurrent stress,
fragmentation, stack vs heap, cache levels (sizes read from this machine) and asyncio task
overhead. Thin wrappers around perfkit_workloads."""

import time

import numpy as np
from perfkit_workloads import system
from perfkit_workloads.cache import LEVELS, chase, chase_ring

TOTAL_OPS = 4_000_000


class CpuIntensiveOperations:
    params = [1_000, 100_000, 1_000_000]
    param_names = ["ops"]

    def setup(self, ops):
        system.cpu_intensive(10)
        self.calls = TOTAL_OPS // ops

    def time_cpu(self, ops):
        """The same total work, cut into calls of ``ops`` operations (1K-1M)."""
        for _ in range(self.calls):
            system.cpu_intensive(ops)


class MemoryAllocationPatterns:
    params = list(system.PATTERNS)
    param_names = ["pattern"]

    def setup(self, pattern):
        system.allocation_pattern(pattern, 4, 16)

    def time_allocate(self, pattern):
        system.allocation_pattern(pattern, 600, 4000)

    def peakmem_allocate(self, pattern):
        system.allocation_pattern(pattern, 100, 10_000)


class ConcurrentStressTesting:
    params = [1, 2, 8]
    param_names = ["threads"]

    def setup(self, threads):
        system.concurrent_stress(threads, 1000)

    def time_stress(self, threads):
        system.concurrent_stress(threads, 12_000_000)


class MemoryFragmentation:
    def setup(self):
        system.memory_fragmentation(2)

    def time_fragmentation(self):
        system.memory_fragmentation(150)


class StackVsHeapPerformance:
    params = ["stack", "heap"]
    param_names = ["variant"]

    def setup(self, variant):
        self.data = np.random.default_rng(0).random(2_000_000 if variant == "stack" else 300_000)
        self.run = system.window_stack if variant == "stack" else system.window_heap
        self.run(self.data[:100])

    def time_window(self, variant):
        self.run(self.data)


class CachePerformanceAnalysis:
    params = list(LEVELS)
    param_names = ["level"]
    steps = {"L1": 3_000_000, "L2": 1_500_000, "L3": 200_000, "DRAM": 60_000}

    def setup(self, level):
        self.ring = chase_ring(level)
        # one full lap brings a cache-sized ring into its cache; DRAM's cannot fit anyway
        self.pos = chase(self.ring, len(self.ring) if level != "DRAM" else 1000)

    def time_chase(self, level):
        self.pos = chase(self.ring, self.steps[level], self.pos)

    def track_ns_per_load(self, level):
        n = self.steps[level]
        start = time.perf_counter()
        self.pos = chase(self.ring, n, self.pos)
        return (time.perf_counter() - start) / n * 1e9

    track_ns_per_load.unit = "ns/load"


class AsyncTaskOverhead:
    params = [100, 2000]
    param_names = ["tasks"]

    def setup(self, tasks):
        system.async_tasks(10)
        self.rounds = 4_000 // tasks

    def time_spawn_and_await(self, tasks):
        for _ in range(self.rounds):
            system.async_tasks(tasks)
