"""Code a reader can open: a cell that computes a published number is collapsed (``hide-input``), never removed.

A cell "computes a published number" when it records one (``results.record``/``display.record``) or shows a
figure or table the prose relies on (``glue``). Such a cell may be ``hide-input`` (the reader clicks to see the
code) but not ``remove-cell``/``remove-input``. Set-up cells that record nothing may stay removed.
"""

from __future__ import annotations

import re

import pytest

from mobility.core import paths
from mobility.publish.toc import executable, toc_pages

COMPUTES = re.compile(r"\b(?:results\.record|display\.record|display\.glue_\w+|record)\s*\(")
HIDDEN = {"remove-cell", "remove-input"}


def _pages():
    return [p for p in toc_pages() if executable(p)]


@pytest.mark.parametrize("page", _pages(), ids=lambda p: p.relative_to(paths.root()).as_posix())
def test_cells_that_compute_published_numbers_can_be_opened(page):
    import jupytext

    nb = jupytext.read(page, fmt="md:myst")
    bad = []
    for i, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
        tags = set(cell.metadata.get("tags", []))
        if COMPUTES.search(cell.source) and tags & HIDDEN:
            first = next((ln for ln in cell.source.splitlines() if COMPUTES.search(ln)), "").strip()
            bad.append(
                f"code cell {i + 1} is tagged {sorted(tags & HIDDEN)} but computes a published number "
                f"({first[:70]}): tag it hide-input"
            )
    rel = page.relative_to(paths.root()).as_posix()
    assert not bad, f"{rel}:\n" + "\n".join(bad)
