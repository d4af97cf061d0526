"""Numbers the book prints: glued into the page and written to ``_build/results/<page>.json``.

Every number that appears in the prose goes through :func:`record`, so it is computed at build time and never
typed. The results files are what the scorecard (``book/replication.md``) and
``tests/publish/test_scorecard_targets.py``
compare with the papers' published values (``data/targets/*.csv``).

Usage in a page::

    from mobility.publish import results
    results.set_page("mnc/tables")            # once, in the page's setup cell
    results.record("mnc.table5.autarky.cutoff", cutoff)

and in the prose: ``{glue:text}`mnc.table5.autarky.cutoff:.4f```.

Files are written with sorted keys, two-space indentation and Python's shortest round-trip float repr, so two
runs that compute the same numbers give byte-identical files.
"""

from __future__ import annotations

import atexit
import json
import math
import numbers
import os
import re
import signal
from pathlib import Path

from mobility.core import paths
from mobility.core.io import write_text_atomic

__all__ = ["set_page", "record", "record_all", "flush", "dumps", "load_page", "load_all", "KEY_RE", "PAGE_RE"]

KEY_RE = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_\-]+)+$")
PAGE_RE = re.compile(r"^[a-z0-9_\-]+(/[a-z0-9_\-]+)*$")

_state: dict = {"page": None, "values": {}, "failed": False, "hooked": False, "running": False}


def set_page(page: str) -> None:
    """Start recording for ``page`` (e.g. ``"mnc/tables"``): :func:`record` collects its values, and
    ``results/mnc-tables.json`` is written once, atomically, when the page has run: at the end of the process (the
    notebook's kernel), or by :func:`flush`. A page whose cell failed or was interrupted writes nothing, and the
    previous file of that page is removed here, so no stale or partial results survive a failed run. Calling it
    again starts the page's results afresh."""
    if not isinstance(page, str) or not PAGE_RE.match(page):
        raise ValueError(f"page name {page!r} must be lower-case words separated by '/', e.g. 'mnc/tables'")
    _state.update(page=page, values={}, failed=False)
    _page_file(page).unlink(missing_ok=True)
    _hook()


def _hook() -> None:
    """Write at exit; inside IPython, remember whether any cell failed (then write nothing).

    "At exit" includes a SIGTERM between cells: jupyter_client stops a kernel that has not exited 2.5 s after its
    shutdown request with SIGTERM, whose default action skips ``atexit``; a kernel that had run a process pool took
    that long, and the GE explorer page's results file was silently missing from some builds. A SIGTERM while a
    cell runs counts as a failure (nothing is written)."""
    if _state["hooked"]:
        return
    _state["hooked"] = True
    atexit.register(_at_exit)
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:  # pragma: no cover - IPython is a pinned dependency
        shell = None
    if shell is not None:
        shell.events.register("pre_run_cell", _before_cell)
        shell.events.register("post_run_cell", _after_cell)
    try:
        _state["sigterm"] = signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:  # not the main thread: atexit only
        pass


def _on_sigterm(signum, frame) -> None:
    if _state["running"]:
        _state["failed"] = True
    _at_exit()
    previous = _state.get("sigterm")
    signal.signal(signum, previous if previous is not None else signal.SIG_DFL)
    os.kill(os.getpid(), signum)  # then terminate as the signal would have


def _before_cell(info) -> None:
    _state["running"] = True


def _after_cell(result) -> None:
    _state["running"] = False
    if not result.success:
        _state["failed"] = True


def _at_exit() -> None:
    if _state["page"] is not None and not _state["failed"]:
        flush()


def flush() -> None:
    """Write the current page's results file now (atomically; sorted, canonical)."""
    if _state["page"] is None:
        raise RuntimeError("results.flush() needs a page: call results.set_page() and record something first")
    _write()


def _current_page() -> str:
    page = _state["page"] or os.environ.get("MOBILITY_PAGE")
    if not page:
        raise RuntimeError(
            "results.record() needs a page: call mobility.publish.results.set_page('<chapter>/<page>') first"
        )
    if _state["page"] is None:  # page given by the variants runner
        set_page(page)
    return page


def _normalise(key: str, value):
    if isinstance(value, (bool, str)) or value is None:
        return value
    if hasattr(value, "item") and getattr(value, "shape", ()) == ():  # numpy scalar / 0-d array
        value = value.item()
    if isinstance(value, bool):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        value = float(value)
        if not math.isfinite(value):
            raise ValueError(f"results.record({key!r}): value is {value}; only finite numbers can be recorded")
        return value
    raise TypeError(
        f"results.record({key!r}): cannot record a {type(value).__name__}; record numbers, booleans or strings"
    )


def record(key: str, value, *, display: bool = False, text: str | None = None):
    """Record ``value`` under the dotted key ``<chapter>.<artifact>.<row>.<column>``; glue it into the page.

    With ``text`` the page gets that string under ``key`` instead of the value (the reader's form of the number,
    made by :func:`mobility.publish.display.record`); the results file always holds the value itself.
    Returns the (normalised) value so it can be used inline. Raises ``ValueError`` for a malformed key or a
    non-finite number and ``TypeError`` for a value that is not a number, boolean or string.
    """
    if not isinstance(key, str) or not KEY_RE.match(key):
        raise ValueError(f"results key {key!r} must be dotted lower-case words, e.g. 'mnc.table5.autarky.cutoff_usa'")
    page = _current_page()
    value = _normalise(key, value)
    _state["values"][key] = value
    try:  # glue only inside a kernel that myst-nb can read; plain Python calls just record
        from myst_nb import glue

        glue(key, value if text is None else str(text), display=display)
    except ImportError:  # pragma: no cover - myst-nb is a pinned dependency
        pass
    del page
    return value


def record_all(prefix: str, values: dict) -> dict:
    """Record every ``name → value`` of ``values`` under ``<prefix>.<name>`` (one call for a model's checks);
    returns the recorded values keyed by their full keys. Names are recorded in sorted order."""
    prefix = prefix.rstrip(".")
    return {f"{prefix}.{name}": record(f"{prefix}.{name}", values[name]) for name in sorted(values)}


def dumps(values: dict) -> str:
    """The canonical results-file text: sorted keys, 2-space indent, shortest float repr, trailing newline."""
    return json.dumps(values, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def _page_file(page: str, directory: Path | None = None) -> Path:
    return (directory or paths.results_dir()) / (page.replace("/", "-") + ".json")


def _write() -> None:
    write_text_atomic(_page_file(_state["page"]), dumps(_state["values"]))


def load_page(page: str, directory: Path | None = None) -> dict:
    """The recorded results of one page (this process's own page is written first)."""
    if page == _state["page"] and directory in (None, paths.results_dir()):
        flush()
    path = _page_file(page, directory)
    if not path.is_file():
        raise FileNotFoundError(f"no results for page {page!r} at {path}: build the book (`make book`) first")
    return json.loads(path.read_text())


def load_all(directory: Path | None = None) -> dict:
    """All recorded results under ``directory`` (default ``_build/results``), merged into one mapping.

    A key recorded by two pages is an error: one key, one number.
    """
    directory = Path(directory or paths.results_dir())
    merged: dict = {}
    origin: dict = {}
    for path in sorted(directory.glob("*.json")):
        for key, value in json.loads(path.read_text()).items():
            if key in merged and merged[key] != value:
                raise ValueError(f"results key {key!r} recorded by both {origin[key]} and {path.name}")
            merged[key] = value
            origin[key] = path.name
    return merged
