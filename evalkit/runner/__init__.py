"""The runner: plan what is left, fan it out under limits and retries, append records.

The executor (``evalkit.runner.run``) is not imported here: it pulls in the
client and the simulator, which planning and validation do not need.
"""

from evalkit.runner.plan import WorkItem, parse_shard, plan
from evalkit.runner.setup import Prepared, prepare, prepare_resume

__all__ = [
    "Prepared",
    "WorkItem",
    "parse_shard",
    "plan",
    "prepare",
    "prepare_resume",
]
