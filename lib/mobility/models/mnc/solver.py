"""Solving for the equilibrium of each regime; warm starts and continuation along parameter paths.

Unknowns are logs of wages, masses M_i and MNC shares χ_i; equations are the log residuals of

- labour-market clearing for each skill and country of birth, eqs. (40)–(43) with (44)–(47);
- migration incentive compatibility, eqs. (48)–(51), for each migrant type — or, under a binding quota
  λ < 1, the quota supply H^{S,i,j} = λ·H^{E,i,j}, eqs. (54)–(57), with H^{E,i,j} the stock in the same economy
  without quotas (a ban, λ = 0, removes the type altogether);
- with MNCs: χ_j = (φ̄_j/φ̄^f_j)^κ, eqs. (38)–(39), and the closing condition M_1χ_1 = M_2χ_2 (see
  :mod:`mobility.models.mnc.equations`).

The numeraire is u^{1,1} = 1. Without MNCs nothing ties Canada's nominal wage level to the numeraire, so the
regimes "autarky" and "migration" are one-parameter families: the *anchor* X = u^{2,2} (Canada's low-skilled
nominal wage in numeraire units) is then an explicit input. :data:`PAPER_ANCHORS` holds the values that
match the paper (rounded outputs of :func:`mobility.models.mnc.calibration.fit_anchors`, which the book's pages call).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field, fields

import numpy as np
from scipy import optimize

from mobility.core.errors import ComputationError

from .equations import MIGRANT_TYPES, Economy, bilaterality
from .params import REGIMES, Params

__all__ = [
    "EquilibriumError",
    "Equilibrium",
    "solve",
    "solve_path",
    "sweep",
    "us_autarky",
    "price_normaliser",
    "PAPER_ANCHORS",
    "TOL",
]

#: residual-norm tolerance every reported equilibrium satisfies
TOL = 1e-10

#: Anchors X = u^{2,2} for the regimes without MNCs that match Table 5 (see module docstring):
#: "autarky" matches Canada's autarky mass of firms (and, to the printed precision, all but its low-skilled
#: real wage); the "migration" column mixes two members of the family (real wages / GDP / Table 4 at
#: ``migration``, fitted to Canada's low-skilled real wage; masses / migrant stocks / bilaterality at
#: ``migration_masses``). These are the rounded outputs of :func:`mobility.models.mnc.calibration.fit_anchors`
#: for the cells of :data:`mobility.models.mnc.calibration.ANCHOR_ROWS`; the book fits them on its pages and a test
#: checks that they agree.
PAPER_ANCHORS = {"autarky": 6.5353, "migration": 9.4267, "migration_masses": 9.0587}

_NAME = {0: "1", 1: "2"}


class EquilibriumError(ComputationError):
    """The solver did not reach an equilibrium; ``residual_norm`` says how far it got."""

    def __init__(self, message: str, residual_norm: float, iterations: int = 0):
        super().__init__(f"{message} (residual norm {residual_norm:.3e} after {iterations} evaluations)")
        self.residual_norm = residual_norm
        self.iterations = iterations


def _wage_name(skill, i, k):
    return f"{'s' if skill == 'h' else 'u'}{_NAME[i]}{_NAME[k]}"


@dataclass(frozen=True)
class _Layout:
    regime: str
    mnc: bool
    active: tuple  # migrant types present
    quota: dict  # migrant type -> constrained stock (lambda * reference stock)
    anchor: float | None
    names: tuple
    direction: float | None = None

    @classmethod
    def build(cls, p: Params, regime: str, anchor, reference, direction=None):
        mnc = regime in ("mnc", "migration_mnc")
        migration = regime in ("migration", "migration_mnc")
        lam = {("h", 0, 1): p.lam_h12, ("h", 1, 0): p.lam_h21, ("l", 0, 1): p.lam_l12, ("l", 1, 0): p.lam_l21}
        active = tuple(m for m in MIGRANT_TYPES if migration and lam[m] > 0.0)
        quota = {}
        for m in active:
            if lam[m] < 1.0:
                ref = reference.stock(*m)
                quota[m] = lam[m] * ref
        names = ["s11", "s22"] + ([] if anchor is not None else ["u22"])
        names += [_wage_name(*m) for m in active]
        names += ["M1", "M2"] + (["chi1", "chi2"] if mnc else [])
        return cls(regime, mnc, active, quota, anchor, tuple(names), direction)

    def economy(self, p, x):
        with np.errstate(over="ignore"):  # a trial point far out gives inf: residual() scores it as a failure
            v = dict(zip(self.names, np.exp(x).tolist(), strict=True))
        s = {(0, 0): v["s11"], (1, 1): v["s22"]}
        u = {(0, 0): 1.0, (1, 1): self.anchor if self.anchor is not None else v["u22"]}
        for m in self.active:
            (s if m[0] == "h" else u)[m[1], m[2]] = v[_wage_name(*m)]
        M = [v["M1"], v["M2"]]
        chi = [v["chi1"], v["chi2"]] if self.mnc else [0.0, 0.0]
        return Economy(p, s, u, M, chi, self.active, self.mnc)

    def residual(self, p, x):
        try:
            e = self.economy(p, x)
        except (OverflowError, ZeroDivisionError, ValueError):
            return np.full(len(self.names), 1e6)
        r = []
        endow = {("h", 0): p.H1, ("h", 1): p.H2, ("l", 0): p.L1, ("l", 1): p.L2}
        for (skill, k), total in endow.items():  # eqs. (40)-(43)
            d = e.H if skill == "h" else e.L
            r.append(math.log((d[0, k] + d[1, k]) / total))
        for m in self.active:
            skill, i, k = m
            if m in self.quota:  # eqs. (54)-(57)
                d = e.H if skill == "h" else e.L
                r.append(math.log(d[i, k] / self.quota[m]))
            else:  # eqs. (48)-(51)
                w = e.s if skill == "h" else e.u
                r.append(math.log(w[i, k] / e.P[i]) - math.log(w[k, k] / e.P[k]))
        if self.mnc:
            for j in (0, 1):  # eqs. (38)-(39)
                r.append(math.log(e.chi[j]) - math.log(e.chi_implied[j]))
            r.append(math.log(e.M[0] * e.chi[0]) - math.log(e.M[1] * e.chi[1]))  # closing condition
        if self.direction is not None:  # the family of no-MNC equilibria, pinned by the migration direction
            r.append(math.log(e.H[1, 0] / e.H[0, 1]) - self.direction)
        out = np.array(r)
        if not np.all(np.isfinite(out)):
            return np.full(len(self.names), 1e6)
        return out


@dataclass(frozen=True, eq=False)
class Equilibrium:
    """A solved equilibrium: the solution, its residual norm, the work done and the implied economy.

    ``values`` maps unknown names (``s11``, ``s12``, ..., ``M1``, ``chi1``) to levels; ``economy`` is the
    :class:`~mobility.models.mnc.equations.Economy` with every derived quantity; :meth:`summary` gives the Table 5
    and Table 4 outputs.
    """

    params: Params
    regime: str
    anchor: float | None
    names: tuple
    x: np.ndarray
    residual_norm: float
    iterations: int
    converged: bool
    economy: Economy = field(repr=False)

    @property
    def values(self) -> dict:
        return dict(zip(self.names, np.exp(self.x).tolist(), strict=True))

    def stock(self, skill: str, i: int, k: int) -> float:
        """Headcount of workers of ``skill`` ('h'/'l') born in k working in i (0 = USA, 1 = Canada)."""
        d = self.economy.H if skill == "h" else self.economy.L
        return d[i, k]

    def real_wage(self, skill: str, i: int, k: int, *, reference: Params | None = None) -> float:
        """w^{i,k}/P_i divided by the US low-skilled autarky real wage 1/P_1^{aut} of ``reference``.

        ``reference`` is the economy whose US autarky sets the units (see :func:`price_normaliser`); by default
        this equilibrium's own parameters, which is Table 5's normalisation (all its columns share Table 3's
        parameters). Counterfactuals that change parameters should pass the baseline's."""
        e = self.economy
        w = (e.s if skill == "h" else e.u).get((i, k))
        if w is None:
            return float("nan")
        return w / e.P[i] * price_normaliser(self.params if reference is None else reference)

    def gdp_per_capita(self, i: int, *, reference: Params | None = None) -> float:
        """Real GDP per worker employed in i, ((σ−1)/σ)·R_i/P_i/N_i, with the US autarky of ``reference`` = 100
        (default: this equilibrium's own parameters, Table 5's normalisation; see :meth:`real_wage`)."""
        ref = us_autarky(self.params if reference is None else reference).economy
        return 100.0 * _gdp_pc(self.economy, i) / _gdp_pc(ref, 0)

    def immigrant_share(self, skill: str, i: int, foreign_firms: bool) -> float:
        """Table 4: immigrants as a percentage of the ``skill`` workforce of establishments located in i, of
        local firms (``foreign_firms=False``) or of affiliates of the other country's firms.

        The text of §5.1.1 says "compared to their native workforces", but Table 4's numbers are shares of the
        whole workforce (immigrants + natives): Canada without MNCs prints 22.40 where immigrants per native
        are 28.9 %, i.e. 28.9/128.9 = 22.4 %; all eight MNC cells match this reading only."""
        e = self.economy
        j = (1 - i) if foreign_firms else i
        d = e.H_by if skill == "h" else e.L_by
        native = d.get((j, i, i), 0.0)
        migrants = d.get((j, i, 1 - i), 0.0)
        return 100.0 * migrants / (native + migrants) if native > 0 else float("nan")

    def summary(self, *, reference: Params | None = None) -> dict:
        """The Table 5 rows (and Table 4 shares) as a flat dict; absent quantities are NaN. Real wages and GDP
        are in the units of ``reference``'s US autarky (default: this equilibrium's parameters; see
        :meth:`real_wage`)."""
        e = self.economy
        nan = float("nan")
        ref = reference
        out = {
            "real_wage_low_usa": self.real_wage("l", 0, 0, reference=ref),
            "real_wage_low_canada": self.real_wage("l", 1, 1, reference=ref),
            "real_wage_high_usa": self.real_wage("h", 0, 0, reference=ref),
            "real_wage_high_canada": self.real_wage("h", 1, 1, reference=ref),
        }
        migration = self.regime in ("migration", "migration_mnc")
        for skill, word in (("l", "low"), ("h", "high")):
            a, b = self.stock(skill, 1, 0), self.stock(skill, 0, 1)  # USA->Canada, Canada->USA
            out[f"migrants_{word}_usa_to_canada"] = a if migration else nan
            out[f"migrants_{word}_canada_to_usa"] = b if migration else nan
            out[f"bilaterality_{word}"] = bilaterality(a, b) if migration else nan
            # migrants' own real wages (the dashed lines of Figures 12-14)
            out[f"real_wage_{word}_usa_born_in_canada"] = self.real_wage(skill, 1, 0, reference=ref)
            out[f"real_wage_{word}_canada_born_in_usa"] = self.real_wage(skill, 0, 1, reference=ref)
        out.update(
            mass_local_usa=e.M[0],
            mass_foreign_usa=e.foreign_mass(0) if e.mnc else nan,
            mass_local_canada=e.M[1],
            mass_foreign_canada=e.foreign_mass(1) if e.mnc else nan,
            cutoff_local_usa=e.cut[0],
            cutoff_foreign_usa=e.cut_f[1, 0] if e.mnc else nan,
            cutoff_local_canada=e.cut[1],
            cutoff_foreign_canada=e.cut_f[0, 1] if e.mnc else nan,
            productivity_usa=e.aggregate_productivity(0),
            productivity_canada=e.aggregate_productivity(1),
            gdp_per_capita_usa=self.gdp_per_capita(0, reference=ref),
            gdp_per_capita_canada=self.gdp_per_capita(1, reference=ref),
        )
        for country, i in (("usa", 0), ("canada", 1)):
            for skill, word in (("h", "high"), ("l", "low")):
                out[f"share_{word}_local_{country}"] = self.immigrant_share(skill, i, False)
                out[f"share_{word}_foreign_{country}"] = self.immigrant_share(skill, i, True) if e.mnc else nan
        out["wage_share_high_usa"] = high_skilled_wage_share(self, 0)
        return out


def high_skilled_wage_share(eq: Equilibrium, i: int) -> float:
    """Share of the wage bill paid by employers in i that goes to high-skilled workers (§5.1.1's 64 %)."""
    e, p = eq.economy, eq.params
    tau = {(0, 0): 1.0, (1, 1): 1.0, (0, 1): p.tau12, (1, 0): p.tau21}
    t = {(0, 0): 1.0, (1, 1): 1.0, (0, 1): p.t12, (1, 0): p.t21}
    high = sum(tau[i, k] * e.s[i, k] * e.H[i, k] for k in (0, 1) if (i, k) in e.s)
    low = sum(t[i, k] * e.u[i, k] * e.L[i, k] for k in (0, 1) if (i, k) in e.u)
    return high / (high + low)


def _gdp_pc(e: Economy, i: int) -> float:
    return e.labour_outlay(i) / e.P[i] / e.employment(i)


def _check_regime(regime, anchor):
    if regime not in REGIMES:
        raise ValueError(f"regime {regime!r} unknown; use one of {REGIMES}")
    if regime in ("mnc", "migration_mnc"):
        if anchor is not None:
            raise ValueError(
                f"anchor is only for the regimes without MNCs; regime {regime!r} is closed by M1*chi1 = M2*chi2"
            )
        return None
    if anchor is None:
        anchor = PAPER_ANCHORS[regime]
    if not (isinstance(anchor, (int, float)) and math.isfinite(anchor) and anchor > 0):
        raise ValueError(f"anchor (Canada's nominal low-skilled wage u22) must be > 0, got {anchor!r}")
    return float(anchor)


def _cold_guess(layout: _Layout, p: Params) -> np.ndarray:
    """A starting point from rough magnitudes: Canada's wage level ≈ relative labour force (MNC regimes give
    Canada about as many establishments as the USA), migrants paid their home wage in the host's prices."""
    X = layout.anchor if layout.anchor is not None else (p.H1 + p.L1) / (p.H2 + p.L2)
    level = {0: 1.0, 1: X}
    skill_premium = 3.0
    g = {"s11": skill_premium, "s22": skill_premium * X, "u22": X, "M1": 0.5, "M2": 0.5, "chi1": 0.01, "chi2": 0.01}
    for m in layout.active:
        skill, i, k = m
        base = skill_premium if skill == "h" else 1.0
        g[_wage_name(*m)] = base * level[k] * level[i] / level[k]
    return np.log(np.array([g[n] for n in layout.names]))


def _guess_from(eq: Equilibrium, layout: _Layout, p: Params) -> np.ndarray:
    cold = dict(zip(layout.names, _cold_guess(layout, p), strict=True))
    warm = dict(zip(eq.names, eq.x.tolist(), strict=True))
    if "u22" in layout.names and "u22" not in warm and eq.anchor is not None:
        warm["u22"] = math.log(eq.anchor)
    if layout.anchor is not None and "u22" not in warm and eq.anchor is not None and eq.anchor != layout.anchor:
        # rescale Canada's nominal quantities to the new anchor
        shift = math.log(layout.anchor / eq.anchor)
        for n in ("s22", "s21", "u21", "M2"):
            if n in warm:
                warm[n] += shift
    return np.array([warm.get(n, cold[n]) for n in layout.names])


def _root(layout, p, x0, tol, max_evaluations):
    fun = functools.partial(layout.residual, p)
    best = None
    attempts = (
        ("hybr", {"xtol": 1e-14, "maxfev": max_evaluations}),
        ("lm", {"xtol": 1e-15, "ftol": 1e-15, "maxiter": max_evaluations}),
    )
    nfev = 0
    for method, options in attempts:
        sol = optimize.root(fun, x0 if best is None else best[0], method=method, options=options)
        nfev += int(sol.nfev)
        r = fun(sol.x)
        norm = float(np.max(np.abs(r)))
        if best is None or norm < best[1]:
            best = (sol.x, norm)
        if norm <= tol:
            break
    return best[0], best[1], nfev


def solve(
    params: Params,
    regime: str = "migration_mnc",
    *,
    anchor: float | None = None,
    guess: Equilibrium | None = None,
    reference: Equilibrium | None = None,
    tol: float = TOL,
    max_evaluations: int = 2000,
    direction: float | None = None,
) -> Equilibrium:
    """Solve the equilibrium of ``regime`` (one of :data:`~mobility.models.mnc.params.REGIMES`).

    ``anchor``: Canada's nominal low-skilled wage u^{2,2} for the regimes without MNCs (default
    :data:`PAPER_ANCHORS`); must be ``None`` with MNCs. ``guess``: a previous :class:`Equilibrium` to start
    from (warm start; any regime). ``reference``: the unconstrained equilibrium whose migrant stocks the
    quotas scale (computed when needed and not given). The residual norm is the max-abs log residual; the
    solve raises :class:`EquilibriumError` unless it is ≤ ``tol``.

    Regime "migration" has several equilibria for some anchors (see the book). Its cold start follows the
    branch connected to low anchors (migration mostly USA→Canada, the paper's branch) by continuation in the
    anchor from X = 6; pass ``guess`` to select another branch. ``direction`` (regime "migration" only)
    replaces the anchor by log(H^{2,1}/H^{1,2}) — US→Canada over Canada→US high-skilled stocks — which
    parametrises the whole family without folds; the anchor is then solved for (``Equilibrium.anchor``).
    """
    if not isinstance(params, Params):
        raise TypeError(f"params must be a mobility.models.mnc.Params, got {type(params).__name__}")
    anchor = _check_regime(regime, anchor)
    if direction is not None:
        if regime != "migration" or params.quotas_binding:
            raise ValueError("direction is only for regime 'migration' without quotas")
        anchor = None
    extra_evaluations = 0
    if direction is None and regime == "migration" and guess is None and anchor is not None and anchor > _BRANCH_START:
        guess, extra_evaluations = _branch_start(params, anchor, tol)
    if params.quotas_binding and regime in ("migration", "migration_mnc"):
        if reference is None:
            reference = solve(params.unconstrained(), regime, anchor=anchor, guess=guess, tol=tol)
        elif reference.params != params.unconstrained() or reference.regime != regime:
            raise ValueError("reference must be the same regime and parameters with all quota shares = 1")
    layout = _Layout.build(params, regime, anchor, reference, direction)
    x0 = _guess_from(guess, layout, params) if guess is not None else _cold_guess(layout, params)
    x, norm, nfev = _root(layout, params, x0, tol, max_evaluations)
    nfev += extra_evaluations
    if norm > tol and guess is not None:  # a poor warm start: try from scratch
        x1, n1, f1 = _root(layout, params, _cold_guess(layout, params), tol, max_evaluations)
        nfev += f1
        if n1 < norm:
            x, norm = x1, n1
    if not norm <= tol:
        raise EquilibriumError(f"no equilibrium found for regime {regime!r}", norm, nfev)
    e = layout.economy(params, x)
    return Equilibrium(
        params, regime, e.u[1, 1] if regime in ("autarky", "migration") else None, layout.names, x, norm, nfev, True, e
    )


_BRANCH_START = 6.0


def _branch_start(params, anchor, tol):
    """Continuation in the anchor from X = 6 (where the cold start is reliable) towards ``anchor``; returns the
    last equilibrium reached and the residual evaluations spent."""
    prev, evaluations = None, 0
    for X in np.geomspace(_BRANCH_START, anchor, 12)[:-1]:
        try:
            prev = solve(params, "migration", anchor=float(X), guess=prev, tol=tol)
        except EquilibriumError as err:
            evaluations += err.iterations
            break
        evaluations += prev.iterations
    return prev, evaluations


def _interpolate(a: Params, b: Params, w: float) -> Params:
    changes = {}
    for fld in fields(a):
        va, vb = getattr(a, fld.name), getattr(b, fld.name)
        if va != vb:
            changes[fld.name] = (1 - w) * va + w * vb
    return a.replace(**changes)


def solve_path(
    path,
    regime: str = "migration_mnc",
    *,
    anchor: float | None = None,
    guess: Equilibrium | None = None,
    max_halvings: int = 8,
    tol: float = TOL,
) -> list[Equilibrium]:
    """Solve along a sequence of :class:`Params` by continuation: each point starts from the previous one;
    when a step fails, it is halved (up to ``max_halvings`` times) through intermediate parameter values.

    Quota paths reuse one unconstrained reference equilibrium per distinct unconstrained economy.
    """
    out: list[Equilibrium] = []
    refs: dict = {}
    prev, prev_p = guess, None
    for p in path:
        ref = None
        if p.quotas_binding and regime in ("migration", "migration_mnc"):
            key = p.unconstrained()
            if key not in refs:
                refs[key] = solve(key, regime, anchor=anchor, guess=prev, tol=tol)
            ref = refs[key]
        eq = _continue(prev, prev_p, p, regime, anchor, ref, max_halvings, tol, refs)
        out.append(eq)
        prev, prev_p = eq, p
    return out


def _continue(prev, prev_p, p, regime, anchor, ref, halvings, tol, refs):
    try:
        return solve(p, regime, anchor=anchor, guess=prev, reference=ref, tol=tol)
    except EquilibriumError:
        if prev is None or prev_p is None or halvings <= 0:
            raise
    mid_p = _interpolate(prev_p, p, 0.5)
    mid_ref = None
    if mid_p.quotas_binding and regime in ("migration", "migration_mnc"):
        key = mid_p.unconstrained()
        mid_ref = refs.get(key) or solve(key, regime, anchor=anchor, guess=prev, tol=tol)
        refs[key] = mid_ref
    mid = _continue(prev, prev_p, mid_p, regime, anchor, mid_ref, halvings - 1, tol, refs)
    return _continue(mid, mid_p, p, regime, anchor, ref, halvings - 1, tol, refs)


def sweep(
    base: Params,
    changes: dict,
    values,
    regime: str = "migration_mnc",
    *,
    anchor: float | None = None,
    guess: Equilibrium | None = None,
) -> list[Equilibrium]:
    """Solve along ``values`` of a scalar ``v``: at each point the parameters are ``base`` with
    ``{name: fn(v)}`` for each ``name, fn`` in ``changes`` (e.g. ``{"tau12": lambda c: c * base.tau12}``)."""
    path = [base.replace(**{n: fn(v) for n, fn in changes.items()}) for v in values]
    return solve_path(path, regime, anchor=anchor, guess=guess)


def price_normaliser(params: Params) -> float:
    """The price normaliser of real wages: P_1^{aut}, the US price index in autarky under ``params``, so that
    the US low-skilled autarky real wage u^{1,1}/P_1^{aut} is 1 (Table 5's "1*").

    It depends on the parameters that enter the US autarky economy (H¹, L¹, ρ, γ, Γ, σ, ξ, ζ, α, κ, δ, B and
    the fixed costs — the CES weights are not renormalised without migrants) and not on moving costs, quotas,
    Canada's endowments or the anchor. Comparisons across parameter values should hold it fixed at a
    baseline: see ``reference`` in :meth:`Equilibrium.summary`."""
    return us_autarky(params).economy.P[0]


@functools.lru_cache(maxsize=256)
def us_autarky(params: Params) -> Equilibrium:
    """The US autarky equilibrium of ``params`` (quotas irrelevant): the normaliser of real wages and GDP.
    It does not depend on the anchor (the USA holds the numeraire)."""
    return solve(params.unconstrained(), "autarky", anchor=1.0)
