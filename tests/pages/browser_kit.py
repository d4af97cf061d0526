"""Helpers shared by the browser tests (fixtures are in ``tests/pages/conftest.py``): the table of contents as
HTML paths, the two reading widths, opening a page in Chromium and waiting for MathJax, and the register of
failures owned by a chapter whose fix has not landed (each a strict xfail with its reason).
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from pathlib import Path

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
#: The two screens every page is read on: a laptop and a phone.
WIDTHS = {"desktop": 1366, "phone": 390}

#: ``{(page html, width or None): reason}``: a failure owned by a chapter whose fix has not landed yet, marked
#: ``xfail(strict=True)`` so that it turns into a failure the moment the page is fixed. Keep it empty when you can.
KNOWN_FAILURES: dict[tuple[str, int | None], str] = {}


def toc_html() -> list[str]:
    """Every page of the table of contents as its HTML path (generated pages included)."""
    return [p.relative_to(ROOT).with_suffix(".html").as_posix() for p in toc.toc_pages()] + [
        f"{g}.html" for g in toc.GENERATED if not (ROOT / f"{g}.md").exists()
    ]


def known_failure(request, rel: str, width: int | None = None) -> None:
    """Mark the running test as a strict xfail when ``(rel, width)`` is in :data:`KNOWN_FAILURES`."""
    reason = KNOWN_FAILURES.get((rel, width)) or KNOWN_FAILURES.get((rel, None))
    if reason:
        request.applymarker(pytest.mark.xfail(reason=reason, strict=True))


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(directory: Path) -> http.server.ThreadingHTTPServer:
    """A static HTTP server for ``directory`` on 127.0.0.1 (a free port), in a daemon thread."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def visit(site, rel: str, width: int = WIDTHS["desktop"], height: int = 900):
    """Open ``rel`` at ``width``; wait for the network and for MathJax. Returns ``(page, response, console errors)``."""
    page = site["browser"].new_page(viewport={"width": width, "height": height})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"uncaught: {e}"))
    response = page.goto(site["base"] + rel, wait_until="load")
    page.wait_for_load_state("networkidle")
    if page.evaluate("() => document.querySelectorAll('.math').length") > 0:
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.document", timeout=15000)
        page.evaluate("() => MathJax.startup.promise")
    return page, response, errors
