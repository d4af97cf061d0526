"""The figure style's checks: :func:`mobility.core.style.crowded_text` and the strict mode of ``save``."""

from __future__ import annotations

import pytest

from mobility.core import style


def _grid(ylabel: str, xlabel: str = "x"):
    fig, ax = style.figure("panel", 2, 2)
    for a in ax.flat:
        a.plot([0, 1], [0, 1])
        a.set(xlabel=xlabel, ylabel=ylabel, title="a panel")
    return fig


def test_a_label_longer_than_its_panel_is_reported():
    fig = _grid("real wage (Table 3's US low-skilled autarky = 1), a label far longer than the panel is tall")
    found = style.crowded_text(fig)
    assert any("y label" in f and ("cut at the figure's edge" in f or "overlaps" in f) for f in found), found


def test_a_tidy_figure_has_nothing_to_report():
    assert style.crowded_text(_grid("real wage", "moving cost")) == []


def test_ticks_outside_the_view_and_twin_axes_are_not_reported():
    fig, ax = style.figure("single")
    ax.plot([1990, 2023], [0, 5000])
    ax.set_xlim(1990, 2023)  # matplotlib keeps a 2030 tick label off the axis: not drawn, not text a reader sees
    ax.twinx().plot([1990, 2023], [0, 1])
    assert style.crowded_text(fig) == []


def test_strict_save_refuses_a_crowded_figure_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv(style.STRICT_ENV, "1")
    with pytest.raises(style.CrowdedFigureError, match="cannot read whole: .*y label"):
        style.save(_grid("a label " * 20), "crowded", directory=tmp_path)
    assert list(tmp_path.iterdir()) == []
    style.save(_grid("tidy"), "tidy", directory=tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tidy.png", "tidy.svg"]


def test_without_strict_mode_a_crowded_figure_is_still_saved(tmp_path, monkeypatch):
    monkeypatch.delenv(style.STRICT_ENV, raising=False)
    style.save(_grid("a label " * 20), "crowded", directory=tmp_path)
    assert (tmp_path / "crowded.png").is_file()
