"""Create an asv environment and install one commit's build into it, with asv's own code.

Run as ``python -m perfkit.measure.envbuild create|install CONFIG ENV_DIR [COMMIT]`` in a
subprocess: asv's environment classes do the work exactly as ``asv run`` would (the
user's ``environment_type``, ``pythons``, ``matrix``, ``build_command``,
``install_command``, ``uninstall_command``, its build cache keyed by commit), only into
``ENV_DIR`` so every side keeps an environment of its own. asv's chatter goes to this
process's output (the caller sends it to a log file); the last line is a JSON summary.
"""

from __future__ import annotations

import json
import os
import sys


def _environment(config: str, env_dir: str):
    from asv import environment
    from asv.config import Config

    os.chdir(os.path.dirname(os.path.abspath(config)))  # asv resolves paths from there
    conf = Config.load(config)
    conf.env_dir = env_dir
    envs = list(environment.get_environments(conf, None))
    if not envs:
        raise SystemExit("the asv config selects no environment (pythons / matrix / exclude)")
    return conf, envs[0], len(envs)


def main(argv: list[str]) -> int:
    from asv.console import log

    log.enable(verbose=False)
    action, config, env_dir = argv[:3]
    conf, env, count = _environment(config, env_dir)
    env.create()
    if action == "install":
        from asv import repo as asvrepo

        env.install_project(conf, asvrepo.get_repo(conf), argv[3])
    summary = {
        "python": env.find_executable("python"),
        "name": env.name,
        "type": env.tool_name,
        "environments_in_matrix": count,
        "installed": env.installed_commit_hash,
    }
    print("\nPERFKIT-ENV " + json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
