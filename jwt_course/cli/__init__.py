"""The ``jwt-course`` command (also ``python -m jwt_course``).

Subcommands::

    jwt-course decode TOKEN           show header and claims, unverified, with warnings
    jwt-course verify TOKEN --key ... check signature and claims; exit 1 with the reason
    jwt-course serve                  run the course's demo API for a workshop
    jwt-course doctor                 check this machine is ready for the course
    jwt-course progress               which exercises are solved, per chapter

Exit status: 0 success, 1 a token that does not verify (or a failed check, or a
server that could not start), 2 bad input on the command line. Expected failures are
one ``error: ...`` line on stderr, never a traceback (set ``JWT_COURSE_DEBUG=1`` to
see the traceback of an unexpected one).

This package holds one module per subcommand (:mod:`.decode`, :mod:`.verify`,
:mod:`.serve`, :mod:`.doctor`, :mod:`.progress`), the parser (:mod:`.parser`) and the exit
statuses and expected error (:mod:`.errors`); :func:`main` here ties them together and turns
failures into those one-line errors.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from .decode import analyse
from .errors import EXIT_INVALID, CliError
from .parser import build_parser, check_arguments

__all__ = ["CliError", "analyse", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``jwt-course`` with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    args = build_parser().parse_args(argv)
    try:
        check_arguments(args)
        status: int = args.handler(args)
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.status
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `jwt-course decode ... | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_INVALID
    except Exception as exc:
        if os.environ.get("JWT_COURSE_DEBUG"):
            raise
        print(
            f"error: unexpected {type(exc).__name__}: {exc} (set JWT_COURSE_DEBUG=1 to see the traceback)",
            file=sys.stderr,
        )
        return EXIT_INVALID
    return status
