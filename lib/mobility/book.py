"""Building the book: the table of contents, page execution for tests and smoke runs, and the HTML build.

``python -m mobility book build`` (what ``make book`` calls after the variants):

1. regenerates ``book/replication.md`` (the scorecard) from the results at hand and ``book/appendix/programs.md``
   (the figures/tables/programs inventory, :mod:`mobility.inventory`);
2. runs ``jupyter-book build . -W --keep-going`` — cache mode (``_config.yml``), warnings as errors,
   ``nb_execution_raise_on_error``; jupyter-cache keys include each page's dependency fingerprint
   (:mod:`mobility.sphinxext`), so a page re-executes exactly when its code, library modules, data or shown variant
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

import yaml

from . import paths, scorecard

__all__ = ["toc_pages", "executable", "execute_page", "build", "BuildFailed"]


class BuildFailed(RuntimeError):
    pass


#: Pages generated at build time (not committed): the scorecard and the inventory appendix.
GENERATED = ("book/replication", "book/appendix/programs")


def toc_pages(toc: Path | None = None) -> list[Path]:
    """Every file listed in ``_toc.yml``, in order (as paths with their suffix)."""
    root = paths.root()
    doc = yaml.safe_load((toc or root / "_toc.yml").read_text())
    out: list[str] = [doc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                out.append(node["file"])
            for key in ("parts", "chapters", "sections"):
                for child in node.get(key, []) or []:
                    walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk({k: v for k, v in doc.items() if k != "root"})
    pages = []
    for f in out:
        for suffix in (".md", ".ipynb", ""):
            p = root / f"{f}{suffix}"
            if p.is_file():
                pages.append(p)
                break
        else:
            if f not in GENERATED:
                raise FileNotFoundError(f"_toc.yml lists {f!r} but no such page exists")
    return pages


def executable(page: Path) -> bool:
    """A MyST notebook page with at least one code cell."""
    text = Path(page).read_text(encoding="utf-8")
    return text.startswith("---") and "```{code-cell}" in text


def execute_page(page: Path, out: Path, parameters: dict | None = None) -> Path:
    """Execute a page (or figure notebook) with papermill in its own folder; write the executed notebook to ``out``."""
    import jupytext
    import papermill as pm

    nb = jupytext.read(page, fmt="md:myst")
    out.parent.mkdir(parents=True, exist_ok=True)
    pm.execute_notebook(nb, str(out), parameters=parameters or {}, kernel_name="python3", language="python",
                        cwd=str(Path(page).parent), progress_bar=False)
    return out


def _jupyter_book(log: Path) -> int:
    cmd = [str(Path(sys.executable).with_name("jupyter-book")), "build", str(paths.root()),
           "--builder", "html", "-W", "--keep-going"]
    log.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PYDEVD_DISABLE_FILE_VALIDATION="1")
    with open(log, "w") as fh:
        proc = subprocess.Popen(cmd, cwd=paths.root(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                env=env)
        for line in proc.stdout:
            fh.write(line)
            if re.search(r"(WARNING|ERROR|Executing notebook|Traceback|Error:|build succeeded|build finished|failed)", line):
                sys.stdout.write(line)
        return proc.wait()


def build() -> int:
    """The two-pass build described in the module docstring; returns the exit code."""
    logs = paths.build_dir() / "logs"
    from . import inventory

    t0 = time.perf_counter()
    scorecard.write_page()
    inventory.write_appendix()
    code = _jupyter_book(logs / "book-pass1.log")
    if code != 0:
        print(f"error: the book build failed (exit {code}); full log: {logs / 'book-pass1.log'}", file=sys.stderr)
        return code
    if scorecard.write_page()[2]:  # the scorecard changed with the fresh results: re-read that page only
        code = _jupyter_book(logs / "book-pass2.log")
        if code != 0:
            print(f"error: the book build failed (exit {code}); full log: {logs / 'book-pass2.log'}",
                  file=sys.stderr)
            return code
    print(f"book built in {time.perf_counter() - t0:.1f} s: {paths.build_dir() / 'html' / 'index.html'}")
    return 0
