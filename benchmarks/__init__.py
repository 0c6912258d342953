"""asv benchmark suites for perfkit's workloads: actor.py, sync.py, system.py."""
