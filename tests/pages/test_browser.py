"""The rendered book as a reader meets it: every page in a real headless Chromium (Debian's package, driven by
Playwright with ``executable_path``; no downloaded browser), served from the quick build on 127.0.0.1.

For each page of the table of contents: HTTP 200, no console errors (apart from the explicitly listed theme noise),
every image loaded, MathJax typeset every equation (no raw ``$$`` or ``\\(`` left), no unresolved glue, every
internal link resolves (page and anchor); the search page finds a known term. Screenshots go to
``_build/screenshots/``. Skipped, with the reason, when Chromium or Playwright is not installed.
"""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import threading
import urllib.request
from pathlib import Path
from urllib.parse import urldefrag, urlparse

import pytest

from mobility.publish import toc

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# Known noise from sphinx-book-theme 1.3 / pydata-sphinx-theme 0.17, not from this book: the theme logs this
# when no colour mode was stored yet (a fresh browser profile) and then falls back to "auto".
ALLOWED_CONSOLE = [re.compile(r"^Got invalid theme mode: \. Resetting to auto\.$")]

pytestmark = [pytest.mark.slow, pytest.mark.browser]

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover
    sync_playwright = None


def _toc_html() -> list[str]:
    return [p.relative_to(ROOT).with_suffix(".html").as_posix() for p in toc.toc_pages()] + [
        f"{g}.html" for g in toc.GENERATED if not (ROOT / f"{g}.md").exists()
    ]


@pytest.fixture(scope="module")
def site(quick_build):
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (apt-get install -y chromium); the browser checks did not run")
    if sync_playwright is None:
        pytest.skip("playwright is not installed; the browser checks did not run")
    assert quick_build["code"] == 0, "the quick book build failed"
    html = quick_build["html"]
    handler = functools.partial(_QuietHandler, directory=str(html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    shots = ROOT / "_build" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield {
            "base": f"http://127.0.0.1:{server.server_address[1]}/",
            "browser": browser,
            "html": html,
            "shots": shots,
        }
        browser.close()
    server.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _visit(site, rel: str):
    page = site["browser"].new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"uncaught: {e}"))
    response = page.goto(site["base"] + rel, wait_until="load")
    page.wait_for_load_state("networkidle")
    return page, response, errors


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
        page.screenshot(
            path=str(site["shots"] / (rel.replace("/", "-").removesuffix(".html") + ".png")), full_page=True
        )
        real = [e for e in errors if not any(p.match(e) for p in ALLOWED_CONSOLE)]
        assert not real, f"{rel}: console errors: {real}"
    finally:
        page.close()


def test_internal_links_resolve(site):
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
    from PIL import Image

    pngs = sorted((site["html"] / "_images").glob("*.png"))
    assert pngs, "the book has no figures"
    see_through = []
    for f in pngs:
        im = Image.open(f)
        if im.mode in ("RGBA", "LA") and im.getchannel("A").getextrema()[0] < 255:
            see_through.append(f.name)
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
