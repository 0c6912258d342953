"""Cross-actor communication patterns on the actor runtime: point-to-point, broadcast,
pipeline chain and scatter-gather. All use backpressure, so every message is delivered."""

from __future__ import annotations

import numpy as np
from numba import njit

from perfkit_workloads.actor import PAYLOAD, SENDER, ActorSystem, _drain, _positive, _send

BACKPRESSURE = 3


@njit(cache=True, nogil=True)
def _point_to_point(
    mail, head, tail, acc, processed, counters, returned, next_seq, cap, n_messages, log
):
    pos = 0
    for m in range(n_messages):
        pos = _send(
            mail,
            head,
            tail,
            acc,
            processed,
            counters,
            returned,
            next_seq,
            0,
            1,
            0,
            m,
            BACKPRESSURE,
            cap,
            log,
            pos,
        )
    return _drain(mail, head, tail, acc, processed, counters, 1, log, pos)


@njit(cache=True, nogil=True)
def _broadcast(
    mail, head, tail, acc, processed, counters, returned, next_seq, cap, n_messages, log
):
    n = head.shape[0]
    pos = 0
    for m in range(n_messages):
        for dst in range(1, n):
            pos = _send(
                mail,
                head,
                tail,
                acc,
                processed,
                counters,
                returned,
                next_seq,
                0,
                dst,
                1,
                m,
                BACKPRESSURE,
                cap,
                log,
                pos,
            )
    for dst in range(1, n):
        pos = _drain(mail, head, tail, acc, processed, counters, dst, log, pos)
    return pos


@njit(cache=True, nogil=True)
def _pipeline(mail, head, tail, acc, processed, counters, returned, next_seq, cap, n_messages, out):
    """Stage k takes a message from its mailbox, transforms it and forwards it to k+1; the
    last stage writes results to ``out`` in arrival order."""
    n = head.shape[0]
    mask = mail.shape[1] - 1
    empty = np.zeros((0, 4), np.int64)
    done = 0
    sent = 0
    while done < n_messages:
        if sent < n_messages and tail[0] - head[0] < cap:
            _send(
                mail,
                head,
                tail,
                acc,
                processed,
                counters,
                returned,
                next_seq,
                0,
                0,
                2,
                sent,
                BACKPRESSURE,
                cap,
                empty,
                0,
            )
            sent += 1
        for k in range(n - 1, -1, -1):  # downstream first, so upstream finds room
            while head[k] < tail[k] and (k == n - 1 or tail[k + 1] - head[k + 1] < cap):
                slot = head[k] & mask
                payload = mail[k, slot, PAYLOAD] * 3 + 1  # the stage's transformation
                head[k] += 1
                processed[k] += 1
                counters[1] += 1
                if k == n - 1:
                    out[done] = payload
                    done += 1
                else:
                    _send(
                        mail,
                        head,
                        tail,
                        acc,
                        processed,
                        counters,
                        returned,
                        next_seq,
                        k,
                        k + 1,
                        2,
                        payload,
                        BACKPRESSURE,
                        cap,
                        empty,
                        0,
                    )
    return done


@njit(cache=True, nogil=True)
def _scatter_gather(
    mail, head, tail, acc, processed, counters, returned, next_seq, cap, n_requests, gathered
):
    """Actor 0 scatters each request to every worker; workers reply; actor 0 gathers."""
    n = head.shape[0]
    mask = mail.shape[1] - 1
    empty = np.zeros((0, 4), np.int64)
    for r in range(n_requests):
        for w in range(1, n):
            _send(
                mail,
                head,
                tail,
                acc,
                processed,
                counters,
                returned,
                next_seq,
                0,
                w,
                0,
                r,
                BACKPRESSURE,
                cap,
                empty,
                0,
            )
        for w in range(1, n):  # each worker handles its request and replies ...
            while head[w] < tail[w]:
                slot = head[w] & mask
                req = mail[w, slot, PAYLOAD]
                head[w] += 1
                processed[w] += 1
                counters[1] += 1
                _send(
                    mail,
                    head,
                    tail,
                    acc,
                    processed,
                    counters,
                    returned,
                    next_seq,
                    w,
                    0,
                    1,
                    req * 1000 + w,
                    BACKPRESSURE,
                    cap,
                    empty,
                    0,
                )
            while head[0] < tail[0]:  # ... and the coordinator gathers as replies arrive
                slot = head[0] & mask
                gathered[mail[0, slot, SENDER]] += 1
                acc[0] += mail[0, slot, PAYLOAD]
                head[0] += 1
                processed[0] += 1
                counters[1] += 1
    return acc[0]


def _args(s: ActorSystem):
    return (
        s.mail,
        s.head,
        s.tail,
        s.acc,
        s.processed,
        s.counters,
        s.returned,
        s.next_seq,
        s.capacity,
    )


def _need(s: ActorSystem, actors: int) -> None:
    if s.n < actors:
        raise ValueError(f"n_actors must be >= {actors} for this pattern, got {s.n}")


def point_to_point(s: ActorSystem, n_messages: int, log: np.ndarray | None = None) -> int:
    """Call site: actor 0 sends ``n_messages`` to actor 1."""
    _need(s, 2)
    log = np.zeros((0, 4), np.int64) if log is None else log
    return int(_point_to_point(*_args(s), _positive("n_messages", n_messages), log))


def broadcast(s: ActorSystem, n_messages: int, log: np.ndarray | None = None) -> int:
    """Call site: actor 0 sends every message to every other actor."""
    _need(s, 2)
    log = np.zeros((0, 4), np.int64) if log is None else log
    return int(_broadcast(*_args(s), _positive("n_messages", n_messages), log))


def pipeline(s: ActorSystem, n_messages: int) -> np.ndarray:
    """Call site: messages flow through every actor in order; returns the outputs."""
    _need(s, 1)
    out = np.zeros(_positive("n_messages", n_messages), np.int64)
    _pipeline(*_args(s), n_messages, out)
    return out


def scatter_gather(s: ActorSystem, n_requests: int) -> np.ndarray:
    """Call site: returns replies gathered from each actor (index = actor)."""
    _need(s, 2)
    gathered = np.zeros(s.n, np.int64)
    _scatter_gather(*_args(s), _positive("n_requests", n_requests), gathered)
    return gathered
