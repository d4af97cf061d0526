"""The book build: a failing cell fails it; the cache sees the library and the data; no-change rebuilds execute
nothing. Runs jupyter-book on a throwaway book that uses a throwaway copy of the library."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import write_notebook

ROOT = Path(__file__).resolve().parents[2]
JB = str(Path(sys.executable).with_name("jupyter-book"))

pytestmark = [pytest.mark.slow, pytest.mark.build]


def page_body(name: str, imports: str, extra: str = "") -> str:
    return (
        "import os\n"
        f"open(os.environ['EXEC_LOG'], 'a').write('{name}\\n')\n"
        f"{imports}\n"
        f"results.set_page('ch/{name}')\n"
        f"results.record('ch.{name}.value', 1.5)\n{extra}"
    )


@pytest.fixture
def mini(tmp_path):
    """A book with three pages: a (imports mobility.publish.scorecard), b (reads data/ch/in.csv), c (results only)."""
    shutil.copytree(ROOT / "lib", tmp_path / "lib", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    shutil.copy(ROOT / "_config.yml", tmp_path)
    shutil.copytree(ROOT / "book" / "_static", tmp_path / "book" / "_static")
    (tmp_path / "book" / "intro.md").write_text("# Intro\n")
    (tmp_path / "book" / "references.bib").write_text("")
    (tmp_path / "data" / "ch").mkdir(parents=True)
    (tmp_path / "data" / "ch" / "in.csv").write_text("x,1\n")
    write_notebook(
        tmp_path / "book" / "ch" / "a.md", page_body("a", "from mobility.publish import results, scorecard"), "Page a"
    )
    write_notebook(
        tmp_path / "book" / "ch" / "b.md",
        page_body(
            "b",
            "from mobility.core import paths\nfrom mobility.publish import results",
            "x = paths.data_file('ch/in.csv').read_text()\n",
        ),
        "Page b",
    )
    write_notebook(tmp_path / "book" / "ch" / "c.md", page_body("c", "from mobility.publish import results"), "Page c")
    for p in "abc":
        with open(tmp_path / "book" / "ch" / f"{p}.md", "a") as fh:
            fh.write(f"\nThe value is {{glue:text}}`ch.{p}.value:.2f`.\n")
    (tmp_path / "_toc.yml").write_text(
        "format: jb-book\nroot: book/intro\nchapters:\n  - file: book/ch/a\n  - file: book/ch/b\n  - file: book/ch/c\n"
    )
    return tmp_path


def build(root: Path):
    log = root / "exec.log"
    log.unlink(missing_ok=True)
    env = dict(os.environ, MOBILITY_ROOT=str(root), EXEC_LOG=str(log), PYTHONPATH=str(root / "lib"))
    env.pop("MOBILITY_BUILD_DIR", None)
    env.pop("MOBILITY_OUTPUT_DIR", None)
    proc = subprocess.run(
        [JB, "build", str(root), "-W", "--keep-going"], cwd=root, env=env, capture_output=True, text=True
    )
    executed = sorted(log.read_text().split()) if log.exists() else []
    return proc, executed


def test_cache_sees_library_and_data(mini):
    proc, executed = build(mini)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert executed == ["a", "b", "c"]
    assert "1.50" in (mini / "_build" / "html" / "book" / "ch" / "a.html").read_text()
    assert (mini / "_build" / "results" / "ch-a.json").is_file()

    proc, executed = build(mini)  # nothing changed: nothing executes
    assert proc.returncode == 0 and executed == []

    (mini / "data" / "ch" / "in.csv").write_text("x,2\n")  # the data file page b reads
    proc, executed = build(mini)
    assert proc.returncode == 0 and executed == ["b"]

    sc = mini / "lib" / "mobility" / "publish" / "scorecard.py"  # a library module only page a imports
    sc.write_text(sc.read_text() + "\n\ndef _added_function():\n    return 1\n")
    proc, executed = build(mini)
    assert proc.returncode == 0 and executed == ["a"]

    res = mini / "lib" / "mobility" / "publish" / "results.py"  # a module every page imports
    res.write_text(res.read_text() + "\n\ndef _added_function():\n    return 1\n")
    proc, executed = build(mini)
    assert proc.returncode == 0 and executed == ["a", "b", "c"]


def test_failing_cell_fails_the_build(mini):
    page = mini / "book" / "ch" / "c.md"
    page.write_text(page.read_text().replace("results.record('ch.c.value', 1.5)", "1 / 0"))
    proc, _ = build(mini)
    assert proc.returncode != 0
    assert "ZeroDivisionError" in proc.stdout + proc.stderr
    assert "Executing notebook failed" in proc.stdout + proc.stderr


def execute_ahead(root: Path, jobs: int = 2, quick: bool = False):
    """``build.execute_pages`` in its own process, on the throwaway book (as ``python -m mobility book build``)."""
    log = root / "exec.log"
    log.unlink(missing_ok=True)
    env = dict(os.environ, MOBILITY_ROOT=str(root), EXEC_LOG=str(log), PYTHONPATH=str(root / "lib"))
    env.pop("MOBILITY_BUILD_DIR", None)
    env.pop("MOBILITY_OUTPUT_DIR", None)
    code = (
        "import json; from mobility.publish import build; "
        f"print(json.dumps(build.execute_pages(quick={quick}, jobs={jobs})))"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True)
    executed = sorted(log.read_text().split()) if log.exists() else []
    return proc, executed


def test_pages_executed_ahead_are_what_sphinx_finds_in_the_cache(mini):
    """Pages run two at a time before Sphinx are cache hits for it: Sphinx executes nothing and shows their
    numbers; a second run ahead finds them all cached; a changed input runs its page again."""
    proc, executed = execute_ahead(mini)
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert sorted(summary["ran"]) == ["book/ch/a.md", "book/ch/b.md", "book/ch/c.md"] and executed == ["a", "b", "c"]
    assert "executing 3 page(s), 2 at a time" in proc.stdout

    proc, executed = build(mini)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert executed == [], "Sphinx executed a page that had just been executed ahead (cache key mismatch)"
    assert "1.50" in (mini / "_build" / "html" / "book" / "ch" / "b.html").read_text()

    proc, executed = execute_ahead(mini)
    assert executed == [] and sorted(json.loads(proc.stdout.strip().splitlines()[-1])["cached"]) == [
        "book/ch/a.md",
        "book/ch/b.md",
        "book/ch/c.md",
    ]
    (mini / "data" / "ch" / "in.csv").write_text("x,3\n")
    proc, executed = execute_ahead(mini, quick=True)
    assert executed == ["a", "b", "c"]  # quick pages are other cache entries
    proc, executed = execute_ahead(mini)
    assert executed == ["b"]


def test_a_page_failing_ahead_is_left_for_sphinx_to_report(mini):
    page = mini / "book" / "ch" / "c.md"
    page.write_text(page.read_text().replace("results.record('ch.c.value', 1.5)", "1 / 0"))
    proc, executed = execute_ahead(mini)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert json.loads(proc.stdout.strip().splitlines()[-1])["failed"] == ["book/ch/c.md"]
    assert "book: page book/ch/c.md failed (ZeroDivisionError" in proc.stdout
    proc, executed = build(mini)
    assert executed == ["c"] and proc.returncode != 0
    assert "ZeroDivisionError" in proc.stdout + proc.stderr


def test_book_build_refuses_a_bad_jobs_count():
    proc = subprocess.run(
        [sys.executable, "-m", "mobility", "book", "build", "--jobs", "0"],
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT / "lib")),
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "error: argument --jobs: --jobs must be a whole number >= 1, got '0' "
        "(see `python -m mobility book build --help`)"
    ]


def test_kernels_sphinx_starts_get_the_variants_thread_counts(monkeypatch, tmp_path):
    """A page Sphinx executes itself (one that failed ahead, or a build without --jobs) runs with the same thread
    counts as the pages run ahead and the variants: polars' count moves the last digits of the dCDH estimator."""
    from mobility.publish import build as book
    from mobility.run import executors

    seen = {}

    class FakePopen:
        def __init__(self, cmd, env, **kwargs):
            seen.update(env)
            self.stdout = iter(["build succeeded\n"])

        def wait(self):
            return 0

    monkeypatch.setattr(book.subprocess, "Popen", FakePopen)
    assert book._jupyter_book(tmp_path / "log.txt", quick=False) == 0
    for k, v in {**executors.WORKER_ENV, **executors.THREAD_ENV}.items():
        assert seen[k] == v


def test_pages_run_ahead_longest_first_by_the_readme_on_a_fresh_clone(mini):
    """Nothing measured here yet: the README's recorded runtimes order the pages (longest first), and a page timed
    nowhere goes first."""
    (mini / "README.md").write_text(
        "# mini\n\n<!-- BEGIN generated:runtime -->\n| notebook | seconds (last measured run) |\n|---|---|\n"
        "| page book/ch/a.md | 10.0 |\n| page book/ch/c.md | 50.0 |\n<!-- END generated:runtime -->\n"
    )
    proc, _ = execute_ahead(mini, jobs=1)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (mini / "exec.log").read_text().split() == ["b", "c", "a"]
