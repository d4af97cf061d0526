"""One figure style for the whole book, and deterministic figure files (machinery: no knowledge of pages).

Models draw their figures with :func:`figure` (the ``figures`` module of each model package); pages show them
with :func:`mobility.publish.display.glue_figure`, which saves them with :func:`save`.

- Agg backend (no display needed), fixed sizes and fonts;
- the Okabe–Ito colour-blind-safe palette;
- a transparent-free white figure background with dark text, so figures stay legible when the HTML theme is
  switched to dark mode (the figure is shown as a light card rather than dark text on a dark page);
- :func:`save` writes PNG (for the HTML) and SVG (vector) with no timestamps or version strings in the
  metadata, so the same figure gives the same bytes;
- :func:`crowded_text` lists the texts a reader cannot read whole (cut at the figure's edge, or overlapping another
  panel); with ``MOBILITY_STRICT_FIGURES=1`` in the environment (the test suite's quick build sets it) :func:`save`
  refuses such a figure with :class:`CrowdedFigureError`, so every figure of the book is checked on every test run,
  while a reader's own variant is never refused for its looks.
"""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from cycler import cycler  # noqa: E402

from mobility.core import paths  # noqa: E402
from mobility.core.errors import InputError  # noqa: E402
from mobility.core.io import write_bytes_atomic  # noqa: E402

__all__ = [
    "PALETTE",
    "SIZES",
    "style",
    "figure",
    "save",
    "LINESTYLES",
    "crowded_text",
    "CrowdedFigureError",
    "STRICT_ENV",
    "wrap_label",
]

#: the environment variable that makes :func:`save` refuse a figure with :func:`crowded_text`
STRICT_ENV = "MOBILITY_STRICT_FIGURES"

#: Okabe & Ito (2008) colour-blind-safe palette (black omitted: it is the text colour).
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
#: Line styles paired with the palette, so curves stay distinguishable in greyscale too.
LINESTYLES = ["-", "--", "-.", ":", (0, (5, 1, 1, 1)), (0, (3, 1)), (0, (1, 1)), "-"]
#: Figure sizes in inches (width, height).
#: At most 7.5 in wide: the book's text column is about 740 px at 1366 px, so 9 pt text stays >= 9 pt as shown
#: (mobility.publish.display checks it; phones get a one-column layout of the panels).
SIZES = {"single": (6.4, 4.0), "wide": (7.5, 3.6), "square": (5.0, 5.0), "panel": (7.5, 6.0)}

_RC = {
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "savefig.transparent": False,
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "lines.linewidth": 1.8,
    "text.color": "#222222",
    "axes.labelcolor": "#222222",
    "xtick.color": "#222222",
    "ytick.color": "#222222",
    "svg.hashsalt": "mobility",  # deterministic SVG element ids
    "svg.fonttype": "path",
    "pdf.fonttype": 42,
    "path.simplify": False,
}


def style() -> None:
    """Apply the book's style to matplotlib (idempotent)."""
    plt.rcParams.update(_RC)
    plt.rcParams["axes.prop_cycle"] = cycler(color=PALETTE) + cycler(linestyle=LINESTYLES)


def figure(size: str = "single", nrows: int = 1, ncols: int = 1, **kwargs):
    """A new ``(fig, axes)`` in the book's style; ``size`` is a key of :data:`SIZES`."""
    if size not in SIZES:
        raise ValueError(f"figure size {size!r} unknown; use one of {sorted(SIZES)}")
    style()
    fig, axes = plt.subplots(nrows, ncols, figsize=SIZES[size], layout="constrained", **kwargs)
    return fig, axes


def wrap_label(text: str, chars: int) -> str:
    """``text`` on lines of at most ``chars`` characters (a longer word alone on its line), broken at spaces
    outside ``$...$``: math stays whole. Existing line breaks are kept."""
    import re

    out = []
    for line in text.split("\n"):
        lines: list[str] = []
        for word in re.findall(r"(?:\$[^$]*\$|[^\s$])+", line):
            if lines and len(lines[-1]) + 1 + len(word) <= chars:
                lines[-1] += " " + word
            else:
                lines.append(word)
        out += lines or [line]
    return "\n".join(out)


class CrowdedFigureError(InputError):
    """A figure whose text a reader cannot read whole (:func:`crowded_text`), refused in strict mode."""


def crowded_text(fig, tol_px: float = 1.0) -> list[str]:
    """The texts of ``fig`` a reader cannot read whole, as laid out now (one line each; empty when none): a title,
    axis label, tick label within the axis' view or legend that reaches beyond the figure's edge, or that overlaps
    another panel's plot area or texts. Twin axes (the same place) count as one panel."""
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    width, height = fig.bbox.width, fig.bbox.height
    items = []  # (panel, description, bbox); description None: the panel's plot area
    places: dict = {}
    for k, ax in enumerate(fig.axes):
        if not ax.get_visible():
            continue
        k = places.setdefault(tuple(round(v, 3) for v in ax.get_position().bounds), k)
        name = ax.get_title() or f"panel {k + 1}"
        texts = [("title", ax.title), ("x label", ax.xaxis.label), ("y label", ax.yaxis.label)]
        for axis, what in ((ax.xaxis, "x tick label"), (ax.yaxis, "y tick label")):
            lo, hi = sorted(axis.get_view_interval())
            slack = (hi - lo) * 1e-9
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                if lo - slack <= tick.get_loc() <= hi + slack:
                    texts += [(what, label) for label in (tick.label1, tick.label2)]
        for what, t in texts:
            if t.get_visible() and t.get_text():
                items.append((k, f"{what} {t.get_text()!r} of {name!r}", t.get_window_extent(r)))
        legend = ax.get_legend()
        if legend is not None and legend.get_visible():
            items.append((k, f"the legend of {name!r}", legend.get_window_extent(r)))
        items.append((k, None, ax.get_window_extent(r)))
    items += [(-1, f"figure text {t.get_text()!r}", t.get_window_extent(r)) for t in fig.texts if t.get_text()]
    items += [(-1, "the figure's legend", leg.get_window_extent(r)) for leg in fig.legends]
    out = [
        f"{what} is cut at the figure's edge"
        for _, what, b in items
        if what is not None and (b.x0 < -tol_px or b.y0 < -tol_px or b.x1 > width + tol_px or b.y1 > height + tol_px)
    ]
    for i, (pa, wa, ba) in enumerate(items):
        for pb, wb, bb in items[i + 1 :]:
            if pa == pb or (wa is None and wb is None):
                continue
            if min(ba.x1, bb.x1) - max(ba.x0, bb.x0) > tol_px and min(ba.y1, bb.y1) - max(ba.y0, bb.y0) > tol_px:
                out.append(
                    f"{wa or f'the plot area of panel {pa + 1}'} overlaps {wb or f'the plot area of panel {pb + 1}'}"
                )
    return out


def save(fig, stem: str, directory: Path | None = None, close: bool = False) -> Path:
    """Save ``fig`` as ``<stem>.png`` and ``<stem>.svg`` under the figures directory; return the PNG path.

    The figure's layout (constrained) is computed once, for the PNG; the SVG reuses it (positions within 0.1 pt of
    laying it out again at the SVG's 72 dpi). Metadata that would change between runs (dates, software versions)
    is removed. With ``close=True`` the figure is closed after saving (otherwise it is left open so a notebook cell
    can still display it). In strict mode (:data:`STRICT_ENV` = ``1``) a figure with :func:`crowded_text` is
    refused with :class:`CrowdedFigureError` after its layout, before anything is written.
    """
    import io

    if not stem or "/" in stem or stem.startswith("."):
        raise ValueError(f"figure stem {stem!r} must be a plain file name without extension")
    directory = Path(directory or paths.figures_dir())
    engine = fig.get_layout_engine()
    if os.environ.get(STRICT_ENV) == "1":
        crowded = crowded_text(fig)  # after the layout engine has run, as the PNG will be laid out
        if crowded:
            raise CrowdedFigureError(
                f"figure {stem!r} has text a reader cannot read whole: {'; '.join(crowded[:3])}"
                + (f" (and {len(crowded) - 3} more)" if len(crowded) > 3 else "")
                + "; shorten or wrap those labels, or give the figure more room"
            )
    try:
        for ext, meta in (("png", {"Software": None}), ("svg", {"Date": None, "Creator": None})):
            buf = io.BytesIO()
            fig.savefig(buf, format=ext, metadata=meta)
            write_bytes_atomic(directory / f"{stem}.{ext}", buf.getvalue())
            if engine is not None:  # the SVG keeps the layout the PNG computed (laid out once: 0.3 s a figure)
                fig.set_layout_engine("none")
    finally:
        if engine is not None:
            fig.set_layout_engine(engine)
    if close:
        plt.close(fig)
    return directory / f"{stem}.png"


style()
