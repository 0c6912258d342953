"""A small actor runtime in arrays: bounded mailboxes, a dispatch loop, overflow policies,
the guide's lifecycle state machine with supervisor restarts, and cross-actor patterns.

Mailboxes are ring buffers of fixed-size records (sender, sequence number, kind, payload).
A handler folds each delivered message into its actor's state. Delivery is per-sender FIFO:
a receiver sees the messages of any one sender in the order they were sent.

Overflow policies when a mailbox is full:
  drop_newest  the incoming message is dropped (counted);
  drop_oldest  the oldest queued message is evicted (counted) to make room;
  reject       the message is returned to its sender (counted as rejected);
  backpressure the sender waits while the receiver drains its mailbox: nothing is lost.
Every message sent is delivered, dropped or rejected: delivered + dropped + rejected == sent.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from numba import njit

# message record fields
SENDER, SEQ, KIND, PAYLOAD = 0, 1, 2, 3
POLICIES = {"drop_newest": 0, "drop_oldest": 1, "reject": 2, "backpressure": 3}
# counters
SENT, DELIVERED, DROPPED, REJECTED, WAITS = 0, 1, 2, 3, 4

# lifecycle (the guide's actor states) and events
UNINITIALIZED, STARTING, RUNNING, STOPPING, STOPPED, FAILED, RECOVERING = range(7)
STATE_NAMES = (
    "Uninitialized",
    "Starting",
    "Running",
    "Stopping",
    "Stopped",
    "Failed",
    "Recovering",
)
EV_START, EV_STARTED, EV_STOP, EV_STOPPED, EV_FAIL, EV_RECOVER, EV_RECOVERED = range(7)
TRANSITIONS = np.full((7, 7), -1, np.int64)  # TRANSITIONS[state, event] -> next state, -1 illegal
for _s, _e, _n in (
    (UNINITIALIZED, EV_START, STARTING),
    (STARTING, EV_STARTED, RUNNING),
    (STARTING, EV_FAIL, FAILED),
    (RUNNING, EV_STOP, STOPPING),
    (RUNNING, EV_FAIL, FAILED),
    (STOPPING, EV_STOPPED, STOPPED),
    (FAILED, EV_RECOVER, RECOVERING),
    (RECOVERING, EV_RECOVERED, RUNNING),
    (RECOVERING, EV_FAIL, FAILED),
    (FAILED, EV_STOP, STOPPED),
):
    TRANSITIONS[_s, _e] = _n


@dataclass(frozen=True)
class ActorSystem:
    mail: np.ndarray  # (n, slots, 4) int64 message records; slots: power of two >= capacity
    head: np.ndarray  # (n,) int64: messages taken out so far
    tail: np.ndarray  # (n,) int64: messages put in so far
    state: np.ndarray  # (n,) int64 lifecycle state
    acc: np.ndarray  # (n,) int64 handler state: a checksum of what was delivered
    processed: np.ndarray  # (n,) int64 messages handled
    counters: np.ndarray  # (5,) int64: sent, delivered, dropped, rejected, backpressure waits
    returned: np.ndarray  # (n,) int64 messages rejected back to each sender
    next_seq: np.ndarray  # (n,) int64 next sequence number per sender
    capacity: int  # messages a mailbox holds before its overflow policy applies

    @property
    def n(self) -> int:
        return int(self.head.shape[0])


def _positive(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _policy(policy: str) -> int:
    if policy not in POLICIES:
        raise ValueError(f"policy must be one of {', '.join(POLICIES)}, got {policy!r}")
    return POLICIES[policy]


@njit(cache=True, nogil=True)
def _create(n, capacity, transitions):
    slots = 1
    while slots < capacity:  # a power of two, so a slot is an AND, not a division
        slots *= 2
    mail = np.zeros((n, slots, 4), np.int64)
    state = np.full(n, UNINITIALIZED, np.int64)
    for i in range(n):  # every actor goes Uninitialized -> Starting -> Running
        state[i] = transitions[state[i], EV_START]
        state[i] = transitions[state[i], EV_STARTED]
    z = np.zeros(n, np.int64)
    return (
        mail,
        z.copy(),
        z.copy(),
        state,
        z.copy(),
        z.copy(),
        np.zeros(5, np.int64),
        z.copy(),
        z.copy(),
    )


def create_actors(n_actors: int, capacity: int = 64) -> ActorSystem:
    """Call site of actor creation: ``n_actors`` running actors with empty mailboxes."""
    cap = _positive("capacity", capacity)
    return ActorSystem(*_create(_positive("n_actors", n_actors), cap, TRANSITIONS), capacity=cap)


@njit(inline="always", cache=True)
def _handle(acc, processed, counters, dst, src, seq, kind, payload, log, log_pos):
    acc[dst] = acc[dst] * 31 + payload * (kind + 1) + src
    processed[dst] += 1
    counters[DELIVERED] += 1
    if log.shape[0] > 0:
        log[log_pos, 0] = dst
        log[log_pos, 1] = src
        log[log_pos, 2] = seq
        log[log_pos, 3] = payload
    return log_pos + 1


@njit(cache=True, nogil=True)
def _drain(mail, head, tail, acc, processed, counters, dst, log, log_pos):
    mask = mail.shape[1] - 1
    while head[dst] < tail[dst]:
        slot = head[dst] & mask
        log_pos = _handle(
            acc,
            processed,
            counters,
            dst,
            mail[dst, slot, SENDER],
            mail[dst, slot, SEQ],
            mail[dst, slot, KIND],
            mail[dst, slot, PAYLOAD],
            log,
            log_pos,
        )
        head[dst] += 1
    return log_pos


@njit(cache=True, nogil=True)
def _send(
    mail,
    head,
    tail,
    acc,
    processed,
    counters,
    returned,
    next_seq,
    src,
    dst,
    kind,
    payload,
    policy,
    cap,
    log,
    log_pos,
):
    """Enqueue one message under the overflow policy; returns the updated log position."""
    seq = next_seq[src]
    next_seq[src] += 1
    counters[SENT] += 1
    if tail[dst] - head[dst] >= cap:
        if policy == 0:
            counters[DROPPED] += 1
            return log_pos
        elif policy == 1:
            head[dst] += 1
            counters[DROPPED] += 1
        elif policy == 2:
            counters[REJECTED] += 1
            returned[src] += 1
            return log_pos
        else:
            counters[WAITS] += 1
            log_pos = _drain(mail, head, tail, acc, processed, counters, dst, log, log_pos)
    slot = tail[dst] & (mail.shape[1] - 1)
    mail[dst, slot, SENDER] = src
    mail[dst, slot, SEQ] = seq
    mail[dst, slot, KIND] = kind
    mail[dst, slot, PAYLOAD] = payload
    tail[dst] += 1
    return log_pos


@njit(inline="always", cache=True)
def _drain_fast(mail, head, tail, acc, processed, dst, mask, log, log_pos):
    """Handle every queued message of ``dst``; returns (handled, log position)."""
    h, t = head[dst], tail[dst]
    a = acc[dst]
    for k in range(h, t):
        slot = k & mask
        src, seq, payload = mail[dst, slot, SENDER], mail[dst, slot, SEQ], mail[dst, slot, PAYLOAD]
        a = a * 31 + payload * (mail[dst, slot, KIND] + 1) + src
        if log.shape[0] > 0:
            log[log_pos, 0] = dst
            log[log_pos, 1] = src
            log[log_pos, 2] = seq
            log[log_pos, 3] = payload
            log_pos += 1
    acc[dst] = a
    processed[dst] += t - h
    head[dst] = t
    return t - h, log_pos


@njit(cache=True, nogil=True)
def _dispatch(
    mail,
    head,
    tail,
    acc,
    processed,
    counters,
    returned,
    next_seq,
    lo,
    hi,
    n_messages,
    policy,
    cap,
    drain_every,
    seed,
    log,
):
    """Actors in [lo, hi) send ``n_messages`` to each other; mailboxes drained periodically.

    The hot loop of the actor benchmarks: counters live in locals, slots are masks, the
    receiver is drawn with a multiply-shift instead of a division."""
    n = np.uint64(hi - lo)
    mask = mail.shape[1] - 1
    log_pos = 0
    x = np.uint64(seed) * np.uint64(0x9E3779B97F4A7C15) + np.uint64(7)
    src = lo
    until_drain = drain_every
    delivered = dropped = rejected = waits = 0
    for m in range(n_messages):
        x ^= x << np.uint64(13)
        x ^= x >> np.uint64(7)
        x ^= x << np.uint64(17)
        dst = lo + np.int64(((x >> np.uint64(32)) * n) >> np.uint64(32))  # uniform in [0, n)
        seq = next_seq[src]
        next_seq[src] = seq + 1
        enqueue = True
        if tail[dst] - head[dst] >= cap:
            if policy == 0:
                dropped += 1
                enqueue = False
            elif policy == 1:
                head[dst] += 1
                dropped += 1
            elif policy == 2:
                rejected += 1
                returned[src] += 1
                enqueue = False
            else:
                waits += 1
                done, log_pos = _drain_fast(
                    mail, head, tail, acc, processed, dst, mask, log, log_pos
                )
                delivered += done
        if enqueue:
            slot = tail[dst] & mask
            mail[dst, slot, SENDER] = src
            mail[dst, slot, SEQ] = seq
            mail[dst, slot, KIND] = m & 3
            mail[dst, slot, PAYLOAD] = m
            tail[dst] += 1
        src += 1
        if src == hi:
            src = lo
        until_drain -= 1
        if until_drain == 0 or m == n_messages - 1:
            until_drain = drain_every
            for a in range(lo, hi):
                done, log_pos = _drain_fast(mail, head, tail, acc, processed, a, mask, log, log_pos)
                delivered += done
    counters[SENT] += n_messages
    counters[DELIVERED] += delivered
    counters[DROPPED] += dropped
    counters[REJECTED] += rejected
    counters[WAITS] += waits
    return log_pos


def dispatch(
    system: ActorSystem,
    n_messages: int,
    policy: str = "backpressure",
    *,
    drain_every: int = 256,
    seed: int = 0,
    log: np.ndarray | None = None,
) -> int:
    """Call site of the dispatch loop: send and handle ``n_messages``; returns messages logged.

    ``log`` (n_messages x 4: receiver, sender, seq, payload), when given, records deliveries
    in the order the handlers ran."""
    _positive("n_messages", n_messages)
    _positive("drain_every", drain_every)
    s = system
    log = np.zeros((0, 4), np.int64) if log is None else log
    return int(
        _dispatch(
            s.mail,
            s.head,
            s.tail,
            s.acc,
            s.processed,
            s.counters,
            s.returned,
            s.next_seq,
            0,
            s.n,
            n_messages,
            _policy(policy),
            s.capacity,
            drain_every,
            seed,
            log,
        )
    )


def dispatch_concurrent(
    n_actors: int, n_messages: int, workers: int, *, capacity: int = 64, seed: int = 0
) -> ActorSystem:
    """Call site of concurrent handling: ``workers`` threads each run the dispatch loop over
    their own shard of actors (the kernels release the GIL); deterministic per shard."""
    _positive("n_actors", n_actors)
    if not 1 <= _positive("workers", workers) <= 8 or workers > n_actors:
        raise ValueError(f"workers must be between 1 and min(8, n_actors), got {workers}")
    s = create_actors(n_actors, capacity)
    bounds = np.linspace(0, n_actors, workers + 1).astype(np.int64)
    empty = np.zeros((0, 4), np.int64)

    def shard(k: int) -> int:
        counters = np.zeros(5, np.int64)  # per shard, summed below: no shared writes
        _dispatch(
            s.mail,
            s.head,
            s.tail,
            s.acc,
            s.processed,
            counters,
            s.returned,
            s.next_seq,
            bounds[k],
            bounds[k + 1],
            n_messages // workers,
            3,
            s.capacity,
            256,
            seed + k,
            empty,
        )
        return counters

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for counters in pool.map(shard, range(workers)):
            s.counters[:] += counters
    return s


# ---- lifecycle -------------------------------------------------------------------------


@njit(cache=True)
def _lifecycle(transitions, events, targets, state, max_restarts, restarts):
    """Apply (target actor, event) pairs; an illegal event is refused (state unchanged).
    The supervisor restarts a Failed actor (Recovering -> Running) up to max_restarts
    times, then stops it. Returns the number of refused events."""
    refused = 0
    for k in range(events.shape[0]):
        a = targets[k]
        nxt = transitions[state[a], events[k]]
        if nxt < 0:
            refused += 1
            continue
        state[a] = nxt
        if nxt == FAILED:
            if restarts[a] < max_restarts:
                restarts[a] += 1
                state[a] = transitions[transitions[FAILED, EV_RECOVER], EV_RECOVERED]
            else:
                state[a] = transitions[FAILED, EV_STOP]
    return refused


def run_lifecycle(
    state: np.ndarray,
    events: np.ndarray,
    targets: np.ndarray,
    max_restarts: int = 3,
    restarts: np.ndarray | None = None,
) -> int:
    """Call site of the lifecycle kernel (supervised); returns how many events were refused."""
    if events.shape != targets.shape:
        raise ValueError("events and targets must have the same length")
    if max_restarts < 0:
        raise ValueError(f"max_restarts must be >= 0, got {max_restarts}")
    restarts = np.zeros_like(state) if restarts is None else restarts
    return int(
        _lifecycle(
            TRANSITIONS,
            events.astype(np.int64),
            targets.astype(np.int64),
            state,
            max_restarts,
            restarts,
        )
    )
