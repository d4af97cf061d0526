"""The book build's stamp (mobility.publish.build.inputs_stamp): a `make book` with nothing changed does nothing,
any change builds."""

from __future__ import annotations

import pytest


def test_a_build_with_nothing_changed_is_skipped_and_any_change_builds(tmp_path, monkeypatch, capsys):
    """The stamp of the inputs and outputs: equal when nothing changed, different when a page, a library file, a
    variant output or the HTML changes; a build with an equal stamp and the HTML present does nothing."""
    import os

    from mobility.publish import build as book
    from mobility.publish import toc

    root = tmp_path / "repo"
    for f in ("book/mnc/model.md", "lib/mobility/x.py", "data/targets/mnc.csv", "variants/v.yml", "_config.yml"):
        (root / f).parent.mkdir(parents=True, exist_ok=True)
        (root / f).write_text("x")
    monkeypatch.setenv("MOBILITY_ROOT", str(root))
    monkeypatch.setenv("MOBILITY_BUILD_DIR", str(root / "_build"))
    (toc.html_dir() / "index.html").parent.mkdir(parents=True)
    (toc.html_dir() / "index.html").write_text("<html>")
    stamp = book.inputs_stamp(False)
    assert book.inputs_stamp(False) == stamp and book.inputs_stamp(True) != stamp
    (root / "_build" / "logs").mkdir()
    (root / "_build" / "logs" / "book-stamp.txt").write_text(stamp)
    monkeypatch.setattr(book, "_jupyter_book", lambda *a, **k: pytest.fail("built although nothing changed"))
    assert book.build() == 0
    assert "nothing changed" in capsys.readouterr().out
    for f in ("book/mnc/model.md", "lib/mobility/x.py", "_build/html/index.html"):
        st = (root / f).stat()
        os.utime(root / f, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
        assert book.inputs_stamp(False) != stamp, f
        stamp = book.inputs_stamp(False)
    out = root / "_build" / "variants" / "v" / "a" / "results" / "r.json"
    out.parent.mkdir(parents=True)
    out.write_text("{}")
    assert book.inputs_stamp(False) != stamp


def test_second_python_venvs_are_not_book_sources():
    """`.ci/run` and `make test-fast VENV=.venv-3.13` create `.venv-<version>` in the repository root; Sphinx must
    not read its site-packages as pages (it did: a later `make book` executed papermill's test notebooks)."""
    import fnmatch
    from pathlib import Path

    import yaml

    root = Path(__file__).resolve().parents[2]
    patterns = yaml.safe_load((root / "_config.yml").read_text())["exclude_patterns"]
    for venv in (".venv", ".venv-3.12", ".venv-3.13"):
        assert any(fnmatch.fnmatch(venv, p) for p in patterns), (venv, patterns)
