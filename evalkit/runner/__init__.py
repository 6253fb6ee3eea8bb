"""The runner: plan what is left, fan it out under limits and retries, append records.

The executor (``evalkit.runner.run``) is not imported here: it pulls in the
client and the simulator, which planning and validation do not need.
"""

from evalkit.runner.plan import WorkItem, parse_shard, plan
from evalkit.runner.setup import Prepared, RunSettings, prepare, prepare_resume, resolve_run_dir

__all__ = [
    "Prepared",
    "RunSettings",
    "WorkItem",
    "parse_shard",
    "plan",
    "prepare",
    "prepare_resume",
    "resolve_run_dir",
]
