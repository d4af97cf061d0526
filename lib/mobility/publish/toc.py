"""The book's table of contents: which pages exist, in order, and where the HTML goes."""

from __future__ import annotations

from pathlib import Path

import yaml

from mobility.core import paths

__all__ = ["GENERATED", "toc_pages", "executable", "html_dir"]


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


def html_dir() -> Path:
    """Where the HTML goes: ``_build/html`` for the book; ``<build>/_build/html`` when ``MOBILITY_BUILD_DIR``
    points elsewhere (jupyter-book appends ``_build`` to ``--path-output``)."""
    build = paths.build_dir()
    return build / "html" if build == paths.root() / "_build" else build / "_build" / "html"
