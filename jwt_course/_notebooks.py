"""Moved to :mod:`jwt_course.tooling.notebooks`; this name stays for a while for old callers.

``python -m jwt_course._notebooks ...`` still works and runs the same command.
"""

from __future__ import annotations

import sys

from .tooling.notebooks import *  # noqa: F403
from .tooling.notebooks import __all__, main  # noqa: F401  (re-exported)

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
