"""Fixtures for the page tests: the quick build served on 127.0.0.1 and opened in Debian's Chromium (Playwright
with ``executable_path``; never a downloaded browser), and the PDF of the quick build."""

from __future__ import annotations

import os
import threading

import pytest
from pages.browser_kit import ARGS, CHROMIUM, ROOT, serve

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover
    sync_playwright = None


@pytest.fixture(scope="session")
def site(quick_build):
    """``{"base", "browser", "html", "shots"}`` for the quick build; skipped, with the reason, without a browser."""
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (apt-get install -y chromium); the browser checks did not run")
    if sync_playwright is None:
        pytest.skip("playwright is not installed; the browser checks did not run")
    assert quick_build["code"] == 0, "the quick book build failed"
    html = quick_build["html"]
    server = serve(html)
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


@pytest.fixture(scope="session")
def quick_pdf(quick_build):
    """``make pdf`` on the quick build (same execution cache): ``{"code", "pdf"}``."""
    from mobility.publish import build

    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (apt-get install -y chromium); the PDF was not printed")
    assert quick_build["code"] == 0, "the quick book build failed"
    saved = os.environ.get("MOBILITY_BUILD_DIR")
    os.environ["MOBILITY_BUILD_DIR"] = str(quick_build["build"])
    try:
        # make pdf drives Playwright's sync API; the `site` fixture may already run one in this thread (its asyncio
        # loop), so print from a thread of its own
        done: dict = {}
        worker = threading.Thread(target=lambda: done.update(code=build.pdf(quick=True)))
        worker.start()
        worker.join()
        code = done.get("code", 1)
        out = build.pdf_path()
    finally:
        if saved is None:
            os.environ.pop("MOBILITY_BUILD_DIR", None)
        else:
            os.environ["MOBILITY_BUILD_DIR"] = saved
    return {"code": code, "pdf": out}
