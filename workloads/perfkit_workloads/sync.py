"""Syncing a chain from simulated peers, and validating it in parallel.

Sync: the node asks peers, round-robin, for batches of consecutive blocks. Each request
fails with a seeded probability (0-20 %); a failed batch is asked again from the next
peer. Batches are applied strictly in height order after validation, so nothing is lost or
applied twice (``applied`` counts how often each height was applied: all ones).

Parallel validation splits the block range into one contiguous slice per worker thread;
the kernels release the GIL, and the result (first invalid height) is exactly the serial
one because every slice recomputes the hash of the block before it.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from numba import njit, uint64

from perfkit_workloads.chain import Chain, validate_range

MAX_PEERS = 10
MAX_WORKERS = 8


@dataclass(frozen=True)
class SyncResult:
    chain: Chain  # what the node ended with
    applied: np.ndarray  # times each height was applied (1 everywhere on success)
    requests: int  # batch requests sent, retries included
    failures: int  # requests that failed and were re-sent
    per_peer: np.ndarray  # successful batches served by each peer


@njit(inline="always", cache=True)
def _splitmix(x):
    x = x + uint64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> uint64(30))) * uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> uint64(27))) * uint64(0x94D049BB133111EB)
    return x ^ (x >> uint64(31))


@njit(cache=True, nogil=True)
def _sync(
    src_headers,
    src_hashes,
    src_start,
    src_count,
    src_txs,
    headers,
    hashes,
    starts,
    counts,
    txs,
    applied,
    per_peer,
    n_peers,
    failure_rate,
    batch,
    seed,
):
    n = src_hashes.shape[0]
    threshold = (
        uint64(failure_rate * 18446744073709551615.0)
        if failure_rate < 1.0
        else uint64(0xFFFFFFFFFFFFFFFF)
    )
    requests = 0
    failures = 0
    peer = 0
    tx_cursor = 0
    lo = 0
    while lo < n:
        hi = min(lo + batch, n)
        requests += 1
        draw = _splitmix(uint64(seed) * uint64(1_000_003) + uint64(requests))
        peer_now = peer
        peer = (peer + 1) % n_peers
        if failure_rate > 0.0 and draw < threshold:
            failures += 1
            continue  # lost in the network: ask the next peer for the same batch
        # receive: copy the batch from the peer (all peers serve the source chain)
        for i in range(lo, hi):
            for w in range(4):
                headers[i, w] = src_headers[i, w]
            hashes[i] = src_hashes[i]
            starts[i] = tx_cursor
            counts[i] = src_count[i]
            for k in range(src_count[i] * 8):
                txs[tx_cursor * 8 + k] = src_txs[src_start[i] * 8 + k]
            tx_cursor += src_count[i]
        # validate against what is already applied, then apply
        bad = validate_range(headers, hashes, starts, counts, txs, lo, hi)
        if bad != -1:
            return -bad - 2, requests, failures
        for i in range(lo, hi):
            applied[i] += 1
        per_peer[peer_now] += 1
        lo = hi
    return 0, requests, failures


def _check(name: str, value, low, high) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float | np.integer | np.floating)
        or not low <= value <= high
    ):
        raise ValueError(f"{name} must be between {low} and {high}, got {value!r}")


def sync_chain(
    source: Chain, n_peers: int, failure_rate: float, *, batch: int = 64, seed: int = 0
) -> SyncResult:
    """Call site of the sync kernel: fetch ``source`` from ``n_peers`` peers."""
    _check("n_peers", n_peers, 1, MAX_PEERS)
    _check("failure_rate", failure_rate, 0.0, 1.0)
    _check("batch", batch, 1, 1 << 20)
    n = source.length
    local = Chain(
        np.zeros_like(source.headers),
        np.zeros_like(source.hashes),
        np.zeros_like(source.tx_start),
        np.zeros_like(source.tx_count),
        np.zeros_like(source.txs),
    )
    applied = np.zeros(n, np.int64)
    per_peer = np.zeros(n_peers, np.int64)
    status, requests, failures = _sync(
        source.headers,
        source.hashes,
        source.tx_start,
        source.tx_count,
        source.txs,
        local.headers,
        local.hashes,
        local.tx_start,
        local.tx_count,
        local.txs,
        applied,
        per_peer,
        n_peers,
        float(failure_rate),
        batch,
        seed,
    )
    if status != 0:
        raise ValueError(f"peers served an invalid block at height {-status - 2}")
    return SyncResult(local, applied, requests, failures, per_peer)


def validate_parallel(chain: Chain, workers: int) -> int:
    """Call site of parallel validation: first invalid height (-1 if none), as serial."""
    _check("workers", workers, 1, MAX_WORKERS)
    n = chain.length
    bounds = np.linspace(0, n, workers + 1).astype(np.int64)

    def part(k: int) -> int:
        return int(
            validate_range(
                chain.headers,
                chain.hashes,
                chain.tx_start,
                chain.tx_count,
                chain.txs,
                bounds[k],
                bounds[k + 1],
            )
        )

    if workers == 1:
        return part(0)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        found = [r for r in pool.map(part, range(workers)) if r != -1]
    return min(found) if found else -1
