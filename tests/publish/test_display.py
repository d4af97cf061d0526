"""mobility.publish.display: the one number format, the one table style, figures readable at the column they are
shown in (and a phone layout for multi-panel figures), deterministic files."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from mobility.publish import display


@pytest.mark.parametrize(
    "value, kwargs, text",
    [
        (4.71e-4, {}, "4.71 × 10⁻⁴"),  # no e-notation in prose
        (-4.7e-16, {"digits": 3}, "−4.7 × 10⁻¹⁶"),  # a tiny non-zero number keeps its size
        (-0.0000001, {"digits": 3}, "−1.0 × 10⁻⁷"),
        (-0.0, {"digits": 5}, "0.00000"),  # never "-0.00000"
        (True, {}, "yes"),
        (False, {"words": ("holds", "fails")}, "fails"),
        (None, {}, "—"),
        (float("nan"), {}, "—"),
        (pd.NA, {}, "—"),
        (199514, {}, "199,514"),  # counts with thousands separators
        (199514.0, {}, "199,514"),  # "Observations 199514.000" no more
        (2019, {"grouping": False}, "2019"),
        (0.2342, {}, "0.234"),
        (-0.123, {"digits": 3}, "−0.123"),  # a true minus sign
        (1.37604, {"printed": "1.3760", "extra": 1}, "1.37604"),
        (0.19, {"printed": "0.190"}, "0.190"),  # the published precision, trailing zero kept
        (0.1234, {"digits": 2, "signed": True}, "+0.12"),
        (0.0523, {"digits": 1, "percent": True}, "5.2%"),
        ("holds", {}, "holds"),
        (math.inf, {}, "∞"),
    ],
)
def test_number(value, kwargs, text):
    assert display.number(value, **kwargs) == text


def test_decimals_of_a_printed_number():
    assert [display.decimals(x) for x in ("0.0065", "1.0", "12", "1e-9", 0.19, "0.190")] == [4, 1, 0, 9, 2, 3]


def test_table_has_no_index_and_human_labels():
    frame = pd.DataFrame(
        {
            "ln_dist": [-0.91234, 0.1],
            "ok": [True, False],
            "nobs": [199514, 12],
            "year": [2019, 2020],
            "se": [float("nan"), 0.0123],
        }
    )
    tbl = display.table(frame, labels={"ln_dist": "Log distance", "nobs": "Observations"})
    html = tbl._repr_html_()
    assert tbl.header == ["Log distance", "Ok", "Observations", "Year", "Se"]
    assert tbl.rows[0] == ["−0.912", "yes", "199,514", "2019", "—"]
    assert "<th" in html and 'class="mobility-table"' in html and ">0<" not in html  # no index column
    assert display.table(frame.set_index("year")).header[0] == "Year"  # a named index is a labelled column
    assert "$" not in display.table(pd.DataFrame({"$\\tau$": [1.0]}))._repr_html_()  # math is typeset


def test_figures_read_at_the_column_they_are_shown_in():
    fig, ax = display.figure()
    ax.plot([0, 1], [0, 1], label="a line")
    ax.set_xlabel("trade freeness $\\phi$")
    ax.legend()
    for column in display.COLUMN_PX.values():
        shown = display.rendered_text_pt(fig, column)
        assert shown >= display.MIN_TEXT_PT or display.phone_layout(fig) is not None, (column, shown)
    display.plt.close(fig)


def test_multi_panel_figure_gets_a_phone_layout(tmp_path):
    fig, axes = display.figure("panel", 2, 2)
    for i, ax in enumerate(axes.flat):
        ax.plot([0, 1], [0, i], label=f"series {i}")
        ax.set_xlabel("x (units)")
        ax.legend()
    assert display.rendered_text_pt(fig, display.COLUMN_PX["phone"]) < display.MIN_TEXT_PT
    phone = display.phone_layout(fig)
    assert phone is not None and phone[:8] == b"\x89PNG\r\n\x1a\n"
    glued = display.Figure(display._png(fig), phone, fig.get_figwidth(), display.min_text_pt(fig))
    html = glued._repr_html_()
    assert "<picture" in html and 'media="(max-width: 640px)"' in html and display.ALT_PLACEHOLDER in html
    # the desktop rendering is unchanged by the phone layout (restored afterwards), so files stay byte-identical
    a = display.save(fig, "one", directory=tmp_path)
    display.phone_layout(fig)
    b = display.save(fig, "two", directory=tmp_path)
    assert a.read_bytes() == b.read_bytes()
    display.plt.close(fig)


def test_one_digits_for_a_table_leaves_counts_alone():
    tbl = display.table(pd.DataFrame({"estimate": [0.12345], "switchers": [1234]}), digits=3)
    assert tbl.rows == [["0.123", "1,234"]]


def _phone_strict(monkeypatch):
    from mobility.core import style

    monkeypatch.setenv(style.STRICT_ENV, "1")  # phone_layout then refuses a layout with a cut or overlapping text


def test_phone_layout_keeps_a_twin_axis_on_its_panel(monkeypatch):
    """A right-hand axis (``twinx``) shares its host's cell: the phone layout stacks one panel, not two (it used to
    stack the twin as a second row, leaving the plot squashed under an empty half)."""
    _phone_strict(monkeypatch)
    fig, ax = display.figure("wide")
    ax.plot([0, 1], [0, 3.5], label="weights")
    ax.set(xlabel="marginal cost a (dotted: before and after)", ylabel="weight W(a) in eq. (11)")
    bx = ax.twinx()
    bx.plot([0, 1], [0, 1], color="grey")
    bx.set_ylabel("invariant term")
    assert len(display._panels(fig)) == 1
    assert display.phone_layout(fig) is not None
    display.plt.close(fig)


def test_phone_layout_wraps_long_labels_and_moves_a_wide_legend_below(tmp_path, monkeypatch):
    """Labels longer than a phone's column are wrapped (math kept whole) and a legend in columns goes below the
    panels in one column; the desktop figure is unchanged afterwards."""
    _phone_strict(monkeypatch)
    fig, ax = display.figure("single")
    for k in range(6):
        ax.plot([0, 1], [k, k + 1], label=f"a long series name, number {k}")
    ax.set_xlabel(r"elasticity of trade with respect to the migrant stock, $\varepsilon_{ij}$")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2)
    a = display.save(fig, "before", directory=tmp_path)
    phone = display.phone_layout(fig)  # strict: raises if anything of it is cut or overlaps another panel
    assert phone is not None
    assert ax.get_legend() is not None and not fig.legends and "\n" not in ax.get_xlabel()
    b = display.save(fig, "after", directory=tmp_path)
    assert a.read_bytes() == b.read_bytes()
    assert display.wrap_label(r"time since liberalisation $t$ (log scale past $t = 1$)", 30) == (
        "time since liberalisation $t$\n(log scale past $t = 1$)"
    )
    display.plt.close(fig)
