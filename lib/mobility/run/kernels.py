"""Notebook kernels forked from a warm process, instead of started from nothing.

A cold ``make book`` executes 39 notebooks (19 variants, 20 pages). Each used to start a fresh Python, import
ipykernel (0.9 s of CPU) and then numpy, pandas, scipy, matplotlib and the library (2 s more; the dCDH estimator's
package 4 s), before computing anything: about a sixth of the build's CPU. Within :func:`zygote`, a process started
once imports those modules (:data:`PRELOAD`) and then only forks; every kernel launched through
:class:`ForkingKernelManager` is such a fork, with the environment, working directory and command line the kernel
would have had, in a session of its own, exactly as ``jupyter_client`` starts one.

**When it forks, and when it does not.** A kernel is forked only when everything that differs from a fresh start is
known not to matter: its command is this Python running ``ipykernel_launcher``, and its environment equals the
warm process's except for the variables read when they are used (:data:`PER_KERNEL`: the output folder, the page's
name, jupyter's bookkeeping). The warm process checks, after its imports, that it runs one thread besides the
fork-safe allocator thread of pyarrow's jemalloc (forking a process with more is unsafe: polars starts one on import,
so it is not preloaded). Only on Linux. In every other case, and when the warm process is gone, the kernel is started
the usual way (:class:`jupyter_client.provisioning.LocalProvisioner`). The results do not depend on it: the same
executed notebooks, results files, figures and HTML either way (cold builds compared byte for byte, the notebooks less
cell ids and timings; ``tests/run/test_kernels.py``). ``MOBILITY_FORK_KERNELS=0`` turns it off.

The warm process imports :data:`PRELOAD` after setting ``MPLBACKEND`` as ``ipykernel`` sets it for its kernels
(matplotlib reads it once, when imported), then moves what it imported to the collector's permanent generation
(``gc.freeze``), so that the kernels' collections neither walk nor copy it. It exits when the process that started
it closes its end of the pipe, and a forked kernel exits when the warm process does (``ipykernel``'s parent poller),
so nothing outlives a build.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner

from mobility.core.io import environ

__all__ = [
    "PRELOAD",
    "PER_KERNEL",
    "SOCKET_ENV",
    "MIN_KERNELS",
    "Zygote",
    "zygote",
    "ForkingKernelManager",
    "forked_count",
]

#: the modules the warm process imports by default, what the variants' notebooks import (one that fails to import
#: is skipped: the kernel imports it itself, as before); :func:`zygote` takes more (the pages': ``publish.build``)
PRELOAD = (
    "ipykernel.kernelapp",
    "numpy",
    "pandas",
    "scipy.linalg",
    "scipy.optimize",
    "scipy.stats",
    "matplotlib",
    "mobility.core.style",
    "matplotlib.pyplot",
    "mobility.publish.display",
    "mobility.publish.results",
    "mobility.publish.compare",
    "mobility.models.mnc.experiments",
    "mobility.models.mnc.figures",
    "mobility.models.relocation.static",
    "mobility.models.relocation.figures",
    "mobility.models.gravity.montecarlo",
    "mobility.models.gravity.data",
    "mobility.models.gravity.tables",
)
#: where a process finds the warm process's socket (set within :func:`zygote`, inherited by pool workers)
SOCKET_ENV = "MOBILITY_KERNEL_ZYGOTE"
#: environment variables a kernel may have that the warm process lacks, or with other values: each is read when
#: used, never at import (pytest's names the running test)
PER_KERNEL = (
    "MOBILITY_OUTPUT_DIR",
    "MOBILITY_PAGE",
    "JPY_PARENT_PID",
    "JPY_SESSION_NAME",
    SOCKET_ENV,
    "PYTEST_CURRENT_TEST",
)
_OFF_ENV = "MOBILITY_FORK_KERNELS"
#: the fewest kernels worth a warm process: its imports cost about what one fresh kernel's do, and the first kernels
#: wait for them (the variants runner's tests, one or two small notebooks per run: 71 s with fresh kernels, 112 s with
#: a warm process each time)
MIN_KERNELS = 3
#: seconds a kernel waits for the warm process (its imports) before starting the usual way
_WAIT = 300.0
_LISTENING = b"listening\n"
_READY = b"ready\n"


class Zygote:
    """The handle :func:`zygote` yields: ``path`` (its socket) and :meth:`ready` (whether it forks kernels)."""

    def __init__(self, path: str, proc: subprocess.Popen, status):
        self.path = path
        self._proc = proc
        self._status = status
        self._state: bool | None = None

    def ready(self) -> bool:
        """Wait for the imports; True when the warm process forks kernels, False when they start the usual way (it
        runs threads after its imports, or it died)."""
        if self._state is None:
            self._state = self._status.readline() == _READY
        return self._state


@contextlib.contextmanager
def zygote(preload=PRELOAD, extra=(), kernels: int | None = None) -> Iterator[Zygote | None]:
    """Within the block, kernels launched by :class:`ForkingKernelManager` here or in processes started here fork
    from one warm process that imports ``preload`` and ``extra`` (in the background: the first kernels wait for it).
    Yields a :class:`Zygote`, or None when it is off (``MOBILITY_FORK_KERNELS=0``; fewer than :data:`MIN_KERNELS`
    ``kernels`` to start; not Linux, where the thread check cannot see native threads and macOS's system libraries are
    not fork-safe; or a warm process already serves this process's kernels); kernels then start the usual way."""
    if (
        os.environ.get(_OFF_ENV) == "0"
        or (kernels is not None and kernels < MIN_KERNELS)
        or not sys.platform.startswith("linux")
        or os.environ.get(SOCKET_ENV)
    ):
        yield None
        return
    tmp = Path(tempfile.mkdtemp(prefix="mobility-kernels-"))
    path = str(tmp / "zygote.sock")
    code = "import sys; from mobility.run import kernels; kernels._serve(sys.argv[1], int(sys.argv[2]), sys.argv[3:])"
    # its standard output and error are this process's, as a kernel's are; it reports on a pipe of its own
    r, w = os.pipe()
    try:
        proc = subprocess.Popen(
            [sys.executable, *_kernel_flags(), "-c", code, path, str(w), *preload, *extra],
            stdin=subprocess.PIPE,
            pass_fds=(w,),
            env=dict(os.environ),  # what jupyter_client gives kernels (the C environment may hold more, e.g. LINES)
        )
    except OSError:  # it cannot start (no processes left, ...): kernels start the usual way
        os.close(r)
        shutil.rmtree(tmp, ignore_errors=True)
        yield None
        return
    finally:
        os.close(w)
    status = os.fdopen(r, "rb")
    try:
        listening = status.readline() == _LISTENING
        with environ({SOCKET_ENV: path}) if listening else contextlib.nullcontext():
            yield Zygote(path, proc, status) if listening else None
    finally:
        with contextlib.suppress(OSError):
            proc.stdin.close()  # type: ignore[union-attr]  # the warm process exits at EOF
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        status.close()
        shutil.rmtree(tmp, ignore_errors=True)


#: threads a forked child may safely lack: jemalloc's (pyarrow's allocator) background purger, which jemalloc's own
#: fork handlers stop and restart
_FORK_SAFE_THREADS = ("jemalloc_bg_thd",)


def _kernel_flags() -> list[str]:
    """The interpreter options of the ``python3`` kernel's command (``-Xfrozen_modules=off``), which the warm process
    is started with too; [] when there is no such kernel."""
    try:
        from jupyter_client.kernelspec import get_kernel_spec

        argv = list(get_kernel_spec("python3").argv)
        return argv[1 : argv.index("-m")] if "-m" in argv else []
    except Exception:  # noqa: BLE001 - no kernelspec: kernels cannot start at all, and say so themselves
        return []


def _threads() -> int:
    """This process's threads, less those in :data:`_FORK_SAFE_THREADS` (Linux; elsewhere Python's threads)."""
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return threading.active_count()
    n = 0
    for t in tasks:
        try:
            name = Path(f"/proc/self/task/{t}/comm").read_text().strip()
        except OSError:
            name = ""
        n += name not in _FORK_SAFE_THREADS
    return n


def _serve(path: str, status_fd: int, preload) -> None:
    """The warm process: listen on ``path``, import ``preload``, then fork a kernel for each request (or answer 0 when
    it will not) until stdin closes. Writes one line on ``status_fd`` when it listens, one when its imports are done."""
    base = dict(os.environ)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(64)  # requests wait here while the modules are imported
    os.write(status_fd, _LISTENING)
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")  # as ipykernel sets it
    for name in preload:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - the kernel imports it itself, and reports any error there
            pass
    safe = _threads() == 1  # forking a process with threads is unsafe: then kernels start the usual way
    with contextlib.suppress(OSError):
        os.write(status_fd, _READY if safe else b"threads\n")
    os.close(status_fd)
    # The imported objects move to the collector's permanent generation: a kernel's collections then skip them, and
    # do not write to (and so copy) the pages it shares with this process.
    gc.freeze()
    signal.signal(signal.SIGCHLD, _reap)  # kernels are waited for as they exit (their CPU time counts as ours)
    while True:
        readable, _, _ = select.select([srv, sys.stdin], [], [])
        if sys.stdin in readable and not os.read(sys.stdin.fileno(), 4096):
            return  # the starting process is done, or gone
        if srv not in readable:
            continue
        conn, _ = srv.accept()
        with conn:
            try:
                conn.settimeout(10)
                req = json.loads(_recv_all(conn))
                cmd, env, cwd = list(req["cmd"]), dict(req["env"]), req["cwd"]
            except (ValueError, KeyError, TypeError, OSError):
                continue
            if not (safe and _eligible(cmd, env, base)):
                with contextlib.suppress(OSError):
                    conn.sendall(b"0\n")
                continue
            me = os.getpid()
            with warnings.catch_warnings():  # Python >= 3.12 warns of the allocator's thread (see _FORK_SAFE_THREADS)
                warnings.simplefilter("ignore", DeprecationWarning)
                pid = os.fork()
            if pid == 0:
                srv.close()
                conn.close()
                _become_kernel(cmd, env, cwd, me)  # never returns
            try:
                conn.sendall(f"{pid}\n".encode())
            except OSError:  # the client gave up waiting and started its kernel the usual way
                os.kill(pid, signal.SIGKILL)


def _reap(signum=None, frame=None) -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _recv_all(conn: socket.socket) -> bytes:
    chunks: list[bytes] = []
    while True:
        b = conn.recv(65536)
        if not b:
            return b"".join(chunks)
        chunks.append(b)
        if b.endswith(b"\n"):
            return b"".join(chunks)


def _eligible(cmd: list, env: dict, base: dict) -> bool:
    flags = sys.orig_argv[1 : sys.orig_argv.index("-c")]  # this process's interpreter options
    if cmd[1 : len(flags) + 3] != [*flags, "-m", "ipykernel_launcher"]:
        return False
    try:
        if not os.path.samefile(cmd[0], sys.executable):
            return False
    except OSError:
        return False
    keys = (set(env) | set(base)) - set(PER_KERNEL)
    return all(env.get(k) == base.get(k) for k in keys)


def _become_kernel(cmd: list, env: dict, cwd: str | None, parent: int) -> None:
    """In the forked child: the state ``python -m ipykernel_launcher ...`` would start in, then run it."""
    code = 1
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the kernel's own subprocesses are waited for as usual
        os.setsid()  # a session of its own, as jupyter_client's launcher gives it
        if cwd:
            os.chdir(cwd)
        os.environ.clear()
        os.environ.update(env)
        os.environ["JPY_PARENT_PID"] = str(parent)  # exit when the warm process does (even if it already has)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        from ipykernel import kernelapp

        argv = [*cmd[cmd.index("ipykernel_launcher") + 1 :], f"--IPKernelApp.parent_handle={parent}"]
        sys.argv = [kernelapp.__file__, *argv]
        kernelapp.launch_new_instance(argv=argv)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # noqa: BLE001 - reported as a dead kernel by the client
        import traceback

        traceback.print_exc()
    finally:
        # a normal interpreter exit (atexit handlers: the page's results are written there), then leave the fork
        try:
            import atexit

            atexit._run_exitfuncs()
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _request(path: str, cmd: list, env: dict, cwd: str | None) -> int:
    """Ask the warm process at ``path`` for a kernel; its pid, or 0 when it will not fork this one."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(_WAIT)
        s.connect(path)
        s.sendall(json.dumps({"cmd": cmd, "env": env, "cwd": cwd}).encode() + b"\n")
        s.shutdown(socket.SHUT_WR)
        reply = _recv_all(s).strip()
    return int(reply or 0)


class _Forked:
    """The ``subprocess.Popen`` surface jupyter_client's provisioner uses, for a kernel that is not our child (the
    warm process waits for it as it exits): alive while its pid exists."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                self.returncode = 0
            except PermissionError:  # the pid was reused by another user's process: ours is gone
                self.returncode = 0
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        end = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if end is not None and time.monotonic() > end:
                raise subprocess.TimeoutExpired(str(self.pid), timeout or 0.0)
            time.sleep(0.02)
        return self.returncode  # type: ignore[return-value]

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


_FORKED = {"count": 0}


def forked_count() -> int:
    """How many kernels this process has had forked (for the tests and the benchmark)."""
    return _FORKED["count"]


class ForkingProvisioner(LocalProvisioner):
    """:class:`LocalProvisioner` that forks the kernel from the warm process when it can (see the module)."""

    async def launch_kernel(self, cmd: list[str], **kwargs):
        path = os.environ.get(SOCKET_ENV)
        if path and os.environ.get(_OFF_ENV) != "0" and sys.platform != "win32":
            env = dict(kwargs.get("env") or os.environ)
            cwd = kwargs.get("cwd")
            try:
                pid = _request(path, [os.path.expanduser(c) for c in cmd], env, str(cwd) if cwd else None)
            except (OSError, ValueError):
                pid = 0
            if pid > 0:
                _FORKED["count"] += 1
                self.process = _Forked(pid)  # type: ignore[assignment]
                self.pid = pid
                self.pgid = pid  # the kernel leads its own session, as with start_new_session
                self.cwd = cwd or Path.cwd()
                return self.connection_info
        return await super().launch_kernel(cmd, **kwargs)


class ForkingKernelManager(AsyncKernelManager):
    """The kernel manager notebooks are executed with (papermill and jupyter-cache take it as
    ``kernel_manager_class``): a forked kernel within :func:`zygote`, else the usual one."""

    async def _async_pre_start_kernel(self, **kw):
        if self.provisioner is None:
            self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
            self.provisioner = ForkingProvisioner(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self)
        return await super()._async_pre_start_kernel(**kw)
