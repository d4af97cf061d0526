"""Kernels forked from a warm process (mobility.run.kernels): the same notebooks, the same outputs, the same
failures as kernels started from nothing, and nothing left running."""

from __future__ import annotations

import json
import os
import time

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

from mobility.core.io import environ
from mobility.run import executors, kernels

MANAGER = "mobility.run.kernels.ForkingKernelManager"
#: what the book's processes run with (one BLAS thread: OpenBLAS would otherwise start threads on import)
ENV = {**executors.WORKER_ENV, **executors.THREAD_ENV}

PROBE = """
import json, os, sys, atexit
out = os.environ["MOBILITY_OUTPUT_DIR"]
atexit.register(lambda: open(os.path.join(out, "atexit.txt"), "w").write("written at exit"))
import numpy as np
print(json.dumps({"cwd": os.getcwd(), "page": os.environ.get("MOBILITY_PAGE"), "pid": os.getpid(),
                  "hash": hash("mobility"), "sum": float(np.arange(10).sum()), "argv0": sys.argv[0]}))
"""


def notebook(*sources: str):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def run(nb, cwd, timeout=60, **kw):
    NotebookClient(
        nb, timeout=timeout, kernel_name="python3", kernel_manager_class=MANAGER, resources={"metadata": {"path": cwd}}
    ).execute(**kw)
    return nb


def gone(pid: int, seconds: float = 10.0) -> bool:
    """Whether process ``pid`` has exited within ``seconds``."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


def probe(tmp_path, tag):
    out = tmp_path / tag
    out.mkdir()
    with environ({"MOBILITY_OUTPUT_DIR": out, "MOBILITY_PAGE": f"page/{tag}"}):
        before = kernels.forked_count()
        nb = run(notebook(PROBE), str(tmp_path))
        forked = kernels.forked_count() - before
    seen = json.loads(nb.cells[0].outputs[0]["text"])
    return seen, forked, (out / "atexit.txt").read_text()


@pytest.fixture(scope="module")
def warm():
    with environ(ENV), kernels.zygote(("numpy",)) as z:
        assert z is not None and z.ready(), "the warm process must be able to fork (one thread after its imports)"
        yield z


def test_forked_kernel_sees_what_a_fresh_kernel_sees(tmp_path, warm):
    with environ(ENV):
        forked, n_forked, at_exit = probe(tmp_path, "forked")
        with environ({kernels.SOCKET_ENV: ""}):  # no warm process: the usual launch
            fresh, n_fresh, at_exit_fresh = probe(tmp_path, "fresh")
    assert (n_forked, n_fresh) == (1, 0)
    assert forked["pid"] != fresh["pid"]
    for key in ("cwd", "hash", "sum"):
        assert forked[key] == fresh[key], key
    assert (forked["page"], fresh["page"]) == ("page/forked", "page/fresh")  # the environment of this kernel
    assert forked["cwd"] == str(tmp_path)
    assert at_exit == at_exit_fresh == "written at exit"  # atexit handlers run when the kernel shuts down


def test_environment_that_differs_from_the_warm_process_starts_the_usual_way(tmp_path, warm):
    with environ({**ENV, "PYTHONHASHSEED": "1"}):  # read at interpreter start: a fork would keep the warm process's
        seen, n_forked, _ = probe(tmp_path, "seed1")
        fresh, _, _ = probe(tmp_path, "seed1-again")
    assert n_forked == 0
    assert seen["hash"] == fresh["hash"]


def test_failures_are_reported_as_with_a_fresh_kernel(tmp_path, warm):
    with environ(ENV):
        with pytest.raises(CellExecutionError, match="ZeroDivisionError"):
            run(notebook("1 / 0"), str(tmp_path))
        with pytest.raises(DeadKernelError):
            run(notebook("import os\nos._exit(3)"), str(tmp_path))
        nb = notebook("import os\nprint(os.getpid())", "import time\ntime.sleep(60)")
        t0 = time.monotonic()
        with pytest.raises(CellTimeoutError):
            run(nb, str(tmp_path), timeout=2)
        assert time.monotonic() - t0 < 30
    pid = int(nb.cells[0].outputs[0]["text"])
    assert gone(pid), f"kernel {pid} still running after its notebook timed out"


def test_warm_process_ends_with_the_block_and_kernels_with_it(tmp_path, monkeypatch):
    monkeypatch.delenv(kernels.SOCKET_ENV, raising=False)  # not the module's warm process
    with environ(ENV), kernels.zygote(("numpy",)) as z:
        assert z.ready()
        path = z.path
        assert os.environ[kernels.SOCKET_ENV] == path
        pid = z._proc.pid
    assert kernels.SOCKET_ENV not in os.environ
    assert not os.path.exists(path) and not os.path.exists(os.path.dirname(path))
    assert z._proc.poll() is not None, f"warm process {pid} still running"


def test_off_switch_and_no_nesting(monkeypatch):
    monkeypatch.setenv("MOBILITY_FORK_KERNELS", "0")
    with kernels.zygote(()) as z:
        assert z is None
    monkeypatch.delenv("MOBILITY_FORK_KERNELS")
    monkeypatch.delenv(kernels.SOCKET_ENV, raising=False)
    monkeypatch.setattr(kernels.sys, "platform", "darwin")  # fork-unsafe system libraries: the usual launch
    with kernels.zygote(()) as z:
        assert z is None
    monkeypatch.undo()
    monkeypatch.delenv(kernels.SOCKET_ENV, raising=False)
    with kernels.zygote((), kernels=kernels.MIN_KERNELS - 1) as z:  # too few kernels to pay for its imports
        assert z is None
    monkeypatch.setenv(kernels.SOCKET_ENV, "/nonexistent/zygote.sock")
    with kernels.zygote(()) as z:  # a warm process already serves this process
        assert z is None


def test_warm_process_that_cannot_start_is_no_warm_process(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("Resource temporarily unavailable")

    monkeypatch.delenv(kernels.SOCKET_ENV, raising=False)
    monkeypatch.setattr(kernels.subprocess, "Popen", refuse)
    with kernels.zygote(("numpy",)) as z:
        assert z is None and kernels.SOCKET_ENV not in os.environ


def test_dead_socket_falls_back_to_the_usual_launch(tmp_path, monkeypatch):
    monkeypatch.setenv(kernels.SOCKET_ENV, str(tmp_path / "gone.sock"))
    before = kernels.forked_count()
    nb = run(notebook("print(6 * 7)"), str(tmp_path))
    assert nb.cells[0].outputs[0]["text"].strip() == "42"
    assert kernels.forked_count() == before


@pytest.mark.parametrize("preload", ["variants", "pages"])
def test_the_books_warm_processes_can_fork(preload, monkeypatch):
    """A dependency that starts a thread on import (polars, pyfixest's estimation API) would make the build's warm
    processes refuse to fork: the book still builds, only slower. This keeps the lists fork-safe."""
    monkeypatch.delenv(kernels.SOCKET_ENV, raising=False)
    from mobility.publish.build import PAGE_MODULES

    modules = kernels.PRELOAD if preload == "variants" else (*kernels.PRELOAD, *PAGE_MODULES)
    with environ(ENV), kernels.zygote(modules) as z:
        assert z is not None and z.ready()


def _run(coro):
    """Run a coroutine to its end on a thread of its own (another test may have left this thread's loop running)."""
    import asyncio
    import threading

    errors = []

    def target():
        try:
            asyncio.run(coro)
        except BaseException as exc:  # noqa: BLE001 - raised again below, on the test's thread
            errors.append(exc)

    t = threading.Thread(target=target)
    t.start()
    t.join()
    if errors:
        raise errors[0]


def test_a_kernel_left_running_ends_with_the_warm_process(monkeypatch):
    monkeypatch.delenv(kernels.SOCKET_ENV, raising=False)
    with environ(ENV), kernels.zygote(("numpy",)) as z:
        assert z.ready()
        km = kernels.ForkingKernelManager(kernel_name="python3")
        _run(km.start_kernel())
        pid = km.provisioner.pid
        assert kernels.forked_count() >= 1 and os.getpgid(pid) == pid  # its own session, as jupyter_client's
    # never shut down, it notices that the warm process is gone (ipykernel's parent poller)
    if not gone(pid):
        state = [ln.strip() for ln in open(f"/proc/{pid}/status") if ln.startswith(("State", "PPid"))]
        os.kill(pid, 9)
        pytest.fail(f"kernel {pid} outlived the warm process: {state}")
    _run(km.cleanup_resources())
