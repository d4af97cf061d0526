"""Every book page and every figure variant executes with quick parameters (see conftest.quick_build)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mobility import book, variants

ROOT = Path(__file__).resolve().parents[1]
PAGES = [str(p.relative_to(ROOT)) for p in book.toc_pages() if book.executable(p)]
VARIANTS = [f"{j.name}/{j.variant}" for j in variants.plan(None, quick=True)]


def test_there_is_something_to_run():
    assert PAGES, "no executable pages in _toc.yml"


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES)
def test_page_executes(quick_build, page):
    assert f"page {page}" not in quick_build["errors"], quick_build["errors"].get(f"page {page}")


@pytest.mark.slow
@pytest.mark.parametrize("variant", VARIANTS)
def test_variant_executes(quick_build, variant):
    assert f"variant {variant}" not in quick_build["errors"], quick_build["errors"].get(f"variant {variant}")
    out = ROOT / "_build" / "test" / "variants" / variant
    assert (out / "notebook.ipynb").is_file() and (out / "cachekey").is_file()


def test_every_page_has_quick_parameter():
    for page in PAGES + sorted({str(s.notebook) for s in variants.load_specs().values()}):
        params = variants.notebook_parameters(ROOT / page)
        assert params.get("quick") is False, f"{page}: parameters cell must set quick = False"
