"""The exit statuses of the ``jwt-course`` command and its one expected error.

Kept apart from :mod:`jwt_course.cli` so that the modules holding the subcommands
(:mod:`jwt_course.inspect_token`, :mod:`jwt_course.verify_token`,
:mod:`jwt_course.workshop`) can raise it without importing the parser.
"""

from __future__ import annotations

__all__ = ["EXIT_INVALID", "EXIT_OK", "EXIT_USAGE", "CliError"]

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


class CliError(Exception):
    """An expected failure, printed as one ``error: ...`` line; exit status 2 unless given."""

    def __init__(self, message: str, status: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.status = status
