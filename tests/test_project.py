"""The project's own files agree with each other: dependencies, README, exports, notebooks."""

from __future__ import annotations
import __future__

import json
import re
import tomllib

import pytest
import yaml

import jwt_course
from jwt_course.course import CHAPTERS, ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
NOTEBOOKS = sorted(p for folder in ("notebooks", "solutions", "exercises") for p in (ROOT / folder).glob("*.ipynb"))


def _requirement(spec: str) -> tuple[str, str]:
    found = re.match(r"^([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?\s*(.*)$", spec.strip())
    assert found, spec
    name, bound = found.groups()
    return name.lower().replace("_", "-"), bound.replace(" ", "")


ENVIRONMENT = yaml.safe_load((ROOT / "environment.yml").read_text())
ENV_PIP = next(d["pip"] for d in ENVIRONMENT["dependencies"] if isinstance(d, dict))


def _pins(lines: list[str]) -> dict[str, str]:
    pins = {}
    for line in lines:
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            name, bound = _requirement(line)
            pins[name] = bound
    return pins


CONSTRAINTS = _pins((ROOT / "constraints.txt").read_text().splitlines())


def test_environment_yml_pins_exactly_what_constraints_txt_pins():
    # Binder must run the versions the committed outputs were made with
    assert _pins(ENV_PIP) == CONSTRAINTS
    assert all(bound.startswith("==") for bound in _pins(ENV_PIP).values())


def test_environment_yml_covers_every_dependency_of_pyproject_and_its_extras():
    project = PYPROJECT["project"]
    wanted = [*project["dependencies"], *(d for extra in project["optional-dependencies"].values() for d in extra)]
    pins = _pins(ENV_PIP)
    from packaging.specifiers import SpecifierSet

    for name, bound in map(_requirement, wanted):
        assert name in pins, f"{name} (pyproject.toml) is not pinned in environment.yml"
        assert SpecifierSet(bound).contains(pins[name].removeprefix("=="), prereleases=True), (name, bound, pins[name])


def test_environment_yml_gets_python_from_conda_forge_in_the_form_binder_reads():
    from packaging.specifiers import SpecifierSet

    conda = dict(_requirement(d) for d in ENVIRONMENT["dependencies"] if isinstance(d, str))
    assert "conda-forge" in ENVIRONMENT["channels"]
    assert set(conda) == {"python", "pip"}, "everything else comes from PyPI, pinned"
    assert re.fullmatch(r"=3\.\d+", conda["python"]), "Binder (repo2docker) only reads an exact python=X.Y"
    assert SpecifierSet(PYPROJECT["project"]["requires-python"]).contains(conda["python"].lstrip("=") + ".0")


def test_environment_yml_installs_the_project_editable_with_every_extra():
    extras = set(PYPROJECT["project"]["optional-dependencies"])
    editable = [line.split("#")[0].strip() for line in ENV_PIP if line.startswith("-e .")]
    assert len(editable) == 1
    found = re.fullmatch(r"-e \.\[([a-z,]+)\]", editable[0])
    assert found, editable[0]
    assert set(found.group(1).split(",")) == extras


def test_ci_runs_the_readme_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    assert "make test" in (ROOT / "README.md").read_text()


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda ch: ch.number)
def test_readme_course_map_lists_every_chapter_with_its_status(chapter):
    readme = (ROOT / "README.md").read_text()
    row = next((line for line in readme.splitlines() if line.startswith(f"| {chapter.number} ")), None)
    assert row is not None, f"chapter {chapter.number} missing from the README's course map"
    assert f"{chapter.minutes} min" in row
    if chapter.exists():
        assert f"notebooks/{chapter.filename}" in row
    else:
        assert "coming" in row


@pytest.mark.parametrize("chapter", [ch for ch in CHAPTERS if ch.exists()], ids=lambda ch: ch.number)
def test_chapters_with_exercises_have_a_solution_notebook(chapter):
    assert (ROOT / "solutions" / chapter.filename).is_file() == chapter.has_exercises


def test_package_exports_exactly_its_public_names():
    future = set(__future__.all_feature_names)
    public = {name for name in vars(jwt_course) if not name.startswith("_") and name not in future}
    modules = {name for name in public if type(getattr(jwt_course, name)).__name__ == "module"}
    assert set(jwt_course.__all__) == public - modules


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_notebook_is_committed_clean_and_run_top_to_bottom(path):
    nb = json.loads(path.read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]
    assert [c["execution_count"] for c in code] == list(range(1, len(code) + 1)), "run it with `make notebooks`"
    outputs = json.dumps([c.get("outputs", []) for c in code])
    assert '"output_type": "error"' not in outputs
    assert not re.search(r"/(root|home|tmp|work|Users)/", outputs), "a local path in an output"
    assert "\\u001b[" not in outputs, "colour codes in an output"


@pytest.mark.parametrize("path", sorted((ROOT / "notebooks").glob("*.ipynb")), ids=lambda p: p.name)
def test_lesson_opens_and_closes_as_the_conventions_say(path):
    text = "\n".join(
        "".join(c["source"]) for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "markdown"
    )
    headings = ["What you'll learn", "What you need", "Key points", "Further reading"]
    if not path.name.startswith("00"):
        headings.append("Interview questions")
    for heading in headings:
        assert heading.lower() in text.lower(), f"{path.name}: no '{heading}'"


def test_constraints_pin_every_dependency_to_a_version_within_its_bounds():
    from packaging.requirements import Requirement

    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[name.lower().replace("_", "-")] = version
    project = PYPROJECT["project"]
    for spec in project["dependencies"] + project["optional-dependencies"]["dev"]:
        requirement = Requirement(spec)
        name = requirement.name.lower().replace("_", "-")
        assert name in pins, f"{name} is not pinned in constraints.txt"
        assert requirement.specifier.contains(pins[name]), f"{name}=={pins[name]} is outside {requirement.specifier}"


@pytest.mark.parametrize("chapter", [ch for ch in CHAPTERS if ch.exists()], ids=lambda ch: ch.number)
def test_lesson_states_the_time_the_course_map_gives(chapter):
    first = "".join(json.loads((ROOT / "notebooks" / chapter.filename).read_text())["cells"][0]["source"])
    assert f"**Time:** about {chapter.minutes} minutes" in first


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_notebook_carries_no_run_timestamps(path):
    cells = json.loads(path.read_text())["cells"]
    assert not [c for c in cells if "execution" in c.get("metadata", {})], "re-run it with `make notebooks`"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_committed_outputs_hold_no_value_the_sanitizer_replaces(path):
    # ports and addresses differ on every run: `make notebooks` saves them sanitized
    from jwt_course.tooling.notebooks import sanitizer_patterns

    outputs = json.dumps([c.get("outputs", []) for c in json.loads(path.read_text())["cells"]])
    for regex, replacement in sanitizer_patterns():
        found = [m for m in re.findall(regex, outputs) if m != replacement]
        assert not found, f"{found[:3]}: re-run it with `make notebooks`"


@pytest.mark.parametrize("chapter", [ch for ch in CHAPTERS if ch.exists()], ids=lambda ch: ch.number)
def test_lesson_title_is_the_course_map_title(chapter):
    first = "".join(json.loads((ROOT / "notebooks" / chapter.filename).read_text())["cells"][0]["source"])
    assert first.splitlines()[0] == f"# {chapter.number} · {chapter.title}"
