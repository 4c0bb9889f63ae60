"""Former home of ``jwt-course serve``, ``doctor`` and ``progress``; they now live in
:mod:`jwt_course.cli.serve`, :mod:`jwt_course.cli.doctor` and :mod:`jwt_course.cli.progress`.

Kept so that existing imports (``from jwt_course.workshop import cmd_serve``) still work.
"""

from __future__ import annotations

from .cli.doctor import _check_course_ports as _check_course_ports
from .cli.doctor import _check_jupyterlab as _check_jupyterlab
from .cli.doctor import _check_kotlin as _check_kotlin
from .cli.doctor import cmd_doctor
from .cli.progress import ChapterProgress, cmd_progress, run_exercise_notebook
from .cli.serve import DEFAULT_PORT as DEFAULT_PORT
from .cli.serve import _pick_port as _pick_port
from .cli.serve import cmd_serve
from .cli.serve import public_url as public_url

__all__ = ["ChapterProgress", "cmd_doctor", "cmd_progress", "cmd_serve", "run_exercise_notebook"]
