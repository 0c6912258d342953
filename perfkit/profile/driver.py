"""Run one asv benchmark's body in this process, for a profiler.

    python -m perfkit.profile.driver --root BENCHMARK_DIR --name FULL_NAME \
        --mode cpu --seconds 3 --stats-out calls.json
    python -m perfkit.profile.driver ... --mode memory --memray-out mem.bin

The benchmark is found through asv_runner's own discovery, its setup (and setup_cache)
runs outside the measured region, and only ``measured_region`` is profiled: py-spy's
stacks are cut at that frame, memray's Tracker wraps only it (not imports, not JIT).
Exit codes: 0 ok, 3 benchmark not found (stderr: one line with close matches), 4 setup
skipped the benchmark.
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


def split_name(full: str) -> tuple[str, list[str]]:
    """'s.C.time_x(n=1, p='a')' -> ('s.C.time_x', ['1', "'a'"])."""
    from perfkit.asvrun import _split_params

    base, _, params = full.partition("(")
    if not params:
        return base, []
    return base, [p.split("=", 1)[1] for p in _split_params(params[:-1])]


def find_benchmark(root: Path, full: str):
    from asv_runner.discovery import disc_benchmarks

    base, values = split_name(full)
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
    ap.add_argument("--name", required=True)
    ap.add_argument("--mode", choices=("cpu", "memory"), default="cpu")
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--stats-out", type=Path)
    ap.add_argument("--memray-out", type=Path)
    args = ap.parse_args(argv)
    sys.path.insert(0, str(args.root.parent))
    try:
        bench = find_benchmark(args.root, args.name)
    except LookupError as exc:
        print(str(exc).strip("'\""), file=sys.stderr)
        return EXIT_NOT_FOUND
    if bench.setup_cache_key is not None:
        bench.set_cache(bench.do_setup_cache())
    if bench.do_setup():
        print(f"{args.name}: setup skipped the benchmark", file=sys.stderr)
        return EXIT_SKIPPED
    params = bench._build_params()  # asv_runner's own current parameters (+ cache)

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
