"""Course tooling: what the Makefile, the tests and maintainers run; not learner API.

Lessons never import from here (``tests/test_lessons_public_names.py`` keeps them to public
learner names; this package is public only to the course's own tools).

- :mod:`jwt_course.tooling.notebooks`: run notebooks in place, generate exercises from
  solutions, write the model answers, sanitize outputs (``make notebooks``, ``make exercises``).
- :data:`ROOT`: the repository folder. Its one definition is :data:`jwt_course.course.ROOT`
  (the CLI reads it too); tools import it from here or from there, never recompute it.

The slide tagger and deck export (``jwt_course/_slides.py``, ``_slides_deck.py``) are to move
here too, as ``tooling/slides.py`` and ``tooling/slides_deck.py``.
"""

from __future__ import annotations

from ..course import ROOT

__all__ = ["ROOT"]
