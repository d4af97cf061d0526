"""Every figure variant runs and every book page executes and renders, with quick parameters (conftest.quick_build:
the variants runner, then a quick Jupyter Book build with warnings as errors)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mobility.publish import toc
from mobility.run import variants

ROOT = Path(__file__).resolve().parents[2]
PAGES = [str(p.relative_to(ROOT)) for p in toc.toc_pages() if toc.executable(p)]
VARIANTS = [f"{j.name}/{j.variant}" for j in variants.plan(None, quick=True)]

pytestmark = pytest.mark.slow


def test_quick_book_builds(quick_build):
    assert quick_build["code"] == 0, f"quick book build failed; see {quick_build['log']}"
    assert (quick_build["html"] / "index.html").is_file()
    assert (quick_build["html"] / "book" / "replication.html").is_file()


#: Lines a newcomer reads as "something is broken" although nothing is (issue 15): the kernel's own log (its TCP
#: notice, the KeyboardInterrupt it logs when a run is stopped), papermill failing to parse a parameters line, pip's
#: "Location ... is ignored" notes and setuptools' "beta" notice. None may reach the build log.
NOISE = (
    "Kernel is running over TCP without encryption",
    "KeyboardInterrupt caught in kernel",
    "[IPKernelApp]",
    "Unable to parse line",
    "is ignored: it is neither a file nor a directory",
    "is still *beta*",
)


def test_build_log_has_no_spurious_warnings(quick_build):
    text = quick_build["log"].read_text(encoding="utf-8", errors="replace")
    found = [line for line in text.splitlines() if any(n in line for n in NOISE)]
    assert not found, found[:5]


@pytest.mark.parametrize("page", PAGES)
def test_page_executes(quick_build, page):
    assert page not in quick_build["failed_pages"], quick_build["failed_pages"].get(page)
    html = quick_build["html"] / Path(page).with_suffix(".html")
    assert html.is_file(), f"{html} was not written (build exit {quick_build['code']}; log {quick_build['log']})"


def stray_values(html: str) -> list[str]:
    """The plain-text results of cells on a built page (a cell whose last line is a value: ``'the same'``, ``5``,
    ``PosixPath('...')``), as the reader sees them. The pages show tables, figures, Markdown and glued numbers; a bare
    ``repr`` is a value the page meant to record, not to show."""
    import html as htmllib
    import re

    blocks = re.findall(r'<div class="output text_plain[^"]*">.*?<pre>(.*?)</pre>', html, flags=re.S)
    return [htmllib.unescape(re.sub(r"<[^>]+>", "", b)).strip()[:80] for b in blocks]


def test_stray_values_finds_a_cells_repr():
    page = (
        '<div class="cell_output docutils container"><div class="output text_plain highlight-myst-ansi notranslate">'
        '<div class="highlight"><pre><span></span>&#39;the same&#39;\n</pre></div></div></div>'
        '<div class="output stream highlight-myst-ansi notranslate">'
        '<div class="highlight"><pre>printed</pre></div></div>'
    )
    assert stray_values(page) == ["'the same'"]


@pytest.mark.parametrize("page", PAGES)
def test_page_shows_no_stray_value(quick_build, page):
    html = quick_build["html"] / Path(page).with_suffix(".html")
    if not html.is_file():
        pytest.skip(f"{html} was not written (test_page_executes reports why)")
    found = stray_values(html.read_text(encoding="utf-8"))
    assert not found, f"{page} shows cell values as raw text (end the cell with a statement): {found}"


@pytest.mark.parametrize("variant", VARIANTS)
def test_variant_executes(quick_build, variant):
    assert variant not in quick_build["failed_variants"], quick_build["failed_variants"].get(variant)
    out = quick_build["build"] / "variants" / variant
    assert (out / "notebook.ipynb").is_file() and (out / "cachekey").is_file()


def test_every_notebook_has_quick_parameter():
    for page in PAGES + sorted({str(s.notebook.relative_to(ROOT)) for s in variants.load_specs().values()}):
        params = variants.notebook_parameters(ROOT / page)
        assert params.get("quick") is False, f"{page}: parameters cell must set quick = False"


def test_pages_ran_ahead_so_sphinx_executed_none(quick_build):
    """``book build --jobs 2`` executes the pages two at a time before Sphinx (``build.execute_pages``): every page
    is then a cache hit for Sphinx, which executes none (a cache-key mismatch would run them all a second time)."""
    text = quick_build["log"].read_text(encoding="utf-8", errors="replace")
    assert "Executing notebook using" not in text
    assert "Using cached notebook" in text


def test_every_page_that_records_results_wrote_its_file(quick_build):
    """A page's results file is written when its kernel ends; a kernel stopped by SIGTERM (jupyter_client's
    fallback when it is slow to exit) once lost the GE explorer page's file without any error."""
    import re

    missing = []
    for page in PAGES:
        for name in re.findall(r"results\.set_page\(['\"]([^'\"]+)['\"]\)", (ROOT / page).read_text()):
            if not (quick_build["results"] / (name.replace("/", "-") + ".json")).is_file():
                missing.append(f"{page}: {name}")
    assert not missing


def test_one_sphinx_pass_is_enough(quick_build):
    """The scorecard and the appendix are written after the pages ran ahead, from their fresh results, so Sphinx
    reads them once (a cold build used to need a second pass for the scorecard)."""
    assert not (quick_build["build"] / "logs" / "book-pass2.log").exists()
