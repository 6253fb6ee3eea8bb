"""``python -m evalkit``: the same as the ``evalkit`` command, imports included.

``python -m`` puts the current folder first on sys.path, where the
``evalkit`` script does not: a ``python`` grader's module (or any module
named like a library evalkit uses) would be imported from wherever the
command happens to run. Both find modules on sys.path as it is otherwise
(installed packages, PYTHONPATH).
"""

import os
import sys

if not sys.flags.safe_path and sys.path and sys.path[0] == os.getcwd():
    del sys.path[0]

from evalkit.cli import main  # after sys.path is set right

raise SystemExit(main())
