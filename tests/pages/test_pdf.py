"""The PDF (``make pdf``): the single-page build printed by Debian's chromium. It exists, has at least one page per
page of the table of contents, and ``pdftotext`` finds every page's title in it (so the text, not only pictures of
it, is there)."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from pages.browser_kit import ROOT

from mobility.publish import toc

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def _title(page) -> str:
    text = page.read_text(encoding="utf-8")
    m = re.search(r"^# (.+)$", text, re.M)
    return re.sub(r"\$[^$]*\$|\{[\w:]+\}`[^`]*`", " ", m.group(1)).strip() if m else ""  # no math, no roles


def _words(text: str) -> str:
    """Letters only, lower case, single-spaced: what survives any line breaking and math typesetting."""
    return " ".join(w.lower() for w in re.findall(r"[A-Za-z]{3,}", text))


def test_pdf_has_every_chapter(quick_pdf):
    if shutil.which("pdftotext") is None or shutil.which("pdfinfo") is None:
        pytest.skip("poppler-utils is not installed (apt-get install -y poppler-utils); the PDF was not read")
    assert quick_pdf["code"] == 0, "make pdf failed (see _build/test/logs/book-singlehtml.log)"
    pdf = quick_pdf["pdf"]
    assert pdf.is_file() and pdf.stat().st_size > 0, f"no PDF at {pdf}"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    chapters = [p for p in toc.toc_pages()]
    text = _words(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout)
    missing = [f"{p.relative_to(ROOT)}: {_title(p)!r}" for p in chapters if _words(_title(p)) not in text]
    print(f"PDF: {pages} pages, {pdf.stat().st_size / 1e6:.1f} MB, {len(chapters)} pages in the table of contents")
    assert pages >= len(chapters), f"the PDF has {pages} pages for {len(chapters)} chapter pages"
    assert not missing, "chapter titles pdftotext does not find in the PDF:\n" + "\n".join(missing)
    images = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True).stdout
    n_images = max(0, len(images.splitlines()) - 2)
    assert n_images > 0, "the PDF has no images: the figures did not print"
