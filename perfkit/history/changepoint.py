"""Change points in a series over commits, with a valid significance level.

``detect`` takes one location estimate per commit (in commit order) and, optionally, the
within-commit spread and sample count of each, and returns the commits where the level
changed as :class:`perfkit.model.ChangePoint` records. ``detect_many`` does the same for
many series at once (numba, in parallel).

Method (details in :mod:`perfkit.history.ranksegment`): binary segmentation on a weighted rank
CUSUM whose maximum has a distribution-free tail under "no change" (Siegmund's
approximation, conservative), plus a drift-corrected local Mann-Whitney confirmation;
both must reject at ``alpha``. The probability that a series of exchangeable noise gets
any change point is at most ``alpha``; ranks make it indifferent to heavy tails and
outliers; the local test keeps slow drift from being called a step.

Within-commit samples and between-commit variation are combined in the weights: a commit
whose location is known to within ``spread/sqrt(count)`` gets weight
``1 / (tau^2 + (pi/2) spread^2 / count)``, where ``tau^2`` is the between-commit variance
(robustly: the spread of successive differences minus the typical within-commit part).
Weights are clipped to [1/4, 4] of their median so no single commit dominates.
"""

from __future__ import annotations

import functools
import importlib.util
import math
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from perfkit import gcpause
from perfkit.errors import HistoryError
from perfkit.history import ranksegment as rs
from perfkit.history.defaults import (
    DEFAULT_ALPHA,
    DEFAULT_CONFIDENCE,
    DEFAULT_MIN_EFFECT,
    DEFAULT_MIN_SIZE,
    DEFAULT_WINDOW,
)
from perfkit.model import ChangePoint, Direction, Verdict

_WEIGHT_CLIP = 4.0


@dataclass(frozen=True)
class SeriesInput:
    """One series for :func:`detect_many` (same meaning as :func:`detect`'s arguments)."""

    values: Sequence[float] | np.ndarray
    spreads: Sequence[float] | np.ndarray | None = None
    counts: Sequence[float] | np.ndarray | None = None
    direction: Direction = Direction.LOWER_IS_BETTER
    commits: Sequence[str] | None = None
    name: str = ""


def min_points(min_size: int = DEFAULT_MIN_SIZE) -> int:
    """Fewest valid points a series needs before any change point can be found."""
    return 2 * min_size


def detect(
    values: Sequence[float] | np.ndarray,
    *,
    spreads: Sequence[float] | np.ndarray | None = None,
    counts: Sequence[float] | np.ndarray | None = None,
    alpha: float = DEFAULT_ALPHA,
    min_size: int = DEFAULT_MIN_SIZE,
    direction: Direction = Direction.LOWER_IS_BETTER,
    commits: Sequence[str] | None = None,
    series: str = "",
    window: int = DEFAULT_WINDOW,
    confidence: float = DEFAULT_CONFIDENCE,
    min_effect: float = DEFAULT_MIN_EFFECT,
) -> list[ChangePoint]:
    """Change points of one series (``index`` = first point of the new level).

    Non-finite values (and points with a count of 0) are missing commits: they are
    skipped, and indices refer to the original positions.
    """
    item = SeriesInput(values, spreads, counts, direction, commits, series)
    return detect_many(
        [item],
        alpha=alpha,
        min_size=min_size,
        window=window,
        confidence=confidence,
        min_effect=min_effect,
    )[0]


def detect_many(
    inputs: Sequence[SeriesInput],
    *,
    alpha: float = DEFAULT_ALPHA,
    min_size: int = DEFAULT_MIN_SIZE,
    window: int = DEFAULT_WINDOW,
    confidence: float = DEFAULT_CONFIDENCE,
    min_effect: float = DEFAULT_MIN_EFFECT,
) -> list[list[ChangePoint]]:
    """Change points of many series, analysed in parallel; one list per input."""
    _check_options(alpha, min_size, window, confidence)
    prepared = [_prepare(item) for item in inputs]
    lengths = np.array([p[0].size for p in prepared], dtype=np.int64)
    offsets = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
    x = _joined([p[0] for p in prepared])
    if all(p[1] is None for p in prepared):  # equal weights throughout: one array of ones
        w = np.ones(x.size)
    else:
        w = np.concatenate([np.ones(p[0].size) if p[1] is None else p[1] for p in prepared])
    z = _normal_quantile(0.5 + confidence / 2.0)
    args = (x, w, offsets, min_size, alpha, window, z, min_effect)
    with _first_call(args):
        table, found = rs.segment_many(*args)
    out: list[list[ChangePoint]] = []
    starts, counts = offsets[:-1].tolist(), found.tolist()  # Python ints: no numpy scalars
    for i, item in enumerate(inputs):
        rows = table[starts[i] : starts[i] + counts[i]].tolist() if counts[i] else []
        valid, positions = prepared[i][0].size, prepared[i][2]
        out.append([_change_point(row, item, positions, valid, min_size) for row in rows])
    return out


def _joined(parts: list[np.ndarray]) -> np.ndarray:
    """``np.concatenate(parts)``, or a view when the parts are consecutive pieces of one
    contiguous float64 array, in order (the rows of a 2-D array, the series of a wide
    table): no copy of the values (8 MB of new memory for 1,000 x 1,000). The kernel
    only reads them."""
    if len(parts) < 2:
        return np.concatenate(parts) if parts else np.empty(0)
    base = parts[0].base
    if base is None or base.dtype != np.float64 or not base.flags.c_contiguous:
        return np.concatenate(parts)
    flat = base.reshape(-1)
    origin = flat.__array_interface__["data"][0]
    start = end = parts[0].__array_interface__["data"][0]
    for p in parts:
        if p.base is not base or not p.flags.c_contiguous or p.dtype != np.float64:
            return np.concatenate(parts)
        if p.__array_interface__["data"][0] != end:
            return np.concatenate(parts)
        end += p.nbytes
    first = (start - origin) // flat.itemsize
    return flat[first : first + (end - start) // flat.itemsize]


def load_kernels() -> None:
    """Load the compiled kernels now (from numba's cache; compiling and caching them when
    it is cold), e.g. to warm the cache when an environment or image is built:
    ``python -c "from perfkit.history.changepoint import load_kernels; load_kernels()"``."""
    detect_many([SeriesInput(np.arange(2.0 * DEFAULT_MIN_SIZE))])


_BLAS_PROBE = "scipy.linalg.cython_blas"


@contextmanager
def _first_call(args: tuple) -> Iterator[None]:
    """Around the first kernel call of the process (numba loads or compiles the kernels
    then): no BLAS probe, the cached kernel loaded without numba's target refresh
    (:func:`_load_cached`), and the garbage collector paused meanwhile (numba's
    registries, when they are built, take hundreds of passes over a heap that may
    already hold a large history)."""
    if "numba.np.arraymath" in sys.modules:  # not the first call
        yield
        return
    with gcpause.paused():
        _skip_blas_probe()
        _load_cached(args)
        yield


def _load_cached(args: tuple) -> bool:
    """Load the compiled kernel (``ranksegment.segment_many``) for ``args`` from numba's
    cache without building numba's whole CPU target first; True if it is now loaded.

    The first call of a compiled function makes numba refresh its target: import the
    lowering implementations of everything numba can compile and install them and the
    typing templates in its registries (0.1-0.15 s of CPU), although code loaded from the
    cache needs none of it (only the runtime's symbols, and the modules of the code's
    environments, which loading imports). This does what ``Dispatcher.compile`` does on a
    cache hit, less that refresh and less parsing the LLVM bitcode cached beside the object
    code (:func:`_object_library`). Compiling anything later still refreshes first (numba's
    compiler does it itself), so a function compiled afterwards in the process (e.g. with
    ``np.dot``) is unaffected. False, having changed nothing, when nothing is cached for
    these types (or this numba's internals differ): the call then compiles or loads as
    usual."""
    from perfkit.history.ranksegment import segment_many as kernel  # not a wrapper of it

    try:
        from numba.core.compiler_lock import global_compiler_lock
        from numba.core.runtime import nrt

        load = kernel._cache._load_overload  # the load, without load_overload's refresh
        sig = tuple(kernel.typeof_pyval(a) for a in args)
    except (AttributeError, ImportError):
        return False
    if sig in kernel.overloads:
        return True
    if rs.cache_state() != "warm":
        return False
    codegen = kernel.targetctx.codegen()
    with global_compiler_lock:
        nrt.rtsys.initialize(kernel.targetctx)  # the one step of the refresh it needs
        codegen.unserialize_library = functools.partial(_object_library, codegen)
        try:
            cres = load(sig, kernel.targetctx)
        finally:
            del codegen.unserialize_library  # numba's own again
        if cres is None:
            return False
        kernel._cache_hits[sig] += 1
        if not cres.objectmode:
            kernel.targetctx.insert_user_function(cres.entry_point, cres.fndesc, [cres.library])
        kernel.add_overload(cres)
    return True


def _object_library(codegen, state: tuple):
    """numba's ``CPUCodeLibrary._unserialize`` for a library cached as object code, less
    what only linking it into other compiled code needs (nothing does that with the
    kernel, which is called from Python only): the LLVM bitcode cached beside the object
    code (0.6 MB) is neither parsed nor are its 877 symbols listed (0.05-0.07 s of a
    ``perfkit history`` run). As numba looks a function's address up only among the
    symbols it listed, this library asks the engine, which has the object code loaded.
    Any other kind of cached library is read by numba's own code."""
    name, kind, data = state
    if kind != "object":
        return type(codegen).unserialize_library(codegen, state)
    try:
        library = codegen.create_library(name)
        library.enable_object_caching()
        library._set_compiled_object(data[0])
        lookup = codegen._engine.get_function_address
    except AttributeError:  # another numba's internals
        return type(codegen).unserialize_library(codegen, state)
    library._finalize_final_module()
    library.get_pointer_to_function = lookup
    return library


def _skip_blas_probe() -> None:
    """Spare the first kernel call numba's BLAS probe.

    The first call of any compiled function, even one loaded from the cache, makes numba
    import its lowering modules, and one of them (``numba.np.arraymath``) probes for BLAS by
    importing ``scipy.linalg``: 0.2-0.3 s of CPU (scipy's array-API layer imports
    ``numpy.f2py``) for kernels that use no BLAS, in every ``perfkit history`` process.
    That module is imported here with the probe's import failing, then numba's flag is set
    to what the probe finds when scipy is installed, so functions compiled later in the
    process use BLAS as usual (numba imports scipy when it compiles them)."""
    if "numba.np.arraymath" in sys.modules:
        return
    hidden = _BLAS_PROBE not in sys.modules
    if hidden:
        sys.modules[_BLAS_PROBE] = None  # type: ignore[assignment]  # import -> ImportError
    try:
        import numba.np.arraymath as arraymath
    finally:
        if hidden and _BLAS_PROBE in sys.modules and sys.modules[_BLAS_PROBE] is None:
            del sys.modules[_BLAS_PROBE]
    if hasattr(arraymath, "_HAVE_BLAS"):
        arraymath._HAVE_BLAS = importlib.util.find_spec("scipy") is not None


def _check_options(alpha: float, min_size: int, window: int, confidence: float) -> None:
    if not 0.0 < alpha < 1.0:
        raise HistoryError(f"alpha must be in (0, 1), got {alpha}")
    if min_size < 2:
        raise HistoryError(f"min_size must be at least 2, got {min_size}")
    if window < min_size:
        raise HistoryError(f"window ({window}) must be at least min_size ({min_size})")
    if not 0.0 < confidence < 1.0:
        raise HistoryError(f"confidence must be in (0, 1), got {confidence}")


def _prepare(item: SeriesInput) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """(values, weights, original positions) of the valid points of one series; weights
    None when they are all equal, positions None when every point is valid (0, 1, ...)."""
    x = np.asarray(item.values, dtype=np.float64).ravel()
    valid = np.isfinite(x)
    counts = None if item.counts is None else np.asarray(item.counts, dtype=np.float64).ravel()
    spreads = None if item.spreads is None else np.asarray(item.spreads, dtype=np.float64).ravel()
    for label, arr in (("spreads", spreads), ("counts", counts)):
        if arr is not None and arr.size != x.size:
            raise HistoryError(
                f"series {item.name or '?'}: {label} has {arr.size} entries for {x.size} values"
            )
    if counts is not None:
        valid &= np.isfinite(counts) & (counts > 0)
    if item.commits is not None and len(item.commits) != x.size:
        raise HistoryError(
            f"series {item.name or '?'}: {len(item.commits)} commits for {x.size} values"
        )
    keep = None if valid.all() else np.flatnonzero(valid)  # None: all (no copies)
    if keep is not None:
        x = x[keep]
    take = slice(None) if keep is None else keep
    if spreads is None or counts is None or not np.any(spreads[take] > 0):
        return x, None, keep  # no within-commit spread: equal weights
    return x, _weights(x, spreads[take], counts[take]), keep


def _weights(x: np.ndarray, spreads: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Inverse of each commit's variance: between-commit tau^2 plus its own within part.

    A positive series is weighed on a log scale: timings spread in proportion to their
    level, so in raw units every commit after a 2x slowdown would count a quarter as
    much and the step itself would lose its weight."""
    if x.size < 3:
        return np.ones(x.size)
    if np.all(x > 0):
        x, spreads = np.log(x), spreads / x
    within = (math.pi / 2.0) * np.where(np.isfinite(spreads), spreads, np.nan) ** 2 / counts
    typical = np.nanmedian(within) if np.isfinite(within).any() else 0.0
    within = np.where(np.isfinite(within), within, typical)
    diffs = np.diff(x)
    total = (1.4826 * np.median(np.abs(diffs - np.median(diffs)))) ** 2 / 2.0
    tau2 = max(total - typical, 0.25 * total)
    if tau2 + typical <= 0.0:
        return np.ones(x.size)
    w = 1.0 / (tau2 + within)
    w /= np.median(w)
    return np.clip(w, 1.0 / _WEIGHT_CLIP, _WEIGHT_CLIP)


def _change_point(
    row: Sequence[float], item: SeriesInput, positions: np.ndarray | None, valid: int, min_size: int
) -> ChangePoint:
    """One row of the kernel's table as a change point; ``positions``: the original
    position of each of the ``valid`` points (None: all)."""
    at = int(row[rs.COL_INDEX])
    index = at if positions is None else int(positions[at])
    after = valid - at
    delta, level = float(row[rs.COL_DELTA]), float(row[rs.COL_LEVEL])
    ratio, low, high = _ratio(level, delta, float(row[rs.COL_LOW]), float(row[rs.COL_HIGH]))
    worse = delta > 0 if item.direction is Direction.LOWER_IS_BETTER else delta < 0
    return ChangePoint(
        series=item.name,
        index=index,
        commit=None if item.commits is None else str(item.commits[index]),
        ratio=ratio,
        ci_low=low,
        ci_high=high,
        p_value=float(row[rs.COL_P]),
        verdict=Verdict.REGRESSION if worse else Verdict.IMPROVEMENT,
        direction=item.direction,
        points_after=after,
        provisional=min(after, at) < provisional_below(min_size),
    )


def provisional_below(min_size: int = DEFAULT_MIN_SIZE) -> int:
    """A change point with fewer valid points after it (or before it) than this is
    provisional: found from the newest (or oldest) commits
    (:func:`perfkit.history.ranksegment.newest_step`) or with less than a full window of
    evidence on one side, it can be confirmed or withdrawn as commits arrive (or as older
    commits are measured)."""
    return 2 * min_size


def _ratio(level: float, delta: float, low: float, high: float) -> tuple[float, float, float]:
    """after/before for a step ``delta`` from ``level`` (NaN when the level is not > 0)."""
    if not level > 0.0:
        return math.nan, math.nan, math.nan
    return (level + delta) / level, (level + low) / level, (level + high) / level


def _normal_quantile(q: float) -> float:
    from statistics import NormalDist  # not scipy: importing scipy.stats costs seconds

    return NormalDist().inv_cdf(q)
