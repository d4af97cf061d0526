"""The environment is pinned, and every way of launching the book uses the same pins."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def lock() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, sep, version = line.partition("==")
            assert sep, f"requirements.lock: {line!r} is not an exact pin"
            pins[name.lower().replace("_", "-")] = version
    return pins


def test_key_pins():
    pins = lock()
    assert pins["jupyter-book"].startswith("1.")
    assert pins["pyfixest"] == "0.60.0"
    for pkg in (
        "papermill",
        "jupytext",
        "numpy",
        "scipy",
        "pandas",
        "matplotlib",
        "pyyaml",
        "tqdm",
        "myst-nb",
    ):
        assert pkg in pins, f"{pkg} is not pinned"


def test_launchers_use_the_lock():
    assert "requirements.lock" in (ROOT / "Makefile").read_text()
    assert "requirements.lock" in (ROOT / "binder" / "postBuild").read_text()
    assert (ROOT / "binder" / "runtime.txt").read_text().strip() == "python-3.11"
    assert re.search(r"make test", (ROOT / ".ci" / "run").read_text())
