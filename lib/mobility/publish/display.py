"""How model output is shown in a page: the one figure, number and table style of the book.

**Figures.** A figure is drawn with :func:`figure` (the book's style, :mod:`mobility.core.style`), then
:func:`glue_figure` saves it deterministically (PNG for the HTML, SVG as vector) and glues a real image under its
label, to be placed by a ``{glue:figure}`` directive with ``:name:`` and a caption. Gluing a matplotlib ``Figure``
itself is never done: under the Agg backend only its ``text/plain`` repr (``<Figure size ...>``) would reach the
page. The glued image is a ``<picture>``: the figure as drawn, and, when its smallest text would fall below
:data:`MIN_TEXT_PT` on a phone, the same panels re-laid in one narrow column for screens up to 640 px. Its alt
text is the figure's caption (filled in when Sphinx resolves the page, :func:`alt_from_caption`).

**Numbers.** :func:`number` is the one formatter: published precision (``printed=``), no ``e`` notation
(``4.7 × 10⁻⁴``), words for booleans, ``—`` for missing, thousands separators, a true minus sign.
:func:`record` records a number (``results.record``) and glues the reader's text of it, so prose writes
``{glue:text}`key``` with no format spec.

**Tables.** :func:`table` turns a DataFrame into the one table style (no index column, human labels, every cell
through :func:`number`); :func:`glue_table` glues it for a ``{glue:figure}`` with a ``tbl-`` name.
"""

from __future__ import annotations

import base64
import html as _html
import io
import math
import numbers
import os
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

import matplotlib.pyplot as plt

from mobility.core.style import (
    LINESTYLES,
    PALETTE,
    SIZES,
    STRICT_ENV,
    CrowdedFigureError,
    crowded_text,
    figure,
    save,
    style,
    wrap_label,
)
from mobility.publish import results

__all__ = [
    "PALETTE",
    "LINESTYLES",
    "SIZES",
    "style",
    "figure",
    "save",
    "glue_figure",
    "image",
    "Figure",
    "number",
    "decimals",
    "record",
    "table",
    "glue_table",
    "Table",
    "MISSING",
    "MIN_TEXT_PT",
    "alt_from_caption",
    "rendered_text_pt",
]

# ----------------------------------------------------------------------------------------------------------------
# Numbers: the one formatter for prose, tables and the scorecard
# ----------------------------------------------------------------------------------------------------------------

#: What a missing value looks like everywhere (an em dash).
MISSING = "\u2014"
#: The typographic minus sign (U+2212), as in the papers.
MINUS = "\u2212"
_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
#: Words for booleans unless the caller names its own (``words=("holds", "fails")``).
YES_NO = ("yes", "no")


def _is_missing(value) -> bool:
    if value is None:
        return True
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return True
    except ImportError:  # pragma: no cover - pandas is pinned
        pass
    return isinstance(value, numbers.Real) and not isinstance(value, numbers.Integral) and math.isnan(value)


def decimals(printed) -> int:
    """Decimal places of a number as printed: ``"0.0065"`` → 4, ``"1.0"`` → 1, ``"12"`` → 0, ``"1e-9"`` → 9.

    A float is read through its shortest repr (``0.19`` → 2); use the printed string where trailing zeros matter
    (``"0.190"`` → 3)."""
    if printed is None or isinstance(printed, bool):
        return 0
    text = repr(float(printed)) if isinstance(printed, float) else str(printed)
    try:
        exponent = Decimal(text.strip().replace(",", "")).as_tuple().exponent
    except InvalidOperation:
        return 0
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _group(digits: str) -> str:
    """Thousands separators for the integer part of a plain decimal string (no sign)."""
    whole, dot, frac = digits.partition(".")
    return f"{int(whole):,}" + dot + frac


def _times_ten(value: float, significant: int) -> str:
    """``4.7 × 10⁻⁴``: a tiny (or huge) number with a proper power of ten, never ``4.7e-04``."""
    mantissa, exponent = f"{abs(value):.{max(significant, 1) - 1}e}".split("e")
    sign = MINUS if value < 0 else ""
    return f"{sign}{mantissa} × 10{str(int(exponent)).translate(_SUPERSCRIPT)}"


def number(
    value,
    digits: int | None = None,
    *,
    printed=None,
    extra: int = 0,
    significant: int = 3,
    signed: bool = False,
    percent: bool = False,
    words: tuple[str, str] = YES_NO,
    grouping: bool = True,
) -> str:
    """A value as a reader should see it; the one number formatter of the book.

    - missing (``None``, NaN, ``pd.NA``) → ``—``; booleans → words (``yes``/``no`` or ``words``); strings as given;
    - integers → thousands separators (``199,514``; ``grouping=False`` for years and codes);
    - floats → ``digits`` decimal places; with ``printed`` (the published number, a string keeps its trailing
      zeros) the published precision plus ``extra`` digits; otherwise ``significant`` significant figures
      (at least 0 decimals, thousands separated: ``199,514``);
    - a non-zero number that would round to zero at that precision is written with a power of ten
      (``4.7 × 10⁻⁴``), never in ``e`` notation; a number that rounds to zero is ``0.000``, never ``-0.000``;
    - the minus sign is U+2212; ``signed`` puts ``+`` on positive numbers (differences); ``percent`` multiplies by
      100 and appends ``%``.
    """
    if _is_missing(value):
        return MISSING
    if hasattr(value, "item") and getattr(value, "shape", None) == ():  # numpy scalar
        value = value.item()
    if isinstance(value, bool):
        return words[0] if value else words[1]
    if isinstance(value, str):
        return value
    if not isinstance(value, numbers.Real):
        return str(value)
    suffix = ""
    if percent:
        value, suffix = float(value) * 100, "%"
    if isinstance(value, numbers.Integral) and digits is None and printed is None:
        text = f"{abs(int(value)):,}" if grouping else str(abs(int(value)))
        sign = MINUS if value < 0 else ("+" if signed and value > 0 else "")
        return sign + text + suffix
    value = float(value)
    if not math.isfinite(value):
        return "∞" if value > 0 else f"{MINUS}∞" if value < 0 else MISSING
    if printed is not None:
        digits = decimals(printed) + extra
    if digits is None:
        if value == 0:
            digits = 0
        else:
            magnitude = math.floor(math.log10(abs(value)))
            if magnitude <= -4:  # 0.0000123: three significant figures would need a power of ten anyway
                return _times_ten(value, significant) + suffix
            digits = max(0, significant - 1 - magnitude)
    digits = max(0, int(digits))
    text = f"{abs(value):.{digits}f}"
    if value != 0 and float(text) == 0:  # would print as 0.000: show its size instead
        return _times_ten(value, 2) + suffix
    if float(text) == 0:
        return ("0" if digits == 0 else "0." + "0" * digits) + suffix
    if grouping:
        text = _group(text)
    sign = MINUS if value < 0 else ("+" if signed else "")
    return sign + text + suffix


# ----------------------------------------------------------------------------------------------------------------
# Tables: the one table style (CSS class ``mobility-table`` in book/_static/mobility.css)
# ----------------------------------------------------------------------------------------------------------------

_MATH = re.compile(r"(?<!\\)\$([^$]+?)(?<!\\)\$")
_YEARLIKE = re.compile(r"(year|wave|code|id)$", re.I)


def inline(text: str) -> str:
    """HTML for a label or a cell: escaped, with ``$...$`` as MathJax inline math and ``*x*`` as emphasis."""
    parts = []
    last = 0
    for m in _MATH.finditer(text):
        parts.append(_html.escape(text[last : m.start()]))
        parts.append(f'<span class="math notranslate nohighlight">\\({_html.escape(m.group(1))}\\)</span>')
        last = m.end()
    parts.append(_html.escape(text[last:]))
    return "".join(parts)


def label(name) -> str:
    """A human label for a column called ``name`` when the page gives none: ``gdp_diff`` → ``Gdp diff``."""
    text = str(name).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def _column_digits(series) -> int:
    """One number of decimals for a float column: three significant figures of its typical (median) size."""
    values = [abs(float(v)) for v in series if not _is_missing(v) and float(v) != 0 and math.isfinite(float(v))]
    if not values:
        return 0
    values.sort()
    typical = values[len(values) // 2]
    return int(min(6, max(0, 2 - math.floor(math.log10(typical)))))


class Table:
    """A table as the reader sees it: HTML in the book's one table style (``_repr_html_``), plain text elsewhere.

    Made by :func:`table`; show it as a cell's last expression or glue it (:func:`glue_table`)."""

    def __init__(
        self, header: list[str], rows: list[list[str]], numeric: list[bool], caption: str = "", classes: str = ""
    ):
        self.header, self.rows, self.numeric, self.caption, self.classes = header, rows, numeric, caption, classes

    def _repr_html_(self) -> str:
        cls = " ".join(["mobility-table", *self.classes.split()])
        out = [f'<div class="{cls}"><table>']
        if self.caption:
            out.append(f"<caption>{inline(self.caption)}</caption>")
        num = ' class="num"'
        out.append(
            "<thead><tr>"
            + "".join(
                f'<th scope="col"{num if n else ""}>{inline(h)}</th>'
                for h, n in zip(self.header, self.numeric, strict=True)
            )
            + "</tr></thead><tbody>"
        )
        for row in self.rows:
            out.append(
                "<tr>"
                + "".join(f"<td{num if n else ''}>{inline(c)}</td>" for c, n in zip(row, self.numeric, strict=True))
                + "</tr>"
            )
        out.append("</tbody></table></div>")
        return "".join(out)

    def to_markdown(self) -> str:
        def esc(c):
            return c.replace("|", "\\|")

        lines = [
            "| " + " | ".join(map(esc, self.header)) + " |",
            "|" + "".join("---:|" if n else "---|" for n in self.numeric),
        ]
        lines += ["| " + " | ".join(map(esc, r)) + " |" for r in self.rows]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.to_markdown()


def table(
    frame,
    *,
    labels: dict | None = None,
    digits: int | dict | None = None,
    printed: dict | None = None,
    formats: dict | None = None,
    index: bool | None = None,
    caption: str = "",
    words: tuple = YES_NO,
    classes: str = "",
) -> Table:
    """A pandas DataFrame in the book's table style: human column labels, no index column, one number format.

    - ``labels``: ``{column: "Label"}`` (``$...$`` is typeset); other columns get :func:`label` of their name;
    - ``digits``: decimals for every float column, or ``{column: decimals}``; ``printed``: ``{column: published
      text}`` to match a published precision; ``formats``: ``{column: callable}`` for anything else;
    - ``index``: a plain integer index (0, 1, 2, ...) is never shown; a named index, or one of labels, becomes the
      first column (``index=False`` drops it, ``index=True`` keeps it);
    - cells go through :func:`number`: ``—`` for missing, words for booleans, thousands separators, no ``e``
      notation. Columns named like ``year``/``wave`` are not thousands-separated.
    """
    import pandas as pd

    frame = pd.DataFrame(frame)
    named = any(n is not None for n in frame.index.names)
    show_index = index if index is not None else (named or not pd.api.types.is_integer_dtype(frame.index))
    if show_index:
        frame = frame.reset_index()
        if not named:
            frame = frame.rename(columns={frame.columns[0]: ""})
    labels, formats, printed = dict(labels or {}), dict(formats or {}), dict(printed or {})
    header, numeric, columns = [], [], []
    for col in frame.columns:
        header.append(labels.get(col, label(col)))
        series = frame[col]
        is_num = pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
        numeric.append(bool(is_num))
        if col in formats:
            cells = [formats[col](v) for v in series]
        else:
            d = digits.get(col) if isinstance(digits, dict) else digits
            if not isinstance(digits, dict) and not pd.api.types.is_float_dtype(series):
                d = None  # one ``digits`` for the table never turns counts into 1,234.000
            if d is None and col not in printed and pd.api.types.is_float_dtype(series):
                d = _column_digits(series)
            grouping = not _YEARLIKE.search(str(col))
            cells = [number(v, d, printed=printed.get(col), words=words, grouping=grouping) for v in series]
        columns.append(cells)
    rows = [list(r) for r in zip(*columns, strict=True)] if columns else []
    return Table(header, rows, numeric, caption=caption, classes=classes)


# ----------------------------------------------------------------------------------------------------------------
# Figures: the one way to show a figure
# ----------------------------------------------------------------------------------------------------------------

#: The column a figure is shown in, in CSS px: the book theme's text column on a 1366 px screen, and a 390 px
#: phone's column. Text must be at least :data:`MIN_TEXT_PT` at the width the figure is shown.
COLUMN_PX = {"desktop": 740, "phone": 340}
#: Smallest text size a reader gets, in points at the rendered width (12 CSS px).
MIN_TEXT_PT = 9.0
#: Width of a panel in the phone layout, inches (text at 9 pt stays >= 9 pt at COLUMN_PX["phone"]).
PHONE_WIDTH_IN = 3.5
#: Placeholder for the alt text, replaced by the caption when Sphinx resolves the page (:func:`alt_from_caption`).
ALT_PLACEHOLDER = "mobility-figure-alt"


def _font_sizes_pt(fig) -> list[float]:
    """The size in points of every visible, non-empty text of ``fig`` (tick labels, labels, legends, titles)."""
    from matplotlib.text import Text

    out = []
    for t in fig.findobj(Text):
        if t.get_visible() and t.get_text().strip() and t.figure is not None:
            out.append(float(t.get_fontsize()))
    return out


def min_text_pt(fig) -> float:
    """The smallest font size (points) among the figure's visible texts."""
    sizes = _font_sizes_pt(fig)
    return min(sizes) if sizes else MIN_TEXT_PT


def rendered_text_pt(fig, column_px: float) -> float:
    """The smallest text of ``fig`` in points as a reader sees it when the figure is shown ``column_px`` wide
    (never enlarged beyond its natural size)."""
    width_in = fig.get_figwidth()
    dpi = plt.rcParams["savefig.dpi"]
    natural_px = width_in * (float(dpi) if dpi != "figure" else fig.get_dpi())
    shown_px = min(column_px, natural_px)
    return min_text_pt(fig) * shown_px / (width_in * 96.0)  # points on screen: 1 pt = 1/72 in, 96 CSS px per in


def _panels(fig) -> list[list]:
    """The figure's panels in grid order, each the axes in one cell: a twin axis (``twinx``) moves with its host."""
    panels: dict = {}
    for ax in fig.axes:
        spec = ax.get_subplotspec() if getattr(ax, "_colorbar", None) is None and ax.get_visible() else None
        if spec is not None:
            key = (
                id(spec.get_gridspec()),
                spec.rowspan.start,
                spec.rowspan.stop,
                spec.colspan.start,
                spec.colspan.stop,
            )
            panels.setdefault(key, []).append(ax)
    return list(panels.values())


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


def _put_legend_back(ax, old, new) -> None:
    new.remove()
    ax.legend_ = old


def _phone_texts(fig, panels: list, panel_h_in: float, undo: list) -> float:
    """Wrap the figure's titles, axis labels and legend entries to a phone's column (and a y label to a panel's
    height), a legend in columns moved below the panels in one; appends to ``undo`` the calls that put each change
    back as it is made (so a failure part-way is undone too); returns the inches of height the moved legends need."""
    col_pt, high_pt = PHONE_WIDTH_IN * 72 - 48, panel_h_in * 72 - 24
    texts = []
    for panel in panels:
        for ax in panel:
            texts += [(ax.title, col_pt), (ax.xaxis.label, col_pt), (ax.yaxis.label, high_pt)]
            legend = ax.get_legend()
            if legend is not None:
                texts += [(t, col_pt - 36) for t in legend.get_texts()]
    for legend in fig.legends:
        texts += [(t, col_pt - 36) for t in legend.get_texts()]
    texts += [(t, col_pt) for t in fig.texts]
    extra = 0.0  # inches the figure grows by for the legends moved below it
    for panel in panels:  # a legend in columns goes below the panels in one column: a phone has no room for two
        for ax in panel:
            old = ax.get_legend()
            handles, labels = ax.get_legend_handles_labels()
            if old is None or old._ncols < 2 or len(labels) != len(old.get_texts()):
                continue
            new = fig.legend(handles, labels, loc="outside lower center", ncols=1, prop=old.prop, frameon=False)
            ax.legend_ = None
            texts += [(t, col_pt - 36) for t in new.get_texts()]
            undo.append(lambda ax=ax, old=old, new=new: _put_legend_back(ax, old, new))
            extra += len(labels) * old.prop.get_size_in_points() * 1.7 / 72 + 0.1
    for t, room in texts:
        original = t.get_text()
        if original:
            undo.append(lambda t=t, original=original: t.set_text(original))
            t.set_text(wrap_label(original, max(12, int(room / (0.58 * t.get_fontsize())))))
    return extra


def phone_layout(fig) -> bytes | None:
    """The figure re-laid for a phone: panels stacked in one column, :data:`PHONE_WIDTH_IN` wide; PNG bytes.

    ``None`` when the figure already reads on a phone (its smallest text is at least :data:`MIN_TEXT_PT` at the
    phone's column) or cannot be re-laid (panels not on a grid). The figure is restored afterwards."""
    if rendered_text_pt(fig, COLUMN_PX["phone"]) >= MIN_TEXT_PT:
        return None
    panels = _panels(fig)
    if not panels:
        return None
    axes = [ax for panel in panels for ax in panel]
    saved_specs = [ax.get_subplotspec() for ax in axes]
    saved_size = fig.get_size_inches().copy()
    saved_texts: list = []
    try:
        gs = fig.add_gridspec(len(panels), 1)
        for i, panel in enumerate(panels):
            for ax in panel:
                ax.set_subplotspec(gs[i, 0])
        panel_h = min(2.8, saved_size[1] / max(1, saved_specs[0].get_gridspec().nrows) + 0.4)
        extra = _phone_texts(fig, panels, panel_h, saved_texts)  # long labels and legends fitted to the column
        fig.set_size_inches(PHONE_WIDTH_IN, panel_h * len(panels) + 0.6 + extra, forward=False)
        for _ in range(3):  # taller, never wider, until what the layout placed outside the canvas is on it
            fig.canvas.draw()
            tight = fig.get_tightbbox(fig.canvas.get_renderer())
            height = fig.get_size_inches()[1]
            over = max(0.0, -tight.y0) + max(0.0, tight.y1 - height)
            if over < 0.02:
                break
            fig.set_size_inches(PHONE_WIDTH_IN, height + over + 0.1, forward=False)
        png = _png(fig)
        crowded = crowded_text(fig) if os.environ.get(STRICT_ENV) == "1" else []  # strict: the phone's too
    except Exception:  # noqa: BLE001 - a figure that cannot be re-laid keeps its one layout
        return None
    finally:
        for ax, spec in zip(axes, saved_specs, strict=True):
            ax.set_subplotspec(spec)
        for put_back in reversed(saved_texts):
            put_back()
        fig.set_size_inches(saved_size, forward=False)
    if crowded:
        raise CrowdedFigureError(
            f"the phone layout of a figure has text a reader cannot read whole: {'; '.join(crowded[:3])}"
        )
    return png


class Figure:
    """A saved figure as a page shows it: a ``<picture>`` (the desktop PNG, and a phone layout when the figure
    needs one) for HTML, the PNG for anything else. Made by :func:`glue_figure`."""

    def __init__(self, png: bytes, phone: bytes | None, width_in: float, text_pt: float):
        self.png, self.phone, self.width_in, self.text_pt = png, phone, width_in, text_pt

    def _repr_png_(self):
        return self.png

    def _repr_html_(self):
        src = "data:image/png;base64," + base64.b64encode(self.png).decode()
        img = (
            f'<img src="{src}" alt="{ALT_PLACEHOLDER}" class="mobility-figure" '
            f'data-width-in="{self.width_in:.3f}" data-text-pt="{self.text_pt:.2f}">'
        )
        if self.phone is None:
            return img
        phone = "data:image/png;base64," + base64.b64encode(self.phone).decode()
        return (
            f'<picture class="mobility-figure"><source media="(max-width: 640px)" srcset="{phone}" '
            f'data-width-in="{PHONE_WIDTH_IN:.3f}">{img}</picture>'
        )

    def __repr__(self):
        return f"<mobility figure: PNG {len(self.png)} bytes>"


def image(path: Path):
    """An IPython PNG image of the file at ``path`` (what a page displays or glues)."""
    from IPython.display import Image

    return Image(filename=str(path))


def glue_figure(name: str, fig, *, stem: str | None = None, directory: Path | None = None) -> None:
    """Save ``fig`` (``<stem>.png``/``.svg``, default stem: ``name``) and glue it as an image under ``name``.

    The glued object is a :class:`Figure`: a ``<picture>`` in HTML (the figure as drawn, plus a one-column phone
    layout when the figure needs one), the PNG elsewhere. The figure is closed after saving. Returns None, so that a
    cell ending with it shows the figure where the page places it and nothing else (its files: :func:`save`'s paths).
    """
    from myst_nb import glue

    phone = phone_layout(fig)
    text_pt = min_text_pt(fig)
    width_in = float(fig.get_figwidth())
    png = save(fig, stem or name, directory=directory, close=True)
    glue(name, Figure(png.read_bytes(), phone, width_in, text_pt), display=False)


def record(key: str, value, digits: int | None = None, **fmt):
    """Record ``value`` under ``key`` (``results.record``: the exact number goes to the results file) and glue the
    reader's text of it (:func:`number` with ``digits`` and ``fmt``), so the prose writes ``{glue:text}`key```
    without a format spec. Returns the recorded value."""
    return results.record(key, value, text=number(value, digits, **fmt))


def glue_table(name: str, frame, **kwargs) -> Table:
    """Glue :func:`table` of ``frame`` under ``name`` (show it with ``{glue:figure}`` and a ``tbl-`` name)."""
    from myst_nb import glue

    tbl = frame if isinstance(frame, Table) else table(frame, **kwargs)
    glue(name, tbl, display=False)
    return tbl


def alt_from_caption(app, doctree, docname) -> None:
    """Sphinx ``doctree-resolved`` hook: every figure's image gets its caption as alt text (when it has none)."""
    from docutils import nodes

    for fig in doctree.findall(nodes.figure):
        caption = next(iter(fig.findall(nodes.caption)), None)
        alt = re.sub(r"\s+", " ", caption.astext()).strip() if caption is not None else ""
        for img in fig.findall(nodes.image):
            if not img.get("alt") and alt:
                img["alt"] = alt
        for raw in list(fig.findall(nodes.raw)):
            if ALT_PLACEHOLDER in raw.astext():
                text = raw.astext().replace(ALT_PLACEHOLDER, _html.escape(alt or "figure", quote=True))
                raw.replace_self(nodes.raw("", text, format=raw.get("format", "html")))
