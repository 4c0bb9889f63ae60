"""``python -m jwt_course``: the same as the ``jwt-course`` command."""

from __future__ import annotations

from .cli import main

raise SystemExit(main())
