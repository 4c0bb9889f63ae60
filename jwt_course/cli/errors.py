"""The exit statuses of the ``jwt-course`` command and its one expected error.

Kept apart from the parser (:mod:`jwt_course.cli.parser`) so that the modules holding the
subcommands (:mod:`.decode`, :mod:`.verify`, :mod:`.serve`, :mod:`.doctor`,
:mod:`.progress`) can raise it without importing it.
"""

from __future__ import annotations

__all__ = ["EXIT_INVALID", "EXIT_OK", "EXIT_USAGE", "CliError"]

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


class CliError(Exception):
    """An expected failure, printed as one ``error: ...`` line; exit status 2 unless given."""

    def __init__(self, message: str, status: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.status = status
