"""How model output is shown in a page: the one way to show a figure.

A figure is drawn with :func:`figure` (the book's style, :mod:`mobility.core.style`), then
:func:`glue_figure` saves it deterministically (PNG for the HTML, SVG as vector) and glues a real image under
its label, to be placed by a ``{glue:figure}`` directive with ``:name:`` and a caption. Gluing a matplotlib
``Figure`` itself is never done: under the Agg backend only its ``text/plain`` repr (``<Figure size ...>``)
would reach the page.
"""

from __future__ import annotations

from pathlib import Path

from mobility.core.style import LINESTYLES, PALETTE, SIZES, figure, save, style

__all__ = ["PALETTE", "LINESTYLES", "SIZES", "style", "figure", "save", "glue_figure", "image"]


def image(path: Path):
    """An IPython PNG image of the file at ``path`` (what a page displays or glues)."""
    from IPython.display import Image

    return Image(filename=str(path))


def glue_figure(name: str, fig, *, stem: str | None = None, directory: Path | None = None):
    """Save ``fig`` (``<stem>.png``/``.svg``, default stem: ``name``) and glue it as an image under ``name``.

    The figure is closed after saving. Returns the PNG path.
    """
    from myst_nb import glue

    png = save(fig, stem or name, directory=directory, close=True)
    glue(name, image(png), display=False)
    return png
