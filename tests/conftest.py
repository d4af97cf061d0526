"""Shared fixtures. ``quick_build`` runs every variant and every book page once per session with quick=True."""

from __future__ import annotations

import os
import shutil
import traceback
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

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


def write_notebook(path: Path, body: str, title: str = "A page") -> Path:
    """A MyST notebook with a ``parameters`` cell (quick, scale) and one code cell ``body``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(MINI_PAGE.format(title=title, body=body))
    return path


@pytest.fixture(scope="session")
def quick_build():
    """Run all variants and all executable pages with quick=True into ``_build/test``.

    Returns ``{"results": Path, "errors": {label: message}, "pages": [...], "variants": [...]}``.
    """
    from mobility import book, paths, variants

    build = ROOT / "_build" / "test"
    saved = os.environ.get("MOBILITY_BUILD_DIR")
    os.environ["MOBILITY_BUILD_DIR"] = str(build)
    shutil.rmtree(build / "results", ignore_errors=True)
    errors: dict[str, str] = {}
    jobs = variants.plan(None, quick=True)
    summary = variants.run(jobs, jobs_n=2, progress=False)
    for label, msg in summary["failed"]:
        errors[f"variant {label}"] = msg
    pages = [p for p in book.toc_pages() if book.executable(p)]
    for page in pages:
        rel = page.relative_to(ROOT)
        try:
            book.execute_page(page, build / "pages" / rel.with_suffix(".ipynb"), {"quick": True})
        except Exception:  # recorded per page; each page's test reports its own failure
            errors[f"page {rel}"] = traceback.format_exc(limit=3)[-3000:]
    yield {
        "results": build / "results",
        "errors": errors,
        "pages": [str(p.relative_to(ROOT)) for p in pages],
        "variants": [f"{j.name}/{j.variant}" for j in jobs],
    }
    if saved is None:
        os.environ.pop("MOBILITY_BUILD_DIR", None)
    else:
        os.environ["MOBILITY_BUILD_DIR"] = saved
    del paths
