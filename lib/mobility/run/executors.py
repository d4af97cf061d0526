"""Where work runs: a local process pool, or a Dask cluster.

The variants runner (:func:`mobility.run.variants.run`) and the sweeps (:mod:`mobility.run.sweeps`) take any
:class:`concurrent.futures.Executor`. :func:`executor` builds one from the command line's ``--scheduler`` and
``--jobs`` options, as a context manager that shuts everything it started down again::

    with executors.executor("tcp://login01:8786") as ex:     # an existing Dask scheduler
        sweeps.run(sweep, executor=ex)
    with executors.executor("local:2") as ex:                # a throwaway LocalCluster on 127.0.0.1
        ...
    with executors.executor(None, jobs=4) as ex:             # the local process pool (None when jobs == 1)
        ...

Connecting to a scheduler fails fast (:data:`CONNECT_TIMEOUT` seconds) with :class:`ExecutorError`, and every
worker is checked to run the client's library: same ``mobility.__version__`` and the same hash of the library
source (:func:`source_hash`). A worker that differs, or cannot import ``mobility`` at all, is named in the error.
Workers that join later (a batch queue scaling up) are checked by every task they run (:class:`CheckedExecutor`):
the task raises :class:`WorkerMismatchError` naming the worker instead of computing. Dask tasks are submitted with
``pure=False``, so a retried task really runs again.

**Worker environment.** Some results depend, in their last digits, on Python's string-hash seed and on the
number of BLAS threads: pyfixest 0.60's three-way fixed-effects PPML moves in the 11th digit of a coefficient
(10th of a standard error) with ``PYTHONHASHSEED``. Every process started here (pool workers, LocalCluster
workers, and the notebook kernels they or this process launch) therefore runs with :data:`WORKER_ENV` =
``PYTHONHASHSEED=6640`` and one BLAS/OpenMP thread — exactly what dask's nannies give their workers by default —
and :func:`check_workers` requires it of the workers of an external cluster (``dask worker`` complies by default;
with ``--no-nanny`` set those variables yourself). That makes sweep tables byte-identical whatever the executor.
"""

from __future__ import annotations

import contextlib
import hashlib
import multiprocessing as mp
import os
import re
import secrets
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from functools import cache
from pathlib import Path

from mobility.core.errors import InputError
from mobility.core.io import environ

__all__ = [
    "ExecutorError",
    "WorkerMismatchError",
    "CheckedExecutor",
    "CONNECT_TIMEOUT",
    "HASH_SEED",
    "WORKER_ENV",
    "THREAD_ENV",
    "parse_scheduler",
    "executor",
    "connect",
    "local_cluster",
    "process_pool",
    "worker_environment",
    "source_hash",
    "hash_seed",
    "environment",
    "identity",
    "expected_identity",
    "check_workers",
    "check_shared_filesystem",
]

#: seconds to wait for a scheduler before giving up
CONNECT_TIMEOUT = 3.0

_TCP_RE = re.compile(r"^(tcp|tls)://[A-Za-z0-9.\-\[\]:]+:\d{1,5}$")
_LOCAL_RE = re.compile(r"^local:(\d+)$")
MAX_LOCAL_WORKERS = 64
#: the ``PYTHONHASHSEED`` every computing process runs with: what dask's nannies give their workers by default
#: (distributed.nanny, dask/dask#6640)
HASH_SEED = "6640"
#: the environment of every computing process (dask's ``distributed.nanny.pre-spawn-environ`` defaults)
WORKER_ENV = {
    "PYTHONHASHSEED": HASH_SEED,
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
}


class ExecutorError(InputError):
    """The executor cannot be built: bad ``--scheduler`` value, unreachable scheduler, unusable workers."""


class WorkerMismatchError(ExecutorError):
    """A worker runs a different version of the library than the client (or cannot import it)."""


def parse_scheduler(value: str | None) -> tuple[str, object]:
    """``None`` → ``("pool", None)``; ``"local:N"`` → ``("local", N)``; ``"tcp://HOST:PORT"`` → ``("remote", addr)``.

    Raises :class:`ExecutorError` naming ``--scheduler`` and the accepted forms for anything else.
    """
    if value is None:
        return "pool", None
    value = value.strip()
    m = _LOCAL_RE.match(value)
    if m:
        n = int(m.group(1))
        if not 1 <= n <= MAX_LOCAL_WORKERS:
            raise ExecutorError(f"--scheduler local:N needs 1 <= N <= {MAX_LOCAL_WORKERS}, got {value!r}")
        return "local", n
    if _TCP_RE.match(value):
        return "remote", value
    raise ExecutorError(
        f"--scheduler {value!r} is not understood: use tcp://HOST:PORT (a running Dask scheduler) "
        "or local:N (start N local workers)"
    )


# ------------------------------------------------------------------------------------------------ identity
def _lib_dir() -> Path:
    return Path(__file__).resolve().parents[1]  # the mobility package


def _hash_source() -> str:
    h = hashlib.sha256()
    for p in sorted(p for p in _lib_dir().rglob("*.py") if "__pycache__" not in p.parts):
        h.update(p.relative_to(_lib_dir()).as_posix().encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()[:16]


@cache
def source_hash() -> str:
    """A short SHA-256 of every ``*.py`` file of the installed ``mobility`` package (paths and bytes), taken the
    first time this process asks: a worker reports the library it started computing with, so edits to the checkout
    during a long run do not interrupt it, while a worker started after an edit reports the new hash."""
    return _hash_source()


@cache
def _reference_hash() -> int:
    """``hash()`` of a probe string in a fresh interpreter started with ``PYTHONHASHSEED`` = :data:`HASH_SEED`."""
    out = subprocess.run(
        [sys.executable, "-S", "-s", "-c", f"print(hash({_PROBE!r}))"],
        env={"PYTHONHASHSEED": HASH_SEED},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return int(out.stdout)


_PROBE = "mobility.run.executors hash probe"


def hash_seed() -> str:
    """The string-hash seed this interpreter *started* with, as far as it matters: ``"0"`` (no randomisation),
    :data:`HASH_SEED`, or ``"other"`` (random or another seed). Measured, not read from ``os.environ``, which can
    change after start-up (dask's LocalCluster sets ``PYTHONHASHSEED`` in the process that creates it)."""
    if not sys.flags.hash_randomization:
        return "0"
    return HASH_SEED if hash(_PROBE) == _reference_hash() else "other"


def environment() -> dict:
    """This process's values of the :data:`WORKER_ENV` variables (the hash seed as the interpreter uses it)."""
    return {k: hash_seed() if k == "PYTHONHASHSEED" else os.environ.get(k, "unset") for k in WORKER_ENV}


#: thread counts that the computing processes we start get: one rayon, numba and polars thread each. pyfixest's Rust
#: core (rayon) and its numba loops start a thread per core in every process, so one worker already took ~1.3 of the
#: 2 cores (18.1 s of CPU in 14.0 s of a Monte Carlo) and two workers competed for them. rayon's and numba's counts
#: change no digit of a sweep's table (a Monte Carlo's bytes are the same with 1, 2 or 4 threads, checked 30 Nov
#: 2026), so :func:`check_workers` does not require them of external workers. polars' count does move the last
#: digit of some page results (the dCDH estimator of the gravity extensions page: 0.20987409688761843 with 2
#: threads, ...846 with 1), none of the sweeps'; the book's variant and page kernels all run with it, so the
#: results files do not depend on the machine's number of cores.
THREAD_ENV = {"RAYON_NUM_THREADS": "1", "NUMBA_NUM_THREADS": "1", "POLARS_MAX_THREADS": "1"}


def worker_environment():
    """Within the block, processes started from here (pools, workers, kernels) get :data:`WORKER_ENV` and
    :data:`THREAD_ENV`."""
    return environ({**WORKER_ENV, **THREAD_ENV})


def identity() -> dict:
    """What this process runs: ``{"version": mobility.__version__, "source": source_hash(), "environment": ...}``."""
    import mobility

    return {"version": mobility.__version__, "source": source_hash(), "environment": environment()}


def expected_identity() -> dict:
    """What every worker must report: the client's library as it is on disk now, and :data:`WORKER_ENV`."""
    import mobility

    return {"version": mobility.__version__, "source": _hash_source(), "environment": dict(WORKER_ENV)}


def _mismatch(addr: str, ident: dict, expected: dict) -> str:
    diff = ", ".join(f"{k} {ident.get(k)!r} (client has {v!r})" for k, v in expected.items() if ident.get(k) != v)
    env = " ".join(f"{k}={v}" for k, v in WORKER_ENV.items())
    hint = (
        f" (start the worker with {env}, as dask's nanny does)"
        if ident.get("environment") != expected.get("environment")
        else " (install the client's checkout there; a worker started before the "
        "library was edited keeps the old one: restart it)"
    )
    return f"worker {addr} differs: {diff}{hint}"


def check_workers(client, expected: dict | None = None) -> dict:
    """Ask every worker of ``client`` for its :func:`identity`; raise :class:`WorkerMismatchError` naming each
    worker that differs from ``expected`` (default: this process) or cannot import ``mobility``.

    Workers must also run with :data:`WORKER_ENV` (see the module docstring). Returns
    ``{worker_address: identity}``."""
    expected = expected_identity() if expected is None else expected
    got = client.run(identity, on_error="return")
    if not got:
        raise ExecutorError(f"the Dask scheduler at {client.scheduler.address} has no workers")
    problems = []
    for addr, ident in sorted(got.items()):
        if isinstance(ident, BaseException):
            problems.append(
                f"worker {addr} cannot run mobility ({type(ident).__name__}: {ident}); "
                f"install it there (`pip install -e .` in the same checkout)"
            )
        elif ident != expected:
            problems.append(_mismatch(addr, ident, expected))
    if problems:
        raise WorkerMismatchError("; ".join(problems))
    return got


def _probe(path: str) -> tuple:
    from mobility.core import paths

    return Path(path).is_file(), str(paths.build_dir())


def check_shared_filesystem(client, directory: Path) -> None:
    """Raise :class:`ExecutorError` unless every worker sees files the client writes in ``directory`` and
    resolves the build directory (``MOBILITY_BUILD_DIR``) to the client's.

    Variants write their outputs from the worker, so a cluster without a shared filesystem (or whose workers
    resolve the build directory elsewhere) would silently lose them."""
    from mobility.core import paths

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    probe = directory / f".executor-probe-{secrets.token_hex(8)}"
    probe.write_text("probe\n")
    try:
        seen = client.run(_probe, str(probe), on_error="return")
    finally:
        probe.unlink(missing_ok=True)
    build = str(paths.build_dir())
    problems = []
    for addr, got in sorted(seen.items()):
        if isinstance(got, BaseException) or not got[0]:
            problems.append(f"worker {addr} does not see {directory}")
        elif got[1] != build:
            problems.append(f"worker {addr} writes to {got[1]}, the client to {build}")
    if problems:
        raise ExecutorError(
            "; ".join(problems) + ": variants need a filesystem shared by the client and the workers, with the "
            "same MOBILITY_ROOT/MOBILITY_BUILD_DIR (run the book from a shared home or project directory)"
        )


def _checked_call(expected: dict, fn, *args, **kwargs):
    """Run ``fn`` on a worker after checking that the worker is what the client expects."""
    ident = identity()
    if ident != expected:
        try:
            from distributed import get_worker

            addr = get_worker().address
        except (ImportError, ValueError):
            addr = f"pid {os.getpid()}"
        raise WorkerMismatchError(_mismatch(addr, ident, expected))
    return fn(*args, **kwargs)


class CheckedExecutor(Executor):
    """A Dask client's ``concurrent.futures`` executor whose every task first checks its worker's identity.

    ``client`` is the ``distributed.Client``; :meth:`submit` returns ``concurrent.futures.Future`` objects."""

    def __init__(self, client, expected: dict | None = None):
        self.client = client
        self._inner = client.get_executor(pure=False)
        self._expected = expected_identity() if expected is None else expected

    def submit(self, fn, /, *args, **kwargs):
        return self._inner.submit(_checked_call, self._expected, fn, *args, **kwargs)

    def shutdown(self, wait=True, *, cancel_futures=False):
        self._inner.shutdown(wait=wait)


# ------------------------------------------------------------------------------------------------ clients
def connect(address: str, timeout: float = CONNECT_TIMEOUT):
    """A ``distributed.Client`` for ``address``; :class:`ExecutorError` within ``timeout`` seconds if none answers."""
    from distributed import Client

    try:
        return Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise ExecutorError(
            f"no Dask scheduler answered at {address} within {timeout:g} s ({type(exc).__name__}); "
            "start one with `dask scheduler` (and workers with `dask worker ADDRESS`), or use --scheduler local:N"
        ) from None


def process_pool(n: int) -> ProcessPoolExecutor:
    """A pool of ``n`` fresh (spawned) processes; start it inside :func:`worker_environment`."""
    return ProcessPoolExecutor(max_workers=n, mp_context=mp.get_context("spawn"))


def local_cluster(n_workers: int, threads_per_worker: int = 1, processes: bool = True):
    """A ``distributed.LocalCluster`` listening on 127.0.0.1 only, without dashboard.

    Without a dashboard the scheduler still serves its HTTP routes (health, metrics), on port 8787 unless told
    otherwise; a second cluster, or a user's own, then met a taken port and printed a warning. It gets a free port."""
    from distributed import LocalCluster

    return LocalCluster(
        n_workers=n_workers,
        threads_per_worker=threads_per_worker,
        processes=processes,
        host="127.0.0.1",
        dashboard_address=None,
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},  # merged over LocalCluster's: dashboard stays off
    )


@contextlib.contextmanager
def executor(
    scheduler: str | None = None, jobs: int = 1, *, check: bool = True, shared_dir: Path | None = None
) -> Iterator[Executor | None]:
    """The executor for ``--scheduler``/``--jobs`` (see the module docstring); ``None`` (no scheduler, one job)
    means: run in this process. Within the block, processes started from here get :data:`WORKER_ENV`.

    With a scheduler, workers are checked on connecting (:func:`check_workers`) and by every task
    (:class:`CheckedExecutor`) unless ``check=False``; ``shared_dir`` additionally requires that they see that
    directory (:func:`check_shared_filesystem`). Everything started here (pool, client, cluster) is shut down on
    exit; an external scheduler and its workers are left running.
    """
    kind, arg = parse_scheduler(scheduler)
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ExecutorError(f"--jobs must be an integer >= 1, got {jobs!r}")
    with worker_environment():
        yield from _executor(kind, arg, jobs, check, shared_dir)


def _executor(kind, arg, jobs, check, shared_dir):
    if kind == "pool":
        if jobs == 1:
            yield None
            return
        pool = process_pool(jobs)
        try:
            yield pool
        finally:
            pool.shutdown(cancel_futures=True)
        return
    with contextlib.ExitStack() as stack:
        if kind == "local":
            cluster = stack.enter_context(local_cluster(arg))
            client = stack.enter_context(connect(cluster.scheduler_address))
        else:
            client = stack.enter_context(connect(arg))
        if check:
            check_workers(client)
        if shared_dir is not None:
            check_shared_filesystem(client, shared_dir)
        yield CheckedExecutor(client) if check else client.get_executor(pure=False)
