"""Descriptive figures and Table A1 of Levelu, Mayda & Orefice (2023), drawn from a pair-year panel.

- Figure 2: total bilateral stock by type of pair (South-North, North-South, North-North, South-South), in millions;
- Figure 3: kernel densities of the log bilateral stock, pairs with vs without the treatment, one panel per wave;
- Figure 4: the same pooled over waves, for developed vs developing destinations.

The paper splits Figures 3-4 by *visa provision*; the real data kit has no visa coding, so on real data the split
is by RTA (``treat="rta"``) and the caption says so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mobility.core import style

__all__ = ["stock_by_income_pair", "figure2", "figure3", "figure4", "table_a1", "PAPER_TABLE_A1"]

#: Table A1 of the paper (mean, sd, N) for the variables the panel can hold.
PAPER_TABLE_A1 = {  # (mean, sd, min, max, N) as printed
    "stock_mill": (0.004, 0.071, 0, 12.169, 346150),
    "visa": (0.046, 0.211, 0, 1, 346150),
    "ln_dist": (8.800, 0.778, 2.349, 9.899, 300594),
    "gdp_diff": (8.971, 1.472, 0, 11.765, 213858),
    "colony": (0.007, 0.08, 0, 1, 300594),
    "comrelig": (0.176, 0.249, 0, 0.997, 265484),
    "comlang": (0.173, 0.379, 0, 1, 300594),
    "rta": (0.107, 0.309, 0, 1, 319478),
    "schengen": (0.006, 0.08, 0, 1, 346150),
}


def _north(panel: pd.DataFrame, side: str) -> pd.Series:
    col = {"o": "orig_north", "d": "dest_north"}[side]
    if col in panel.columns:
        return panel[col]
    if side == "d":
        raise KeyError("panel needs dest_north")
    # synthetic panels carry dest_north only: recover the origin's status from the destination rows
    m = panel.groupby("destination")["dest_north"].first()
    return panel["origin"].map(m)


def stock_by_income_pair(panel: pd.DataFrame) -> pd.DataFrame:
    """Total stock (millions) by year and pair type; pairs with an unknown income group are left out."""
    no, nd = _north(panel, "o"), _north(panel, "d")
    kind = np.select(
        [(no == 0) & (nd == 1), (no == 1) & (nd == 0), (no == 1) & (nd == 1), (no == 0) & (nd == 0)],
        ["South-North", "North-South", "North-North", "South-South"],
        default="",
    )
    df = panel.assign(kind=kind)
    df = df[df.kind != ""]
    return df.groupby(["year", "kind"])["stock"].sum().unstack() / 1e6


def figure2(panel: pd.DataFrame, label: str):
    """Figure 2: migration stock among country pairs with different income levels (one panel per pair type)."""
    tab = stock_by_income_pair(panel)
    fig, axes = style.figure("panel", 2, 2)
    for ax, kind in zip(axes.ravel(), ["South-North", "North-South", "North-North", "South-South"], strict=True):
        ax.plot(tab.index, tab[kind], marker="o")
        ax.set_title(f"{kind} migration (millions)")
    fig.suptitle(label)
    return fig, tab


def _name(treat: str) -> str:
    return {"rta": "RTA", "visa": "visa provision"}.get(treat, treat)


def _kde(x: np.ndarray, grid: np.ndarray) -> np.ndarray:
    from scipy.stats import gaussian_kde

    return gaussian_kde(x)(grid) if len(x) > 2 else np.zeros_like(grid)


def figure3(panel: pd.DataFrame, treat: str, label: str, max_points: int = 20000):
    """Figure 3: density of ln stock (positive stocks), with vs without ``treat``, by wave.

    At most ``max_points`` observations per curve enter the kernel estimate (an evenly spaced deterministic subsample
    of the sorted values, which leaves the density essentially unchanged).
    """
    df = panel[panel.stock > 0]
    years = sorted(df.year.unique())
    grid = np.linspace(0, 17, 200)
    fig, axes = style.figure("panel", 3, 3, sharex=True, sharey=True)
    for ax, y in zip(axes.ravel(), years, strict=False):  # 9 panels, 7 waves
        for val, name in ((1, f"with {_name(treat)}"), (0, f"without {_name(treat)}")):
            x = np.sort(np.log(df.loc[(df.year == y) & (df[treat] == val), "stock"].to_numpy()))
            if len(x) > max_points:
                x = x[np.linspace(0, len(x) - 1, max_points).astype(int)]
            ax.plot(grid, _kde(x, grid), label=name)
        ax.set_title(str(y))
    for ax in axes.ravel()[len(years) :]:
        ax.axis("off")
    axes.ravel()[0].legend()
    fig.supxlabel("Log of migration stock")
    fig.suptitle(label)
    return fig


def figure4(panel: pd.DataFrame, treat: str, label: str, max_points: int = 20000):
    """Figure 4: density of ln stock with vs without ``treat``: developed vs developing destinations (pooled)."""
    df = panel[(panel.stock > 0) & panel.dest_north.notna()]
    grid = np.linspace(0, 17, 200)
    fig, axes = style.figure("wide", 1, 2, sharey=True)
    panels = ((1, "Migration to developed countries"), (0, "Migration to developing countries"))
    for ax, (north, title) in zip(axes, panels, strict=True):
        for val, name in ((1, f"with {_name(treat)}"), (0, f"without {_name(treat)}")):
            x = np.sort(np.log(df.loc[(df.dest_north == north) & (df[treat] == val), "stock"].to_numpy()))
            if len(x) > max_points:
                x = x[np.linspace(0, len(x) - 1, max_points).astype(int)]
            ax.plot(grid, _kde(x, grid), label=name)
        ax.set_title(title)
        ax.set_xlabel("Log of migration stock")
    axes[0].legend()
    fig.suptitle(label)
    return fig


def table_a1(panel: pd.DataFrame) -> pd.DataFrame:
    """Summary statistics as in Table A1 (stock in millions), beside the paper's values."""
    rows = {}
    for var, (pm, ps, _pmin, _pmax, pn) in PAPER_TABLE_A1.items():
        if var == "stock_mill":
            x = panel["stock"] / 1e6
        elif var in panel.columns:
            x = panel[var]
        else:
            rows[var] = {
                "mean": np.nan,
                "sd": np.nan,
                "min": np.nan,
                "max": np.nan,
                "N": 0,
                "paper mean": pm,
                "paper sd": ps,
                "paper N": pn,
            }
            continue
        x = x.dropna()
        rows[var] = {
            "mean": x.mean(),
            "sd": x.std(),
            "min": x.min(),
            "max": x.max(),
            "N": len(x),
            "paper mean": pm,
            "paper sd": ps,
            "paper N": pn,
        }
    return pd.DataFrame(rows).T


def visa_pairs_from_panel(panel: pd.DataFrame) -> pd.DataFrame:
    """Unordered pairs with ``rta``/``visa`` (and ``visa_le`` if present) equal to 1, by wave of ``panel``:
    ``year, rta, visa[, visa_le]`` (the synthetic counterpart of :func:`~.data.visa_pairs_by_year`)."""
    cols = [c for c in ("rta", "visa", "visa_le") if c in panel.columns]
    p = panel[panel["origin"] < panel["destination"]]
    return p.groupby("year")[cols].sum().astype(int).reset_index()


def visa_pairs_figure(counts: pd.DataFrame, ax) -> None:
    """Draw the number of pairs with an agreement in force and with a visa provision (any, legally enforceable)
    over time on ``ax`` (``counts`` from :func:`~.data.visa_pairs_by_year` or :func:`visa_pairs_from_panel`)."""
    names = {
        "rta": "Any trade agreement in force",
        "visa": "…with a visa provision",
        "visa_le": "…with a legally enforceable visa provision",
    }
    for col, line in (("rta", "-"), ("visa", "--"), ("visa_le", ":")):
        if col in counts.columns:
            ax.plot(counts["year"], counts[col], line, label=names[col])
    ax.set_xlabel("Year")
    ax.set_ylabel("Country pairs (unordered)")
    ax.legend(loc="upper left")


#: Table A1's row labels, as the paper prints them.
A1_LABELS = {
    "stock_mill": "Migration stock (millions)",
    "visa": "Visa",
    "ln_dist": "Distance (ln)",
    "gdp_diff": "GDP per capita difference (ln)",
    "colony": "Colony",
    "comrelig": "Religion",
    "comlang": "Language",
    "rta": "RTA",
    "schengen": "Schengen",
}


def table_a1_display(a1: pd.DataFrame) -> pd.DataFrame:
    """:func:`table_a1` for a page: human labels, numbers as text (3 decimals, counts with thousands separators,
    "—" where the kit has no such variable), the paper's columns marked as such."""

    def num(v, fmt):
        return "—" if pd.isna(v) else format(v, fmt)

    rows = []
    for var, r in a1.iterrows():
        missing = r["N"] == 0
        rows.append(
            {
                "Variable": A1_LABELS.get(str(var), str(var)),
                "Mean": "—" if missing else num(r["mean"], ".3f"),
                "S.d.": "—" if missing else num(r["sd"], ".3f"),
                "Min": "—" if missing else num(r["min"], ".3f"),
                "Max": "—" if missing else num(r["max"], ".3f"),
                "N": "—" if missing else f"{int(r['N']):,}",
                "Paper: mean": num(r["paper mean"], ".3f"),
                "Paper: s.d.": num(r["paper sd"], ".3f"),
                "Paper: N": f"{int(r['paper N']):,}",
            }
        )
    return pd.DataFrame(rows)
