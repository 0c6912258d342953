"""The numba-compiled code under benchmark: actor (messaging), sync (blocks), system kernels.

Every kernel is called through its own plain-Python function (its "call site") so a py-spy
flamegraph, which cannot see inside jitted code, still tells the kernels apart.
"""


def warm() -> None:
    """Load numba's compiler and one cached kernel now. asv's forkserver imports the
    benchmark suite once per round and forks a process per benchmark: loaded in the
    parent, the 0.6-0.7 s numba takes to load its first kernel is not paid again by every
    process (each further kernel loads from the cache in milliseconds)."""
    from perfkit_workloads.cache import _single_cycle

    _single_cycle(16, 0)
