"""xxHash64 in numba, bit for bit equal to the reference implementation (the ``xxhash``
package); the tests check it on arbitrary bytes and seeds."""

from __future__ import annotations

import numpy as np
from numba import njit, uint64

P1 = uint64(0x9E3779B185EBCA87)
P2 = uint64(0xC2B2AE3D27D4EB4F)
P3 = uint64(0x165667B19E3779F9)
P4 = uint64(0x85EBCA77C2B2AE63)
P5 = uint64(0x27D4EB2F165667C5)


@njit(inline="always", cache=True)
def rotl(x, r):
    return (x << uint64(r)) | (x >> uint64(64 - r))


@njit(inline="always", cache=True)
def _round(acc, lane):
    acc = acc + lane * P2
    return rotl(acc, 31) * P1


@njit(inline="always", cache=True)
def _merge(acc, val):
    acc = acc ^ _round(uint64(0), val)
    return acc * P1 + P4


@njit(inline="always", cache=True)
def _converge(v1, v2, v3, v4):
    """Fold the four stripe accumulators into one (inputs of 32 bytes or more)."""
    h = rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)
    return _merge(_merge(_merge(_merge(h, v1), v2), v3), v4)


@njit(inline="always", cache=True)
def _avalanche(h):
    h ^= h >> uint64(33)
    h *= P2
    h ^= h >> uint64(29)
    h *= P3
    h ^= h >> uint64(32)
    return h


@njit(inline="always", cache=True)
def _read64(data, i):
    return (
        uint64(data[i])
        | (uint64(data[i + 1]) << uint64(8))
        | (uint64(data[i + 2]) << uint64(16))
        | (uint64(data[i + 3]) << uint64(24))
        | (uint64(data[i + 4]) << uint64(32))
        | (uint64(data[i + 5]) << uint64(40))
        | (uint64(data[i + 6]) << uint64(48))
        | (uint64(data[i + 7]) << uint64(56))
    )


@njit(inline="always", cache=True)
def _read32(data, i):
    return (
        uint64(data[i])
        | (uint64(data[i + 1]) << uint64(8))
        | (uint64(data[i + 2]) << uint64(16))
        | (uint64(data[i + 3]) << uint64(24))
    )


@njit(inline="always", cache=True)
def _finish(h, data, i, n):
    while i + 8 <= n:
        h = rotl(h ^ _round(uint64(0), _read64(data, i)), 27) * P1 + P4
        i += 8
    if i + 4 <= n:
        h = rotl(h ^ (_read32(data, i) * P1), 23) * P2 + P3
        i += 4
    while i < n:
        h = rotl(h ^ (uint64(data[i]) * P5), 11) * P1
        i += 1
    return _avalanche(h)


@njit(cache=True, nogil=True)
def xxh64(data, seed):
    """xxHash64 of a uint8 array."""
    n = data.shape[0]
    seed = uint64(seed)
    i = 0
    if n >= 32:
        v1 = seed + P1 + P2
        v2 = seed + P2
        v3 = seed
        v4 = seed - P1
        while i + 32 <= n:
            v1 = _round(v1, _read64(data, i))
            v2 = _round(v2, _read64(data, i + 8))
            v3 = _round(v3, _read64(data, i + 16))
            v4 = _round(v4, _read64(data, i + 24))
            i += 32
        h = _converge(v1, v2, v3, v4)
    else:
        h = seed + P5
    h += uint64(n)
    return _finish(h, data, i, n)


@njit(inline="always", cache=True)
def xxh64_words(words, start, count, seed):
    """xxHash64 of ``count`` little-endian uint64 words (count*8 bytes) from ``words[start:]``;
    the same value as xxh64 over those bytes, without byte assembly."""
    n = count * 8
    seed = uint64(seed)
    i = 0
    if n >= 32:
        v1 = seed + P1 + P2
        v2 = seed + P2
        v3 = seed
        v4 = seed - P1
        while i + 4 <= count:
            v1 = _round(v1, words[start + i])
            v2 = _round(v2, words[start + i + 1])
            v3 = _round(v3, words[start + i + 2])
            v4 = _round(v4, words[start + i + 3])
            i += 4
        h = _converge(v1, v2, v3, v4)
    else:
        h = seed + P5
    h += uint64(n)
    while i < count:
        h = rotl(h ^ _round(uint64(0), words[start + i]), 27) * P1 + P4
        i += 1
    return _avalanche(h)


def hash_bytes(data: bytes | np.ndarray, seed: int = 0) -> int:
    """Call site of the xxh64 kernel (py-spy attributes its time to this line)."""
    if seed < 0 or seed >= 1 << 64:
        raise ValueError(f"seed must be a 64-bit unsigned integer, got {seed}")
    buf = np.frombuffer(data, dtype=np.uint8) if isinstance(data, bytes | bytearray) else data
    return int(xxh64(buf, np.uint64(seed)))
