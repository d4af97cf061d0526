"""The review chapter's figures: the review's Figure 3 (conditioning factors), works by year, and the forest of
the firm-level estimates the review states (section 3.4). Each draws on axes given by the caller."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from mobility.models.review.catalogue import Study
from mobility.models.review.pooling import firm_estimates

# --------------------------------------------------------------------------------------------------- figures
#: The review's Figure 3 ("Factors that could influence the relationship between migration and
#: internationalization"), transcribed. The extraction flattens the figure: the two migrant-side bullet lists are
#: printed before their headings; we read the first list (labour immigration, refugee immigration, emigration,
#: duration) as "Type of migration" and the second (education, occupation, skills) as "Migrants'
#: characteristics". Spelling slips of the extraction ("Skils", "charachteristics", "Expertience") are corrected.
FIGURE3 = {
    "Type of migration": ("Labour immigration", "Refugee immigration", "Emigration", "Duration"),
    "Migrants' characteristics": ("Education", "Occupation", "Skills"),
    "Country characteristics": (
        "Level of development",
        "Institutional quality",
        "Distance (e.g. geographic, cultural)",
        "Size",
    ),
    "Industry and firm characteristics": ("Manufactures", "Services", "Size", "Experience"),
}
FIGURE3_OUTCOME = "Probability and/or intensity\nof internationalization"


def plot_factors(ax, factors: dict | None = None) -> None:
    """Draw the review's Figure 3 on ``ax``: four groups of conditioning factors pointing at the outcome."""
    from mobility.core import style

    factors = FIGURE3 if factors is None else factors
    if len(factors) != 4:
        raise ValueError(f"factors: the diagram has four boxes; got {len(factors)}")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_axis_off()
    centre = (0.5, 0.5)
    ax.text(
        *centre,
        FIGURE3_OUTCOME,
        ha="center",
        va="center",
        fontsize=10,
        fontweight="bold",
        bbox=dict(boxstyle="round,pad=0.6", fc="#f2f2f2", ec="#222222", lw=1.2),
    )
    spots = [(0.2, 0.76), (0.8, 0.76), (0.2, 0.2), (0.8, 0.2)]
    for (title, items), (x, y), colour in zip(factors.items(), spots, style.PALETTE, strict=False):
        box = ax.text(
            x,
            y,
            "\n".join("• " + item for item in items),
            ha="center",
            va="center",
            fontsize=9,
            linespacing=1.4,
            multialignment="left",
            bbox=dict(boxstyle="round,pad=0.6", fc="white", ec=colour, lw=1.6),
        )
        box.set_zorder(2)
        ax.annotate(
            title,
            xy=(0.5, 1.0),
            xycoords=box,
            xytext=(0, 9),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=10,
            fontweight="bold",
            color=colour,
        )
        ax.annotate(
            "",
            xy=(centre[0] + (x - centre[0]) * 0.3, centre[1] + (y - centre[1]) * 0.3),
            xytext=(centre[0] + (x - centre[0]) * 0.55, centre[1] + (y - centre[1]) * 0.55),
            arrowprops=dict(arrowstyle="-|>", color=colour, lw=2, mutation_scale=16),
        )


#: Stacking order and labels of :func:`plot_studies_by_year`.
YEAR_GROUPS = ("macro", "sub-national", "firm", "evidence, level not stated", "theory, method and other")


def year_groups(studies: list[Study]) -> pd.DataFrame:
    """Catalogued works by publication year (rows) and :data:`YEAR_GROUPS` (columns): evidence by level, then
    everything else the review cites."""

    def group(s: Study) -> str:
        if "evidence" in s.role:
            return s.level or YEAR_GROUPS[3]
        return YEAR_GROUPS[4]

    frame = pd.DataFrame({"year": [s.year for s in studies], "group": [group(s) for s in studies]})
    years = range(min(frame["year"]), max(frame["year"]) + 1)
    out = pd.crosstab(frame["year"], frame["group"]).reindex(index=years, columns=list(YEAR_GROUPS), fill_value=0)
    return out.astype("int64")


def plot_studies_by_year(ax, studies: list[Study]) -> None:
    """Stacked bars: works the review cites, by year of publication, coloured by level of analysis."""
    from mobility.core import style

    counts_ = year_groups(studies)
    bottom = np.zeros(len(counts_))
    colours = style.PALETTE[:3] + ["#999999", "#dddddd"]
    for name, colour in zip(YEAR_GROUPS, colours, strict=True):
        ax.bar(
            counts_.index,
            counts_[name].to_numpy(),
            bottom=bottom,
            color=colour,
            width=0.85,
            label=name,
            edgecolor="white",
            linewidth=0.3,
        )
        bottom += counts_[name].to_numpy()
    ax.set_xlabel("year of publication")
    ax.set_ylabel("works cited by the review")
    ax.legend(loc="upper left")
    ax.grid(axis="x", visible=False)


def plot_forest(axes, studies: list[Study]) -> list[str]:
    """Forest plot of the firm-level estimates the review states, one panel per unit (``axes``: one per unit,
    in the order returned). Points only: the review gives no standard errors, so there are no intervals.
    Returns the units, in panel order."""
    from mobility.core import style

    est = firm_estimates(studies)
    units = list(dict.fromkeys(est["unit"]))
    if len(axes) != len(units):
        raise ValueError(f"axes: need {len(units)} panels (one per unit {units}); got {len(axes)}")
    outcomes = list(dict.fromkeys(est["outcome"]))
    for ax, unit in zip(axes, units, strict=True):
        sub = est[est["unit"] == unit].reset_index(drop=True)
        y = np.arange(len(sub))[::-1]
        hi = float(sub["estimate"].max())
        left = min(0.0, float(sub["estimate"].min())) - 0.05 * hi
        for yi, (_, row) in zip(y, sub.iterrows(), strict=True):
            colour = style.PALETTE[outcomes.index(row["outcome"]) % len(style.PALETTE)]
            upper = "up to" in row["measures"]
            ax.plot(row["estimate"], yi, marker="<" if upper else "D", color=colour, ms=7, ls="none")
            ax.annotate(
                f"{row['estimate']:g}" + (" (upper bound)" if upper else ""),
                (row["estimate"], yi),
                xytext=(6, 0),
                textcoords="offset points",
                va="center",
                fontsize=9,
            )
            # the study above its point, not as a tick label: the panel keeps its width on a phone
            ax.text(left, yi + 0.22, f"{row['label']}: {row['outcome']}", fontsize=9, va="bottom", ha="left")
        ax.set_yticks([])
        ax.spines["left"].set_visible(False)
        ax.set_title(unit, fontsize=9, loc="left")
        ax.axvline(0, color="#222222", lw=0.8)
        ax.set_xlim(left, hi * 1.45)
        ax.xaxis.set_major_locator(MaxNLocator(5))
        ax.set_ylim(-0.5, len(sub) - 0.05)
        ax.grid(axis="y", visible=False)
    return units
