"""asv benchmark suites for perfkit's workloads: actor.py, sync.py, system.py."""

from perfkit_workloads import warm

# asv's forkserver imports the suite once per round, then forks a process per benchmark:
# numba loaded here is loaded in all of them (a round of the 65 benchmarks cost ~0.6 s
# more per process without it: docs/workloads.md)
warm()
