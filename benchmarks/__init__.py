"""asv benchmark suites for perfkit's workloads: actor.py, sync.py, system.py."""

import os
import sys

# perfkit measures a checkout in the current Python (asv --python=same) by naming it in
# PERFKIT_TREE; put it first so its package, not an installed one, is what runs. asv
# itself strips PYTHONPATH from the processes it starts, so this cannot go through there.
_tree = os.environ.get("PERFKIT_TREE")
if _tree and _tree not in sys.path:
    sys.path.insert(0, _tree)
