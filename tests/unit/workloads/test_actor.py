"""Actor runtime invariants: accounting, per-sender FIFO, no loss under backpressure,
legal lifecycle only, patterns deliver what they promise, bad parameters refused."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from perfkit_workloads import patterns
from perfkit_workloads.actor import (
    DELIVERED,
    DROPPED,
    FAILED,
    POLICIES,
    REJECTED,
    RUNNING,
    SENT,
    STOPPED,
    TRANSITIONS,
    create_actors,
    dispatch,
    dispatch_concurrent,
    run_lifecycle,
)

systems = st.tuples(
    st.integers(1, 12),
    st.integers(1, 9),
    st.integers(1, 400),
    st.integers(1, 50),
    st.integers(0, 2**31),
)


def run(policy, n, cap, msgs, drain, seed):
    s = create_actors(n, cap)
    log = np.zeros((msgs, 4), np.int64)
    logged = dispatch(s, msgs, policy, drain_every=drain, seed=seed, log=log)
    return s, log[:logged]


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(list(POLICIES)), systems)
def test_every_message_is_delivered_dropped_or_rejected(policy, params):
    s, log = run(policy, *params)
    c = s.counters
    assert c[SENT] == params[2]
    assert c[DELIVERED] + c[DROPPED] + c[REJECTED] == c[SENT]
    assert len(log) == c[DELIVERED] == s.processed.sum()
    assert (s.head == s.tail).all()  # everything queued was handled
    if policy == "reject":
        assert s.returned.sum() == c[REJECTED]


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(list(POLICIES)), systems)
def test_per_sender_fifo_and_no_duplicates(policy, params):
    _s, log = run(policy, *params)
    pairs = {}
    for dst, src, seq, _payload in log:
        key = (dst, src)
        assert seq > pairs.get(key, -1), f"out of order or duplicated: {key} {seq}"
        pairs[key] = seq
    assert len({(src, seq) for _d, src, seq, _p in log}) == len(log)


@settings(max_examples=60, deadline=None)
@given(systems)
def test_backpressure_loses_nothing(params):
    s, log = run("backpressure", *params)
    assert s.counters[DROPPED] == s.counters[REJECTED] == 0
    assert sorted(log[:, 3].tolist()) == list(range(params[2]))  # every payload once


def test_concurrent_handling_is_deterministic_and_complete():
    a = dispatch_concurrent(32, 10_000, 4, seed=3)
    b = dispatch_concurrent(32, 10_000, 4, seed=3)
    assert (a.acc == b.acc).all() and a.counters[DELIVERED] == a.counters[SENT] == 10_000


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 3)), max_size=200), st.integers(0, 3))
def test_lifecycle_only_takes_legal_transitions(events, max_restarts):
    state = np.zeros(4, np.int64)
    ev = np.array([e for e, _ in events], np.int64)
    tg = np.array([t for _, t in events], np.int64)
    restarts = np.zeros(4, np.int64)
    refused = run_lifecycle(state, ev, tg, max_restarts, restarts)
    # replay in Python with the table: the kernel must agree step by step
    expect, rs, ref = np.zeros(4, np.int64), np.zeros(4, np.int64), 0
    for e, t in events:
        nxt = TRANSITIONS[expect[t], e]
        if nxt < 0:
            ref += 1
            continue
        expect[t] = nxt
        if nxt == FAILED:
            rs[t] += 1
            expect[t] = RUNNING if rs[t] <= max_restarts else STOPPED
            rs[t] = min(rs[t], max_restarts)
    assert refused == ref and (state == expect).all()
    assert not (state == FAILED).any()  # the supervisor never leaves an actor failed
    assert (restarts <= max_restarts).all()


def test_patterns_deliver_what_they_promise():
    s = create_actors(6, 4)
    log = np.zeros((600, 4), np.int64)
    n = patterns.broadcast(s, 100, log)
    assert n == 500 and (s.processed[1:] == 100).all() and s.processed[0] == 0
    out = patterns.pipeline(create_actors(4, 2), 50)
    expected = np.arange(50)
    for _ in range(4):
        expected = expected * 3 + 1
    assert (out == expected).all()  # in order, each transformed by every stage
    gathered = patterns.scatter_gather(create_actors(5, 2), 20)
    assert gathered[0] == 0 and (gathered[1:] == 20).all()
    s = create_actors(2, 3)
    log = np.zeros((1000, 4), np.int64)
    assert patterns.point_to_point(s, 1000, log) == 1000 and (log[:, 2] == np.arange(1000)).all()


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: create_actors(0), "n_actors"),
        (lambda: create_actors(4, 0), "capacity"),
        (lambda: dispatch(create_actors(2), -1), "n_messages"),
        (lambda: dispatch(create_actors(2), 10, "sometimes"), "policy"),
        (lambda: dispatch_concurrent(4, 100, 9), "workers"),
        (lambda: patterns.broadcast(create_actors(1), 5), "n_actors"),
    ],
)
def test_bad_parameters_name_the_parameter(call, name):
    with pytest.raises(ValueError, match=name):
        call()
