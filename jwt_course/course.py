"""The course map and the environment check, shared by notebook 00, the README test and tools."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

__all__ = ["CHAPTERS", "ROOT", "Chapter", "Check", "course_map", "environment_checks"]

#: the repository folder (the package is installed editable from it)
ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Chapter:
    """One numbered notebook of the course."""

    number: str
    slug: str
    title: str
    minutes: int
    has_exercises: bool

    @property
    def filename(self) -> str:
        """The notebook's file name, e.g. ``01_jwt_by_hand.ipynb``."""
        return f"{self.number}_{self.slug}.ipynb"

    def exists(self, root: Path = ROOT) -> bool:
        """True once the lesson notebook has been written."""
        return (root / "notebooks" / self.filename).is_file()


CHAPTERS: tuple[Chapter, ...] = (
    Chapter("00", "start_here", "Start here: how the course works", 10, False),
    Chapter("01", "jwt_by_hand", "A JWT built by hand", 60, True),
    Chapter("02", "sessions_vs_jwt", "Server sessions vs JWT", 45, True),
    Chapter("03", "bearer_flow_fastapi", "The Bearer flow with FastAPI", 60, True),
    Chapter("04", "refresh_and_revocation", "Refresh tokens and revocation", 60, True),
    Chapter("05", "keys_and_jwks", "Keys, JWKS and microservices", 50, True),
    Chapter("06", "attacks_and_best_practices", "Attacks and best practices", 75, True),
    Chapter("07", "interview_review", "Interview review and quiz", 30, False),
    Chapter("08", "bonus_coroutines_asyncio", "Bonus: Kotlin coroutines vs asyncio cancellation", 45, True),
)


def course_map(root: Path = ROOT) -> str:
    """The course map as a Markdown table; chapters not written yet say "coming"."""
    rows = ["| # | chapter | time | exercises | status |", "|---|---|---|---|---|"]
    for ch in CHAPTERS:
        status = "ready" if ch.exists(root) else "coming"
        exercises = "yes" if ch.has_exercises else "-"
        rows.append(f"| {ch.number} | {ch.title} | {ch.minutes} min | {exercises} | {status} |")
    total = sum(ch.minutes for ch in CHAPTERS)
    rows.append(f"| | **total** | **{total // 60} h {total % 60:02d} min** | | |")
    return "\n".join(rows)


@dataclass(frozen=True)
class Check:
    """One line of the environment check: what, whether it passed, how to fix it."""

    what: str
    ok: bool
    fix: str


def _version(dist: str) -> tuple[int, ...] | None:
    try:
        text = metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None
    parts = []
    for piece in text.split(".")[:3]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


_MINIMUMS = {
    "pyjwt": (2, 13),
    "cryptography": (42,),
    "fastapi": (0, 115),
    "uvicorn": (0, 30),
    "httpx": (0, 27),
    "matplotlib": (3, 8),
}


def environment_checks() -> list[Check]:
    """Check what the course needs; each failed check says how to fix it."""
    reinstall = "run `make lab` (or `pip install -e '.[dev]'`) from the course folder"
    checks = [
        Check("Python 3.11 or newer", sys.version_info >= (3, 11), "install Python 3.11+ and run `make lab` again"),
    ]
    for dist, minimum in _MINIMUMS.items():
        found = _version(dist)
        wanted = ".".join(map(str, minimum))
        checks.append(Check(f"{dist} {wanted} or newer", found is not None and found >= minimum, reinstall))
    checks.append(
        Check(
            "this kernel runs the course's own jwt_course package",
            (ROOT / "notebooks").is_dir() and (ROOT / "pyproject.toml").is_file(),
            "in JupyterLab pick the kernel of the course's .venv; " + reinstall,
        )
    )
    return checks
