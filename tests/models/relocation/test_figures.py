"""The chapter's figures come from the library: each function returns a figure whose axes are labelled in words."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

from mobility.models import relocation as r
from mobility.models.relocation import figures


def _figures():
    p = r.Params()
    pts = r.phase_points(p)
    s, b = np.linspace(0.55, 0.95, 4), np.geomspace(1.2, 10.0, 4)
    share = r.north_dd_share_map(p.sigma, s, b, n=41)["share_gain"]
    tr = r.simulate_transition(p.replace(phi=0.5), T=5.0, dt=0.1, cells=40, snap_times=(1.0, 5.0))
    R, _ = r.grid_checks(p, "s_E", r.variant_grid(p, "s_E", 0.55, 0.9, 3), n=5)
    return {
        "adjustment_paths": figures.adjustment_paths(),
        "thresholds": figures.thresholds(p, 20),
        "relocation_gains": figures.relocation_gains(p, pts["xx"], 20),
        "firm_locations": figures.firm_locations(p, pts["xx"], 20),
        "weights_pivot": figures.weights_pivot(p, 0.2, 0.4, 20),
        "productivity_paths": figures.productivity_paths(p, 20),
        "integrand_pivot": figures.integrand_pivot(p, 0.1, 0.2, 20),
        "south_dd_scan": figures.south_dd_scan([2.0, 3.0], [4.0, 8.0], np.array([[0.1, 0.2], [0.3, 0.4]])),
        "north_dd_map": figures.north_dd_map(p.sigma, s, b, share, r.north_dd_switch_curve(p, s, n=41), p.beta),
        "transition_paths": figures.transition_paths(
            p, {"both": tr, "no relocation": tr}, hft_eq=r.hft(p, 0.5), frozen_a_r=0.4, entry_a_r=0.45, T=5.0, points=10
        ),
        "relocation_order": figures.relocation_order(tr),
        "grid_summary": figures.grid_summary(R, "s_E"),
    }


def test_every_figure_function_draws_labelled_axes():
    figs = _figures()
    assert set(figs) == set(figures.__all__)
    for name, fig in figs.items():
        axes = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
        bottom = [ax for ax in axes if ax.get_xlabel()]
        assert bottom, f"{name}: no x-axis label"
        for ax in axes:
            if ax.get_ylabel():
                assert len(ax.get_ylabel()) > 3, f"{name}: y label {ax.get_ylabel()!r} is a bare symbol"
        plt.close(fig)


@pytest.mark.parametrize("n", [0, 2.5])
def test_figures_validate_grid_sizes(n):
    with pytest.raises(r.RelocationParameterError, match="n "):
        figures.thresholds(r.Params(), n)
