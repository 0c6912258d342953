"""The numba-compiled code under benchmark: actor (messaging), sync (blocks), system kernels.

Every kernel is called through its own plain-Python function (its "call site") so a py-spy
flamegraph, which cannot see inside jitted code, still tells the kernels apart.
"""
