"""Figures of the migration–MNC chapter (Wang 2014): drawn here, shown by the pages with
:func:`mobility.publish.display.glue_figure` and saved by the variant notebooks.

Each function takes plain numbers (the dicts of arrays that :mod:`~mobility.models.mnc.experiments` returns)
and returns a matplotlib figure in the book's style (:mod:`mobility.core.style`); nothing here solves a model.
Axes are labelled in words, with the paper's symbols in math text.
"""

from __future__ import annotations

from mobility.core import style

__all__ = [
    "PARAMETER_LABELS",
    "indeterminacy",
    "sensitivity",
    "moving_cost_wages",
    "moving_cost_firms",
    "quota_wages",
    "quota_gdp",
    "REAL_WAGE_LABEL",
    "CF_REAL_WAGE_LABEL",
    "CF_GDP_LABEL",
    "MOVING_COST_LABEL",
    "QUOTA_LABEL",
]

#: Axis labels of the parameters a sensitivity figure may vary (words, then the symbol).
PARAMETER_LABELS = {
    "gamma": r"elasticity between native and foreign high-skilled workers, $\gamma$",
    "Gamma": r"elasticity between native and foreign low-skilled workers, $\Gamma$",
    "rho": r"elasticity between skills, $\rho$",
    "sigma": r"elasticity between products, $\sigma$",
    "tau21": r"moving cost of US high-skilled workers in Canada, $\tau^{2,1}$",
    "tau12": r"moving cost of Canadian high-skilled workers in the USA, $\tau^{1,2}$",
    "t21": r"moving cost of US low-skilled workers in Canada, $t^{2,1}$",
    "t12": r"moving cost of Canadian low-skilled workers in the USA, $t^{1,2}$",
    "xi21": r"compatibility of Canadian firms with US high-skilled workers, $\xi_2^1$",
    "xi12": r"compatibility of US firms with Canadian high-skilled workers, $\xi_1^2$",
    "zeta21": r"compatibility of Canadian firms with US low-skilled workers, $\zeta_2^1$",
    "zeta12": r"compatibility of US firms with Canadian low-skilled workers, $\zeta_1^2$",
    "alpha": r"CES weight of high-skilled labour, $\alpha$",
}

REAL_WAGE_LABEL = "real wage (US low-skilled\nautarky = 1)"
#: counterfactual sweeps are in the units of the baseline's (Table 3's) US autarky, whatever the variant changes
CF_REAL_WAGE_LABEL = "real wage (Table 3's US\nlow-skilled autarky = 1)"
CF_GDP_LABEL = "real GDP per capita\n(Table 3's US autarky = 100)"
MOVING_COST_LABEL = "factor $c$ on the excess moving cost,\n" r"$\tau \to 1 + c(\tau - 1)$"
QUOTA_LABEL = r"quota share $\lambda$ (1 = no quota)"
_COUNTRY = {"usa": "USA", "canada": "Canada"}
_WORKERS = (("low", "usa"), ("low", "canada"), ("high", "usa"), ("high", "canada"))


#: characters per line of an axis label under one panel of a 2 x 2 figure (the figure is 7.5 in wide)
_PANEL_LINE = 42


def _parameter_label(name: str) -> str:
    """The parameter's axis label wrapped to a panel's width (:data:`_PANEL_LINE` characters a line)."""
    return style.wrap_label(PARAMETER_LABELS.get(name, name), _PANEL_LINE)


def indeterminacy(fam: dict, autarky_x, autarky_low_canada, paper: dict, anchors: dict, bilaterality_with_mnc: float):
    """The family of migration-only equilibria against the anchor X (four panels).

    ``fam``: :func:`~mobility.models.mnc.experiments.family`; ``autarky_x``, ``autarky_low_canada``: Canada's
    low-skilled autarky real wage along X; ``paper``: Table 5 as printed (``{row: value}`` for the columns
    ``"migration"`` and ``"autarky"``, keys ``"<column>.<row>"``); ``anchors``: the fitted anchors
    (``autarky``, ``migration``, ``migration_masses``)."""
    fig, ax = style.figure("panel", 2, 2)
    X, Xw, Xm, Xa = fam["anchor"], anchors["migration"], anchors["migration_masses"], anchors["autarky"]
    xlabel = "Canada's low-skilled nominal wage,\n" r"anchor $X = u^{2,2}$"
    a = ax[0, 0]
    a.plot(X, fam["real_wage_low_canada"], label="low-skilled, Canada")
    a.plot(X, fam["real_wage_low_usa"], label="low-skilled, USA")
    a.plot(autarky_x, autarky_low_canada, color="0.5", ls=":", label="low-skilled, Canada, autarky")
    a.plot(
        [Xw, Xw],
        [paper["migration.real_wage_low_canada"], paper["migration.real_wage_low_usa"]],
        "k*",
        ms=10,
        label="paper, migration only",
    )
    a.plot([Xa], [paper["autarky.real_wage_low_canada"]], "kD", ms=6, label="paper, autarky")
    a.set(xlabel=xlabel, ylabel=REAL_WAGE_LABEL, title="(a) real wages")
    b = ax[0, 1]
    b.semilogy(X, fam["migrants_high_usa_to_canada"], label="USA to Canada")
    b.semilogy(X, fam["migrants_high_canada_to_usa"], label="Canada to USA")
    b.semilogy(
        [Xm, Xm],
        [paper["migration.migrants_high_usa_to_canada"], paper["migration.migrants_high_canada_to_usa"]],
        "k*",
        ms=10,
        label="paper",
    )
    b.set(xlabel=xlabel, ylabel="workers (model units, log scale)", title="(b) high-skilled migrant stocks")
    c = ax[1, 0]
    c.plot(X, fam["bilaterality_high"], label="high-skilled")
    c.plot(X, fam["bilaterality_low"], label="low-skilled")
    c.plot(
        [Xm, Xm],
        [paper["migration.bilaterality_high"], paper["migration.bilaterality_low"]],
        "k*",
        ms=10,
        label="paper",
    )
    c.axhline(bilaterality_with_mnc, color="0.5", ls=":", label="high-skilled, with MNCs")
    c.set(xlabel=xlabel, ylabel="bilaterality index, eq. (1)", title="(c) bilaterality")
    d = ax[1, 1]
    d.plot(X, fam["mass_local_usa"], label="USA")
    d.plot(X, fam["mass_local_canada"], label="Canada")
    d.plot(
        [Xm, Xm], [paper["migration.mass_local_usa"], paper["migration.mass_local_canada"]], "k*", ms=10, label="paper"
    )
    d.set(xlabel=xlabel, ylabel="mass of establishments", title="(d) masses of firms")
    for a in ax.flat:
        a.axvline(Xw, color="0.8", lw=0.8)
        a.axvline(Xm, color="0.8", lw=0.8)
        a.set_xlim(6.0, 12.5)
        a.legend()
    return fig


def sensitivity(out: dict, parameter: str, benchmark: float):
    """Figures 4–7: migrant stocks, bilaterality and who employs the migrants along one parameter."""
    x = out["x"]
    fig, ax = style.figure("panel", 2, 2)
    panels = [
        (
            "(a) high-skilled migrant stocks",
            "workers (model units)",
            [("migrants_high_usa_to_canada", "USA to Canada"), ("migrants_high_canada_to_usa", "Canada to USA")],
        ),
        (
            "(b) low-skilled migrant stocks",
            "workers (model units)",
            [("migrants_low_usa_to_canada", "USA to Canada"), ("migrants_low_canada_to_usa", "Canada to USA")],
        ),
        (
            "(c) bilaterality",
            "bilaterality index, eq. (1)",
            [("bilaterality_high", "high-skilled"), ("bilaterality_low", "low-skilled")],
        ),
        (
            "(d) migrants employed by\nhome-country affiliates",
            "share of the migrants",
            [
                ("home_firm_share_high_usa", "high-skilled Canadians in the USA"),
                ("home_firm_share_high_canada", "high-skilled Americans in Canada"),
                ("home_firm_share_low_usa", "low-skilled Canadians in the USA"),
                ("home_firm_share_low_canada", "low-skilled Americans in Canada"),
            ],
        ),
    ]
    for a, (title, ylabel, lines) in zip(ax.flat, panels, strict=True):
        for key, label in lines:
            a.plot(x, out[key], label=label)
        a.axvline(benchmark, color="0.5", lw=1.0, ls=":", label="benchmark")
        a.set(title=title, xlabel=_parameter_label(parameter), ylabel=ylabel)
        a.legend()
    return fig


def moving_cost_wages(out: dict):
    """Figures 8, 10a, 11a: real wages of the four native worker types against the moving-cost factor c."""
    x = out["x"]
    fig, ax = style.figure("panel", 2, 2)
    for a, (skill, country) in zip(ax.flat, _WORKERS, strict=True):
        a.plot(x, out[f"real_wage_{skill}_{country}"])
        a.axvline(1.0, color="0.5", lw=1.0, ls=":")
        a.set(
            title=f"{skill}-skilled workers of {_COUNTRY[country]}", xlabel=MOVING_COST_LABEL, ylabel=CF_REAL_WAGE_LABEL
        )
    return fig


def moving_cost_firms(out: dict):
    """Figures 9, 10b, 11b: masses of establishments, productivity and real GDP per capita against c."""
    x = out["x"]
    fig, ax = style.figure("panel", 2, 2)
    panels = [
        (
            "(a) local establishments",
            "mass of establishments",
            [("mass_local_usa", "USA"), ("mass_local_canada", "Canada")],
        ),
        (
            "(b) foreign affiliates",
            "mass of affiliates",
            [("mass_foreign_usa", "in the USA"), ("mass_foreign_canada", "in Canada")],
        ),
        (
            "(c) aggregate productivity",
            r"average productivity $\tilde\varphi$",
            [("productivity_usa", "USA"), ("productivity_canada", "Canada")],
        ),
        ("(d) real GDP per capita", CF_GDP_LABEL, [("gdp_per_capita_usa", "USA"), ("gdp_per_capita_canada", "Canada")]),
    ]
    for a, (title, ylabel, lines) in zip(ax.flat, panels, strict=True):
        for key, label in lines:
            a.plot(x, out[key], label=label)
        a.axvline(1.0, color="0.5", lw=1.0, ls=":")
        a.set(title=title, xlabel=MOVING_COST_LABEL, ylabel=ylabel)
        a.legend()
    return fig


def quota_wages(out: dict):
    """Figures 12–14: real wages of natives at home (solid) and of migrants (dashed) against the quota share."""
    x = out["x"]
    fig, ax = style.figure("panel", 2, 2)
    for a, (skill, country) in zip(ax.flat, _WORKERS, strict=True):
        abroad = "canada" if country == "usa" else "usa"
        a.plot(
            x, out[f"real_wage_{skill}_{country}"], "-", color=style.PALETTE[0], label=f"at home in {_COUNTRY[country]}"
        )
        a.plot(
            x,
            out[f"real_wage_{skill}_{abroad}_born_in_{country}"],
            "--",
            color=style.PALETTE[1],
            label=f"migrants in {_COUNTRY[abroad]}",
        )
        a.set(
            title=f"{skill}-skilled workers born in {_COUNTRY[country]}", xlabel=QUOTA_LABEL, ylabel=CF_REAL_WAGE_LABEL
        )
        a.legend()
    return fig


def quota_gdp(runs: dict):
    """Figure 15 (and the GDP panels of 12–14): real GDP per capita against the quota share, one row per
    skill group in ``runs`` (``{"all"|"high"|"low": sweep}``)."""
    groups = list(runs)
    fig, ax = style.figure("panel" if len(groups) > 1 else "wide", len(groups), 2, squeeze=False)
    for row, g in enumerate(groups):
        for col, country in enumerate(("usa", "canada")):
            a = ax[row, col]
            a.plot(runs[g]["x"], runs[g][f"gdp_per_capita_{country}"])
            a.set(title=f"quotas on {g} migrants: {_COUNTRY[country]}", xlabel=QUOTA_LABEL)
    fig.supylabel(CF_GDP_LABEL)  # one label for the figure: every panel's y is the same GDP
    return fig
