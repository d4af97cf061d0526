"""The rendered book as a reader meets it: every page in a real headless Chromium (Debian's package, driven by
Playwright with ``executable_path``; no downloaded browser), served from the quick build on 127.0.0.1.

For each page of the table of contents: HTTP 200, no console errors (apart from the explicitly listed theme noise),
every image loaded, MathJax typeset every equation (no raw ``$$`` or ``\\(`` left), no unresolved glue, every
internal link resolves (page and anchor, the PDF included); the search page finds a known term. The reader's
checks at 1366 and 390 px, with screenshots, are in ``test_reader_view.py``. Skipped, with the reason, when
Chromium or Playwright is not installed.
"""

from __future__ import annotations

import re
import urllib.request
from urllib.parse import urldefrag, urlparse

import pytest
from pages.browser_kit import WIDTHS, toc_html, visit

# Known noise from sphinx-book-theme 1.3 / pydata-sphinx-theme 0.17, not from this book: the theme logs this
# when no colour mode was stored yet (a fresh browser profile) and then falls back to "auto".
ALLOWED_CONSOLE = [re.compile(r"^Got invalid theme mode: \. Resetting to auto\.$")]

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def _toc_html() -> list[str]:
    return toc_html()


def _visit(site, rel: str):
    return visit(site, rel, WIDTHS["desktop"])


@pytest.mark.parametrize("rel", _toc_html())
def test_page_as_a_reader_sees_it(site, rel):
    page, response, errors = _visit(site, rel)
    try:
        assert response.status == 200, f"{rel}: HTTP {response.status}"
        if page.evaluate("() => document.querySelectorAll('.math').length") > 0:
            page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.document", timeout=15000)
            page.evaluate("() => MathJax.startup.promise")
            untypeset = page.evaluate(
                "() => Array.from(document.querySelectorAll('.math')).filter("
                "e => !e.querySelector('mjx-container')).length"
            )
            assert untypeset == 0, f"{rel}: {untypeset} equation(s) not typeset by MathJax"
        text = page.evaluate("""() => { const c = document.querySelector('main') || document.body;
            const clone = c.cloneNode(true);
            clone.querySelectorAll('pre, code, script, style').forEach(e => e.remove());
            return clone.innerText; }""")
        assert "$$" not in text and "\\(" not in text, f"{rel}: raw TeX left in the page"
        for marker in ("missing key", "glue:text", "{glue", "<no glue"):
            assert marker not in text, f"{rel}: unresolved glue ({marker!r})"
        broken = page.evaluate(
            "() => Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)"
        )
        assert not broken, f"{rel}: images that did not load: {broken}"
        real = [e for e in errors if not any(p.match(e) for p in ALLOWED_CONSOLE)]
        assert not real, f"{rel}: console errors: {real}"
    finally:
        page.close()


def test_internal_links_resolve(site, quick_pdf):  # the intro links the PDF: print it first
    base = site["base"]
    seen: dict[str, str] = {}
    bad = []
    for rel in _toc_html():
        text = (site["html"] / rel).read_text(encoding="utf-8")
        for href in re.findall(r'href="([^"]+)"', text):
            if href.startswith(("http:", "https:", "mailto:", "javascript:", "data:")):
                continue
            url = urllib.request.urljoin(base + rel, href)
            target, frag = urldefrag(url)
            if target not in seen:
                try:
                    with urllib.request.urlopen(target, timeout=10) as r:
                        seen[target] = r.read().decode("utf-8", "replace") if target.endswith(".html") else ""
                except Exception as exc:  # noqa: BLE001 - every failure is a broken link
                    bad.append(f"{rel}: {href} -> {exc}")
                    seen[target] = ""
                    continue
            if frag and target.endswith(".html") and f'id="{frag}"' not in seen[target]:
                bad.append(f"{rel}: {href} -> no anchor #{frag} in {urlparse(target).path}")
    assert not bad, "broken internal links:\n" + "\n".join(bad[:40])


def test_search_finds_a_known_term(site):
    page, response, _ = _visit(site, "search.html?q=scorecard")
    try:
        page.wait_for_selector("#search-results li", timeout=15000)
        assert page.locator("#search-results li").count() >= 1
    finally:
        page.close()


def test_figures_are_legible_in_dark_mode(site):
    """Every figure is an opaque PNG (a light card with dark text), so the theme's dark mode cannot turn its text
    dark-on-dark; a dark-mode screenshot of a figure page is kept for a human look."""
    import base64
    import io

    from PIL import Image

    # figures are PNG files (_images/) or, for the responsive <picture> of mobility.publish.display, data URIs
    pngs = {f.name: f.read_bytes() for f in sorted((site["html"] / "_images").glob("*.png"))}
    for rel in toc_html():
        html = (site["html"] / rel).read_text(encoding="utf-8")
        for i, data in enumerate(re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", html)):
            pngs[f"{rel}#{i}"] = base64.b64decode(data)
    assert pngs, "the book has no figures"
    see_through = []
    for name, data in pngs.items():
        im = Image.open(io.BytesIO(data))
        if im.mode in ("RGBA", "LA") and im.getchannel("A").getextrema()[0] < 255:
            see_through.append(name)
    assert not see_through, f"figures with transparent pixels (illegible in dark mode): {see_through[:10]}"
    page, response, errors = _visit(site, "book/mnc/figures.html")
    try:
        page.evaluate("() => { localStorage.setItem('mode', 'dark'); localStorage.setItem('theme', 'dark'); }")
        page.reload(wait_until="load")
        page.wait_for_load_state("networkidle")
        assert page.evaluate("() => document.documentElement.dataset.theme") == "dark"
        assert page.evaluate("() => Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)")
        page.screenshot(path=str(site["shots"] / "dark-book-mnc-figures.png"), full_page=False)
    finally:
        page.close()
