"""Course tooling: what the Makefile, the tests and maintainers run; not learner API.

Lessons never import from here (``tests/test_lessons_public_names.py`` keeps them to public
learner names; this package is public only to the course's own tools).

- :mod:`jwt_course.tooling.notebooks`: run notebooks in place, generate exercises from
  solutions, write the model answers, sanitize outputs (``make notebooks``, ``make exercises``).
- :mod:`jwt_course.tooling.slides`: the slide tagger (slide types in the lessons' cell metadata)
  and the reveal.js export that works offline (``make slides``); :mod:`jwt_course.tooling.slides_deck`
  holds the deck's page template and the script that fits every slide to the canvas.
- :data:`ROOT`: the repository folder. Its one definition is :data:`jwt_course.course.ROOT`
  (the CLI reads it too); tools import it from here or from there, never recompute it.

``jwt_course._notebooks`` and ``jwt_course._slides`` are shims for old callers (``python -m`` too).
"""

from __future__ import annotations

from ..course import ROOT

__all__ = ["ROOT"]
