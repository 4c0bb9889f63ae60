"""Every `jwt-course` example in the README is re-run and must print what the README shows.

The examples run the command's entry point in this process (``tests/cli_runner.py``), from the
course folder, stdout and stderr interleaved as a terminal shows them; ``tests/test_cli.py`` runs
each subcommand as a real process too. ``jwt-course doctor`` prints its JupyterLab line here without
starting JupyterLab (3-4 s; ``tests/cli_runner.py`` ``without_jupyterlab``): the check that starts it
for real is ``tests/test_workshop_serve.py``'s.
"""

from __future__ import annotations

import re
import shlex

import pytest

from jwt_course.course import ROOT

from cli_runner import run_in_process, without_jupyterlab

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
def test_readme_example_prints_what_the_readme_shows(command, expected, monkeypatch):
    args = shlex.split(command)
    assert args[0] == "jwt-course"
    if args[1] == "doctor":
        without_jupyterlab(monkeypatch)
    result = run_in_process(args[1:], cwd=ROOT, text=True, merge_stderr=True)
    assert result.stdout.rstrip("\n") == expected.rstrip("\n")
