"""Chain invariants: the numba xxHash64 is the reference bit for bit; tampering is caught at
its height; checkpoints catch what they must; sync with failures ends with exactly the
source chain; parallel validation equals serial."""

from __future__ import annotations

import numpy as np
import pytest
import xxhash
from hypothesis import given, settings
from hypothesis import strategies as st
from perfkit_workloads.chain import (
    H_HEIGHT,
    H_PARENT,
    H_ROOT,
    H_TIME,
    TX_WORDS,
    build_chain,
    make_checkpoints,
    validate_chain,
    verify_checkpoints,
)
from perfkit_workloads.hashing import hash_bytes
from perfkit_workloads.sync import sync_chain, validate_parallel

CHAIN = build_chain(300, None, seed=11)  # 1-100 transactions per block
FIELDS = ("headers", "hashes", "tx_start", "tx_count", "txs")


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300), st.integers(0, 2**64 - 1))
def test_hash_equals_reference(data, seed):
    assert hash_bytes(data, seed) == xxhash.xxh64_intdigest(data, seed)


@pytest.mark.parametrize("size", [1 << 16, (1 << 20) + 13])
def test_hash_equals_reference_on_large_inputs(size):
    data = np.random.default_rng(size).integers(0, 256, size, dtype=np.uint8).tobytes()
    assert hash_bytes(data, 7) == xxhash.xxh64_intdigest(data, 7)


def test_generated_chain_is_valid_and_varied():
    assert validate_chain(CHAIN) == -1
    assert (
        CHAIN.tx_count.min() >= 1 and CHAIN.tx_count.max() <= 100 and len(set(CHAIN.tx_count)) > 20
    )


@settings(max_examples=80, deadline=None)
@given(
    st.integers(0, CHAIN.length - 1),
    st.sampled_from(["height", "parent", "time", "root", "hash", "tx"]),
    st.integers(0, 10**6),
    st.integers(0, 63),
)
def test_any_tampering_is_detected_at_its_height(height, field, pick, bit):
    c = CHAIN.copy()
    flip = np.uint64(1) << np.uint64(bit)
    if field == "tx":
        tx = c.tx_start[height] + pick % c.tx_count[height]
        c.txs[tx * TX_WORDS + pick % TX_WORDS] ^= flip
    elif field == "hash":
        c.hashes[height] ^= flip
    else:
        col = {"height": H_HEIGHT, "parent": H_PARENT, "time": H_TIME, "root": H_ROOT}[field]
        c.headers[height, col] ^= flip
    assert validate_chain(c) == height
    for workers in (2, 3, 8):
        assert validate_parallel(c, workers) == height


@settings(max_examples=40, deadline=None)
@given(st.integers(10, 250), st.integers(0, CHAIN.length - 1), st.integers(0, 63))
def test_checkpoints_catch_header_changes_in_their_segment(interval, height, bit):
    trusted = make_checkpoints(CHAIN, interval)
    assert verify_checkpoints(CHAIN, interval, trusted) == -1
    c = CHAIN.copy()
    c.headers[height, H_TIME] ^= np.uint64(1) << np.uint64(bit)
    covered = height < len(trusted) * interval
    assert verify_checkpoints(c, interval, trusted) == (height // interval if covered else -1)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 10), st.floats(0.0, 0.2), st.integers(1, 80), st.integers(0, 2**31))
def test_sync_with_failures_ends_with_exactly_the_source_chain(peers, failure_rate, batch, seed):
    r = sync_chain(CHAIN, peers, failure_rate, batch=batch, seed=seed)
    for name in FIELDS:
        assert (getattr(r.chain, name) == getattr(CHAIN, name)).all(), name
    assert (r.applied == 1).all()  # nothing lost, nothing applied twice
    batches = -(-CHAIN.length // batch)
    assert r.requests == batches + r.failures and r.per_peer.sum() == batches
    assert validate_chain(r.chain) == -1


def test_failures_happen_at_about_the_requested_rate():
    r = sync_chain(CHAIN, 3, 0.2, batch=1, seed=1)
    assert 0.12 < r.failures / r.requests < 0.28


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 8))
def test_parallel_equals_serial_on_valid_chain(workers):
    assert validate_parallel(CHAIN, workers) == validate_chain(CHAIN) == -1


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: build_chain(-5), "n_blocks"),
        (lambda: build_chain(0), "n_blocks"),
        (lambda: build_chain(10, 101), "tx_per_block"),
        (lambda: build_chain(10, 0), "tx_per_block"),
        (lambda: sync_chain(CHAIN, 0, 0.1), "n_peers"),
        (lambda: sync_chain(CHAIN, 11, 0.1), "n_peers"),
        (lambda: sync_chain(CHAIN, 2, 1.5), "failure_rate"),
        (lambda: sync_chain(CHAIN, 2, -0.1), "failure_rate"),
        (lambda: validate_parallel(CHAIN, 0), "workers"),
        (lambda: validate_parallel(CHAIN, 9), "workers"),
        (lambda: make_checkpoints(CHAIN, 5), "checkpoint_interval"),
        (lambda: hash_bytes(b"x", -1), "seed"),
    ],
)
def test_bad_parameters_name_the_parameter(call, name):
    with pytest.raises(ValueError, match=name):
        call()
