"""The relocation chapter's figures (Baldwin & Okubo), drawn in the book's style.

Each function computes what it shows from the model and returns the matplotlib figure; a page shows it with
``display.glue_figure("fig-relocation-<x>", fig)``. Axes are labelled in words with the paper's symbols in math.
"""

from __future__ import annotations

import numpy as np

from mobility.core.style import LINESTYLES, PALETTE, figure

from .numerics import sweep
from .params import Params, check_count
from .static import entry, frozen, hft, initial_gains, phi_partition, phi_sustain
from .welfare import production_weights, productivity_entry, productivity_frozen, productivity_hft

__all__ = [
    "adjustment_paths",
    "thresholds",
    "relocation_gains",
    "firm_locations",
    "weights_pivot",
    "productivity_paths",
    "integrand_pivot",
    "south_dd_scan",
    "north_dd_map",
    "transition_paths",
    "relocation_order",
    "grid_summary",
]

PHI = r"freeness of trade $\phi$"
COST = "marginal cost $a$"


def _vline(ax, x, label=None, ls=":"):
    ax.axvline(x, color="k", lw=0.8, ls=ls)
    if label:
        ax.annotate(label, (x, 1.0), xycoords=("data", "axes fraction"), ha="center", va="bottom")


def adjustment_paths():
    """Figure 1 of the paper: the two sequential adjustment paths and the general case between them."""
    fig, ax = figure("square")
    ax.annotate("", xy=(0.92, 0.0), xytext=(0.0, 0.0), arrowprops=dict(arrowstyle="->"))
    ax.annotate("", xy=(0.0, 0.92), xytext=(0.0, 0.0), arrowprops=dict(arrowstyle="->"))
    ax.plot([0, 0.8, 0.8], [0, 0, 0.8], lw=2.5, label="HFT: entry/exit first (Section 3.1)")
    ax.plot([0, 0, 0.8], [0, 0.8, 0.8], lw=2.5, label="NEG: relocation first (Section 3.2)")
    ax.plot([0, 0.8], [0, 0.8], lw=1.5, label="general case: both slow (Section 3.3)")
    ax.scatter([0, 0.8], [0, 0.8], s=120, facecolors="white", edgecolors="k", zorder=3)
    ax.text(0.8, -0.07, "instant", ha="center")
    ax.text(-0.07, 0.8, "instant", rotation=90, va="center")
    ax.set_xlabel("speed of entry and exit")
    ax.set_ylabel("speed of relocation")
    ax.set_xlim(-0.12, 1.0)
    ax.set_ylim(-0.12, 1.25)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    ax.legend(loc="upper left")
    return fig


def thresholds(p: Params, n: int = 400):
    """Cut-offs and relocation threshold against phi (top) and the North's shares (bottom), both stages."""
    n = check_count("n", n, 3, "number of plotting points")
    phis = np.linspace(0.0, 1.0, n + 1)[1:-1]
    ent = [entry(p, x) for x in phis]
    frz = [frozen(p, x) for x in phis]
    fig, (ax, bx) = figure("panel", 2, 1, sharex=True)
    ax.plot(phis, [e.a_D for e in ent], label="$a_D$, entry and exit")
    ax.plot(phis, [e.a_X for e in ent], label="$a_X$, entry and exit")
    ax.plot(phis, [e.a_R for e in ent], label="$a_R$, entry and exit")
    ax.plot(phis, [e.a_X for e in frz], label="$a_X$, frozen stock")
    ax.plot(phis, [e.a_R for e in frz], label="$a_R$, frozen stock")
    bx.plot(phis, [hft(p, x)["s_n"] for x in phis], label="firms owned, $s_n$, no relocation (eq. 9)")
    bx.plot(phis, [e.location for e in ent], label="production, relocation then entry")
    bx.plot(phis, [e.location for e in frz], label="production, frozen stock")
    bx.axhline(p.s_E, color="grey", lw=0.8)
    for axis in (ax, bx):
        _vline(axis, phi_partition(p))
        _vline(axis, phi_sustain(p), ls="--")
    _vline(ax, phi_partition(p), r"$\phi_P$")
    _vline(ax, phi_sustain(p), r"$\phi_S$", ls="--")
    ax.set_ylabel("threshold marginal cost $a$")
    ax.set_ylim(0, 1.05)
    ax.legend(loc="center right", ncols=2)
    bx.set_xlabel(PHI)
    bx.set_ylabel("North's share")
    bx.legend(loc="upper left")
    return fig


def relocation_gains(p: Params, phi: float, n: int = 400):
    """Figure 3: gains from moving North in the initial situation, Southern exporters (13) and D-types (14)."""
    n = check_count("n", n, 3, "number of plotting points")
    g = initial_gains(p, phi)
    a = np.linspace(0.25, 1.0, n)
    vx, vd = g.v_X(p, a, phi), g.v_D(p, a, phi)
    lo, hi = a <= g.a_X_south, a >= g.a_X_south
    fig, ax = figure()
    ax.plot(a[lo], vx[lo], label="$v_X[a]$, Southern exporters (eq. 13)")
    ax.plot(a[hi], vd[hi], label="$v_D[a]$, Southern D-types (eq. 14)")
    ax.plot(a[~lo], vx[~lo], color=PALETTE[0], lw=0.8, ls=":")
    ax.plot(a[~hi], vd[~hi], color=PALETTE[1], lw=0.8, ls=":")
    ax.axhline(0, color="grey", lw=0.8)
    _vline(ax, g.a_X_south, "$a_X^*$", ls="--")
    ax.set_xlabel(f"{COST} of a Southern firm")
    ax.set_ylabel("gain from moving North ($f = 1$)")
    ax.legend()
    return fig


def firm_locations(p: Params, phi: float, n: int = 400):
    """Figure 4: where firms of each efficiency produce, relocation then entry (North on top, South below)."""
    n = check_count("n", n, 3, "number of plotting points")
    e = entry(p, phi)
    a = np.linspace(1e-3, 1.0, n)
    dens = p.rho * a ** (p.rho - 1) / e.a_D**p.rho * e.n_w * (a <= e.a_D)
    nat, moved, south = p.s_E * dens, (1 - p.s_E) * dens * (a < e.a_R), (1 - p.s_E) * dens * (a >= e.a_R)
    fig, (ax, bx) = figure("panel", 2, 1, sharex=True, sharey=True)
    ax.fill_between(a, 0, nat, alpha=0.6, label="Northern-born firms")
    ax.fill_between(a, nat, nat + moved, alpha=0.6, label="relocated Southern firms")
    bx.fill_between(a, 0, south, alpha=0.6, color=PALETTE[2], label="Southern firms")
    for axis, title in ((ax, "North (big)"), (bx, "South (small)")):
        for x, lab in ((e.a_R, "$a_R$"), (e.a_X, "$a_X$"), (e.a_D, "$a_D$")):
            _vline(axis, x, lab if axis is ax else None)
        axis.set_ylabel("density of firms")
        axis.legend(loc="upper left", title=title)
    bx.set_xlabel(f"{COST} (exporters left of $a_X$)")
    return fig


def weights_pivot(p: Params, phi_pre: float, phi_post: float, n: int = 800):
    """Figure 2: the weights of eq. (11) before and after a liberalisation without relocation, and the
    invariant term a**(1-sigma+rho) they weight (right axis)."""
    n = check_count("n", n, 3, "number of plotting points")
    a = np.linspace(1e-3, 1.0, n)
    fig, ax = figure()
    for phi, lab in ((phi_pre, "before"), (phi_post, "after")):
        e = hft(p, phi)
        ax.step(a, production_weights(p, e, a)[0], where="post", label=f"weights {lab}, $\\phi = {phi:g}$")
        ax.axvline(e["a_X"], color="k", lw=0.6, ls=":")
    ax.set_xlabel(f"{COST} (dotted: $a_X$ before and after)")
    ax.set_ylabel("weight $W(a)$ in eq. (11)")
    ax.set_ylim(0, ax.get_ylim()[1] * 1.3)
    bx = ax.twinx()
    bx.plot(a, a ** (1 - p.sigma + p.rho), color="grey", lw=1.2, label=r"$a^{1-\sigma+\rho}$ (invariant)")
    bx.set_ylabel(r"invariant term $a^{1-\sigma+\rho}$")
    bx.grid(False)
    bx.spines["right"].set_visible(True)  # the book's style hides right spines; a right-hand axis needs its line
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = bx.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, loc="upper left")
    return fig


def productivity_paths(p: Params, n: int = 400):
    """Average unit input a-bar against phi up to phi_S, three equilibria, North (top) and South (bottom)."""
    n = check_count("n", n, 3, "number of plotting points")
    phis = np.linspace(0, phi_sustain(p), n + 1)[1:-1]
    curves = (
        (sweep(lambda z: productivity_hft(p, z), phis), "no relocation, eq. (10)"),
        (sweep(lambda z: productivity_entry(p, z), phis), "relocation then entry, eqs. (23)–(24)"),
        (sweep(lambda z: productivity_frozen(p, z), phis), "relocation, frozen stock"),
    )
    fig, axes = figure("panel", 2, 1, sharex=True)
    for axis, i, title in ((axes[0], 0, "North (big)"), (axes[1], 1, "South (small)")):
        for values, label in curves:
            axis.plot(phis, values[:, i], label=label)
        _vline(axis, phi_partition(p), r"$\phi_P$" if i == 0 else None)
        axis.set_ylabel(r"average $\bar a$")
        axis.set_title(title)
    axes[1].set_xlabel(f"{PHI} (dotted: $\\phi_P$)")
    axes[0].legend()
    return fig


def integrand_pivot(p: Params, phi_pre: float, phi_post: float, n: int = 800):
    """Figures 2 and 5 in one: production weights times a**(1-sigma+rho), before and after, relocation then
    entry, North (top) and South (bottom)."""
    n = check_count("n", n, 3, "number of plotting points")
    e0, e1 = entry(p, phi_pre), entry(p, phi_post)
    a = np.linspace(1e-3, 1.0, n)
    h = a ** (1 - p.sigma + p.rho)
    fig, axes = figure("panel", 2, 1, sharex=True, sharey=True)
    for axis, i, title in ((axes[0], 0, "North (big)"), (axes[1], 1, "South (small)")):
        axis.plot(a, production_weights(p, e0, a)[i] * h, label=f"before, $\\phi = {phi_pre:.3f}$")
        axis.plot(a, production_weights(p, e1, a)[i] * h, label=f"after, $\\phi = {phi_post:.3f}$")
        for x in (e1.a_R, e1.a_X):
            axis.axvline(x, color="k", lw=0.6, ls=":")
        axis.set_ylabel(r"integrand of $\bar a$")
        axis.set_title(title)
    axes[1].set_xlabel(f"{COST} (dotted: $a_R$ and $a_X$ after)")
    axes[0].legend()
    return fig


def south_dd_scan(sig_grid, rho_grid, scan):
    """The smallest slope of the South's a-bar over the DD phase for each (sigma, rho) with beta > 1."""
    fig, ax = figure()
    for j, rh in enumerate(rho_grid):
        ax.plot(sig_grid, scan[:, j], marker="o", ms=3, label=f"$\\rho = {rh:g}$")
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_yscale("symlog", linthresh=1e-3)
    ax.set_xlabel(r"elasticity of substitution $\sigma$")
    ax.set_ylabel("smallest slope of the South's\n" + r"$\bar a^*$ in $\phi$, DD phase")
    ax.legend(ncols=3)
    return fig


def north_dd_map(sigma: float, s_grid, beta_grid, share, curve: dict, beta: float):
    """Result 5(b): where freer trade raises the North's productivity in the DD phase.

    Top: the share of the DD phase on which d a-bar_N/d phi < 0, over (s_E, beta) at ``sigma`` (``share`` from
    :func:`~mobility.models.relocation.claims.north_dd_share_map`), with the contours 0 (fails throughout) and 1
    (holds throughout). Bottom: at the page's beta, the DD phase between phi_P and phi_S over s_E, split at the
    switch point (``curve`` from :func:`~mobility.models.relocation.claims.north_dd_switch_curve`)."""
    s_grid, beta_grid, share = np.asarray(s_grid), np.asarray(beta_grid), np.asarray(share)
    fig, (ax, bx) = figure("panel", 2, 1)
    mesh = ax.pcolormesh(s_grid, beta_grid, share, shading="nearest", cmap="cividis", vmin=0, vmax=1)
    cs = ax.contour(s_grid, beta_grid, share, levels=[0.001, 0.999], colors="white", linewidths=1.2)
    ax.clabel(cs, fmt={0.001: "0", 0.999: "1"})
    ax.axhline(beta, color="k", lw=0.8, ls="--")
    ax.set_yscale("log")
    ax.set_xlabel(r"North's expenditure share $s_E$")
    ax.set_ylabel(r"Pareto parameter $\beta = \rho/(\sigma-1)$")
    ax.set_title(f"share of the DD phase where the North gains ($\\sigma = {sigma:g}$)")
    fig.colorbar(mesh, ax=ax, label="share of the DD phase")
    s = np.asarray(curve["s_E"])
    bx.fill_between(
        s, curve["phi_p"], curve["switch"], alpha=0.6, color=PALETTE[2], label=r"North gains ($d\bar a/d\phi < 0$)"
    )
    bx.fill_between(
        s, curve["switch"], curve["phi_s"], alpha=0.6, color=PALETTE[3], label=r"North loses ($d\bar a/d\phi > 0$)"
    )
    bx.plot(s, curve["phi_p"], color="k", lw=0.8, label=r"$\phi_P$ and $\phi_S$")
    bx.plot(s, curve["phi_s"], color="k", lw=0.8)
    bx.set_xlabel(r"North's expenditure share $s_E$")
    bx.set_ylabel(PHI)
    bx.set_title(f"DD phase at $\\beta = {beta:g}$")
    bx.legend(loc="upper right")
    return fig


def transition_paths(
    p: Params, runs: dict, *, hft_eq: dict, frozen_a_r: float, entry_a_r: float, T: float, points: int = 1500
):
    """The simulated general case: shares, relocation threshold, world mass of firms and small-nation welfare
    against time, one panel each (stacked). ``runs`` maps a legend label to a
    :class:`~mobility.models.relocation.transition.Transition`; the first is the reference run with relocation, a
    run labelled with "no relocation" is drawn in the mass and welfare panels too."""
    check_count("points", points, 2, "number of plotted dates")
    first = next(iter(runs.values()))
    sl = np.unique(np.r_[0, np.geomspace(1, len(first.t) - 1, points).round().astype(int)])
    fig, axes = figure("panel", 4, 1, sharex=True)
    fig.set_size_inches(6.4, 10.0)
    for i, (label, tr) in enumerate(runs.items()):
        style = {"color": PALETTE[i], "ls": LINESTYLES[i], "label": label}
        axes[0].plot(tr.t[sl], tr.s_n[sl], **(style | {"label": f"$s_n$, {label}"}))
        if "no relocation" not in label:
            axes[1].plot(tr.t[sl], tr.a_R[sl], **style)
        if i == 0 or "no relocation" in label:
            axes[2].plot(tr.t[sl], tr.n_w[sl], **style)
            axes[3].plot(tr.t[sl], tr.welfare_south[sl], **style)
    axes[0].plot(first.t[sl], first.location[sl], color="k", lw=1.0, label="production share, " + next(iter(runs)))
    axes[0].axhline(p.s_E, color="grey", lw=0.8)
    axes[0].axhline(hft_eq["s_n"], color="k", lw=0.8, ls=":")
    axes[0].set_ylabel("North's share")
    axes[1].axhline(frozen_a_r, color="k", lw=0.8, ls=":")
    axes[1].axhline(entry_a_r, color="k", lw=0.8, ls="--")
    axes[1].set_ylabel("relocation\nthreshold $a_R$")
    axes[2].axhline(hft_eq["n_w"], color="k", lw=0.8, ls=":")
    axes[2].set_ylabel("world mass\nof firms $n^w$")
    axes[3].set_ylabel("small-nation welfare\n" + r"$\ln\Delta^*/(\sigma-1)$")
    for ax in axes:
        ax.set_xscale("symlog", linthresh=1.0)
        ax.set_xlim(0, T)
        ax.legend(fontsize=9)  # 9 pt: the phone layout (3.5 in in a ~340 px column) keeps it >= 9 pt
    axes[-1].set_xlabel("time since liberalisation $t$ (log scale past $t = 1$)")
    return fig


def relocation_order(tr):
    """Share of Southern-born firms of each efficiency located in the North, at the snapshot dates."""
    fig, ax = figure()
    for j, t in enumerate(tr.snap_times):
        row = tr.moved_share[j]
        ok = np.isfinite(row)
        ax.plot(tr.a_grid[ok], row[ok], label=f"$t = {t:g}$")
    ax.set_xlabel(f"{COST} of Southern-born firms")
    ax.set_ylabel("share located in the North")
    ax.legend()
    return fig


_LABELS = {
    "s_E": r"North's expenditure share $s_E$",
    "rho": r"Pareto shape $\rho$",
    "sigma": r"elasticity of substitution $\sigma$",
}


def grid_summary(R: np.ndarray, parameter: str):
    """The relocation-grid variant: thresholds (top) and the DD-phase productivity derivatives deciding Result 5
    (bottom) against ``parameter``; ``R`` has columns (value, beta, phi_P, phi_S, frozen phi_S, min B-B*,
    max d a-bar_N/d phi, min d a-bar_S/d phi)."""
    label = _LABELS[parameter]
    fig, (ax, bx) = figure("panel", 2, 1, sharex=True)
    ax.plot(R[:, 0], R[:, 2], label=r"$\phi_P = (1-s_E)/s_E$")
    ax.plot(R[:, 0], R[:, 3], label=r"$\phi_S$, relocation then entry")
    ax.plot(R[:, 0], R[:, 4], label=r"$\phi_S$, frozen stock (1 = never)")
    ax.set_ylabel(PHI)
    ax.legend()
    bx.plot(R[:, 0], R[:, 6], label=r"largest $d\bar a/d\phi$, North (paper: $< 0$)")
    bx.plot(R[:, 0], R[:, 7], label=r"smallest $d\bar a^*/d\phi$, South")
    bx.axhline(0, color="grey", lw=0.8)
    bx.set_xlabel(label)
    bx.set_ylabel("slope in the DD phase")
    bx.legend()
    return fig
