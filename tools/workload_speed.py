"""The foundation's speed figures, on one core, with their spread (min / median / max):

* actor dispatch throughput (messages/s; bar: 50 million/s);
* block validation throughput, hashing included (GB/s of block data; bar: 1 GB/s), and the
  numba xxHash64 against the C library on 1 MiB inputs (bar: at least half);
* block processing rate with 100 transactions per block (blocks/s; the guide asks 500/s).

    python tools/workload_speed.py [--repeats 7]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import xxhash

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from perfkit_workloads.actor import create_actors, dispatch  # noqa: E402
from perfkit_workloads.chain import build_chain, validate_chain  # noqa: E402
from perfkit_workloads.hashing import xxh64  # noqa: E402


def rates(fn: Callable[[], object], amount: float, repeats: int) -> list[float]:
    fn()  # compile / warm
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        out.append(amount / (time.perf_counter() - start))
    return out


def line(label: str, values: list[float], scale: float, unit: str) -> str:
    v = sorted(x / scale for x in values)
    return (
        f"{label:46} min {v[0]:9.2f}  median {statistics.median(v):9.2f}  max {v[-1]:9.2f}  {unit}"
    )


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--repeats", type=int, default=7)
    n = ap.parse_args().repeats
    system = create_actors(64, 64)
    msgs = 5_000_000
    print(
        line(
            "actor dispatch (64 actors, backpressure)",
            rates(lambda: dispatch(system, msgs), msgs, n),
            1e6,
            "M messages/s",
        )
    )
    chain = build_chain(20_000, 100, seed=1)
    print(
        line(
            "block validation, 100 tx/block, hashing incl.",
            rates(lambda: validate_chain(chain), chain.nbytes, n),
            1e9,
            "GB/s",
        )
    )
    print(
        line(
            "block processing rate, 100 tx/block",
            rates(lambda: validate_chain(chain), chain.length, n),
            1e3,
            "k blocks/s",
        )
    )
    buf = np.random.default_rng(0).integers(0, 256, 1 << 20, dtype=np.uint8)
    raw = buf.tobytes()
    seed = np.uint64(0)
    numba_rates = rates(lambda: [xxh64(buf, seed) for _ in range(50)], 50 * len(raw), n)
    c_rates = rates(lambda: [xxhash.xxh64_intdigest(raw) for _ in range(50)], 50 * len(raw), n)
    print(line("xxHash64 1 MiB, numba", numba_rates, 1e9, "GB/s"))
    print(line("xxHash64 1 MiB, C (xxhash package)", c_rates, 1e9, "GB/s"))
    print(
        f"{'numba / C (median)':46} {statistics.median(numba_rates) / statistics.median(c_rates):.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
