"""Shared fixtures. ``quick_build`` runs every variant and every book page once per session with quick=True."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Like `make test`: the gravity chapter runs on the real data kit when `make data` has filled data/external (CI does,
# from its copy of the kit) or MOBILITY_DATA_DIR names one (MOBILITY_DATA_DIR= forces the synthetic mode).
# Set here, at import, so that every process the tests start (variants, Jupyter Book, kernels) inherits it.
if "MOBILITY_DATA_DIR" not in os.environ and (ROOT / "data" / "external" / ".complete").is_file():
    os.environ["MOBILITY_DATA_DIR"] = str(ROOT / "data" / "external")
KIT = Path(os.environ["MOBILITY_DATA_DIR"]) if os.environ.get("MOBILITY_DATA_DIR") else None

MINI_PAGE = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---
# {title}

```{{code-cell}} ipython3
:tags: [parameters]
quick = False
scale = 1.0
```

```{{code-cell}} ipython3
{body}
```
"""


#: A figure notebook for runner tests: records a value, saves a figure, raises for a negative ``scale``.
VARIANT_BODY = """from mobility.publish import display, results
if scale < 0:
    raise ValueError("scale must be >= 0")
results.record("demo.variant.value", 2.0 * scale)
fig, ax = display.figure()
ax.plot([0, 1], [0, scale])
display.save(fig, "line", close=True)
"""


def write_notebook(path: Path, body: str, title: str = "A page") -> Path:
    """A MyST notebook with a ``parameters`` cell (quick, scale) and one code cell ``body``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(MINI_PAGE.format(title=title, body=body))
    return path


@pytest.fixture(scope="session")
def quick_build():
    """Run all variants with quick=True, then build the whole book with quick=True, into ``_build/test``.

    This is the test suite's end-to-end run: every variant through the runner, every page executed by Jupyter Book
    (cache mode, warnings as errors), the scorecard generated from the fresh results; figures in strict mode
    (``style.STRICT_ENV``: a figure with a cut or overlapping text fails its notebook). Returns
    ``{"code", "build", "results", "html", "failed_pages", "failed_variants", "log"}``.
    """
    from mobility.core import style
    from mobility.publish import build as book
    from mobility.publish import toc
    from mobility.run import variants

    build = ROOT / "_build" / "test"
    saved = os.environ.get("MOBILITY_BUILD_DIR")
    saved_strict = os.environ.get(style.STRICT_ENV)
    os.environ["MOBILITY_BUILD_DIR"] = str(build)
    os.environ[style.STRICT_ENV] = "1"  # every figure of the book is refused if a text of it is cut or overlaps
    try:
        summary = variants.run(variants.plan(None, quick=True), jobs_n=2, progress=False)
        code = book.build(quick=True, jobs=2)
        log = build / "logs" / "book-pass1.log"
        failed = {str(Path(p).resolve().relative_to(ROOT)): tb for p, tb in book.failed_pages(log).items()}
        html = toc.html_dir()
    finally:
        if saved is None:
            os.environ.pop("MOBILITY_BUILD_DIR", None)
        else:
            os.environ["MOBILITY_BUILD_DIR"] = saved
        if saved_strict is None:
            os.environ.pop(style.STRICT_ENV, None)
        else:
            os.environ[style.STRICT_ENV] = saved_strict
    return {
        "code": code,
        "build": build,
        "results": build / "results",
        "html": html,
        "log": log,
        "failed_pages": failed,
        "failed_variants": dict(summary["failed"]),
    }
