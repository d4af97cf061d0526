"""The claims of Wang (2014) §5.1.2–5.2.3 as computable checks on our solution.

Each function takes the output of :mod:`~mobility.models.mnc.experiments` (or the parameters, where the
check needs its own equilibria) and returns ``{claim: value}``: a verdict in words ("holds" / "does not
hold", see :func:`~mobility.models.mnc.experiments.verdict`), a shape in words
(:func:`~mobility.models.mnc.experiments.describe`) or a number. Pages record them with
``results.record_all``; the wording of each claim is on the page.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq

from .experiments import describe, shape, verdict
from .params import Params
from .solver import solve

__all__ = ["table5", "fig4", "fig5_6", "fig7", "moving_costs", "quotas", "WAGES"]

#: the real wages of the four native worker types
WAGES = ("real_wage_low_usa", "real_wage_high_usa", "real_wage_low_canada", "real_wage_high_canada")


def _rises_as_cost_falls(y) -> bool:  # sampled in increasing c: a fall in c is a move to the left
    return shape(y) == "decreasing"


def _falls_as_cost_falls(y) -> bool:
    return shape(y) == "increasing"


def table5(T: dict) -> dict:
    """§5.2.1 and the introduction on Table 5; ``T`` is :func:`~mobility.models.mnc.experiments.table5`."""
    A, Mg, Mm, Mn, B = (T[c] for c in ("autarky", "migration", "migration_masses", "mnc", "migration_mnc"))
    return {
        "fdi_raises_wages": verdict(all(Mn[k] > A[k] for k in WAGES)),
        "migration_adds_to_mnc_gains": verdict(all(B[k] > Mn[k] for k in WAGES)),
        "us_loses_migration_only": verdict(
            Mg["real_wage_low_usa"] < A["real_wage_low_usa"] and Mg["real_wage_high_usa"] < A["real_wage_high_usa"]
        ),
        "cutoffs_unchanged_migration_only": verdict(Mg["cutoff_local_usa"] == A["cutoff_local_usa"]),
        "bilaterality_higher_with_mnc": verdict(
            B["bilaterality_high"] > 10 * Mm["bilaterality_high"] and B["bilaterality_low"] > 5 * Mm["bilaterality_low"]
        ),
        "canada_productivity_falls": verdict(B["productivity_canada"] < Mn["productivity_canada"]),
        "canada_gdp_wages_rise": verdict(
            all(B[k] > Mn[k] for k in ("gdp_per_capita_canada", "real_wage_low_canada", "real_wage_high_canada"))
        ),
        "more_firms_both": verdict(all(B[k] > Mn[k] for k in ("mass_local_usa", "mass_local_canada"))),
        "high_skilled_gain_more": verdict(
            all(
                B[f"real_wage_high_{c}"] / A[f"real_wage_high_{c}"] > B[f"real_wage_low_{c}"] / A[f"real_wage_low_{c}"]
                for c in ("usa", "canada")
            )
        ),
        "us_net_receiver_with_mnc": verdict(
            B["migrants_high_canada_to_usa"] > B["migrants_high_usa_to_canada"]
            and B["migrants_low_canada_to_usa"] > B["migrants_low_usa_to_canada"]
        ),
    }


def fig4(g: dict) -> dict:
    """Figure 4, a sweep of γ (:func:`~mobility.models.mnc.experiments.sensitivity`)."""
    return {
        "stocks_fall": verdict(
            all(shape(g[k]) == "decreasing" for k in ("migrants_high_usa_to_canada", "migrants_high_canada_to_usa"))
        ),
        "bilaterality_u": verdict(shape(g["bilaterality_high"]) == "u"),
        "low_skilled_moves": verdict(shape(g["migrants_low_canada_to_usa"]) != "flat"),
    }


def fig5_6(t21: dict, t12: dict, params: Params | None = None, step: float = 1e-3) -> dict:
    """Figures 5–6: sweeps of τ^{2,1} (``t21``) and of τ^{1,2} from the benchmark up (``t12``), plus
    one-sided derivatives at the benchmark and the τ^{1,2} at which high-skilled migration is balanced."""
    params = params or Params()
    base = solve(params)
    b0 = base.summary()
    up21 = solve(params.replace(tau21=params.tau21 + step), guess=base).summary()
    up12 = solve(params.replace(tau12=params.tau12 + step), guess=base).summary()
    bil = t12["bilaterality_high"]
    peak = int(np.argmax(bil))

    def gap(v):  # log of Canada→USA over USA→Canada high-skilled stocks at tau12 = v
        s = solve(params.replace(tau12=v), guess=base).summary()
        return np.log(s["migrants_high_canada_to_usa"] / s["migrants_high_usa_to_canada"])

    lo, hi = t12["x"][max(peak - 1, 0)], t12["x"][min(peak + 1, len(bil) - 1)]
    return {
        "fig5.stock_falls": verdict(shape(t21["migrants_high_usa_to_canada"]) == "decreasing"),
        "fig5.bilaterality_falls_at_benchmark": verdict(up21["bilaterality_high"] < b0["bilaterality_high"]),
        "fig5.low_skilled_moves": verdict(shape(t21["migrants_low_usa_to_canada"]) != "flat"),
        "fig6.bilaterality_rises_at_benchmark": verdict(up12["bilaterality_high"] > b0["bilaterality_high"]),
        "fig6.rises_then_falls": verdict(
            0 < peak < len(bil) - 1 and shape(bil[: peak + 1]) == "increasing" and shape(bil[peak:]) == "decreasing"
        ),
        "fig6.peak_tau12": float(brentq(gap, lo, hi, xtol=1e-10)),
    }


def fig7(s: dict) -> dict:
    """Figure 7, a sweep of one compatibility: how much the high-skilled stocks move (% of their mean) and
    whether the share of migrants working for their home country's firms rises in both countries."""
    spread = max(np.ptp(s[k]) / np.mean(s[k]) for k in ("migrants_high_usa_to_canada", "migrants_high_canada_to_usa"))
    return {
        "stock_spread_pct": 100 * float(spread),
        "home_shares_rise": verdict(
            all(shape(s[k]) == "increasing" for k in ("home_firm_share_high_usa", "home_firm_share_high_canada"))
        ),
    }


def moving_costs(mc: dict) -> dict:
    """Figures 8–11 (§5.2.2); ``mc`` maps "all", "high", "low" to
    :func:`~mobility.models.mnc.experiments.moving_cost_cut` sweeps in increasing c ending at the benchmark c = 1."""
    a, h, low = mc["all"], mc["high"], mc["low"]
    rises, falls = _rises_as_cost_falls, _falls_as_cost_falls
    return {
        "fig8.wages_rise_except_low_canada": verdict(all(rises(a[k]) for k in WAGES if k != "real_wage_low_canada")),
        "fig8.low_canada_shape": describe(a["real_wage_low_canada"]),
        "fig8.low_gain_less": verdict(
            all(
                a[f"real_wage_high_{c}"][0] / a[f"real_wage_high_{c}"][-1]
                > a[f"real_wage_low_{c}"][0] / a[f"real_wage_low_{c}"][-1]
                for c in ("usa", "canada")
            )
        ),
        "fig9.gdp_rises": verdict(all(rises(a[k]) for k in ("gdp_per_capita_usa", "gdp_per_capita_canada"))),
        "fig9.masses_rise": verdict(
            all(rises(a[k]) for k in ("mass_local_usa", "mass_local_canada", "mass_foreign_usa", "mass_foreign_canada"))
        ),
        "fig9.productivity_us_up_canada_down": verdict(
            rises(a["productivity_usa"]) and falls(a["productivity_canada"])
        ),
        "fig10.canada_gdp_falls": verdict(falls(h["gdp_per_capita_canada"])),
        "fig10.low_canada_loses_others_gain": verdict(
            falls(h["real_wage_low_canada"]) and all(rises(h[k]) for k in WAGES if k != "real_wage_low_canada")
        ),
        "fig11.all_gain": verdict(all(rises(low[k]) for k in WAGES)),
        "fig11.high_canada_shape": describe(low["real_wage_high_canada"]),
        "fig11.gdp_rises": verdict(all(rises(low[k]) for k in ("gdp_per_capita_usa", "gdp_per_capita_canada"))),
    }


def quotas(qs: dict) -> dict:
    """Figures 12–15 (§5.2.3); ``qs`` maps "all", "high", "low" to
    :func:`~mobility.models.mnc.experiments.quota_sweep` sweeps in increasing λ ending at λ = 1 (no quota)."""

    def tight(y):  # increasing in λ: falls as the quotas tighten
        return shape(y) == "increasing"

    a, h, low = qs["all"], qs["high"], qs["low"]
    migrants = [
        f"real_wage_{s}_{abroad}_born_in_{home}"
        for s in ("low", "high")
        for home, abroad in (("usa", "canada"), ("canada", "usa"))
    ]
    return {
        "fig12.natives_lose": verdict(all(tight(a[k]) for k in WAGES)),
        "fig12.migrants_gain": verdict(all(shape(a[k]) == "decreasing" for k in migrants)),
        "fig13.low_canada_gains": verdict(shape(h["real_wage_low_canada"]) == "decreasing"),
        "fig13.others_lose": verdict(all(tight(h[k]) for k in WAGES if k != "real_wage_low_canada")),
        "fig14.high_canada_gains": verdict(shape(low["real_wage_high_canada"]) == "decreasing"),
        "fig14.high_canada_shape": describe(low["real_wage_high_canada"]),
        "fig15.gdp_falls_except_canada_high": verdict(
            all(
                tight(qs[g][f"gdp_per_capita_{c}"])
                for g in ("all", "high", "low")
                for c in ("usa", "canada")
                if (g, c) != ("high", "canada")
            )
            and shape(h["gdp_per_capita_canada"]) == "decreasing"
        ),
    }


def family(fam: dict, autarky: dict, with_mnc: dict, anchors: dict) -> dict:
    """What depends on the anchor (§5.2.1 against the migration-only family): ``fam`` is
    :func:`~mobility.models.mnc.experiments.family` (equally spaced in h), ``autarky`` and ``with_mnc`` the summaries of
    the autarky and migration & MNC economies, ``anchors`` the fitted anchors ("migration",
    "migration_masses"). Shares are fractions of the traced members."""
    from .experiments import count_equilibria, folds

    f = folds(fam)
    loses = (fam["real_wage_low_usa"] < autarky["real_wage_low_usa"]) & (
        fam["real_wage_high_usa"] < autarky["real_wage_high_usa"]
    )
    gains = (fam["real_wage_low_usa"] > autarky["real_wage_low_usa"]) & (
        fam["real_wage_high_usa"] > autarky["real_wage_high_usa"]
    )
    return {
        "fold.low": float(f.min()),
        "fold.high": float(f.max()),
        "equilibria.at_wage_anchor": count_equilibria(fam, anchors["migration"]),
        "equilibria.at_mass_anchor": count_equilibria(fam, anchors["migration_masses"]),
        "family.max_residual": float(fam["residual_norm"].max()),
        "family.max_bilaterality_high": float(fam["bilaterality_high"].max()),
        "us_loses.share_of_family": float(loses.mean()),
        "us_loses.when_usa_to_canada": "all" if np.all(fam["x"][loses] > 0) else "not all",
        "us_gains.share_of_family": float(gains.mean()),
        "balanced.anchor": float(fam["anchor"][int(np.argmax(fam["bilaterality_high"]))]),
        "bilaterality_below_mnc.share_of_family": float(
            np.mean(fam["bilaterality_high"] < with_mnc["bilaterality_high"])
        ),
    }
