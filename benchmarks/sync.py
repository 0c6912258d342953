"""Sync benchmarks: block validation, parallel validation, checkpoints, sync from peers
with failures, memory during sync, transaction throughput. Thin wrappers: the work is in
perfkit_workloads (numba kernels); chains are built in setup, never in the timed body."""

import time

from perfkit_workloads.chain import (
    build_chain,
    make_checkpoints,
    validate_chain,
    verify_checkpoints,
)
from perfkit_workloads.sync import sync_chain, validate_parallel


def _rate(fn, count, repeat=3):
    """Items per second of ``fn`` (best of ``repeat``), for track_ benchmarks."""
    best = min(_timed(fn) for _ in range(repeat))
    return count / best


def _timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


class BlockProcessingRate:
    """Validation (hashes, Merkle roots, links) of 5,000 blocks of 100 transactions."""

    def setup(self):
        self.chain = build_chain(5000, 100, seed=1)
        validate_chain(self.chain)

    def time_validate_chain(self):
        validate_chain(self.chain)

    def track_blocks_per_second(self):
        return _rate(lambda: validate_chain(self.chain), self.chain.length)

    track_blocks_per_second.unit = "blocks/s"


class ParallelBlockProcessing:
    params = [1, 2, 8]
    param_names = ["workers"]

    def setup(self, workers):
        self.chain = build_chain(40000, 20, seed=2)
        validate_parallel(self.chain, workers)

    def time_validate_parallel(self, workers):
        validate_parallel(self.chain, workers)


class CheckpointValidation:
    params = [10, 50, 250]
    param_names = ["interval"]

    def setup(self, interval):
        self.chain = build_chain(300_000, 1, seed=3)
        self.trusted = make_checkpoints(self.chain, interval)
        verify_checkpoints(self.chain, interval, self.trusted)

    def time_verify_checkpoints(self, interval):
        verify_checkpoints(self.chain, interval, self.trusted)


class NetworkFailureResilience:
    params = [0.0, 0.05, 0.2]
    param_names = ["failure_rate"]

    def setup(self, failure_rate):
        self.chain = build_chain(15000, 20, seed=4)
        sync_chain(self.chain, 4, failure_rate)

    def time_sync(self, failure_rate):
        sync_chain(self.chain, 4, failure_rate, seed=5)


class PeerCoordination:
    params = [1, 4, 10]
    param_names = ["peers"]

    def setup(self, peers):
        self.chain = build_chain(15000, 20, seed=6)
        sync_chain(self.chain, peers, 0.05)

    def time_sync(self, peers):
        sync_chain(self.chain, peers, 0.05, seed=7)


class MemoryUsageDuringSync:
    params = [16, 256]
    param_names = ["batch"]

    def setup(self, batch):
        self.chain = build_chain(20000, 20, seed=8)
        sync_chain(build_chain(10, 1), 2, 0.0, batch=batch)

    def peakmem_sync(self, batch):
        sync_chain(self.chain, 4, 0.05, batch=batch)


class TransactionThroughput:
    params = [1, 10, 100]
    param_names = ["tx_per_block"]

    def setup(self, tx_per_block):
        self.chain = build_chain(200_000 // tx_per_block, tx_per_block, seed=9)
        validate_chain(self.chain)

    def time_validate(self, tx_per_block):
        validate_chain(self.chain)

    def track_tx_per_second(self, tx_per_block):
        return _rate(lambda: validate_chain(self.chain), int(self.chain.tx_count.sum()))

    track_tx_per_second.unit = "tx/s"
