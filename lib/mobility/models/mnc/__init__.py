"""The general-equilibrium model of bilateral migration and multinationals of Wang (2014).

- :mod:`~mobility.models.mnc.params`: :class:`Params` (Table 3 defaults, validated);
- :mod:`~mobility.models.mnc.equations`: the equilibrium conditions (eqs. 1, 6–14, 33–57);
- :mod:`~mobility.models.mnc.solver`: :func:`solve`, :func:`solve_path`, :class:`Equilibrium`,
:class:`EquilibriumError`;
- :mod:`~mobility.models.mnc.calibration`: recovering τ, t, ξ, ζ, α and the no-MNC anchor from targets;
- :mod:`~mobility.models.mnc.experiments`: Tables 4–5 and the sweeps behind Figures 4–15;
- :mod:`~mobility.models.mnc.claims`: the paper's claims as checks on our solution;
- :mod:`~mobility.models.mnc.figures`: the chapter's figures (drawn here, shown by the pages and variants).
"""

from .equations import average_productivity, bilaterality, cutoff
from .params import REGIMES, TABLE3, Params
from .solver import (
    PAPER_ANCHORS,
    TOL,
    Equilibrium,
    EquilibriumError,
    high_skilled_wage_share,
    price_normaliser,
    solve,
    solve_path,
    sweep,
    us_autarky,
)

__all__ = [
    "Params",
    "REGIMES",
    "TABLE3",
    "cutoff",
    "average_productivity",
    "bilaterality",
    "solve",
    "solve_path",
    "sweep",
    "us_autarky",
    "price_normaliser",
    "Equilibrium",
    "EquilibriumError",
    "PAPER_ANCHORS",
    "TOL",
    "high_skilled_wage_share",
]
