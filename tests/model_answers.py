"""The exercises' model answers (`qN.solution()`), run where a learner would paste them.

`qN.solution_code` is the solutions notebook's marked cell, shipped as package data
(jwt_course/data/model_answers.json, written by the exercise generator): the one source.

A model answer runs after the exercise notebook's imports and helper functions and after the
earlier exercises' model answers. Only imports and undecorated function definitions are taken
from the notebook (no calls: nothing is started). Tests use these instead of copies.
"""

from __future__ import annotations

import ast
import functools
import importlib
import json
import textwrap
from collections.abc import Iterator
from typing import Any

from jwt_course.checks import Exercise
from jwt_course.tooling.notebooks import EXERCISES, STUB

CHAPTERS = sorted(p.stem.split("_", 1)[0] for p in EXERCISES.glob("*.ipynb"))


def notebook_context(number: str) -> dict[str, Any]:
    """Imports and helper functions of exercise notebook ``number``, as a namespace."""
    (path,) = EXERCISES.glob(f"{number}_*.ipynb")
    namespace: dict[str, Any] = {"__name__": f"exercises_{number}"}
    keep = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef)
    for cell in json.loads(path.read_text())["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] != "code" or STUB in source:
            continue
        body: list[ast.stmt] = [  # a decorated function registers a route: that needs the notebook's app
            node
            for node in ast.parse(source).body
            if isinstance(node, keep) and not getattr(node, "decorator_list", None)
        ]
        exec(compile(ast.Module(body=body, type_ignores=[]), str(path), "exec"), namespace)
    return namespace


def exercises(number: str) -> list[Exercise]:
    """The checkers of chapter ``number`` in order: q1, q2, ..."""
    module = importlib.import_module(f"jwt_course.checks.ch{number}")
    found = [getattr(module, n) for n in dir(module) if n[:1] == "q" and n[1:].isdigit()]
    return sorted((q for q in found if isinstance(q, Exercise)), key=lambda q: int(q.label[1:]))


def solved(number: str) -> Iterator[tuple[Exercise, dict[str, Any]]]:
    """Run chapter ``number``'s model answers in order, yielding (checker, namespace) after each."""
    namespace = notebook_context(number)
    for exercise in exercises(number):
        exec(textwrap.dedent(exercise.solution_code), namespace)
        yield exercise, namespace


@functools.cache
def model_answer(number: str, name: str) -> Any:
    """The object ``name`` defined by chapter ``number``'s model answers."""
    namespace: dict[str, Any] = {}
    for _, namespace in solved(number):  # noqa: B007  (the last chapter's namespace is the one)
        pass
    return namespace[name]
