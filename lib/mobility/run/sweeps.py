"""Chunked parameter sweeps and Monte Carlo replications, on any executor (local pool or Dask cluster).

A :class:`Sweep` is a list of *chunks*, each a tuple of input rows (parameter dicts), and a top-level function
``fn(rows, **options) -> list[dict]`` that turns one chunk into output rows. :func:`run` submits the chunks to an
executor (see :mod:`mobility.run.executors`), shows a progress bar, stores each finished chunk atomically under
``_build/sweeps/<name>/chunks/`` and, when every chunk is there, writes the tidy table
``_build/sweeps/<name>/table.csv`` (and ``sweep.json``, a description of the sweep).

- **Same bytes whatever the executor.** The chunking is part of the sweep (never derived from the number of
  workers), each chunk starts from scratch in a process with :data:`mobility.run.executors.WORKER_ENV` (fixed hash
  seed, one BLAS thread), output rows go through JSON (exact float round trip) and the table is assembled in chunk
  order; the executor only decides *where* a chunk runs.
- **Failures.** A chunk that raises is retried once; if it fails again it is reported with its parameters and the
  error (:class:`ChunkFailure`), the other chunks are kept, and no table is written.
- **Reruns run only what is missing.** A chunk is skipped when its stored file exists under its key: a hash of
  the chunk's rows, the options, the function's source and the library modules and data files the sweep depends
  on (:func:`mobility.core.deps.dependencies`). A changed grid reuses every chunk whose rows did not change.

The builders that name the book's models and grids live in :mod:`mobility.run.recipes`.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import hashlib
import inspect
import itertools
import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mobility.core import deps, paths
from mobility.core.io import write_text_atomic
from mobility.run import executors

__all__ = [
    "Sweep",
    "SweepResult",
    "ChunkFailure",
    "grid_points",
    "snake",
    "chunked",
    "check_grid",
    "run",
    "load",
    "sweep_dir",
]

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_\-]*$")
MAX_POINTS = 1_000_000


@dataclass(frozen=True)
class Sweep:
    """A chunked computation: ``fn(rows, **options)`` maps each chunk's rows to output rows.

    ``fn`` must be a module-level function (so that worker processes can import it); ``modules`` are the
    ``mobility`` modules whose source (and data files) the results depend on (part of each chunk's key);
    ``sort_by`` orders the final table (stable; default: chunk order).
    """

    name: str
    fn: Callable
    chunks: tuple
    options: dict = field(default_factory=dict)
    modules: tuple = ()
    sort_by: tuple = ()
    description: str = ""

    def __post_init__(self):
        if not isinstance(self.name, str) or not NAME_RE.match(self.name):
            raise ValueError(f"sweep name {self.name!r} must be lower-case letters, digits, '-' or '_'")
        if not self.chunks or any(not c for c in self.chunks):
            raise ValueError(f"sweep {self.name!r}: needs at least one chunk and no empty chunk")
        if getattr(self.fn, "__qualname__", "").count("<") or not hasattr(self.fn, "__module__"):
            raise ValueError(f"sweep {self.name!r}: fn must be a module-level function, got {self.fn!r}")

    @property
    def n_rows(self) -> int:
        return sum(len(c) for c in self.chunks)


@dataclass(frozen=True)
class ChunkFailure:
    """A chunk that failed on every attempt: its index, a summary of its parameters, the last error."""

    index: int
    params: str
    error: str
    attempts: int

    def __str__(self):
        return f"chunk {self.index} ({self.params}) failed {self.attempts} times: {self.error}"


@dataclass
class SweepResult:
    """What :func:`run` did. ``table`` is None (and no CSV is written) when a chunk failed."""

    name: str
    path: Path
    table: object  # pandas.DataFrame | None
    ran: list
    cached: list
    retried: list
    failed: list

    @property
    def csv(self) -> Path:
        return self.path / "table.csv"

    @property
    def ok(self) -> bool:
        return not self.failed


# --------------------------------------------------------------------------------------------- grids
def check_grid(grid: dict, allowed: Sequence[str], what: str) -> dict:
    if not isinstance(grid, dict) or not grid:
        raise ValueError(f"grid must be a non-empty mapping of {what} parameter -> values; allowed: {sorted(allowed)}")
    out = {}
    for name, values in grid.items():
        if name not in allowed:
            raise ValueError(f"grid parameter {name!r} is not a {what} parameter; allowed: {sorted(allowed)}")
        try:
            vals = [float(v) for v in values]
        except (TypeError, ValueError):
            raise ValueError(f"grid parameter {name!r}: values must be numbers, got {values!r}") from None
        if not vals or not all(math.isfinite(v) for v in vals):
            raise ValueError(f"grid parameter {name!r}: needs at least one finite value, got {values!r}")
        out[name] = vals
    n = math.prod(len(v) for v in out.values())
    if n > MAX_POINTS:
        raise ValueError(f"grid has {n} points; at most {MAX_POINTS} per sweep (split it into several sweeps)")
    return out


def grid_points(grid: dict) -> list[dict]:
    """The Cartesian product of ``grid`` in C order (last parameter fastest), each with its index ``point``."""
    names = list(grid)
    return [
        {"point": i, **dict(zip(names, combo, strict=True))}
        for i, combo in enumerate(itertools.product(*grid.values()))
    ]


def snake(grid: dict) -> list[dict]:
    """:func:`grid_points` reordered as a boustrophedon: consecutive points differ in exactly one parameter, by one
    grid step (the reflected mixed-radix Gray order), which is what continuation needs."""
    shape = [len(v) for v in grid.values()]
    points = grid_points(grid)

    def order(dims):
        if not dims:
            return [()]
        out, inner = [], order(dims[1:])
        for i in range(dims[0]):
            out += [(i, *rest) for rest in (inner if i % 2 == 0 else inner[::-1])]
        return out

    strides = [math.prod(shape[k + 1 :]) for k in range(len(shape))]
    return [points[sum(i * s for i, s in zip(idx, strides, strict=True))] for idx in order(shape)]


def chunked(rows: Sequence[dict], chunk_size: int) -> tuple:
    """Consecutive chunks of ``chunk_size`` rows (the last may be shorter)."""
    if not isinstance(chunk_size, int) or isinstance(chunk_size, bool) or chunk_size < 1:
        raise ValueError(f"chunk_size must be an integer >= 1, got {chunk_size!r}")
    return tuple(tuple(rows[i : i + chunk_size]) for i in range(0, len(rows), chunk_size))


def default_name(prefix: str, grid: dict) -> str:
    return "-".join([prefix, *(n.lower() for n in grid)])


# --------------------------------------------------------------------------------------------- running
def sweep_dir(name: str) -> Path:
    return paths.build_dir() / "sweeps" / name


def _plain(v):
    """JSON-safe scalars (numpy scalars → Python)."""
    if hasattr(v, "item") and not isinstance(v, (list, tuple, dict, str)):
        v = v.item()
    return v


def _call(fn, rows, options):
    """What a worker runs: the chunk's output rows, JSON-safe."""
    out = fn(list(rows), **options)
    return [{k: _plain(v) for k, v in row.items()} for row in out]


def _lib_key(sweep: Sweep) -> str:
    text = "\n".join(f"import {m}" for m in sweep.modules)
    try:
        source = inspect.getsource(sweep.fn)
    except (OSError, TypeError):
        source = ""
    blob = {
        "deps": deps.dependencies(text) if text else {},
        "fn": f"{sweep.fn.__module__}.{sweep.fn.__qualname__}",
        "source": source,
        "options": sweep.options,
    }
    return hashlib.sha256(json.dumps(blob, sort_keys=True, default=str).encode()).hexdigest()


def _chunk_key(lib_key: str, rows) -> str:
    return hashlib.sha256(json.dumps([lib_key, rows], sort_keys=True).encode()).hexdigest()[:20]


def _describe(rows) -> str:
    """``gamma=20..25, tau12=1.1 (6 rows)``: each input's range over the chunk."""
    parts = []
    for k in rows[0]:
        vals = [r[k] for r in rows]
        lo, hi = min(vals), max(vals)
        parts.append(f"{k}={lo!r}" if lo == hi else f"{k}={lo!r}..{hi!r}")
    return ", ".join(parts) + f" ({len(rows)} rows)"


def run(
    sweep: Sweep,
    executor: cf.Executor | None = None,
    *,
    force: bool = False,
    progress: bool = True,
    retries: int = 1,
) -> SweepResult:
    """Run the chunks of ``sweep`` that are not stored yet (all with ``force``) on ``executor``.

    ``executor=None`` computes in one fresh local process with :data:`mobility.run.executors.WORKER_ENV` (some
    estimators depend on the hash seed and the BLAS threads in their last digits).
    Each failing chunk is retried ``retries`` times; the table is written only when every chunk succeeded."""
    import pandas as pd
    from tqdm import tqdm

    out_dir = sweep_dir(sweep.name)
    chunk_dir = out_dir / "chunks"
    lib_key = _lib_key(sweep)
    files = [chunk_dir / f"{i:05d}-{_chunk_key(lib_key, list(rows))}.json" for i, rows in enumerate(sweep.chunks)]
    outputs: dict[int, list] = {}
    todo = []
    for i, f in enumerate(files):
        if not force and f.is_file():
            try:
                outputs[i] = json.loads(f.read_text(encoding="utf-8"))["output"]
                continue
            except (ValueError, KeyError):
                pass  # unreadable: run it again
        todo.append(i)
    result = SweepResult(sweep.name, out_dir, None, [], sorted(outputs), [], [])
    bar = tqdm(
        total=len(sweep.chunks),
        initial=len(outputs),
        desc=f"sweep {sweep.name}",
        unit="chunk",
        disable=not progress,
    )

    def store(i, rows_out):
        write_text_atomic(files[i], json.dumps({"rows": list(sweep.chunks[i]), "output": rows_out}))
        outputs[i] = json.loads(files[i].read_text(encoding="utf-8"))["output"]
        result.ran.append(i)
        bar.update()

    def failed(i, exc, attempt):
        if attempt <= retries:
            result.retried.append(i)
            return True
        result.failed.append(ChunkFailure(i, _describe(sweep.chunks[i]), f"{type(exc).__name__}: {exc}", attempt))
        bar.update()
        return False

    stack = contextlib.ExitStack()
    if executor is None and todo:
        # one fresh process with the workers' environment (hash seed, one BLAS thread), never this one: some
        # estimators depend on both in their last digits, and this interpreter's cannot be changed or fully known
        stack.enter_context(executors.worker_environment())
        executor = stack.enter_context(executors.process_pool(1))
    try:
        pending = {executor.submit(_call, sweep.fn, sweep.chunks[i], sweep.options): (i, 1) for i in todo}
        while pending:
            done, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
            for fut in done:
                i, attempt = pending.pop(fut)
                try:
                    rows_out = fut.result()
                except Exception as exc:  # noqa: BLE001 - reported with the chunk's parameters
                    if failed(i, exc, attempt):
                        pending[executor.submit(_call, sweep.fn, sweep.chunks[i], sweep.options)] = (
                            i,
                            attempt + 1,
                        )
                    continue
                store(i, rows_out)
    finally:
        bar.close()
        stack.close()
    result.ran.sort()
    result.failed.sort(key=lambda f: f.index)
    keep = {f.name for f in files}
    for stale in chunk_dir.glob("*.json") if chunk_dir.is_dir() else ():
        if stale.name not in keep:
            stale.unlink(missing_ok=True)
    if result.failed:
        (out_dir / "table.csv").unlink(missing_ok=True)  # never leave a table that does not match the chunks
        return result
    rows = [row for i in range(len(sweep.chunks)) for row in outputs[i]]
    table = pd.DataFrame.from_records(rows)
    if sweep.sort_by:
        table = table.sort_values(list(sweep.sort_by), kind="stable").reset_index(drop=True)
    write_text_atomic(out_dir / "table.csv", table.to_csv(index=False, lineterminator="\n"))
    meta = {
        "name": sweep.name,
        "description": sweep.description,
        "function": f"{sweep.fn.__module__}.{sweep.fn.__qualname__}",
        "options": sweep.options,
        "chunks": len(sweep.chunks),
        "rows": len(table),
    }
    write_text_atomic(out_dir / "sweep.json", json.dumps(meta, sort_keys=True, indent=2, default=str) + "\n")
    result.table = table
    return result


def load(name: str):
    """The table of a finished sweep (``_build/sweeps/<name>/table.csv``) as a DataFrame."""
    import pandas as pd

    f = sweep_dir(name) / "table.csv"
    if not f.is_file():
        raise FileNotFoundError(
            f"no finished sweep {name!r} under {f.parent}: run it with `python -m mobility "
            "sweeps ...` (a sweep with failed chunks writes no table)"
        )
    return pd.read_csv(f)
