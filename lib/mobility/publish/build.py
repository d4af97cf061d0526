"""Building the book: the table of contents, page execution for tests and smoke runs, and the HTML build.

``python -m mobility book build`` (what ``make book`` calls after the variants):

1. regenerates ``book/replication.md`` (the scorecard) from the results at hand and ``book/appendix/programs.md``
   (the figures/tables/programs inventory, :mod:`mobility.publish.inventory`);
2. runs ``jupyter-book build . -W --keep-going`` — cache mode (``_config.yml``), warnings as errors,
   ``nb_execution_raise_on_error``; jupyter-cache keys include each page's dependency fingerprint
   (:mod:`mobility.publish.sphinxext`), so a page re-executes exactly when its code, library modules, data or
   shown variant
   outputs change;
3. regenerates the scorecard from the fresh results and, only if it changed, builds once more (only that page is
   re-read; everything else comes from Sphinx's and jupyter-cache's caches).

The full log of each pass is kept in ``_build/logs/``; a failing cell's traceback is in it and in the exception.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

from mobility.core import paths
from mobility.publish import inventory, scorecard
from mobility.publish.toc import html_dir

__all__ = ["build", "failed_pages"]


def _jupyter_book(log: Path, quick: bool) -> int:
    cmd = [
        str(Path(sys.executable).with_name("jupyter-book")),
        "build",
        str(paths.root()),
        "--builder",
        "html",
        "-W",
        "--keep-going",
    ]
    if paths.build_dir() != paths.root() / "_build":
        cmd += ["--path-output", str(paths.build_dir())]
    log.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PYDEVD_DISABLE_FILE_VALIDATION="1")
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


def build(quick: bool = False) -> int:
    """The two-pass build described in the module docstring; returns the exit code.

    With ``quick`` every page runs with ``quick = True`` (the Sphinx extension sets it in the parameters cell);
    the test suite builds this way into ``MOBILITY_BUILD_DIR``.
    """

    logs = paths.build_dir() / "logs"
    t0 = time.perf_counter()
    scorecard.write_page()
    inventory.write_appendix()
    code = _jupyter_book(logs / "book-pass1.log", quick)
    if code != 0:
        _report_failure(logs / "book-pass1.log", code)
        return code
    if scorecard.write_page()[2]:  # the scorecard changed with the fresh results: re-read that page only
        code = _jupyter_book(logs / "book-pass2.log", quick)
        if code != 0:
            _report_failure(logs / "book-pass2.log", code)
            return code
    print(f"book built in {time.perf_counter() - t0:.1f} s: {html_dir() / 'index.html'}")
    return 0
