"""Tables 4–5 and the parameter sweeps behind Figures 4–15 of Wang (2014).

Every function here returns plain numbers (dicts / arrays) computed by :func:`mobility.models.mnc.solve`; pages and
figure notebooks only format and plot them.

**Units of real wages and GDP in counterfactuals.** The sweeps (:func:`sensitivity`, :func:`moving_cost_cut`,
:func:`quota_sweep`) report real wages and real GDP per capita in the units of a fixed *reference* economy's
US autarky — by default :data:`BASELINE`, Table 3's calibration — so that a curve moves only with the
equilibrium it shows. Pass ``reference=None`` to divide each point by its own US autarky instead (which, when
the swept parameter enters autarky, mixes the change of the normaliser into the "real wage"). Moving costs and
quotas do not enter autarky, so for them the two choices agree.

**Solvers.** The sweeps solve their continuation paths with the batched solver
(:func:`mobility.models.mnc.batch.solve_path`: the equilibria of the scalar continuation
:func:`mobility.models.mnc.solve_path` to about 1e-14 in the log unknowns, failing at exactly the same points,
``tests/models/mnc/test_batch.py``); ``method="scalar"`` solves them point by point.
"""

from __future__ import annotations

import math

import numpy as np

from . import batch
from .params import REGIMES, TABLE3, Params
from .solver import PAPER_ANCHORS, TOL, EquilibriumError, solve, solve_path

#: how the sweeps solve a path: one batch (default) or point by point (the reference)
METHODS = ("batch", "scalar")

#: The reference economy of the counterfactual sweeps: real wages and GDP per capita are in the units of its
#: US autarky (see the module docstring).
BASELINE = TABLE3

__all__ = [
    "TABLE5_ROWS",
    "TABLE4_CELLS",
    "TABLE4_LABELS",
    "COLUMNS",
    "table5_label",
    "table4_label",
    "table5",
    "sensitivity",
    "moving_cost_cut",
    "quota_sweep",
    "SKILL_GROUPS",
    "family",
    "BASELINE",
    "scale_moving_costs",
    "verdict",
    "power_bound",
    "describe",
    "SHAPE_WORDS",
    "TOL",
]

#: Table 5 rows in the paper's order: (summary key, label)
TABLE5_ROWS = (
    ("real_wage_low_usa", "Real wage, low-skilled, USA"),
    ("real_wage_low_canada", "Real wage, low-skilled, Canada"),
    ("real_wage_high_usa", "Real wage, high-skilled, USA"),
    ("real_wage_high_canada", "Real wage, high-skilled, Canada"),
    ("migrants_low_usa_to_canada", "Migrants, low-skilled, USA to Canada"),
    ("migrants_low_canada_to_usa", "Migrants, low-skilled, Canada to USA"),
    ("bilaterality_low", "Bilaterality index, low-skilled"),
    ("migrants_high_usa_to_canada", "Migrants, high-skilled, USA to Canada"),
    ("migrants_high_canada_to_usa", "Migrants, high-skilled, Canada to USA"),
    ("bilaterality_high", "Bilaterality index, high-skilled"),
    ("mass_local_usa", "Mass of firms, local, USA"),
    ("mass_foreign_usa", "Mass of firms, foreign, USA"),
    ("mass_local_canada", "Mass of firms, local, Canada"),
    ("mass_foreign_canada", "Mass of firms, foreign, Canada"),
    ("cutoff_local_usa", "Local cutoff, USA"),
    ("cutoff_foreign_usa", "Foreign cutoff, USA"),
    ("cutoff_local_canada", "Local cutoff, Canada"),
    ("cutoff_foreign_canada", "Foreign cutoff, Canada"),
    ("productivity_usa", "Aggregate productivity, USA"),
    ("productivity_canada", "Aggregate productivity, Canada"),
    ("gdp_per_capita_usa", "Real GDP per capita, USA"),
    ("gdp_per_capita_canada", "Real GDP per capita, Canada"),
)

#: Table 4 cells: (summary key, country, firm type, skill, column) — column "mnc" = "With MNCs" (the
#: migration & MNC economy), "no_mnc" = "Without MNC" (the migration-only economy).
TABLE4_CELLS = tuple(
    (f"share_{skill}_{firm}_{country}", country, firm, skill, col)
    for country in ("usa", "canada")
    for skill in ("high", "low")
    for firm, col in (("local", "mnc"), ("foreign", "mnc"), ("local", "no_mnc"))
)

#: Row labels of Table 4 for tables: "<country>_<skill>.<cell>" (the results key after ``mnc.table4.``) → words.
_WITH = {"mnc": "with MNCs", "no_mnc": "without MNCs"}
TABLE4_LABELS = {
    f"{country}_{skill}.{firm}_{col}": f"{name}, {skill}-skilled: {firm} firms, {_WITH[col]}"
    for country, name in (("usa", "USA"), ("canada", "Canada"))
    for skill in ("high", "low")
    for firm, col in (("local", "mnc"), ("foreign", "mnc"), ("local", "no_mnc"))
}

#: Table 5 columns: regime and anchor. The migration-only column is computed at both anchors that match
#: parts of it (see the book): ``migration`` (real wages, GDP) and ``migration_masses`` (masses, stocks).
COLUMNS = {
    "autarky": ("autarky", "autarky"),
    "migration": ("migration", "migration"),
    "migration_masses": ("migration", "migration_masses"),
    "mnc": ("mnc", None),
    "migration_mnc": ("migration_mnc", None),
}


def table5(params: Params | None = None, anchors: dict | None = None) -> dict:
    """``{column: summary}`` for the columns of :data:`COLUMNS` (anchors default to PAPER_ANCHORS)."""
    params = params or Params()
    anchors = {**PAPER_ANCHORS, **(anchors or {})}
    out = {}
    for col, (regime, anchor_key) in COLUMNS.items():
        eq = solve(params, regime, anchor=anchors[anchor_key] if anchor_key else None)
        out[col] = eq.summary() | {"residual_norm": eq.residual_norm}
    return out


def _path(path, guess=None, method: str = "batch") -> list:
    """The equilibria along ``path`` by continuation from ``guess``: :func:`mobility.models.mnc.solve_path` point
    by point (``method="scalar"``) or as one batch (:func:`mobility.models.mnc.batch.solve_path`, the same
    equilibria and the same failures); raises the scalar solver's error at the first point without one."""
    if method == "scalar" or not path:
        return solve_path(path, guess=guess)
    if method != "batch":
        raise ValueError(f"method {method!r} unknown; use one of {METHODS}")
    b = batch.solve_path(path, guess=guess)
    return [b.equilibrium(i) for i in range(len(b))]


def _collect(eqs, keys=None, reference=None) -> dict:
    rows = [e.summary(reference=reference) for e in eqs]
    keys = keys or list(rows[0])
    out = {k: np.array([r[k] for r in rows]) for k in keys}
    out["residual_norm"] = np.array([e.residual_norm for e in eqs])
    return out


def sensitivity(
    parameter: str, values, params: Params | None = None, *, reference: Params | None = BASELINE, method: str = "batch"
) -> dict:
    """Figures 4–7: the migration & MNC equilibrium along ``values`` of ``parameter`` (continuation from
    the first value). Returns arrays of every summary output plus the home-firm shares of migrants; real wages
    and GDP in the units of ``reference``'s US autarky (module docstring); ``method``: the solver (module
    docstring)."""
    params = params or Params()
    values = np.asarray(values, dtype=float)
    eqs = _path([params.replace(**{parameter: float(v)}) for v in values], method=method)
    out = _collect(eqs, reference=reference)
    # Figure 7: share of immigrants working for affiliates of firms from their own country
    for skill, word in (("h", "high"), ("l", "low")):
        for i, country in ((0, "usa"), (1, "canada")):
            d = [e.economy.H_by if skill == "h" else e.economy.L_by for e in eqs]
            home = np.array([x.get((1 - i, i, 1 - i), 0.0) for x in d])
            total = np.array([e.stock(skill, i, 1 - i) for e in eqs])
            out[f"home_firm_share_{word}_{country}"] = home / total
    out["x"] = values
    return out


#: which parameters each skill group's experiment moves: (moving costs, quota shares)
SKILL_GROUPS = {
    "all": (("tau12", "tau21", "t12", "t21"), ("lam_h12", "lam_h21", "lam_l12", "lam_l21")),
    "high": (("tau12", "tau21"), ("lam_h12", "lam_h21")),
    "low": (("t12", "t21"), ("lam_l12", "lam_l21")),
}


def _group(skills):
    if skills not in SKILL_GROUPS:
        raise ValueError(f"skills {skills!r} unknown; use one of {sorted(SKILL_GROUPS)}")
    return SKILL_GROUPS[skills]


def moving_cost_cut(
    skills: str, factors, params: Params | None = None, *, reference: Params | None = BASELINE, method: str = "batch"
) -> dict:
    """Figures 8–11: bilateral change of moving costs for ``skills`` ("all", "high", "low"): each
    τ becomes 1 + c·(τ − 1) for c in ``factors`` (c = 1 is the benchmark, c = 0 free mobility, c < 0 a
    subsidy; a factor that makes some τ ≤ 0 raises ``ValueError`` naming it).

    The paper's figures were lost in extraction and the text does not give the scale of its x-axis; scaling
    the excess cost τ − 1 moves the four costs proportionally towards free mobility. Real wages and GDP are in
    the units of ``reference``'s US autarky; ``method``: the solver (module docstring)."""
    params = params or Params()
    names, _ = _group(skills)
    factors = np.asarray(factors, dtype=float)
    path = [params.replace(**{n: 1.0 + c * (getattr(params, n) - 1.0) for n in names}) for c in factors]
    # continue from the benchmark outwards so both halves start next to a known equilibrium
    order = np.argsort(np.abs(factors - 1.0), kind="stable")
    eqs: list = [None] * len(path)
    for side in (factors >= 1.0, factors < 1.0):
        idx = [int(i) for i in order if side[i]]
        for k, e in zip(idx, _path([path[i] for i in idx], solve(params), method), strict=True):
            eqs[k] = e
    out = _collect(eqs, reference=reference)
    out["x"] = factors
    return out


def scale_moving_costs(factor: float, skills: str = "all", params: Params | None = None) -> Params:
    """``params`` (default Table 3) with the moving costs of ``skills`` migrants multiplied by ``factor`` in
    both directions: ``scale_moving_costs(0.9)`` cuts every moving cost by 10 % (τ^{2,1} = 0.98856, a subsidy;
    see :mod:`~mobility.models.mnc.params`)."""
    params = params or Params()
    names, _ = _group(skills)
    if not (isinstance(factor, (int, float)) and factor > 0):
        raise ValueError(f"factor on the moving costs must be a number > 0, got {factor!r}")
    return params.replace(**{n: factor * getattr(params, n) for n in names})


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def power_bound(x: float) -> str:
    """The smallest power of ten at or above ``x`` > 0, written for prose without scientific notation:
    ``power_bound(4.4e-16) == "10⁻¹⁵"`` (a residual "below 10⁻¹⁵"); "0" for x = 0."""
    if not (isinstance(x, (int, float, np.floating)) and math.isfinite(x) and x >= 0):
        raise ValueError(f"power_bound needs a finite number >= 0, got {x!r}")
    if x == 0:
        return "0"
    return "10" + str(math.ceil(math.log10(x) - 1e-12)).translate(_SUPERSCRIPT)


def verdict(holds: bool) -> str:
    """A claim's verdict in words: "holds" or "does not hold"."""
    return "holds" if holds else "does not hold"


def existence_threshold(
    skills: str, lo: float = 0.0, hi: float = 0.5, tol: float = 1e-3, params: Params | None = None
) -> float:
    """The smallest moving-cost factor c in [lo, hi] (see :func:`moving_cost_cut`) down to which continuation from
    the benchmark still finds an equilibrium, by bisection to ``tol``; ``lo`` if it exists on all of [lo, hi].

    Raises ``ValueError`` if there is no equilibrium at ``hi`` either."""

    def exists(c: float) -> bool:
        try:  # point by point: most of these paths fail, and the batched solver hands a failure to the scalar path
            moving_cost_cut(skills, np.linspace(1.0, c, 40), params, method="scalar")
            return True
        except EquilibriumError:
            return False

    if not exists(hi):
        raise ValueError(f"no equilibrium at the moving-cost factor hi={hi}; choose a larger hi")
    if exists(lo):
        return lo
    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if exists(mid) else (mid, hi)
    return hi


def quota_sweep(
    skills: str, shares, params: Params | None = None, *, reference: Params | None = BASELINE, method: str = "batch"
) -> dict:
    """Figures 12–15: reciprocal binding quotas λ (eqs. 52–57) on ``skills`` migrants in both directions,
    for λ in ``shares`` (1 = unconstrained). Continuation from λ = 1 downwards. Real wages and GDP are in the
    units of ``reference``'s US autarky; ``method``: the solver (module docstring)."""
    params = params or Params()
    _, names = _group(skills)
    shares = np.asarray(shares, dtype=float)
    order = np.argsort(-shares, kind="stable")
    path = [params.replace(**{n: float(shares[i]) for n in names}) for i in order]
    solved = _path(path, solve(params.unconstrained()), method)
    eqs: list = [None] * len(shares)
    for k, e in zip(order, solved, strict=True):
        eqs[int(k)] = e
    out = _collect(eqs, reference=reference)
    out["x"] = shares
    return out


def family(directions, params: Params | None = None) -> dict:
    """The one-parameter family of migration-only equilibria (no MNCs): for each value h of
    log(H^{2,1}/H^{1,2}) (US→Canada over Canada→US high-skilled stocks) the equilibrium and its anchor
    X = u^{2,2}. Traced by continuation in h, which unlike X has no folds."""
    params = params or Params()
    directions = np.asarray(directions, dtype=float)
    eqs, prev = [], None
    start = int(np.argmin(np.abs(directions)))
    order = list(range(start, len(directions))) + list(range(start - 1, -1, -1))
    got: dict = {}
    for k in order:
        if k == start - 1:
            prev = got[start]
        prev = solve(params, "migration", direction=float(directions[k]), guess=prev)
        got[k] = prev
    eqs = [got[k] for k in range(len(directions))]
    out = _collect(eqs)
    out["anchor"] = np.array([e.anchor for e in eqs])
    out["x"] = directions
    return out


assert set(REGIMES) == {c[0] for c in COLUMNS.values()}


#: Table 5 rows that the "migration only" column reports at the second member of the family (see COLUMNS)
MASS_ROWS = frozenset(
    {
        "migrants_low_usa_to_canada",
        "migrants_low_canada_to_usa",
        "bilaterality_low",
        "migrants_high_usa_to_canada",
        "migrants_high_canada_to_usa",
        "bilaterality_high",
        "mass_local_usa",
        "mass_local_canada",
    }
)

TABLE5_COLUMNS = ("autarky", "migration", "mnc", "migration_mnc")
TABLE5_TITLES = {
    "autarky": "Autarky",
    "migration": "Migration only",
    "mnc": "MNCs only",
    "migration_mnc": "Migration & MNCs",
}


def table5_label(key: str) -> str:
    """The row label of a Table 5 results key (``mnc.table5.<column>.<row>`` → "Real wage, low-skilled, USA")."""
    row = key.rsplit(".", 1)[-1]
    return dict(TABLE5_ROWS).get(row, row)


def table4_label(key: str) -> str:
    """The label of a Table 4 results key (``mnc.table4.<country>_<skill>.<firm>_<column>``)."""
    cell = key.removeprefix("mnc.table4.")
    return TABLE4_LABELS.get(cell, cell)


def table5_values(T: dict) -> dict:
    """Flatten :func:`table5` into results keys ``mnc.table5.<column>.<row>`` (finite cells only); the
    migration-only column takes the rows of :data:`MASS_ROWS` from the ``migration_masses`` member."""
    out = {}
    for col in TABLE5_COLUMNS:
        for row, _ in TABLE5_ROWS:
            src = "migration_masses" if (col == "migration" and row in MASS_ROWS) else col
            v = T[src][row]
            if np.isfinite(v):
                out[f"mnc.table5.{col}.{row}"] = float(v)
    return out


def table4_values(T: dict) -> dict:
    """Table 4 as results keys ``mnc.table4.<country>_<skill>.<local_mnc|foreign_mnc|local_no_mnc>``."""
    out = {}
    for country in ("usa", "canada"):
        for skill in ("high", "low"):
            out[f"mnc.table4.{country}_{skill}.local_mnc"] = T["migration_mnc"][f"share_{skill}_local_{country}"]
            out[f"mnc.table4.{country}_{skill}.foreign_mnc"] = T["migration_mnc"][f"share_{skill}_foreign_{country}"]
            out[f"mnc.table4.{country}_{skill}.local_no_mnc"] = T["migration"][f"share_{skill}_local_{country}"]
    return out


def count_equilibria(fam: dict, anchor: float) -> int:
    """How many members of a traced :func:`family` have anchor X = ``anchor`` (sign changes of X(h) − X)."""
    d = np.sign(fam["anchor"] - anchor)
    return int(np.sum(d[1:] != d[:-1]))


def folds(fam: dict) -> np.ndarray:
    """The anchors at which the traced family turns back (local extrema of X along the family)."""
    X = fam["anchor"]
    dx = np.diff(X)
    idx = np.nonzero(np.sign(dx[1:]) != np.sign(dx[:-1]))[0] + 1
    return X[idx]


def shape(y) -> str:
    """'increasing', 'decreasing', 'hump' (rises then falls), 'u' (falls then rises), 'flat' or
    'non-monotone' — a description of a sampled curve for the prose."""
    y = np.asarray(y, dtype=float)
    d = np.diff(y)
    scale = max(np.max(np.abs(y)), 1e-300)
    d = d[np.abs(d) > 1e-9 * scale]
    if d.size == 0:
        return "flat"
    if np.all(d > 0):
        return "increasing"
    if np.all(d < 0):
        return "decreasing"
    s = np.sign(d)
    changes = int(np.sum(s[1:] != s[:-1]))
    if changes == 1:
        return "hump" if s[0] > 0 else "u"
    return "non-monotone"


#: :func:`shape` in words, for prose and tables.
SHAPE_WORDS = {
    "increasing": "increasing",
    "decreasing": "decreasing",
    "hump": "hump-shaped (rises, then falls)",
    "u": "U-shaped (falls, then rises)",
    "flat": "flat",
    "non-monotone": "non-monotone (changes direction more than once)",
}


def describe(y) -> str:
    """:func:`shape` of a sampled curve in words (:data:`SHAPE_WORDS`)."""
    return SHAPE_WORDS[shape(y)]


def with_overrides(overrides: dict | None) -> Params:
    """Table 3 parameters with ``overrides`` (a mapping name → value, e.g. from ``--set overrides=...``)."""
    if overrides is None:
        return Params()
    if not isinstance(overrides, dict):
        raise ValueError(f"overrides must be a mapping of parameter names to numbers, got {overrides!r}")
    return Params().replace(**overrides)
