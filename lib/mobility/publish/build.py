"""Building the book: the table of contents, page execution for tests and smoke runs, and the HTML build.

``python -m mobility book build`` (what ``make book`` calls after the variants):

1. executes the pages whose cached outputs are out of date, ``jobs`` at a time (:func:`execute_pages`), into the
   cache that Sphinx reads;
2. regenerates ``book/replication.md`` (the scorecard) from the results at hand and ``book/appendix/programs.md``
   (the figures/tables/programs inventory, :mod:`mobility.publish.inventory`): after the pages ran, so their
   numbers are the fresh ones;
3. runs ``jupyter-book build . -W --keep-going`` — cache mode (``_config.yml``), warnings as errors,
   ``nb_execution_raise_on_error``; jupyter-cache keys include each page's dependency fingerprint
   (:mod:`mobility.publish.sphinxext`), so a page re-executes exactly when its code, library modules, data or
   shown variant
   outputs change;
4. regenerates the scorecard once more and, only if it changed (a page that failed ahead and ran in Sphinx), builds
   once more (only that page is re-read; everything else comes from Sphinx's and jupyter-cache's caches). Before
   the pages ran ahead, every cold build needed this second pass.

The full log of each pass is kept in ``_build/logs/``; a failing cell's traceback is in it and in the exception.

**Nothing changed, nothing done.** A successful build records a stamp of its inputs and outputs
(:func:`inputs_stamp`: the path, size and modification time of every file of the pages, the library, the data,
the variants and their outputs, the results and the HTML, with the data mode, the quick flag and the Python and
its installed packages); the next build with the same stamp stops there (``make book`` with nothing changed was
~8 s, most of it starting Sphinx and regenerating two pages to the same bytes). Any change to one of those files,
or a removed output, builds as before.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from mobility.core import paths
from mobility.core.errors import ComputationError
from mobility.core.io import environ, write_text_atomic
from mobility.publish.toc import html_dir

__all__ = ["build", "execute_pages", "failed_pages", "inputs_stamp", "pdf", "pdf_path", "print_pdf"]


def _jupyter_book(log: Path, quick: bool, builder: str = "html") -> int:
    cmd = [
        str(Path(sys.executable).with_name("jupyter-book")),
        "build",
        str(paths.root()),
        "--builder",
        builder,
        "-W",
        "--keep-going",
    ]
    if paths.build_dir() != paths.root() / "_build":
        cmd += ["--path-output", str(paths.build_dir())]
    log.parent.mkdir(parents=True, exist_ok=True)
    from mobility.run import executors

    # the kernels Sphinx starts get what the variants' and execute_pages' kernels get (executors.THREAD_ENV)
    env = dict(os.environ, **executors.WORKER_ENV, **executors.THREAD_ENV, PYDEVD_DISABLE_FILE_VALIDATION="1")
    if quick:
        env["MOBILITY_QUICK"] = "1"
    with open(log, "w") as fh:
        proc = subprocess.Popen(
            cmd, cwd=paths.root(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
        )
        for line in proc.stdout:
            fh.write(line)
            if (
                re.search(
                    r"(WARNING|ERROR|Executing notebook|Traceback|Error:|build succeeded|build finished|failed)",
                    line,
                )
                and "[IPKernelApp]" not in line
            ):
                sys.stdout.write(line)
        return proc.wait()


_FAILED = re.compile(r"^(?:\x1b\[\d+m)?(\S+?\.md): WARNING: Executing notebook failed", re.M)


def failed_pages(log: Path) -> dict[str, str]:
    """``{page: traceback}`` for every page whose execution failed in a build log."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", log.read_text()) if log.is_file() else ""
    out = {}
    for m in _FAILED.finditer(text):
        end = text.find("myst_nb.core.execute.base.ExecutionError", m.end())
        out[m.group(1)] = text[m.start() : end if end > 0 else m.end() + 5000]
    return out


def _report_failure(log: Path, code: int) -> None:
    failed = failed_pages(log)
    reports = paths.build_dir() / "reports"
    for page, tb in failed.items():
        rel = Path(page).resolve().relative_to(paths.root()).with_suffix(".log")
        target = reports / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(tb)
        print(f"error: page {rel.with_suffix('.md')} failed to execute; report: {target}", file=sys.stderr)
    print(f"error: the book build failed (exit {code}); full log: {log}", file=sys.stderr)


#: what the pages import besides the variants' modules (:data:`mobility.run.kernels.PRELOAD`): imported once, by the
#: process their kernels fork from. Not polars, nor pyfixest's estimation API (which imports it): polars starts a
#: thread on import, and a process with threads is not forked (``tests/run/test_kernels.py`` checks the list).
PAGE_MODULES = (
    "IPython.display",
    "myst_nb",
    "mobility.models.gravity.did",
    "mobility.models.gravity.figures",
    "mobility.models.gravity.simcheck",
    "mobility.models.review",
    "mobility.models.review.trade",
    "mobility.models.relocation",
    "mobility.models.mnc",
    "mobility.publish.explorer",
    "mobility.run.variants",
)


def _execute_one(text: str, cwd: str, timeout: int | None) -> tuple[str, float, str | None]:
    """Run one page's notebook (nbformat JSON) the way myst-nb's cache mode does; in a worker process."""
    import nbformat
    from jupyter_cache.executors.utils import single_nb_execution

    nb = nbformat.reads(text, as_version=4)
    result = single_nb_execution(
        nb,
        cwd=cwd,
        timeout=timeout,
        allow_errors=False,
        meta_override=True,
        kernel_manager_class="mobility.run.kernels.ForkingKernelManager",
    )
    return nbformat.writes(nb), float(result.time), result.exc_string


def _last_page_seconds(cache) -> dict[str, float]:
    """The execution seconds of each page's latest cached run, by absolute path."""
    out: dict[str, tuple] = {}
    for rec in cache.list_cache_records():
        secs = (rec.data or {}).get("execution_seconds")
        if secs is not None and (rec.uri not in out or rec.created >= out[rec.uri][0]):
            out[rec.uri] = (rec.created, float(secs))
    return {uri: secs for uri, (_, secs) in out.items()}


def execute_pages(quick: bool = False, jobs: int = 1) -> dict:
    """Execute, ``jobs`` at a time, the pages whose outputs jupyter-cache lacks, and cache them as myst-nb would.

    Jupyter Book executes pages one after the other; on 2 cores the second core sat idle for the whole page phase
    of a cold build (~390 s). Each page is read exactly as the build reads it (:func:`.sphinxext.read_page`, the same
    cache key), run by jupyter-cache's own ``single_nb_execution`` in the page's directory with the configured
    timeout, in processes started with :func:`mobility.run.executors.worker_environment` (one BLAS, rayon, numba and
    polars thread each, the variants' hash seed), and cached under the key Sphinx will look up. Pages go longest
    first, by their last run here or else by the runtime the README records (:func:`.inventory.recorded_runtimes`;
    on the cold build of 30 Nov 2026 the two longest gravity pages, run last in table-of-contents order, ended the
    page phase alone); pages timed nowhere go first, in table-of-contents order. A page that fails is not cached: the
    Sphinx pass runs it again and reports it as before (``failed_pages``, ``_build/reports/``). Returns
    ``{"ran": [...], "cached": [...], "failed": [...]}`` (paths relative to the root).
    """
    from concurrent.futures import as_completed

    import nbformat
    import yaml
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    from mobility.publish import inventory, sphinxext, toc
    from mobility.run import executors, kernels, variants

    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be an integer >= 1, got {jobs!r}")
    root = paths.root()
    cfg = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8")) or {}
    timeout = (cfg.get("execute") or {}).get("timeout")
    cache = get_cache(str(paths.build_dir() / ".jupyter_cache"))
    summary: dict[str, list] = {"ran": [], "cached": [], "failed": []}
    todo = []
    for page in toc.toc_pages():
        if page.suffix != ".md" or not toc.executable(page):
            continue
        nb = sphinxext.read_page(page, quick)
        try:
            cache.match_cache_notebook(nb)
            summary["cached"].append(page.relative_to(root).as_posix())
        except KeyError:
            todo.append((page, nb))
    if not todo:
        return summary
    last = _last_page_seconds(cache)
    recorded = inventory.recorded_runtimes()  # a fresh clone: the README's last measured run
    order = variants.longest_first(
        todo, lambda t: last.get(str(t[0].absolute()), recorded.get(f"page {t[0].relative_to(root).as_posix()}"))
    )
    n = min(jobs, len(order))
    print(f"book: executing {len(order)} page(s), {n} at a time ({len(summary['cached'])} up to date)", flush=True)
    env = dict(PYDEVD_DISABLE_FILE_VALIDATION="1", **({"MOBILITY_QUICK": "1"} if quick else {}))
    warm = kernels.zygote(kernels.PRELOAD, PAGE_MODULES, kernels=len(order))  # kernels fork from a warm process
    with executors.worker_environment(), environ(env), warm:
        with executors.process_pool(n) as pool:
            futures = {
                pool.submit(_execute_one, nbformat.writes(nb), str(page.parent), timeout): (page, nb)
                for page, nb in order
            }
            for fut in as_completed(futures):
                page, nb = futures[fut]
                rel = page.relative_to(root).as_posix()
                try:
                    text, secs, error = fut.result()
                except Exception as exc:  # a worker that died: Sphinx runs the page again and reports
                    text, secs, error = None, 0.0, f"{type(exc).__name__}: {exc}"
                if error is not None:
                    summary["failed"].append(rel)
                    plain = re.sub(r"\x1b\[[0-9;]*m", "", error).strip()
                    last_line = plain.splitlines()[-1] if plain else "no message"
                    print(f"book: page {rel} failed ({last_line}); the Sphinx pass runs it again to report it")
                    continue
                stage = cache.add_nb_to_project(str(page), read_data={"type": "plugin", "name": "myst_nb_md"})
                cache.cache_notebook_bundle(
                    CacheBundleIn(nbformat.reads(text, as_version=4), stage.uri, data={"execution_seconds": secs}),
                    check_validity=False,
                    overwrite=True,
                )
                summary["ran"].append(rel)
                print(f"book: executed {rel} in {secs:.1f} s", flush=True)
    return summary


def build(quick: bool = False, jobs: int = 1) -> int:
    """The two-pass build described in the module docstring; returns the exit code.

    With ``quick`` every page runs with ``quick = True`` (the Sphinx extension sets it in the parameters cell);
    the test suite builds this way into ``MOBILITY_BUILD_DIR``. Pages to execute run ``jobs`` at a time before the
    Sphinx pass (:func:`execute_pages`).
    """

    from mobility.publish import inventory, scorecard

    logs = paths.build_dir() / "logs"
    t0 = time.perf_counter()
    stamp_file = logs / ("book-stamp-quick.txt" if quick else "book-stamp.txt")
    try:
        previous = stamp_file.read_text(encoding="utf-8")
    except OSError:
        previous = None
    if previous is not None and previous == inputs_stamp(quick) and (html_dir() / "index.html").is_file():
        print(f"book: nothing changed since the last build; {html_dir() / 'index.html'} is current")
        return 0
    stamp_file.unlink(missing_ok=True)
    (logs / "book-pass2.log").unlink(missing_ok=True)  # present afterwards only if this build needed a second pass
    steps = {}
    t = time.perf_counter()
    execute_pages(quick, jobs)
    steps["pages ahead"] = time.perf_counter() - t
    # written after the pages ran: from their fresh results, so that one Sphinx pass is enough
    t = time.perf_counter()
    scorecard.write_page()
    inventory.write_appendix()
    steps["scorecard and appendix"] = time.perf_counter() - t
    t = time.perf_counter()
    code = _jupyter_book(logs / "book-pass1.log", quick)
    steps["Sphinx pass 1"] = time.perf_counter() - t
    if code != 0:
        _report_failure(logs / "book-pass1.log", code)
        return code
    if scorecard.write_page()[2]:  # the scorecard changed with the fresh results: re-read that page only
        t = time.perf_counter()
        code = _jupyter_book(logs / "book-pass2.log", quick)
        steps["Sphinx pass 2"] = time.perf_counter() - t
        if code != 0:
            _report_failure(logs / "book-pass2.log", code)
            return code
    write_text_atomic(stamp_file, inputs_stamp(quick))
    print(f"book built in {time.perf_counter() - t0:.1f} s: {html_dir() / 'index.html'}")
    print("book: build steps: " + ", ".join(f"{k} {v:.0f} s" for k, v in steps.items()))
    return 0


def inputs_stamp(quick: bool) -> str:
    """A hash of what a book build reads and writes: ``(path, size, mtime)`` of every file under the repository's
    top level, ``book/``, ``lib/``, ``data/``, ``variants/``, the kit (``MOBILITY_DATA_DIR``), the variant outputs,
    the results and the HTML; the quick flag, the data mode, the Python and its ``site-packages`` folder (whose
    modification time changes when a package is installed or removed). Caches, logs and ``__pycache__`` are left
    out."""
    import hashlib
    import sysconfig

    root, build = paths.root(), paths.build_dir()
    h = hashlib.sha256()
    h.update(repr((quick, os.environ.get("MOBILITY_DATA_DIR"), sys.executable, sys.version)).encode())
    site = Path(sysconfig.get_paths()["purelib"])
    trees = [root / "book", root / "lib", root / "data", root / "variants", build / "variants", build / "results"]
    trees.append(html_dir())
    ext = os.environ.get("MOBILITY_DATA_DIR")
    if ext:
        trees.append(Path(ext))
    entries = [site, *(f for f in root.iterdir() if f.is_file())]
    for tree in trees:
        if tree.is_dir():
            for dirpath, dirnames, filenames in os.walk(tree):
                dirnames[:] = sorted(d for d in dirnames if d not in ("__pycache__", ".jupyter_cache", "logs"))
                entries += [Path(dirpath) / f for f in sorted(filenames) if not f.endswith((".pyc", ".lock"))]
        else:
            entries.append(tree)
    for f in entries:
        try:
            st = f.stat()
            h.update(f"{f}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
        except OSError:
            h.update(f"{f}\0missing\n".encode())
    return h.hexdigest() + "\n"


# ----------------------------------------------------------------------------------------------------------------
# The PDF: the single-page build printed by Debian's chromium (no downloaded browser, no TeX)
# ----------------------------------------------------------------------------------------------------------------

#: Chromium flags for headless printing in a container.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def chromium() -> str | None:
    """Debian's chromium, if installed (``apt-get install chromium``)."""
    return shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)


def pdf_path() -> Path:
    """Where ``make pdf`` writes the book: ``_build/pdf/mobility.pdf`` (under ``MOBILITY_BUILD_DIR`` if set)."""
    return paths.build_dir() / "pdf" / "mobility.pdf"


def singlehtml_dir() -> Path:
    return html_dir().parent / "singlehtml"


_FOOTER = (
    '<div style="font-size:8px;width:100%;text-align:center;color:#555">'
    '<span class="title"></span> · <span class="pageNumber"></span> / <span class="totalPages"></span></div>'
)


def _single_page(index: Path) -> Path:
    """The single page to print. jupyter-book's ``index.html`` only redirects to the root document
    (``book/intro.html``), whose links to ``_static/`` and ``_images/`` are written as if it sat at the top: copy it
    there."""
    redirect = re.search(r'url=([^"\s]+)"', index.read_text(encoding="utf-8")[:500])
    if not redirect:
        return index
    page = index.with_name("mobility-print.html")
    page.write_text((index.parent / redirect.group(1)).read_text(encoding="utf-8"), encoding="utf-8")
    return page


def print_pdf(index: Path, out: Path, timeout_s: float = 120.0) -> Path:
    """Print the single-page book at ``index`` to ``out`` with headless chromium (Playwright ``executable_path``):
    served on 127.0.0.1, MathJax typeset, every image loaded, chapter dropdowns opened, print media."""
    import functools
    import http.server
    import threading

    exe = chromium()
    if exe is None:
        raise ComputationError("make pdf needs Debian's chromium (apt-get install -y chromium); it is not installed")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - playwright is pinned
        raise ComputationError("make pdf needs playwright (pinned in requirements.lock); it is not installed") from exc

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(index.parent)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    tmp = out.with_name(f".{out.name}.tmp")
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1100, "height": 1400})
            page.set_default_timeout(timeout_s * 1000)
            page.goto(f"http://127.0.0.1:{server.server_address[1]}/{_single_page(index).name}", wait_until="load")
            page.wait_for_load_state("networkidle")
            page.evaluate("""async () => {
                if (window.MathJax && MathJax.startup) { await MathJax.startup.promise; }
                document.querySelectorAll('details.sd-dropdown').forEach(d => d.open = true);
                await Promise.all(Array.from(document.images).filter(i => !i.complete)
                    .map(i => new Promise(r => { i.onload = i.onerror = r; })));
            }""")
            page.emulate_media(media="print")
            page.pdf(
                path=str(tmp),
                format="A4",
                print_background=True,
                display_header_footer=True,
                header_template="<span></span>",
                footer_template=_FOOTER,
                outline=True,
                margin={"top": "16mm", "bottom": "16mm", "left": "14mm", "right": "14mm"},
            )
            browser.close()
        tmp.replace(out)
    finally:
        server.shutdown()
        tmp.unlink(missing_ok=True)
    return out


def pdf(quick: bool = False, jobs: int = 1) -> int:
    """``make pdf``: the single-page build (same execution cache as the HTML, so nothing re-executes after
    ``make book``; pages not yet cached run ``jobs`` at a time first) printed to ``_build/pdf/mobility.pdf`` and
    copied beside the HTML book, which links it.

    Returns the exit code; a failure names its log."""
    from mobility.publish import inventory, scorecard

    logs = paths.build_dir() / "logs"
    t0 = time.perf_counter()
    execute_pages(quick, jobs)
    scorecard.write_page()
    inventory.write_appendix()
    code = _jupyter_book(logs / "book-singlehtml.log", quick, builder="singlehtml")
    if code != 0:
        _report_failure(logs / "book-singlehtml.log", code)
        return code
    out = print_pdf(singlehtml_dir() / "index.html", pdf_path())
    if html_dir().is_dir():  # the HTML book links it from its first page (book/intro.md)
        shutil.copyfile(out, html_dir() / out.name)
    print(f"PDF written in {time.perf_counter() - t0:.1f} s: {out}")
    return 0
