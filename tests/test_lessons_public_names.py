"""Lessons import and use public jwt_course names only (issue 16, item 1).

A lesson that reaches for ``_validate_exp`` or ``store._conn`` breaks when the package is
refactored; what a lesson shows needs a public, stable handle instead.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LESSONS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def _code_cells(notebook: Path) -> list[tuple[int, str]]:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    found = []
    for number, cell in enumerate(cells, start=1):
        if cell["cell_type"] != "code":
            continue
        lines = "".join(cell["source"]).splitlines()
        # IPython magics and shell escapes are not Python; blank them, keep line numbers.
        found.append((number, "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in lines)))
    return found


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _jwt_course_names(tree: ast.AST) -> set[str]:
    """Names bound in the cell to jwt_course modules or to objects imported from them."""
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "jwt_course":
                    bound.add(alias.asname or "jwt_course")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "jwt_course":
            bound.update(alias.asname or alias.name for alias in node.names)
    return bound


def private_uses(source: str, known: set[str]) -> list[str]:
    """Private jwt_course names a cell imports or reaches; ``known`` grows with its imports.

    ``known`` holds the names bound to jwt_course modules and objects so far in the notebook,
    and names assigned from them (``store = RevocationStore(...)``), so that ``store._conn``
    in a later cell is caught too.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "jwt_course":
            parts = (node.module or "").split(".")
            found += [f"from {node.module} import" for part in parts if _private(part)][:1]
            found += [f"{node.module}.{alias.name}" for alias in node.names if _private(alias.name)]
        elif isinstance(node, ast.Import):
            found += [
                alias.name
                for alias in node.names
                if alias.name.split(".")[0] == "jwt_course" and any(_private(p) for p in alias.name.split("."))
            ]
    known |= _jwt_course_names(tree)
    # Names assigned from an expression that mentions a known name (one level, in cell order).
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AnnAssign | ast.With):
            value = node.value if not isinstance(node, ast.With) else None
            targets: list[ast.expr] = []
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, ast.AnnAssign):
                targets = [node.target]
            else:
                for item in node.items:
                    if item.optional_vars is not None and _mentions(item.context_expr, known):
                        targets.append(item.optional_vars)
            if value is not None and not _mentions(value, known):
                continue
            for target in targets:
                # Only plain names (``store = ...``, ``a, b = ...``), never ``self.x = ...``.
                names = target.elts if isinstance(target, ast.Tuple) else [target]
                known |= {n.id for n in names if isinstance(n, ast.Name)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr) and _mentions(node.value, known):
            found.append(f"{ast.unparse(node.value)}.{node.attr}")
    return found


def _mentions(expr: ast.AST | None, known: set[str]) -> bool:
    return expr is not None and any(isinstance(n, ast.Name) and n.id in known for n in ast.walk(expr))


def test_the_checker_catches_each_kind_of_private_use() -> None:
    assert private_uses("from jwt_course.tokens import _validate_exp", set()) == ["jwt_course.tokens._validate_exp"]
    assert private_uses("from jwt_course._notebooks import run", set()) == ["from jwt_course._notebooks import"]
    assert private_uses("import jwt_course._drawing", set()) == ["jwt_course._drawing"]
    assert private_uses("from jwt_course import server as m\nm._random_secret()", set()) == ["m._random_secret"]
    known: set[str] = set()
    assert (
        private_uses("from jwt_course.store import RevocationStore\nstore = RevocationStore(':memory:')", known) == []
    )
    assert private_uses("store._conn.execute('select 1')", known) == ["store._conn"]


def test_the_checker_leaves_public_and_unrelated_names_alone() -> None:
    source = "import jwt\nfrom jwt_course.tokens import TokenSigner\nx = object()\nx._private\nTokenSigner.__name__"
    assert private_uses(source, set()) == []


@pytest.mark.parametrize("notebook", LESSONS, ids=[n.name for n in LESSONS])
def test_lesson_uses_public_jwt_course_names_only(notebook: Path) -> None:
    known: set[str] = set()
    problems = [
        f"{notebook.name}, cell {number}: {name}"
        for number, source in _code_cells(notebook)
        for name in private_uses(source, known)
    ]
    assert not problems, "lessons must use public jwt_course names only:\n" + "\n".join(problems)
