"""A chain of blocks in numpy arrays, and its validation (numba).

Block i has a header (height, parent hash, timestamp, tx Merkle root), a claimed hash, and
1-100 transactions of TX_WORDS little-endian uint64 words (64 bytes) each. A block is valid
when its height is i, its parent is the recomputed hash of block i-1 (0 for genesis), its
tx root is the Merkle root of its transactions and its claimed hash is the hash of its
header. Checkpoints every K blocks commit to a rolling hash of the header hashes since
the previous checkpoint.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit, uint64

from perfkit_workloads.hashing import xxh64_words

TX_WORDS = 8  # 64-byte transactions
H_HEIGHT, H_PARENT, H_TIME, H_ROOT = 0, 1, 2, 3  # header words
VALID = -1
MAX_TX = 100
PAIR = 128  # scratch slots [0, MAX_TX) hold a level of the Merkle tree
SCRATCH = PAIR + 2


@dataclass(frozen=True)
class Chain:
    headers: np.ndarray  # (n, 4) uint64: height, parent hash, timestamp, tx root
    hashes: np.ndarray  # (n,) uint64: claimed header hashes
    tx_start: np.ndarray  # (n,) int64: first transaction of each block
    tx_count: np.ndarray  # (n,) int64
    txs: np.ndarray  # (total_tx * TX_WORDS,) uint64

    @property
    def length(self) -> int:
        return int(self.hashes.shape[0])

    @property
    def nbytes(self) -> int:
        """Block data validated: headers plus transactions."""
        return int(self.headers.nbytes + self.txs.nbytes)

    def copy(self) -> Chain:
        return Chain(
            *(a.copy() for a in (self.headers, self.hashes, self.tx_start, self.tx_count, self.txs))
        )


@njit(cache=True, nogil=True)
def header_hash(headers, i):
    return xxh64_words(headers[i], 0, 4, uint64(0))


@njit(cache=True, nogil=True)
def merkle_root(txs, start, count, scratch):
    """Pairwise hash of the transaction hashes (an odd one out is paired with itself)."""
    for k in range(count):
        scratch[k] = xxh64_words(txs, (start + k) * TX_WORDS, TX_WORDS, uint64(0))
    n = count
    while n > 1:  # level by level, in place; scratch[PAIR:PAIR+2] holds the pair to hash
        m = 0
        for k in range(0, n, 2):
            scratch[PAIR] = scratch[k]
            scratch[PAIR + 1] = scratch[k + 1] if k + 1 < n else scratch[k]
            scratch[m] = xxh64_words(scratch, PAIR, 2, uint64(1))
            m += 1
        n = m
    return scratch[0]


@njit(cache=True, nogil=True)
def validate_range(headers, hashes, tx_start, tx_count, txs, lo, hi):
    """First invalid height in [lo, hi), or -1. Recomputes block lo-1's hash for the link."""
    scratch = np.empty(SCRATCH, np.uint64)
    prev = uint64(0) if lo == 0 else header_hash(headers, lo - 1)
    for i in range(lo, hi):
        h = header_hash(headers, i)
        if (
            headers[i, H_HEIGHT] != uint64(i)
            or headers[i, H_PARENT] != prev
            or hashes[i] != h
            or headers[i, H_ROOT] != merkle_root(txs, tx_start[i], tx_count[i], scratch)
        ):
            return i
        prev = h
    return VALID


@njit(cache=True)
def _build(n_blocks, tx_per_block, seed):
    rng_state = uint64(seed) * uint64(0x9E3779B97F4A7C15) + uint64(1)
    counts = np.empty(n_blocks, np.int64)
    for i in range(n_blocks):
        if tx_per_block > 0:
            counts[i] = tx_per_block
        else:  # variable: 1..100
            rng_state ^= rng_state << uint64(13)
            rng_state ^= rng_state >> uint64(7)
            rng_state ^= rng_state << uint64(17)
            counts[i] = 1 + np.int64(rng_state % uint64(100))
    starts = np.zeros(n_blocks, np.int64)
    for i in range(1, n_blocks):
        starts[i] = starts[i - 1] + counts[i - 1]
    total = starts[-1] + counts[-1] if n_blocks > 0 else 0
    txs = np.empty(total * TX_WORDS, np.uint64)
    for k in range(total * TX_WORDS):
        rng_state ^= rng_state << uint64(13)
        rng_state ^= rng_state >> uint64(7)
        rng_state ^= rng_state << uint64(17)
        txs[k] = rng_state
    headers = np.zeros((n_blocks, 4), np.uint64)
    hashes = np.zeros(n_blocks, np.uint64)
    scratch = np.empty(SCRATCH, np.uint64)
    prev = uint64(0)
    for i in range(n_blocks):
        headers[i, H_HEIGHT] = uint64(i)
        headers[i, H_PARENT] = prev
        headers[i, H_TIME] = uint64(1_700_000_000 + 12 * i)
        headers[i, H_ROOT] = merkle_root(txs, starts[i], counts[i], scratch)
        prev = header_hash(headers, i)
        hashes[i] = prev
    return headers, hashes, starts, counts, txs


def _check_count(name: str, value: int, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f">= {low}"
        raise ValueError(f"{name} must be {bound}, got {value}")
    return int(value)


def build_chain(n_blocks: int, tx_per_block: int | None = None, seed: int = 0) -> Chain:
    """A valid chain; ``tx_per_block`` fixed (1-100) or None for a seeded 1-100 per block."""
    _check_count("n_blocks", n_blocks, 1)
    tx = 0 if tx_per_block is None else _check_count("tx_per_block", tx_per_block, 1, MAX_TX)
    return Chain(*_build(n_blocks, tx, _check_count("seed", seed, 0)))


def validate_chain(chain: Chain, lo: int = 0, hi: int | None = None) -> int:
    """Call site of the validation kernel: first invalid height, or -1 when valid."""
    hi = chain.length if hi is None else hi
    if not 0 <= lo <= hi <= chain.length:
        raise ValueError(f"block range [{lo}, {hi}) outside the chain of {chain.length} blocks")
    return int(
        validate_range(
            chain.headers, chain.hashes, chain.tx_start, chain.tx_count, chain.txs, lo, hi
        )
    )


@njit(cache=True, nogil=True)
def _checkpoints(headers, interval):
    n = headers.shape[0]
    out = np.empty(n // interval, np.uint64)
    acc = np.zeros(2, np.uint64)
    for i in range(n):
        acc[1] = header_hash(headers, i)
        acc[0] = xxh64_words(acc, 0, 2, uint64(2))
        if (i + 1) % interval == 0:
            out[(i + 1) // interval - 1] = acc[0]
    return out


@njit(cache=True, nogil=True)
def _verify_checkpoints(headers, interval, trusted):
    """Index of the first checkpoint segment that disagrees, or -1."""
    computed = _checkpoints(headers, interval)
    for j in range(min(computed.shape[0], trusted.shape[0])):
        if computed[j] != trusted[j]:
            return j
    return -1 if computed.shape[0] == trusted.shape[0] else min(computed.shape[0], trusted.shape[0])


def _check_interval(interval: int) -> int:
    return _check_count("checkpoint_interval", interval, 10, 250)


def make_checkpoints(chain: Chain, interval: int) -> np.ndarray:
    """Trusted checkpoints of a chain (what a node ships with), every ``interval`` blocks."""
    return _checkpoints(chain.headers, _check_interval(interval))


def verify_checkpoints(chain: Chain, interval: int, trusted: np.ndarray) -> int:
    """Call site of the checkpoint kernel: first disagreeing segment, or -1."""
    return int(_verify_checkpoints(chain.headers, _check_interval(interval), trusted))
