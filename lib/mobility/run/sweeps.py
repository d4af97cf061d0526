"""Chunked parameter sweeps and Monte Carlo replications, on any executor (local pool or Dask cluster).

A :class:`Sweep` is a list of *chunks*, each a tuple of input rows (parameter dicts), and a top-level function
``fn(rows, **options) -> list[dict]`` that turns one chunk into output rows. :func:`run` submits the chunks to an
executor (see :mod:`mobility.run.executors`), shows a progress bar, stores each finished chunk atomically under
``_build/sweeps/<name>/chunks/`` and, when every chunk is there, writes the tidy table
``_build/sweeps/<name>/table.csv`` (and ``sweep.json``, a description of the sweep).

- **Same bytes whatever the executor.** The chunking is part of the sweep (never derived from the number of
  workers: :func:`chunk_size` sizes chunks from the grid and a modelled cost per point, about a second of work
  each), each chunk starts from scratch in a process with :data:`mobility.run.executors.WORKER_ENV` (fixed hash
  seed, one BLAS thread) and the table is assembled in chunk order; the executor only decides *where* a chunk runs.
- **The workers do the formatting.** A worker returns its chunk as CSV text (sorted by ``sort_by`` inside the
  chunk); the main process stores it and, at the end, concatenates the chunks' texts under one header when they
  are already in order (the usual case: chunks hold consecutive points), else re-sorts the whole table. Nothing
  per point is left in the main process but hashing the inputs, so sweeps scale with the number of workers.
- **Failures.** A chunk that raises is retried once; if it fails again it is reported with its parameters and the
  error (:class:`ChunkFailure`), the other chunks are kept, and no table is written. A worker process that dies
  (killed for memory, a crash of the interpreter) takes every chunk in flight or queued in its process pool with
  it: the pool is replaced by a fresh one of the same size and those chunks are retried; a chunk caught by a
  second death is then rerun alone, so that the chunk that kills its worker is the one reported
  (:data:`DEAD_WORKER`) and the others finish. (A Dask cluster reschedules the tasks of a lost worker itself.)
- **Reruns run only what is missing.** A chunk is skipped when its stored files exist under its key
  (``NNNNN-KEY.csv``, its output rows, and ``NNNNN-KEY.json``, written last, which marks it complete): a hash of
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
import multiprocessing as mp
import re
from collections.abc import Callable, Sequence
from concurrent.futures.process import BrokenProcessPool
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
    "chunk_size",
    "run",
    "load",
    "sweep_dir",
]

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_\-]*$")
MAX_POINTS = 1_000_000
#: seconds of work a chunk aims at (see :func:`chunk_size`)
CHUNK_SECONDS = 1.0


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
        # the rows' part of each chunk's key, computed once with the sweep (not on every run)
        digests = tuple(hashlib.sha256(json.dumps(list(c), sort_keys=True).encode()).hexdigest() for c in self.chunks)
        object.__setattr__(self, "_digests", digests)
        # the library's part (the modules' source and data files: ~0.5 s), also once with the sweep
        object.__setattr__(self, "_lib_key", _lib_key(self))

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
    """What :func:`run` did. ``table`` (the CSV read back as a DataFrame, on first use) is None, and no CSV is
    written, when a chunk failed."""

    name: str
    path: Path
    ran: list
    cached: list
    retried: list
    failed: list
    rows: int = 0
    _table: object = field(default=None, repr=False)

    @property
    def csv(self) -> Path:
        return self.path / "table.csv"

    @property
    def ok(self) -> bool:
        return not self.failed

    @property
    def table(self):
        """The table as a pandas DataFrame (read from ``table.csv``), None when a chunk failed."""
        if not self.ok:
            return None
        if self._table is None:
            import pandas as pd

            self._table = pd.read_csv(self.csv)  # pandas >= 3 parses floats exactly (its old "round_trip")
        return self._table


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


def chunk_size(n: int, seconds_per_point: float, *, line: int = 1, seconds: float = CHUNK_SECONDS) -> int:
    """Rows per chunk for ``n`` points that cost ``seconds_per_point`` each (a modelled constant of the recipe,
    never a measurement: the chunking is part of the result) so that a chunk is about ``seconds`` of work, the
    chunks are of equal size (the last at most one ``line`` shorter) and, when a chunk holds more than one
    ``line`` (the grid's fastest axis), a whole number of lines (so that chunks hold consecutive points).

    Independent of the number of workers, so a table is the same bytes whatever runs it."""
    if n < 1:
        raise ValueError(f"need at least one point, got {n}")
    target = max(1, math.floor(seconds / seconds_per_point * (1 + 1e-12)))  # 1 / 4e-5 is 24999.999...: 25,000
    if target >= line > 1:
        target -= target % line
        lines = math.ceil(n / line)
        per = math.ceil(lines / math.ceil(lines / (target // line)))
        return per * line
    return math.ceil(n / math.ceil(n / target))


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


class _Rows:
    """A chunk's rows as one opaque argument. Dask's ``submit`` walks every list, tuple and dict among a task's
    arguments looking for futures; for a 100,000-point grid that walk took 2.6 s of the main process, longer than
    the chunks' work (the serial part that held a 2-worker sweep at 59 % efficiency). It does not look inside
    other objects."""

    __slots__ = ("rows",)

    def __init__(self, rows):
        self.rows = rows


def _call(fn, rows, options, sort_by=()):
    """What a worker runs: the chunk's output as CSV text (header and body apart), sorted by ``sort_by`` inside
    the chunk, with the first and last sort keys. ``rows`` is a sequence of dicts or a :class:`_Rows`; ``fn``
    returns rows (a list of dicts) or columns (a dict of equal-length lists or arrays)."""
    import pandas as pd

    if isinstance(rows, _Rows):
        rows = rows.rows
    out = fn(list(rows), **options)
    if isinstance(out, dict):
        table = pd.DataFrame({k: col if hasattr(col, "dtype") else [_plain(v) for v in col] for k, col in out.items()})
    else:
        table = pd.DataFrame.from_records([{k: _plain(v) for k, v in row.items()} for row in out])
    if sort_by:
        table = table.sort_values(list(sort_by), kind="stable")
    header, body = _csv(table)
    keys = [[_plain(v) for v in table[list(sort_by)].iloc[k]] for k in (0, -1)] if sort_by and len(table) else [[], []]
    return {"header": header, "body": body, "n": len(table), "first": keys[0], "last": keys[1]}


_SPECIAL = re.compile(r'[,"\r\n]')
#: tables with at least this many cells are formatted with polars (the same bytes, several times faster; importing
#: polars costs ~0.2 s of CPU once per process, so small tables keep the pure-Python path)
POLARS_CELLS = 50_000


def _csv(table) -> tuple[str, str]:
    """``table.to_csv(index=False)`` split into header and body, the same text, several times faster for the
    columns sweeps produce (floats written by Python's shortest round-trip ``repr``, as pandas writes them;
    integers; booleans; plain strings); any other column goes through pandas. Tables of at least
    :data:`POLARS_CELLS` cells are formatted by polars (:func:`_csv_polars`: the same bytes)."""
    plain = all(isinstance(c, str) and not _SPECIAL.search(c) for c in table.columns) and len(table.columns) > 0
    cols = []
    for name in table.columns if plain else ():
        col = table[name]
        if col.dtype.kind in "fiub":
            cols.append(col.to_numpy())
            continue
        vals = col.tolist()
        if not all((isinstance(v, str) and not _SPECIAL.search(v)) or v is None for v in vals):
            plain = False
            break
        cols.append(["" if v is None else v for v in vals])
    if not plain:
        text = table.to_csv(index=False, lineterminator="\n")
        header, _, body = text.partition("\n")
        return header, body
    header = ",".join(table.columns)
    if len(table) * len(cols) >= POLARS_CELLS:
        return header, _csv_polars(cols)
    import numpy as np

    texts = []
    for col in cols:
        if isinstance(col, list):
            texts.append(col)
        elif col.dtype.kind == "f":
            text = list(map(repr, col.tolist()))
            for i in np.flatnonzero(np.isnan(col)).tolist():
                text[i] = ""
            texts.append(text)
        else:
            texts.append(list(map(str, col.tolist())))
    return header, "".join(line + "\n" for line in map(",".join, zip(*texts, strict=True)))


def _csv_polars(cols: list) -> str:
    """The CSV body of :func:`_csv`'s columns (numpy arrays or lists of plain strings), formatted by polars.

    Polars writes a float as the shortest text that reads back as the same number, the digits and layout of
    Python's ``repr`` wherever abs(x) >= 1e-4 (checked on millions of values, ``tests/run/test_sweeps.py``); below
    that (repr writes ``1e-05`` where polars writes ``0.00001``), zero excepted, and for NaN (empty) and ±inf the
    values are written by ``repr`` itself, so the text is ``repr``'s everywhere."""
    import numpy as np
    import polars as pl

    series = []
    for col in cols:
        if isinstance(col, list):
            series.append(pl.Series(col, dtype=pl.Utf8))
        elif col.dtype.kind == "f":
            col = col.astype(float, copy=False)
            s = pl.Series(col).cast(pl.Utf8)
            a = np.abs(col)
            odd = np.flatnonzero(~(((a >= 1e-4) & (a < np.inf)) | (col == 0.0)))
            if odd.size:
                s = s.scatter(odd, pl.Series(["" if v != v else repr(v) for v in col[odd].tolist()], dtype=pl.Utf8))
            series.append(s)
        elif col.dtype.kind == "b":
            series.append(pl.Series(list(map(str, col.tolist())), dtype=pl.Utf8))
        else:
            series.append(pl.Series(col).cast(pl.Utf8))
    frame = pl.DataFrame({f"c{k}": s for k, s in enumerate(series)})
    lines = frame.select(pl.concat_str(pl.all(), separator=",")).to_series()
    return "\n".join(lines.to_list()) + "\n"


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


def _chunk_key(lib_key: str, digest: str) -> str:
    return hashlib.sha256(f"{lib_key}:{digest}".encode()).hexdigest()[:20]


def _describe(rows) -> str:
    """``gamma=20..25, tau12=1.1 (6 rows)``: each input's range over the chunk."""
    parts = []
    for k in rows[0]:
        vals = [r[k] for r in rows]
        lo, hi = min(vals), max(vals)
        parts.append(f"{k}={lo!r}" if lo == hi else f"{k}={lo!r}..{hi!r}")
    return ", ".join(parts) + f" ({len(rows)} rows)"


#: what a chunk's failure says when its worker process died (the pool's own message names no cause)
GUARD = 'a script that runs sweeps must call them under `if __name__ == "__main__":` (spawned workers import it)'
DEAD_WORKER = (
    f"its worker process died (killed by the system, e.g. for memory, or the chunk crashed the interpreter; {GUARD})"
)


def _error(exc: BaseException) -> str:
    if isinstance(exc, BrokenProcessPool):
        return DEAD_WORKER
    return f"{type(exc).__name__}: {exc}"


def _broken(executor) -> bool:
    """A :class:`concurrent.futures.ProcessPoolExecutor` that a dead worker left unusable."""
    return isinstance(executor, cf.ProcessPoolExecutor) and bool(getattr(executor, "_broken", False))


def run(
    sweep: Sweep,
    executor: cf.Executor | None = None,
    *,
    force: bool = False,
    progress: bool = True,
    retries: int = 1,
) -> SweepResult:
    """Run the chunks of ``sweep`` that are not stored yet (all with ``force``) on ``executor``.

    Failures, retries and dead workers are handled as the module docstring says; nothing is raised for them.

    ``executor=None`` computes in one fresh local process with :data:`mobility.run.executors.WORKER_ENV` (some
    estimators depend on the hash seed and the BLAS threads in their last digits).
    Each failing chunk is retried ``retries`` times; the table is written only when every chunk succeeded."""
    from tqdm import tqdm

    if getattr(mp.current_process(), "_inheriting", False):
        # a spawned worker importing the script that started it, and the script runs a sweep at import
        raise SystemExit(f"error: sweep {sweep.name!r} started while a worker process imported the script: {GUARD}")
    out_dir = sweep_dir(sweep.name)
    chunk_dir = out_dir / "chunks"
    lib_key = sweep._lib_key
    files = [chunk_dir / f"{i:05d}-{_chunk_key(lib_key, d)}.json" for i, d in enumerate(sweep._digests)]
    outputs: dict[int, dict] = {}
    todo = []
    for i, f in enumerate(files):
        if not force and f.is_file():
            try:
                stored = json.loads(f.read_text(encoding="utf-8"))
                outputs[i] = {k: stored[k] for k in ("header", "n", "first", "last")}
                outputs[i]["body"] = f.with_suffix(".csv").read_text(encoding="utf-8")
                continue
            except (OSError, ValueError, KeyError, TypeError):
                pass  # unreadable, incomplete or stored by an older version: run it again
        todo.append(i)
    result = SweepResult(sweep.name, out_dir, [], sorted(outputs), [], [])
    bar = tqdm(
        total=len(sweep.chunks),
        initial=len(outputs),
        desc=f"sweep {sweep.name}",
        unit="chunk",
        disable=not progress,
    )

    def store(i, out):  # the body (CSV rows) first, then the description that marks the chunk complete
        write_text_atomic(files[i].with_suffix(".csv"), out["body"])
        write_text_atomic(files[i], json.dumps({k: v for k, v in out.items() if k != "body"}))
        outputs[i] = out
        result.ran.append(i)
        bar.update()

    def failed(i, exc, attempt):
        if attempt <= retries:
            result.retried.append(i)
            return True
        result.failed.append(ChunkFailure(i, _describe(sweep.chunks[i]), _error(exc), attempt))
        bar.update()
        return False

    def submit(i):
        renew()  # a worker may have died since: a broken pool refuses work at once
        return pool[0].submit(_call, sweep.fn, _Rows(sweep.chunks[i]), sweep.options, tuple(sweep.sort_by))

    def renew():
        """A pool whose worker died is unusable: replace it by a fresh one of the same size (ours, shut down
        at the end); the caller's broken pool stays theirs to shut down."""
        if _broken(pool[0]):
            stack.enter_context(executors.worker_environment())
            pool[0] = stack.enter_context(executors.process_pool(getattr(pool[0], "_max_workers", 1)))

    stack = contextlib.ExitStack()
    if executor is None and todo:
        # one fresh process with the workers' environment (hash seed, one BLAS thread), never this one: some
        # estimators depend on both in their last digits, and this interpreter's cannot be changed or fully known
        stack.enter_context(executors.worker_environment())
        executor = stack.enter_context(executors.process_pool(1))
    pool = [executor]
    isolated: list = []  # chunks a dead worker interrupted on their last attempt: rerun one at a time
    try:
        pending = {submit(i): (i, 1) for i in todo}
        while pending or isolated:
            if not pending:  # alone, a chunk that kills its worker is the one that did
                i, attempt = isolated.pop(0)
                pending[submit(i)] = (i, -attempt)
            done, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
            for fut in done:
                i, attempt = pending.pop(fut)
                try:
                    out = fut.result()
                except Exception as exc:  # noqa: BLE001 - reported with the chunk's parameters
                    dead = isinstance(exc, BrokenProcessPool)
                    if attempt < 0:  # its rerun alone
                        failed(i, exc, 1 - attempt)
                    elif dead and attempt > retries:
                        # every chunk in flight or queued dies with the worker: find out which one killed it
                        if i not in result.retried:
                            result.retried.append(i)
                        isolated.append((i, attempt))
                    elif failed(i, exc, attempt):
                        pending[submit(i)] = (i, attempt + 1)
                    continue
                store(i, out)
    finally:
        bar.close()
        stack.close()
    result.ran.sort()
    result.failed.sort(key=lambda f: f.index)
    keep = {f.name for f in files} | {f.with_suffix(".csv").name for f in files}
    for stale in chunk_dir.glob("*.*") if chunk_dir.is_dir() else ():
        if stale.name not in keep:
            stale.unlink(missing_ok=True)
    if result.failed:
        (out_dir / "table.csv").unlink(missing_ok=True)  # never leave a table that does not match the chunks
        return result
    parts = [outputs[i] for i in range(len(sweep.chunks))]
    write_text_atomic(out_dir / "table.csv", _assemble(parts, sweep.sort_by))
    result.rows = sum(p["n"] for p in parts)
    meta = {
        "name": sweep.name,
        "description": sweep.description,
        "function": f"{sweep.fn.__module__}.{sweep.fn.__qualname__}",
        "options": sweep.options,
        "chunks": len(sweep.chunks),
        "rows": result.rows,
    }
    write_text_atomic(out_dir / "sweep.json", json.dumps(meta, sort_keys=True, indent=2, default=str) + "\n")
    return result


def _assemble(parts: list, sort_by) -> str:
    """The table's CSV text from the chunks' texts: concatenated under one header when every chunk has the same
    columns and the chunks are in ``sort_by`` order already (a stable sort of the whole table would not move a
    row), else read back, concatenated, sorted (stable) and written again."""
    headers = {p["header"] for p in parts if p["n"]}
    ordered = all(a["last"] <= b["first"] for a, b in itertools.pairwise(p for p in parts if p["n"]))
    if len(headers) <= 1 and (ordered or not sort_by):
        header = headers.pop() if headers else parts[0]["header"]
        return header + "\n" + "".join(p["body"] for p in parts)
    import io

    import pandas as pd

    # pandas >= 3 parses every float exactly by default (float_precision="round_trip" is deprecated in 3.1): the
    # sorted table has the same numbers, so the same text, as the chunks wrote (tests/run/test_sweeps.py)
    frames = [pd.read_csv(io.StringIO(p["header"] + "\n" + p["body"])) for p in parts if p["n"]]
    table = pd.concat(frames, ignore_index=True)
    if sort_by:
        table = table.sort_values(list(sort_by), kind="stable")
    return table.to_csv(index=False, lineterminator="\n")


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
