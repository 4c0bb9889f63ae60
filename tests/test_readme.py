"""Every `jwt-course` example in the README is re-run and must print what the README shows."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys

import pytest

from jwt_course.course import ROOT

BLOCK = re.compile(r"```console\n(.*?)```", re.S)


def _examples() -> list[tuple[str, str]]:
    """(command, expected output) for each `$ jwt-course ...` line of a console block."""
    examples = []
    for block in BLOCK.findall((ROOT / "README.md").read_text()):
        command: str | None = None
        output: list[str] = []
        for line in block.splitlines():
            if line.startswith("$ "):
                if command:
                    examples.append((command, "\n".join(output)))
                command, output = line[2:], []
            else:
                output.append(line)
        if command:
            examples.append((command, "\n".join(output)))
    return examples


EXAMPLES = _examples()


def test_the_readme_shows_every_subcommand():
    shown = {shlex.split(command)[1] for command, _ in EXAMPLES}
    assert {"decode", "verify", "doctor", "progress"} <= shown
    assert "$ jwt-course serve" in (ROOT / "README.md").read_text()


@pytest.mark.parametrize(("command", "expected"), EXAMPLES, ids=[c[:60] for c, _ in EXAMPLES])
def test_readme_example_prints_what_the_readme_shows(command, expected):
    args = shlex.split(command)
    assert args[0] == "jwt-course"
    result = subprocess.run(
        [sys.executable, "-m", "jwt_course", *args[1:]],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=60,
    )
    assert result.stdout.rstrip("\n") == expected.rstrip("\n")
