"""Run one asv benchmark's body in this process, for a profiler.

    python -P .../driver.py --root BENCHMARK_DIR --benchmark NAME --values '["1"]' \
        --mode cpu --seconds 3 --stats-out calls.json
    python -P .../driver.py ... --mode memory --memray-out mem.bin

Run by path and importing nothing from perfkit, so the measured tree's own packages
(perfkit's own workloads included) are the ones imported. The benchmark is found through
asv_runner's discovery, its setup (and setup_cache) runs outside the measured region, and
only ``measured_region`` is profiled: py-spy's stacks are cut at that frame, memray's
Tracker wraps only it (not imports, not JIT compilation).
Exit codes: 0 ok, 3 benchmark not found (stderr: one line with close matches), 4 skipped.
"""

from __future__ import annotations

import argparse
import difflib
import itertools
import json
import sys
import time
from pathlib import Path

EXIT_NOT_FOUND = 3
EXIT_SKIPPED = 4
NOT_FOUND = "perfkit-driver: not found: "  # py-spy hides the exit code; this line survives


def find_benchmark(root: Path, base: str, values: list[str]):
    from asv_runner.discovery import disc_benchmarks

    found = {b.name: b for b in disc_benchmarks(str(root))}
    if base not in found:
        close = difflib.get_close_matches(base, list(found), n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise LookupError(f"benchmark {base!r} not found in {root}{hint}")
    bench = found[base]
    if bench.params:
        combos = [list(c) for c in itertools.product(*bench.params)]
        if values not in combos:
            choices = ", ".join("(" + ", ".join(c) + ")" for c in combos[:6])
            raise LookupError(f"{base} has no parameters ({', '.join(values)}); it has {choices}")
        bench.set_param_idx(combos.index(values))
    elif values:
        raise LookupError(f"benchmark {base!r} takes no parameters")
    return bench


def call_args(bench) -> tuple:
    """The arguments asv_runner would call the body with (setup_cache's value first, then
    the current parameters): its private ``_build_params`` when it has one (0.2-0.3),
    else the same from the attributes it is built on."""
    build = getattr(bench, "_build_params", None)
    if callable(build):
        return tuple(build())
    cache, params = (
        getattr(bench, "_current_cache", None),
        tuple(getattr(bench, "_current_params", ())),
    )
    return (cache, *params) if cache is not None else params


def measured_region(call, *, seconds: float, min_calls: int = 1) -> int:
    """Call the body until ``seconds`` have passed; the profilers look only in here."""
    calls, start = 0, time.perf_counter()
    while calls < min_calls or time.perf_counter() - start < seconds:
        call()
        calls += 1
    return calls


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", type=Path, required=True)
    ap.add_argument("--benchmark", required=True)
    ap.add_argument("--values", default="[]", help="parameter values (asv repr strings), JSON list")
    ap.add_argument("--mode", choices=("cpu", "memory"), default="cpu")
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--stats-out", type=Path)
    ap.add_argument("--memray-out", type=Path)
    args = ap.parse_args(argv)
    # the suite's folder is importable, but last: a built side's package must come from
    # its environment (a same-python side's tree is first on PYTHONPATH already)
    sys.path.append(str(args.root.parent))
    try:
        bench = find_benchmark(args.root, args.benchmark, json.loads(args.values))
    except LookupError as exc:
        print(NOT_FOUND + str(exc).strip("'\""), file=sys.stderr)
        return EXIT_NOT_FOUND
    if bench.setup_cache_key is not None:
        bench.set_cache(bench.do_setup_cache())
    if bench.do_setup():
        print(f"{args.benchmark}: setup skipped the benchmark", file=sys.stderr)
        return EXIT_SKIPPED
    params = call_args(bench)

    def call() -> None:
        bench.func(*params)

    call()  # warm up (JIT caches, lazy imports) outside the region
    try:
        if args.mode == "memory":
            import memray

            with memray.Tracker(str(args.memray_out), native_traces=False):
                calls = measured_region(call, seconds=0.0)
        else:
            calls = measured_region(call, seconds=args.seconds)
    finally:
        bench.do_teardown()
    if args.stats_out:
        args.stats_out.write_text(json.dumps({"calls": calls}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
