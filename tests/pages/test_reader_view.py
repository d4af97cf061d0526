"""The book as a reader sees it, at 1366 px (a laptop) and 390 px (a phone), in Debian's Chromium.

Each check reports per page. Per page and width: no ``<Figure size`` text; every figure shows an image that
loaded with a non-zero natural size and whose smallest text is at least 9 pt at the width it is shown; no raw
``^{``/``_{`` outside math; nothing wider than the viewport; every display equation fits its container and never
touches its number; screenshots under ``_build/screenshots/<width>/``. The scorecard: under 15,000 px at 1366 px
with its notes collapsed, every status badge on screen without scrolling sideways. The PDF (``make pdf``): exists,
has at least one page per chapter page, and ``pdftotext`` finds every page title in it.
"""

from __future__ import annotations

import pytest
from pages.browser_kit import WIDTHS, known_failure, toc_html, visit

from mobility.publish import display

pytestmark = [pytest.mark.slow, pytest.mark.browser]

#: The scorecard's height at 1366 px with every note collapsed stays under this (it was 83,500 px).
SCORECARD_MAX_PX = 15_000
PAGE_CHECKS = """() => {
  const main = document.querySelector('main') || document.body;
  const out = {};
  // 1. text a reader would see that is really Python's repr of a figure
  const clone = main.cloneNode(true);
  clone.querySelectorAll('script, style, mjx-container, .math, pre, code, .cell_input, .onlyprint, [hidden]')
    .forEach(e => e.remove());
  const text = clone.innerText;
  out.figureText = (text.match(/<Figure size[^>]*>/g) || []).slice(0, 5);
  // 2. raw TeX markers outside math
  out.rawTex = (text.match(/.{0,25}(\\^\\{|_\\{).{0,25}/g) || []).slice(0, 5);
  // 3. figures: an image that loaded, with natural size, text >= 9 pt as shown
  out.figures = Array.from(main.querySelectorAll('figure')).map(f => {
    const img = f.querySelector('img');
    if (!img && f.querySelector('table')) return null;  // a glued table shown with {glue:figure}
    if (!img) return {id: f.id, image: false};
    const src = f.querySelector('picture source');
    const phone = src && window.matchMedia(src.media).matches;
    const widthIn = parseFloat((phone ? src : img).dataset.widthIn || '0');
    const textPt = parseFloat(img.dataset.textPt || '0');
    return {id: f.id || (f.querySelector('[id]') || {}).id || '', image: true,
            loaded: img.complete && img.naturalWidth > 0 && img.naturalHeight > 0,
            shown: img.getBoundingClientRect().width, widthIn: widthIn, textPt: textPt, alt: img.alt};
  }).filter(f => f);
  // 4. nothing wider than the viewport
  out.pageWidth = document.documentElement.scrollWidth;
  out.viewport = window.innerWidth;
  out.wide = Array.from(main.querySelectorAll('*')).filter(e => {
      const r = e.getBoundingClientRect(); return r.width > 0 && r.right > window.innerWidth + 1 &&
        !e.closest('.mobility-scroll, .pst-scrollable-table-container, .table-wrapper, pre, .highlight, ' +
                   'mjx-container, .cell_output');
    }).slice(0, 5).map(e => e.tagName + '.' + (e.className || '') + ' ' + (e.innerText || '').slice(0, 40));
  // 5. display equations: the formula fits, its number does not overlap it
  out.equations = Array.from(main.querySelectorAll('div.math')).map(d => {
    const m = d.querySelector('mjx-container'); if (!m) return null;
    const inner = m.querySelector('mjx-math') || m; const eq = d.querySelector('.eqno');
    const ri = inner.getBoundingClientRect(), rd = d.getBoundingClientRect();
    let overlap = false;
    if (eq) { const re_ = eq.getBoundingClientRect();
      overlap = !(re_.left >= ri.right - 1 || re_.right <= ri.left + 1 ||
                  re_.top >= ri.bottom - 1 || re_.bottom <= ri.top + 1); }
    return {id: d.id || '', fits: ri.width <= rd.width + 1 && m.scrollWidth <= m.clientWidth + 1, overlap: overlap,
            width: Math.round(ri.width), box: Math.round(rd.width)};
  }).filter(e => e && (!e.fits || e.overlap));
  return out;
}"""


def _problems(rel: str, width: int, found: dict) -> list[str]:
    bad = []
    if found["figureText"]:
        bad.append(f"figure shown as text: {found['figureText']}")
    if found["rawTex"]:
        bad.append(f"raw TeX outside math: {found['rawTex']}")
    for f in found["figures"]:
        if not f["image"]:
            bad.append(f"figure {f['id']!r} has no image")
        elif not f["loaded"]:
            bad.append(f"figure {f['id']!r}: its image did not load (natural size 0)")
        elif f["widthIn"] and f["textPt"]:
            pt = f["textPt"] * f["shown"] / (f["widthIn"] * 96)
            if pt < display.MIN_TEXT_PT - 0.05:
                bad.append(f"figure {f['id']!r}: smallest text {pt:.1f} pt as shown ({f['shown']:.0f} px wide)")
    if found["pageWidth"] > found["viewport"] + 1:
        bad.append(f"page {found['pageWidth']} px wide in a {found['viewport']} px viewport: {found['wide']}")
    for e in found["equations"]:
        what = "overlaps its number" if e["overlap"] else f"is {e['width']} px wide in a {e['box']} px box"
        bad.append(f"equation {e['id']!r} {what}")
    return [f"{rel} at {width} px: {b}" for b in bad]


@pytest.mark.parametrize("width", list(WIDTHS.values()), ids=list(WIDTHS))
@pytest.mark.parametrize("rel", toc_html())
def test_page_reads_at_width(site, rel, width, request):
    known_failure(request, rel, width)
    page, response, _ = visit(site, rel, width)
    try:
        found = page.evaluate(PAGE_CHECKS)
        shots = site["shots"] / str(width)
        shots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shots / (rel.replace("/", "-").removesuffix(".html") + ".png")), full_page=True)
    finally:
        page.close()
    bad = _problems(rel, width, found)
    assert not bad, "\n".join(bad)


def test_scorecard_reads_at_a_glance(site, request):
    """Under 15,000 px at 1366 px with the notes collapsed; every status badge on screen at both widths without
    scrolling sideways; the summary lists the chapters by title."""
    rel = "book/replication.html"
    known_failure(request, rel)
    bad = []
    for width in WIDTHS.values():
        page, _, _ = visit(site, rel, width)
        try:
            found = page.evaluate("""() => {
              document.querySelectorAll('details.sc-note').forEach(d => d.open = false);
              const badges = Array.from(document.querySelectorAll('main .sc-chapter .sc-badge'));
              const off = badges.filter(b => { const r = b.getBoundingClientRect();
                                               return r.width === 0 || r.right > window.innerWidth + 1; });
              const wraps = Array.from(document.querySelectorAll('main .sc-chapter table')).map(t => {
                const box = t.parentElement; return box.scrollWidth > box.clientWidth + 1; }).filter(x => x);
              return {height: document.documentElement.scrollHeight, badges: badges.length, off: off.length,
                      scrolling: wraps.length, summary: (document.querySelector('#summary') || {}).innerText || ''};
            }""")
            page.screenshot(path=str(site["shots"] / f"scorecard-{width}.png"), full_page=False)
        finally:
            page.close()
        if width == WIDTHS["desktop"] and found["height"] >= SCORECARD_MAX_PX:
            bad.append(f"the scorecard is {found['height']} px tall at {width} px (limit {SCORECARD_MAX_PX})")
        if found["badges"] == 0:
            bad.append(f"no status badges in the chapter tables at {width} px")
        if found["off"]:
            bad.append(f"{found['off']} of {found['badges']} status badges are off-screen at {width} px")
        if found["scrolling"]:
            bad.append(f"{found['scrolling']} chapter table(s) scroll sideways at {width} px")
        print(f"scorecard at {width} px: {found['height']} px tall, {found['badges']} badges")
    assert not bad, "\n".join(bad)


def test_book_has_its_figures(site, request):
    """Every ``{glue:figure}`` of the pages reaches the HTML as an image (the count is printed for the record)."""
    import re

    from pages.browser_kit import KNOWN_FAILURES

    owed = sorted({rel for (rel, _), why in KNOWN_FAILURES.items() if "matplotlib" in why})
    if owed:  # strict: passes again (and must be cleared) the moment those pages show real images
        request.applymarker(
            pytest.mark.xfail(reason=f"figures still glued as matplotlib objects on {owed}", strict=True)
        )

    from mobility.publish import toc

    expected = sum(
        len(re.findall(r"```\{glue:figure\}\s+fig-", p.read_text(encoding="utf-8"))) for p in toc.toc_pages()
    )
    shown = 0
    for rel in toc_html():
        text = (site["html"] / rel).read_text(encoding="utf-8")
        assert "&lt;Figure size" not in text and "<Figure size" not in text, f"{rel}: a figure reached the HTML as text"
        shown += len(re.findall(r"<figure[^>]*>\s*(?:<div[^>]*>\s*)*(?:<picture|<img)", text))
    print(f"figures in the built book: {shown} (glue:figure directives with a fig- label: {expected})")
    assert shown >= expected, f"{shown} figures reached the HTML as images; the pages show {expected}"
