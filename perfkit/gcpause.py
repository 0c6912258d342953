"""The cyclic garbage collector kept off bulk work on acyclic data.

Reading two large result files builds millions of objects (tuples of samples,
Measurements) that hold no reference cycles. CPython's cyclic collector nevertheless
walks every container it tracks at each full collection, and a run that allocates
steadily triggers several: on 20,000 benchmarks that is seconds of CPU spent finding
nothing. Reference counting frees everything here as before; only the search for cycles
is skipped or narrowed.

- ``paused()``: no automatic collection inside the block (restored on exit, also on
  error); cycles made inside are collected by the next collection after it.
- ``settle()``: what is alive now is exempt from later scans (``gc.freeze``); call it
  once long-lived data is built (the measurements read, the report). Frozen objects are
  still freed when their reference count drops to zero.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def settle() -> None:
    gc.freeze()
