"""Sphinx extension: make jupyter-cache see a page's library, data and variant inputs.

myst-nb (cache mode) re-executes a notebook when the hash of its code cells and ``kernelspec`` changes. We wrap
myst-nb's MyST-notebook reader so that every page it reads carries ``kernelspec.mobility_deps``: the fingerprint of
what the page depends on (:func:`mobility.core.deps.fingerprint`). The hash, and so the cache, then changes exactly when
the page's code, the library modules it imports, the data files it reads or the variant outputs it shows change.
A page without code cells is never executed, whatever its fingerprint. Sphinx itself re-reads only sources whose
file changed, so the ``env-get-outdated`` hook also marks pages whose fingerprint changed as outdated.

With ``MOBILITY_QUICK=1`` (the test suite's quick build) the reader also sets ``quick = True`` at the end of each
page's ``parameters`` cell; the changed code gives quick runs their own cache entries.

Wrapping a module-level function is deliberate and contained: myst-nb 1.x looks the reader up in
``myst_nb.core.read`` at call time; the pinned version (requirements.lock) is tested by ``tests/publish/test_build.py``.
"""

from __future__ import annotations

import os
from pathlib import Path

from mobility.core import deps


def _hide_parameters(nb) -> None:
    """The ``parameters`` cell is for papermill and readers of the source, not for the rendered page."""
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if cell.cell_type == "code" and "parameters" in tags and "remove-cell" not in tags:
            cell.metadata["tags"] = [*tags, "remove-cell"]


def _set_quick(nb) -> None:
    """Quick builds (``MOBILITY_QUICK=1``, used by the tests): run the page with ``quick = True``."""
    for cell in nb.cells:
        if cell.cell_type == "code" and "parameters" in cell.metadata.get("tags", []):
            cell.source = cell.source.rstrip() + "\nquick = True  # MOBILITY_QUICK=1\n"
            return


def _prepare(nb, text: str, path, quick: bool):
    """What the build does to a page it reads: hide the parameters cell, set ``quick`` when asked, and put the
    dependency fingerprint into ``kernelspec`` (so that it is part of jupyter-cache's key)."""
    if any(c.cell_type == "code" for c in nb.cells):
        _hide_parameters(nb)
        if quick:
            _set_quick(nb)
        ks = dict(nb.metadata.get("kernelspec", {}))
        ks["mobility_deps"] = deps.fingerprint(text, Path(path) if path else None)
        nb.metadata["kernelspec"] = ks
    return nb


def read_page(path: Path, quick: bool):
    """The notebook of page ``path`` exactly as the build's reader gives it to jupyter-cache (same code, same
    ``kernelspec``, so the same cache key): for executing pages ahead of Sphinx (:mod:`mobility.publish.build`)."""
    import myst_nb.core.read as read
    import yaml
    from myst_parser.config.main import MdParserConfig

    from mobility.core import paths

    cfg = yaml.safe_load((paths.root() / "_config.yml").read_text(encoding="utf-8")) or {}
    config = MdParserConfig(enable_extensions=set((cfg.get("parse") or {}).get("myst_enable_extensions") or ()))
    original = getattr(read.read_myst_markdown_notebook, "_mobility_original", read.read_myst_markdown_notebook)
    text = Path(path).read_text(encoding="utf-8")
    nb = original(text, config=config, add_source_map=True, path=str(path))
    return _prepare(nb, text, path, quick)


def _wrap_reader():
    import myst_nb.core.read as read

    original = read.read_myst_markdown_notebook
    if getattr(original, "_mobility_wrapped", False):
        return

    def read_with_deps(
        text,
        config=None,
        code_directive="{code-cell}",
        raw_directive="{raw-cell}",
        add_source_map=False,
        path=None,
    ):
        nb = original(
            text,
            config=config,
            code_directive=code_directive,
            raw_directive=raw_directive,
            add_source_map=add_source_map,
            path=path,
        )
        return _prepare(nb, text, path, os.environ.get("MOBILITY_QUICK") == "1")

    read_with_deps._mobility_wrapped = True
    read_with_deps._mobility_original = original
    read.read_myst_markdown_notebook = read_with_deps


def _page_fingerprint(env, docname: str, text: str | None = None) -> str | None:
    src = Path(env.doc2path(docname))
    if src.suffix != ".md" or not src.is_file():
        return None
    text = src.read_text(encoding="utf-8") if text is None else text
    if not (text.startswith("---") and "```{code-cell}" in text):
        return None
    return deps.fingerprint(text, src)


def _source_read(app, docname, source):
    """Remember the fingerprint of each page as it is read (persisted in Sphinx's environment)."""
    fp = _page_fingerprint(app.env, docname, source[0])
    store = app.env.__dict__.setdefault("mobility_fingerprints", {})
    if fp is None:
        store.pop(docname, None)
    else:
        store[docname] = fp


def _outdated(app, env, added, changed, removed):
    """Sphinx re-reads only changed sources; also re-read pages whose dependency fingerprint changed."""
    known = getattr(env, "mobility_fingerprints", {})
    stale = []
    for docname, fp in sorted(known.items()):
        if docname in env.found_docs and docname not in added | changed and _page_fingerprint(env, docname) != fp:
            stale.append(docname)
    return stale


#: MathJax 3 served from the book itself (no CDN: the book must render offline and in the browser tests).
#: The files come from the pinned PyPI package django-static-mathjax (MathJax 3.2.2, Apache-2.0).
MATHJAX_FILES = ("tex-chtml-full.js", "output/chtml/fonts/woff-v2")


def _mathjax_dir() -> Path:
    import mathjax  # django-static-mathjax

    return Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"


def _config_inited(app, config):
    from mobility.core import paths

    config.mathjax_path = "mathjax/tex-chtml-full.js"
    # A build into another MOBILITY_BUILD_DIR (the tests' quick build, `make smoke`) keeps its own execution cache,
    # so the book's cache (and the runtimes `make inventory` reports from it) hold full runs only.
    if paths.build_dir() != paths.root() / "_build":
        config.nb_execution_cache_path = str(paths.build_dir() / ".jupyter_cache")


def _copy_mathjax(app, exception):
    import shutil

    if exception is not None or app.builder.format != "html":
        return
    src, dst = _mathjax_dir(), Path(app.outdir) / "_static" / "mathjax"
    for rel in MATHJAX_FILES:
        if (src / rel).is_dir():
            shutil.copytree(src / rel, dst / rel, dirs_exist_ok=True)
        else:
            (dst / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src / rel, dst / rel)


def _dedupe_scripts(app, pagename, templatename, context, doctree):
    """Drop repeated inline scripts. With Jupyter Book 1.0.4, sphinx-thebe's and sphinx-togglebutton's inline
    configuration scripts are registered twice; thebe's declares ``const THEBE_JS_URL``, so the second copy throws
    "Identifier 'THEBE_JS_URL' has already been declared" in every page (caught by tests/pages/test_browser.py)."""
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, out = set(), []
    for js in scripts:
        attrs = getattr(js, "attributes", {}) or {}
        # the copies differ only in filename None vs "" (inline scripts have no file)
        key = (getattr(js, "filename", str(js)) or "", tuple(sorted((k, str(v)) for k, v in attrs.items())))
        if key not in seen:
            seen.add(key)
            out.append(js)
    context["script_files"] = out


def _builder_inited(app):
    # The single-page build (make pdf) is one page whose root document has no math: Sphinx would leave MathJax out.
    if app.builder.name == "singlehtml":
        app.set_html_assets_policy("always")


def _alt_from_caption(app, doctree, docname):
    from mobility.publish import display

    display.alt_from_caption(app, doctree, docname)


def setup(app):
    import hashlib

    from mobility.publish import bibstyle

    _wrap_reader()
    bibstyle.register()  # the bibliography's author-year style (`bibtex_default_style: mobility` in _config.yml)
    # A change to this extension (or to the bibliography style) changes what pages render: as a config value, Sphinx
    # sees it and rebuilds.
    sources = Path(__file__).read_bytes() + Path(bibstyle.__file__).read_bytes()
    app.add_config_value("mobility_sphinxext_hash", hashlib.sha256(sources).hexdigest()[:16], "env")
    app.connect("html-page-context", _dedupe_scripts)
    app.connect("config-inited", _config_inited)
    app.connect("build-finished", _copy_mathjax)
    app.connect("source-read", _source_read)
    app.connect("env-get-outdated", _outdated)
    app.connect("doctree-resolved", _alt_from_caption)
    app.connect("builder-inited", _builder_inited)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
