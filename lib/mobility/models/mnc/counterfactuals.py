"""Counterfactual economies for the interactive explorer: the calibrated economy of Wang (2014) with its moving
costs scaled by skill and a reciprocal quota on all migrants.

A moving-cost factor ``c`` scales the *excess* cost: each τ becomes 1 + c·(τ − 1) (as in
:func:`mobility.models.mnc.experiments.moving_cost_cut`, the reading behind Figures 8–11): ``c = 1`` is Table 3,
``c = 2/3`` cuts every excess cost by a third, ``c = 0`` is free mobility. The quota share ``lam`` is the binding
reciprocal quota λ of eqs. (52)–(57) applied to both skills in both directions: each migrant stock is capped at
λ times the stock the same economy would have without quotas (λ = 1: no quota).
"""

from __future__ import annotations

import math

import numpy as np

from .params import Params
from .solver import Equilibrium, EquilibriumError, solve

__all__ = ["OUTPUTS", "scaled", "solve_point"]

#: What the explorer shows for each economy: results key → (label, unit).
OUTPUTS = {
    "real_wage_high_usa": ("High-skilled US natives", "real wage, US low-skilled autarky = 1"),
    "real_wage_low_usa": ("Low-skilled US natives", "real wage, US low-skilled autarky = 1"),
    "real_wage_high_canada": ("High-skilled Canadian natives", "real wage, US low-skilled autarky = 1"),
    "real_wage_low_canada": ("Low-skilled Canadian natives", "real wage, US low-skilled autarky = 1"),
    "migrants_high_usa_to_canada": ("High-skilled US-born in Canada", "workers (units of Table 3's endowments)"),
    "migrants_high_canada_to_usa": ("High-skilled Canadian-born in the US", "workers (units of Table 3's endowments)"),
    "migrants_low_usa_to_canada": ("Low-skilled US-born in Canada", "workers (units of Table 3's endowments)"),
    "migrants_low_canada_to_usa": ("Low-skilled Canadian-born in the US", "workers (units of Table 3's endowments)"),
    "mass_local_usa": ("US firms producing in the US", "mass of establishments"),
    "mass_foreign_usa": ("Canadian affiliates in the US", "mass of establishments"),
    "mass_local_canada": ("Canadian firms producing in Canada", "mass of establishments"),
    "mass_foreign_canada": ("US affiliates in Canada", "mass of establishments"),
    "gdp_per_capita_usa": ("Real GDP per capita, US", "US autarky = 100"),
    "gdp_per_capita_canada": ("Real GDP per capita, Canada", "US autarky = 100"),
}


def scaled(c_high: float, c_low: float, lam: float = 1.0, params: Params | None = None) -> Params:
    """``params`` (default Table 3) with high-skilled moving costs τ^{1,2}, τ^{2,1} scaled by ``c_high``, low-skilled
    t^{1,2}, t^{2,1} by ``c_low`` (each excess cost τ − 1 times the factor) and all four quota shares set to ``lam``.

    Raises ``ValueError`` for a negative factor or a quota share outside (0, 1]."""
    params = params or Params()
    for name, c in (("c_high", c_high), ("c_low", c_low)):
        if isinstance(c, bool) or not isinstance(c, (int, float)) or not math.isfinite(c) or c < 0:
            raise ValueError(
                f"{name} scales the excess moving cost tau - 1 and must be a finite number >= 0, got {c!r}"
            )
    if isinstance(lam, bool) or not isinstance(lam, (int, float)) or not 0 < lam <= 1:
        raise ValueError(f"the quota share lam must be in (0, 1] (1 = no quota), got {lam!r}")
    kw = {n: 1.0 + c_high * (getattr(params, n) - 1.0) for n in ("tau12", "tau21")}
    kw.update({n: 1.0 + c_low * (getattr(params, n) - 1.0) for n in ("t12", "t21")})
    kw.update(dict.fromkeys(("lam_h12", "lam_h21", "lam_l12", "lam_l21"), float(lam)))
    return params.replace(**kw)


def solve_point(params: Params, regime: str, guesses: tuple = ()) -> Equilibrium | None:
    """The equilibrium of ``regime`` at ``params``, trying each warm start in ``guesses`` and then a cold start;
    ``None`` when every attempt fails (the solver finds no equilibrium there). Bad parameters still raise."""
    for guess in (*guesses, None):
        try:
            with np.errstate(over="ignore", invalid="ignore"):  # a failing attempt may overflow; it is reported
                return solve(params, regime, guess=guess)
        except EquilibriumError:
            continue
    return None
