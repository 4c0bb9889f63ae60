"""The package, the tests and the benchmarks stay ruff-clean under pyproject.toml's rules (lint and format)."""

from __future__ import annotations

import subprocess
import sys

from jwt_course.course import ROOT

TREES = ("jwt_course", "tests", "benchmarks", "conftest.py")


def ruff(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )


def test_ruff_check_is_clean():
    result = ruff("check", *TREES, "--output-format", "concise")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_leaves_every_file_unchanged():
    result = ruff("format", "--check", *TREES)
    assert result.returncode == 0, result.stdout + result.stderr
