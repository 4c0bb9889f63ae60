"""Moved to :mod:`jwt_course.tooling.slides`; this name stays for a while for old callers.

``python -m jwt_course._slides ...`` still works and runs the same command.
"""

from __future__ import annotations

import sys

from .tooling.slides import *  # noqa: F403
from .tooling.slides import __all__, main  # noqa: F401  (re-exported)

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
