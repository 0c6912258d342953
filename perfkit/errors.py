"""One error tree for perfkit. The CLI catches PerfkitError once and prints one line.

Each class carries the exit code the CLI uses for it; messages are a single line that
names the file or object at fault and what is wrong with it.
"""

from __future__ import annotations


class PerfkitError(Exception):
    """Base of every error perfkit raises on purpose (a user error, not a bug)."""

    exit_code = 2


class ResultsFormatError(PerfkitError):
    """A results file (asv, pyperf, pytest-benchmark, baseline) is malformed, truncated or empty."""


class BaselineError(PerfkitError):
    """A baseline is missing, unreadable or cannot be saved."""


class ConfigError(PerfkitError):
    """The perfkit configuration file or a command-line option is invalid."""


class BenchmarkNotFoundError(PerfkitError):
    """A benchmark named by the user does not exist (the message lists close matches)."""


class ToolMissingError(PerfkitError):
    """An external tool (asv, py-spy, memray, git, a browser) is not installed or not runnable."""


class ToolFailedError(PerfkitError):
    """An external tool ran but failed; the message carries its last line of output."""


class ProfilerError(PerfkitError):
    """Profiling failed (ptrace not permitted, target died, no sample taken)."""


class GitError(PerfkitError):
    """A commit, range or worktree operation failed (commit not in the repository, ...)."""


class GitHubError(PerfkitError):
    """The GitHub API refused or failed a request (message never contains the token)."""


class HistoryError(PerfkitError):
    """History / change-point analysis cannot run on the given input."""


class ProvenanceError(PerfkitError):
    """A side would not measure its own commit's code (foreign import, import failure)."""
