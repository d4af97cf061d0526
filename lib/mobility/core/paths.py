"""One place that knows where things are.

Every path the library reads or writes is resolved here, so that tests, the variants runner and the book
build can redirect output without touching the rest of the code:

- ``MOBILITY_ROOT``        the repository root (default: two levels above this package, i.e. the editable
                           install's checkout);
- ``MOBILITY_BUILD_DIR``   where generated files go (default ``<root>/_build``);
- ``MOBILITY_OUTPUT_DIR``  where the *current* notebook writes ``results/`` and ``figures/`` (the variants
                           runner points it at a variant's temporary directory; default: the build dir);
- ``MOBILITY_DATA_DIR``    the folder holding external data that cannot be committed (the gravity kit).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

__all__ = [
    "root",
    "build_dir",
    "output_dir",
    "results_dir",
    "figures_dir",
    "data_dir",
    "data_file",
    "external_data_dir",
    "sha256",
]


def root() -> Path:
    """The repository root (``MOBILITY_ROOT`` or the checkout this package is installed from)."""
    env = os.environ.get("MOBILITY_ROOT")
    return Path(env).resolve() if env else Path(__file__).resolve().parents[3]


def build_dir() -> Path:
    """Where everything generated lives (``MOBILITY_BUILD_DIR`` or ``<root>/_build``)."""
    env = os.environ.get("MOBILITY_BUILD_DIR")
    return Path(env).resolve() if env else root() / "_build"


def output_dir() -> Path:
    """Where the running notebook writes its ``results/`` and ``figures/``."""
    env = os.environ.get("MOBILITY_OUTPUT_DIR")
    return Path(env).resolve() if env else build_dir()


def results_dir() -> Path:
    return output_dir() / "results"


def figures_dir() -> Path:
    return output_dir() / "figures"


def data_dir() -> Path:
    """The shipped inputs (``<root>/data``)."""
    return root() / "data"


def data_file(relpath: str) -> Path:
    """A shipped input file, e.g. ``data_file("review/studies.csv")``.

    Write ``relpath`` as one string literal: the book's cache fingerprint finds a page's data inputs by
    looking for these paths in the page and in the library modules it imports.
    """
    path = data_dir() / relpath
    if not path.is_file():
        raise FileNotFoundError(f"data file {path} is missing: restore it from git (`git checkout -- data/{relpath}`)")
    return path


def external_data_dir() -> Path | None:
    """The folder named by ``MOBILITY_DATA_DIR`` (real data that is not committed), or None."""
    env = os.environ.get("MOBILITY_DATA_DIR")
    if not env:
        return None
    path = Path(env).expanduser().resolve()
    if not path.is_dir():
        raise FileNotFoundError(
            f"MOBILITY_DATA_DIR={env!r} is not a directory: run `make data` (it fills data/external) or point it "
            "at a copy of the gravity data kit, or set MOBILITY_DATA_DIR= to use the embedded synthetic panel"
        )
    return path


def sha256(path: Path, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            h.update(block)
    return h.hexdigest()
