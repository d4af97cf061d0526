"""Many equilibria at once: one vectorised Newton iteration over a stack of small systems.

The scalar solver (:func:`mobility.mnc.solve`) finds one equilibrium with MINPACK's hybrid method in about a
millisecond; a surface of 10,000 points is then dominated by Python overhead, although a Newton step is one
11 × 11 linear solve. Here the equilibrium conditions of :mod:`mobility.mnc.equations` are evaluated on arrays
(one row per point) *in logs*: with log wages, masses and MNC shares as unknowns every condition is a chain of
affine maps and log-sum-exps (the CES aggregates of eqs. 6–8, the price index of eq. 4, the sums of labour demands
of eqs. 40–47), so the Jacobian is carried analytically alongside the residual (forward mode: a value and a row of
derivatives per quantity; no finite differences). All points take damped Newton steps together
(``numpy.linalg.solve`` on the stack of Jacobians).

Semantics are those of the scalar solver, point by point:

- the unknowns, their order, the equations and the residual norm (max-abs log residual) are those of
  :func:`mobility.mnc.solve` (same regimes, anchors, and binding quotas, whose reference stocks come from the
  unconstrained equilibrium of the same parameters);
- a point is *converged* when its residual norm is ≤ ``tol`` (:data:`mobility.mnc.TOL`); Newton continues to the
  rounding floor, so a converged point agrees with the scalar solution to far below ``tol``;
- a point that Newton does not bring below ``tol`` falls back to the scalar solver, continuing from the previous
  point of the path as :func:`mobility.mnc.solve_path` does (step halving included). Where that fails too, the
  scalar path itself decides (near the end of an equilibrium branch, whether the scalar solver gets through
  depends on the last digits of its start): it is run from the first point of the batch, and the first point
  where it fails is flagged (``converged`` False, the scalar solver's error in ``errors``);
  :func:`solve_path` then raises that error. Failures cost scalar solves; converged points do not.

Continuation: every point starts from the first point's equilibrium (solved cold by the scalar solver, or the
``guess``); a point that does not converge from there is retried from a converged neighbour on the path (the
previous or the next point; on the snake-ordered grids of the sweeps that is one grid step away) before the scalar
fall-back.

Points are given as a list of :class:`~mobility.mnc.Params` or, for large grids, as :class:`Points` (a base and
columns of values, validated per column: building 10,000 validated dataclasses costs more than solving them).
:func:`summaries` gives the columns of :meth:`mobility.mnc.Equilibrium.summary` (vectorised; the US autarky
normaliser is solved the same way); :meth:`Batch.equilibrium` rebuilds one scalar :class:`~mobility.mnc.Equilibrium`.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from .equations import MIGRANT_TYPES, Economy
from .params import REGIMES, Params
from .solver import PAPER_ANCHORS, TOL, Equilibrium, EquilibriumError, solve
from .solver import solve_path as _scalar_path

__all__ = ["Points", "Batch", "solve_batch", "solve_path", "summaries", "SUMMARY_KEYS"]

FIELDS = tuple(f.name for f in fields(Params))
_LAM = {("h", 0, 1): "lam_h12", ("h", 1, 0): "lam_h21", ("l", 0, 1): "lam_l12", ("l", 1, 0): "lam_l21"}
_LAMS = tuple(_LAM.values())
_MOVING = ("tau12", "tau21", "t12", "t21")
_NAME = {0: "1", 1: "2"}


def _wage_name(skill, i, k):
    return f"{'s' if skill == 'h' else 'u'}{_NAME[i]}{_NAME[k]}"


# --------------------------------------------------------------------------------------------- points
class Points:
    """Parameter points as columns: ``base`` (a :class:`Params`) with ``columns`` ``{name: values}`` (equal
    lengths). Every value is validated against ``base`` (the error names the parameter and its range, as
    :class:`Params` does); a whole row is built as a :class:`Params` only when asked (:meth:`params`)."""

    def __init__(self, base: Params, columns: dict | None = None):
        if not isinstance(base, Params):
            raise TypeError(f"base must be a mobility.mnc.Params, got {type(base).__name__}")
        columns = {k: np.asarray(v, dtype=float).ravel() for k, v in (columns or {}).items()}
        unknown = sorted(set(columns) - set(FIELDS))
        if unknown:
            raise ValueError(f"unknown parameter(s) {unknown}; known: {sorted(FIELDS)}")
        lengths = {len(v) for v in columns.values()}
        if len(lengths) > 1:
            raise ValueError(f"columns must have equal lengths, got {sorted(lengths)}")
        n = lengths.pop() if lengths else 1
        for name, vals in columns.items():  # every distinct value, alone against the base
            for v in np.unique(vals):
                base.replace(**{name: float(v)})
        self.base, self.n = base, n
        self.matrix = np.empty((n, len(FIELDS)))
        for j, f in enumerate(FIELDS):
            self.matrix[:, j] = columns[f] if f in columns else getattr(base, f)
        # the one rule that ties two parameters (kappa > sigma - 1): check rows, raise Params' own error
        bad = np.nonzero(~(self.col("kappa") > self.col("sigma") - 1.0))[0]
        if bad.size:
            self.params(int(bad[0]))

    @classmethod
    def of(cls, plist) -> Points:
        """Points from a sequence of :class:`Params` (already validated)."""
        plist = list(plist)
        if not plist:
            raise ValueError("need at least one point")
        for p in plist:
            if not isinstance(p, Params):
                raise TypeError(f"params must be mobility.mnc.Params, got {type(p).__name__}")
        out = object.__new__(cls)
        out.base, out.n = plist[0], len(plist)
        out.matrix = np.array([[getattr(p, f) for f in FIELDS] for p in plist], dtype=float)
        out.__dict__["_cache"] = dict(enumerate(plist))
        return out

    @classmethod
    def _from_matrix(cls, base, matrix):
        out = object.__new__(cls)
        out.base, out.n, out.matrix = base, len(matrix), matrix
        return out

    def __len__(self):
        return self.n

    def col(self, name: str) -> np.ndarray:
        return self.matrix[:, FIELDS.index(name)]

    def params(self, i: int) -> Params:
        """Row ``i`` as a validated :class:`Params`."""
        cache = self.__dict__.setdefault("_cache", {})
        if i not in cache:
            cache[i] = Params(**dict(zip(FIELDS, self.matrix[i].tolist(), strict=True)))
        return cache[i]

    def take(self, idx) -> Points:
        return Points._from_matrix(self.base, self.matrix[idx])

    def with_values(self, **values) -> Points:
        """A copy with some parameters set to one value on every row (e.g. all quota shares = 1)."""
        m = self.matrix.copy()
        for name, v in values.items():
            m[:, FIELDS.index(name)] = v
        return Points._from_matrix(self.base, m)

    def unique(self):
        """(distinct rows as Points, index of each row's distinct row), in order of first appearance."""
        _, first, inverse = np.unique(self.matrix, axis=0, return_index=True, return_inverse=True)
        order = np.argsort(first, kind="stable")
        rank = np.empty_like(order)
        rank[order] = np.arange(order.size)
        return self.take(first[order]), rank[inverse.ravel()]


class _Par:
    """Parameter columns (arrays of shape (n,)) by name."""

    def __init__(self, pts: Points):
        for j, f in enumerate(FIELDS):
            setattr(self, f, pts.matrix[:, j])

    def __getattr__(self, name: str) -> np.ndarray:  # the columns are set dynamically (tells the type checker)
        raise AttributeError(f"no parameter column {name!r}")


# --------------------------------------------------------------------------------------------- layout
@dataclass(frozen=True)
class _Layout:
    """Which unknowns and equations a group of points has (as the scalar solver's layout)."""

    regime: str
    mnc: bool
    active: tuple
    quota: tuple  # migrant types held at lambda * reference stock (eqs. 54-57)
    anchored: bool
    names: tuple

    @classmethod
    def of(cls, lams: dict, regime: str, anchored: bool) -> _Layout:
        mnc = regime in ("mnc", "migration_mnc")
        migration = regime in ("migration", "migration_mnc")
        active = tuple(m for m in MIGRANT_TYPES if migration and lams[_LAM[m]] > 0.0)
        quota = tuple(m for m in active if lams[_LAM[m]] < 1.0)
        names = ["s11", "s22"] + ([] if anchored else ["u22"]) + [_wage_name(*m) for m in active]
        names += ["M1", "M2"] + (["chi1", "chi2"] if mnc else [])
        return cls(regime, mnc, active, quota, anchored, tuple(names))


# --------------------------------------------------------------------------------------------- forward mode
class _D:
    """A quantity in logs with its derivatives with respect to the unknowns: value ``v`` (n,) and ``g``, a
    sparse row {unknown index: derivative (a number or an array over points)}; most quantities depend on a few
    unknowns only (the wages of one country, say), so this is cheaper than dense rows."""

    __slots__ = ("v", "g")

    def __init__(self, v, g):
        self.v, self.g = v, g

    def __add__(self, o):
        if not isinstance(o, _D):
            return _D(self.v + o, self.g)
        g = dict(self.g)
        for key, d in o.g.items():
            g[key] = g[key] + d if key in g else d
        return _D(self.v + o.v, g)

    __radd__ = __add__

    def __sub__(self, o):
        if not isinstance(o, _D):
            return _D(self.v - o, self.g)
        g = dict(self.g)
        for key, d in o.g.items():
            g[key] = g[key] - d if key in g else -d
        return _D(self.v - o.v, g)

    def __mul__(self, c):  # by a constant (a number or an array over points)
        return _D(self.v * c, {key: d * c for key, d in self.g.items()})

    __rmul__ = __mul__


def _lse(terms):
    """log(sum(exp(t))) over ``terms`` and its derivative (the softmax-weighted derivatives)."""
    if len(terms) == 1:
        return terms[0]
    mx = np.maximum.reduce([t.v for t in terms])
    mx = np.where(np.isfinite(mx), mx, 0.0)
    ws = [np.exp(t.v - mx) for t in terms]
    S = sum(ws)
    g = {}
    for w, t in zip(ws, terms, strict=True):
        if t.g:
            share = w / S
            for key, d in t.g.items():
                g[key] = g[key] + share * d if key in g else share * d
    return _D(mx + np.log(S), g)


def _equations(lay: _Layout, p: _Par, X: np.ndarray, anchor, lquota, jac: bool):
    """Residuals (n, k) of every point and, with ``jac``, their Jacobians (n, k, k) in the log unknowns ``X``.

    The equations of :meth:`mobility.mnc.solver._Layout.residual` in the same order, written in logs:
    labour-market clearing (40)-(43), migration incentive compatibility (48)-(51) or quota supply (54)-(57), with
    MNCs χ_j = (φ̄_j/φ̄^f_j)^κ (38)-(39) and M_1χ_1 = M_2χ_2."""
    n, k = X.shape
    idx = {name: j for j, name in enumerate(lay.names)}

    def unk(name):
        j = idx[name]
        return _D(X[:, j], {j: 1.0} if jac else {})

    def const(v):
        return _D(np.broadcast_to(v, (n,)) if np.ndim(v) == 0 else v, {})

    ls = {(0, 0): unk("s11"), (1, 1): unk("s22")}
    lu = {(0, 0): const(0.0), (1, 1): const(math.log(anchor)) if lay.anchored else unk("u22")}
    for m in lay.active:
        (ls if m[0] == "h" else lu)[m[1], m[2]] = unk(_wage_name(*m))
    lM = [unk("M1"), unk("M2")]
    lchi: Any = [unk("chi1"), unk("chi2")] if lay.mnc else None
    lg = np.log
    zero = np.zeros(n)
    ltau = {(0, 0): zero, (1, 1): zero, (0, 1): lg(p.tau12), (1, 0): lg(p.tau21)}
    lt = {(0, 0): zero, (1, 1): zero, (0, 1): lg(p.t12), (1, 0): lg(p.t21)}
    xi: dict[Any, Any] = {(0, 0): 1.0, (1, 1): 1.0, (0, 1): p.xi12, (1, 0): p.xi21}
    zeta: dict[Any, Any] = {(0, 0): 1.0, (1, 1): 1.0, (0, 1): p.zeta12, (1, 0): p.zeta21}
    sig, kap, rho, al, g, G = p.sigma, p.kappa, p.rho, p.alpha, p.gamma, p.Gamma
    lkfac = lg(kap / (kap - sig + 1.0))
    # cutoffs, eq. (37)
    lbase = lg(p.B) + (lg((sig - 1.0) / (1.0 + kap - sig)) - lg(p.delta * p.fE)) / kap
    if lay.mnc:
        lcut = [_lse([const(lg(p.f)), lchi[i] + lg(p.fI)]) * (1.0 / kap) + lbase for i in (0, 1)]
    else:
        lcut = [const(lbase + lg(p.f) / kap)] * 2
    hs = {(i, i) for i in (0, 1)} | {(m[1], m[2]) for m in lay.active if m[0] == "h"}
    lsk = {(i, i) for i in (0, 1)} | {(m[1], m[2]) for m in lay.active if m[0] == "l"}
    classes = [(0, 0), (1, 1)] + ([(1, 0), (0, 1)] if lay.mnc else [])
    lwbar: dict[Any, Any] = {}
    Hterms: dict[Any, Any] = {}
    Lterms: dict[Any, Any] = {}
    for j, i in classes:
        lwx, lwz = lg(xi[j, 0] + xi[j, 1]), lg(zeta[j, 0] + zeta[j, 1])
        lph = {kk: ls[i, kk] + ltau[i, kk] for kk in (0, 1) if (i, kk) in hs}
        lpl = {kk: lu[i, kk] + lt[i, kk] for kk in (0, 1) if (i, kk) in lsk}
        lxw = {kk: lg(xi[j, kk]) - lwx for kk in lph}
        lzw = {kk: lg(zeta[j, kk]) - lwz for kk in lpl}
        lsb = _lse([lph[kk] * (1.0 - g) + lxw[kk] for kk in lph]) * (1.0 / (1.0 - g))  # eq. (7)
        lub = _lse([lpl[kk] * (1.0 - G) + lzw[kk] for kk in lpl]) * (1.0 / (1.0 - G))  # eq. (8)
        lwb = _lse([lsb * (1.0 - rho) + rho * lg(al), lub * (1.0 - rho) + rho * lg(1.0 - al)]) * (1.0 / (1.0 - rho))
        lwbar[j, i] = lwb
        if i == j:
            lrev = lM[i] + (lg(sig * p.f) + lkfac)
        else:
            lrev = lM[j] + lchi[j] + (lg(sig * p.fI) + lkfac)
        lcomp = lrev - lwb + lg((sig - 1.0) / sig)
        lch = lcomp + rho * lg(al) + (lwb - lsb) * rho
        lcl = lcomp + rho * lg(1.0 - al) + (lwb - lub) * rho
        for kk in lph:  # eq. (9)
            Hterms.setdefault((i, kk), []).append(lch + lxw[kk] + (lsb - lph[kk]) * g)
        for kk in lpl:  # eq. (10), exponent -Gamma
            Lterms.setdefault((i, kk), []).append(lcl + lzw[kk] + (lub - lpl[kk]) * G)
    r = []
    for demand, kk, total in ((Hterms, 0, p.H1), (Hterms, 1, p.H2), (Lterms, 0, p.L1), (Lterms, 1, p.L2)):
        r.append(_lse(demand.get((0, kk), []) + demand.get((1, kk), [])) - lg(total))  # eqs. (40)-(43)
    lavg = lkfac / (sig - 1.0)
    lcf = {}
    if lay.mnc:
        for j, i in ((0, 1), (1, 0)):  # eqs. (33)-(34)
            lcf[j, i] = lcut[i] + (lwbar[j, i] - lwbar[i, i]) + lg(p.fI / p.f) / (sig - 1.0)
    lP = []
    for i in (0, 1):  # eq. (4)
        j = 1 - i
        terms: list[Any] = [lM[i] + (lwbar[i, i] - lcut[i] - lavg) * (1.0 - sig)]
        if lay.mnc:
            terms.append(lM[j] + lchi[j] + (lwbar[j, i] - lcf[j, i] - lavg) * (1.0 - sig))
        lP.append(_lse(terms) * (1.0 / (1.0 - sig)) + lg(sig / (sig - 1.0)))
    for m in lay.active:
        skill, i, kk = m
        if m in lay.quota:  # eqs. (54)-(57)
            r.append(_lse((Hterms if skill == "h" else Lterms)[i, kk]) - lquota[m])
        else:  # eqs. (48)-(51)
            w = ls if skill == "h" else lu
            r.append((w[i, kk] - lP[i]) - (w[kk, kk] - lP[kk]))
    if lay.mnc:
        for j, i in ((0, 1), (1, 0)):  # eqs. (38)-(39)
            r.append(lchi[j] - (lcut[j] - lcf[j, i]) * kap)
        r.append((lM[0] + lchi[0]) - (lM[1] + lchi[1]))  # closing condition
    R = np.stack([np.broadcast_to(q.v, (n,)) for q in r], axis=1)
    if not jac:
        return R, None
    J = np.zeros((n, len(r), k))
    for row, q in enumerate(r):
        for key, d in q.g.items():
            J[:, row, key] = d
    return R, J


def _norms(R):
    with np.errstate(invalid="ignore"):
        out = np.max(np.abs(R), axis=1)
    out[~np.isfinite(out)] = np.inf
    return out


def _newton(lay, pts: Points, X, anchor, lquota, tol, max_iter=60, floor=4e-15):
    """Damped Newton on every row of ``X`` (n, k) at once; returns (X, norms, residual evaluations per point)."""
    n, k = X.shape
    X = X.copy()
    ev = np.zeros(n, dtype=np.int64)
    par = _Par(pts)
    with np.errstate(all="ignore"):
        R, J = _equations(lay, par, X, anchor, lquota, True)
    ev += 1
    norm = _norms(R)
    act = np.nonzero(norm > floor)[0]
    stall = np.zeros(n, dtype=np.int64)
    for _ in range(max_iter):
        if act.size == 0:
            break
        Ja, Ra = J[act], R[act]
        ok = np.all(np.isfinite(Ja), axis=(1, 2)) & np.all(np.isfinite(Ra), axis=1)
        dX = np.zeros((act.size, k))
        for rows in (np.nonzero(ok)[0],):
            try:
                dX[rows] = -np.linalg.solve(Ja[rows], Ra[rows][:, :, None])[:, :, 0]
            except np.linalg.LinAlgError:  # a singular Jacobian somewhere: solve one by one
                for r in rows:
                    try:
                        dX[r] = -np.linalg.solve(Ja[r], Ra[r])
                    except np.linalg.LinAlgError:
                        ok[r] = False
        cur = norm[act]
        new_norm = cur.copy()
        step = np.ones(act.size)
        todo = np.nonzero(ok)[0]
        sub = _Par(pts.take(act[todo]))
        q = _take(lquota, act[todo])
        Xt = X[act[todo]] + dX[todo]
        with np.errstate(all="ignore"):  # the full step, with the Jacobian (kept when the step is taken)
            Rt, Jt = _equations(lay, sub, Xt, anchor, q, True)
        ev[act[todo]] += 1
        nt = _norms(Rt)
        better = nt < cur[todo]
        acc = act[todo[better]]
        X[acc], R[acc], J[acc], norm[acc] = Xt[better], Rt[better], Jt[better], nt[better]
        new_norm[todo[better]] = nt[better]
        todo = todo[~better]
        todo = todo[cur[todo] > tol]  # at the rounding floor already: a step that does not help ends Newton there
        halved = []
        for _ls in range(30):  # backtracking: halve the step until the residual norm falls
            if todo.size == 0:
                break
            step[todo] *= 0.5
            Xt = X[act[todo]] + step[todo, None] * dX[todo]
            with np.errstate(all="ignore"):
                nt = _norms(_equations(lay, _Par(pts.take(act[todo])), Xt, anchor, _take(lquota, act[todo]), False)[0])
            ev[act[todo]] += 1
            better = nt < cur[todo]
            X[act[todo[better]]] = Xt[better]
            new_norm[todo[better]] = nt[better]
            halved += list(act[todo[better]])
            todo = todo[~better]
        if halved:  # residual and Jacobian at the points reached by a shortened step
            h = np.array(sorted(halved))
            with np.errstate(all="ignore"):
                Rh, Jh = _equations(lay, _Par(pts.take(h)), X[h], anchor, _take(lquota, h), True)
            R[h], J[h], norm[h] = Rh, Jh, _norms(Rh)
        improved = new_norm < cur
        stall[act] = np.where(improved & (new_norm < 0.5 * cur), 0, stall[act] + 1)
        act = act[(norm[act] > floor) & (stall[act] < 2) & ok]
    return X, norm, ev


def _take(lquota, idx):
    return None if lquota is None else {m: v[idx] for m, v in lquota.items()}


# --------------------------------------------------------------------------------------------- results
@dataclass
class Batch:
    """Equilibria of many points: unknowns ``x`` (logs, one row per point, columns ``names``), residual norms,
    residual evaluations, convergence flags; ``errors[i]`` is the scalar solver's error where a point has no
    equilibrium, ``fallback`` the points the scalar solver finished."""

    points: Points
    regime: str
    anchor: float | None
    names: Any
    x: Any
    residual_norm: np.ndarray
    evaluations: np.ndarray
    converged: np.ndarray
    errors: dict = field(default_factory=dict)
    fallback: list = field(default_factory=list)
    layout: Any = None
    runs: list | None = None  # [(first index, Batch)] when the path crosses points with different unknowns

    def __len__(self):
        return len(self.points)

    @property
    def ok(self) -> bool:
        return bool(self.converged.all())

    def equilibrium(self, i: int) -> Equilibrium:
        """Point ``i`` as a scalar :class:`~mobility.mnc.Equilibrium` (its :class:`Economy` rebuilt)."""
        if self.runs:
            a, run = [(a, r) for a, r in self.runs if a <= i][-1]
            return run.equilibrium(i - a)
        if not self.converged[i]:
            raise self.errors.get(i) or EquilibriumError("no equilibrium at this point", float(self.residual_norm[i]))
        p, lay = self.points.params(i), self.layout
        v = dict(zip(self.names, np.exp(self.x[i]).tolist(), strict=True))
        s = {(0, 0): v["s11"], (1, 1): v["s22"]}
        u = {(0, 0): 1.0, (1, 1): self.anchor if lay.anchored else v["u22"]}
        for m in lay.active:
            (s if m[0] == "h" else u)[m[1], m[2]] = v[_wage_name(*m)]
        chi = [v["chi1"], v["chi2"]] if lay.mnc else [0.0, 0.0]
        e = Economy(p, s, u, [v["M1"], v["M2"]], chi, lay.active, lay.mnc)
        anchor = e.u[1, 1] if self.regime in ("autarky", "migration") else None
        return Equilibrium(
            p,
            self.regime,
            anchor,
            self.names,
            self.x[i].copy(),
            float(self.residual_norm[i]),
            int(self.evaluations[i]),
            True,
            e,
        )

    def raise_first(self):
        """Raise the scalar solver's error of the first point (in order) without an equilibrium, if any."""
        if not self.ok:
            first = int(np.nonzero(~self.converged)[0][0])
            raise self.errors.get(first) or EquilibriumError("no equilibrium found", float(self.residual_norm[first]))


def _check_regime(regime, anchor):
    if regime not in REGIMES:
        raise ValueError(f"regime {regime!r} unknown; use one of {REGIMES}")
    if regime in ("mnc", "migration_mnc"):
        if anchor is not None:
            raise ValueError(
                f"anchor is only for the regimes without MNCs; regime {regime!r} is closed by M1*chi1 = M2*chi2"
            )
        return None
    anchor = PAPER_ANCHORS[regime] if anchor is None else anchor
    if not (isinstance(anchor, (int, float)) and math.isfinite(anchor) and anchor > 0):
        raise ValueError(f"anchor (Canada's nominal low-skilled wage u22) must be > 0, got {anchor!r}")
    return float(anchor)


def solve_batch(
    params,
    regime: str = "migration_mnc",
    *,
    anchor: float | None = None,
    guess: Equilibrium | None = None,
    tol: float = TOL,
    max_halvings: int = 8,
) -> Batch:
    """Solve the equilibria of ``params`` (:class:`Points`, or a sequence of :class:`Params`), ordered as a
    continuation path (neighbours close in parameter space), in one vectorised Newton iteration.

    Never raises for a point without an equilibrium: it is flagged (``converged`` False, ``errors[i]``); see
    :func:`solve_path` for the raising variant."""
    pts = params if isinstance(params, Points) else Points.of(params)
    anchor = _check_regime(regime, anchor)
    if guess is not None and not isinstance(guess, Equilibrium):
        raise TypeError(f"guess must be a mobility.mnc.Equilibrium, got {type(guess).__name__}")
    lam = pts.matrix[:, [FIELDS.index(x) for x in _LAMS]]
    key = np.where(lam <= 0.0, 0, np.where(lam < 1.0, 1, 2)) @ np.array([1, 3, 9, 27])
    cuts = [0, *(np.nonzero(np.diff(key))[0] + 1).tolist(), len(pts)]
    if len(cuts) == 2:
        return _solve_run(pts, regime, anchor, guess, tol, max_halvings)
    # runs of points with the same unknowns (quota shares = 1, in (0, 1) or 0), each continuing from the last
    # equilibrium of the previous run, as the scalar path does
    runs = []
    for a, b in itertools.pairwise(cuts):
        run = _solve_run(pts.take(np.arange(a, b)), regime, anchor, guess, tol, max_halvings)
        runs.append(run)
        conv = np.nonzero(run.converged)[0]
        guess = run.equilibrium(int(conv[-1])) if conv.size else guess
    return Batch(
        pts,
        regime,
        anchor,
        None,
        None,
        np.concatenate([r.residual_norm for r in runs]),
        np.concatenate([r.evaluations for r in runs]),
        np.concatenate([r.converged for r in runs]),
        {a + i: e for a, r in zip(cuts, runs, strict=False) for i, e in r.errors.items()},
        [a + i for a, r in zip(cuts, runs, strict=False) for i in r.fallback],
        None,
        list(zip(cuts, runs, strict=False)),
    )


def _solve_run(pts, regime, anchor, guess, tol, max_halvings):
    lam = pts.matrix[0, [FIELDS.index(x) for x in _LAMS]]
    lay = _Layout.of(dict(zip(_LAMS, lam.tolist(), strict=True)), regime, anchor is not None)
    lquota, ref = None, None
    if lay.quota:  # the unconstrained equilibria of the same parameters give the reference stocks H^E, L^E
        uniq, where = pts.with_values(**dict.fromkeys(_LAMS, 1.0)).unique()
        ref = solve_batch(uniq, regime, anchor=anchor, guess=guess, tol=tol, max_halvings=max_halvings)
        econ = _economy(ref, np.arange(len(uniq)))
        lquota = {}
        for m in lay.quota:
            d = econ.H if m[0] == "h" else econ.L
            stock = np.where(ref.converged, d[m[1], m[2]], np.nan)[where]
            lquota[m] = np.log(pts.col(_LAM[m]) * stock)
    x, norm, ev, conv, errors, fallback = _solve(lay, pts, regime, anchor, guess, tol, lquota, max_halvings, ref)
    return Batch(pts, regime, anchor, lay.names, x, norm, ev, conv, errors, fallback, lay)


def _solve(lay, pts, regime, anchor, guess, tol, lquota, max_halvings, ref):
    n, k = len(pts), len(lay.names)
    ev = np.zeros(n, dtype=np.int64)
    x0 = None
    if guess is not None and tuple(guess.names) == lay.names and (not lay.anchored or guess.anchor == anchor):
        x0 = np.asarray(guess.x, dtype=float)
    if x0 is None:  # the first point by the scalar solver (cold, or mapping a guess of another regime/anchor)
        try:
            first = _scalar(pts, 0, regime, anchor, guess, tol, ref)
            x0 = first.x
            ev[0] += first.iterations
        except EquilibriumError:
            x0 = None
    X = np.full((n, k), np.nan)
    norm = np.full(n, np.inf)
    tried = np.zeros((n, 2), dtype=bool)  # retried from: 0 = previous point, 1 = next point
    if x0 is not None:
        # coarse to fine along the path: points at stride 2^L start from the nearest converged point of the coarser
        # levels (at the finest level, from a path neighbour), so that most points start one step away
        X[0] = x0
        Xn, nn, e = _newton(lay, pts.take([0]), X[:1], anchor, _take(lquota, [0]), tol)
        X[0], norm[0] = Xn[0], nn[0]
        ev[0] += e[0]
        attempted = np.zeros(n, dtype=bool)
        attempted[0] = True
        stride = 1 << max(0, (n - 1).bit_length())
        while stride >= 1:
            new = np.arange(0, n, stride)
            new = new[~attempted[new]]
            stride //= 2
            if new.size == 0:
                continue
            attempted[new] = True
            done = np.nonzero(norm <= tol)[0]
            if done.size == 0:
                break
            pos = np.searchsorted(done, new)
            left = done[np.clip(pos - 1, 0, done.size - 1)]
            right = done[np.clip(pos, 0, done.size - 1)]
            src = np.where((np.abs(new - left) <= np.abs(right - new)) | (right < new), left, right)
            Xn, nn, e = _newton(lay, pts.take(new), X[src], anchor, _take(lquota, new), tol)
            X[new], norm[new] = Xn, nn
            ev[new] += e
    conv = norm <= tol
    while True:  # continuation: retry from a converged neighbour on the path until nothing changes
        cand, src = [], []
        for i in np.nonzero(~conv)[0].tolist():
            for side, j in ((0, i - 1), (1, i + 1)):
                if 0 <= j < n and conv[j] and not tried[i, side]:
                    cand.append(i)
                    src.append(j)
                    tried[i, side] = True
                    break
        if not cand:
            break
        cand, src = np.array(cand), np.array(src)
        Xn, nn, e = _newton(lay, pts.take(cand), X[src], anchor, _take(lquota, cand), tol)
        ev[cand] += e
        better = nn < norm[cand]
        X[cand[better]], norm[cand[better]] = Xn[better], nn[better]
        conv = norm <= tol
    errors, fallback, decided = {}, [], False
    kw = {"anchor": anchor if lay.anchored else None, "max_halvings": max_halvings, "tol": tol}

    def path_to(j):  # the scalar path from the start of this run to point j (what solve_path computes)
        return _scalar_path([pts.params(m) for m in range(j + 1)], regime, guess=guess, **kw)

    for i in np.nonzero(~conv)[0].tolist():
        fallback.append(i)
        try:  # the scalar solver, continuing from the previous point as solve_path does (step halving included)
            if i > 0 and conv[i - 1]:
                prev = Equilibrium(
                    pts.params(i - 1), regime, anchor, lay.names, X[i - 1].copy(), float(norm[i - 1]), 0, True, None
                )  # a warm start reads names, x and anchor
                eq = _scalar_path([pts.params(i - 1), pts.params(i)], regime, guess=prev, **kw)[-1]
            else:
                eq = _scalar(pts, i, regime, anchor, guess, tol, ref)
        except EquilibriumError as err:
            if decided:
                errors[i], norm[i] = err, err.residual_norm
                continue
            # the first failure decides the path: near a point where equilibria cease to exist, whether the
            # scalar solver gets through depends on the last digits of its start, so ask the scalar path itself
            decided = True
            try:
                eq = path_to(i)[-1]
            except EquilibriumError as err_i:
                j, err_j = _first_failure(path_to, i, err_i)
                errors[j], norm[j], conv[j] = err_j, err_j.residual_norm, False
                if j != i:
                    fallback.append(j)
                    errors[i], norm[i] = err, err.residual_norm
                continue
        X[i], norm[i], conv[i] = eq.x, eq.residual_norm, True
        ev[i] += eq.iterations
    return X, norm, ev, conv, errors, sorted(set(fallback))


def _first_failure(path_to, i, err_i):
    """The first point j <= i at which the scalar path fails (it fails at i or before), by bisection on
    prefixes; with its error."""
    lo, hi, err = -1, i, err_i  # the path reaches lo (none: -1) and fails by hi
    while hi - lo > 1:
        mid = (lo + hi) // 2
        try:
            path_to(mid)
            lo = mid
        except EquilibriumError as e:
            hi, err = mid, e
    return hi, err


def _scalar(pts, i, regime, anchor, guess, tol, ref):
    p = pts.params(i)
    reference = None
    if ref is not None:
        row = np.nonzero((ref.points.matrix == _unconstrained_row(pts, i)).all(axis=1))[0][0]
        reference = ref.equilibrium(int(row))
    return solve(
        p,
        regime,
        anchor=anchor if regime in ("autarky", "migration") else None,
        guess=guess,
        reference=reference,
        tol=tol,
    )


def _unconstrained_row(pts, i):
    row = pts.matrix[i].copy()
    for name in _LAMS:
        row[FIELDS.index(name)] = 1.0
    return row


def solve_path(
    path,
    regime: str = "migration_mnc",
    *,
    anchor: float | None = None,
    guess: Equilibrium | None = None,
    max_halvings: int = 8,
    tol: float = TOL,
) -> Batch:
    """:func:`mobility.mnc.solve_path`, batched: the same points and the same failures. Returns the
    :class:`Batch`; raises the scalar solver's :class:`~mobility.mnc.EquilibriumError` of the first point without
    an equilibrium."""
    b = solve_batch(path, regime, anchor=anchor, guess=guess, tol=tol, max_halvings=max_halvings)
    b.raise_first()
    return b


# --------------------------------------------------------------------------------------------- summaries
#: the keys of :meth:`mobility.mnc.Equilibrium.summary`, in its order
SUMMARY_KEYS = (
    "real_wage_low_usa",
    "real_wage_low_canada",
    "real_wage_high_usa",
    "real_wage_high_canada",
    "migrants_low_usa_to_canada",
    "migrants_low_canada_to_usa",
    "bilaterality_low",
    "real_wage_low_usa_born_in_canada",
    "real_wage_low_canada_born_in_usa",
    "migrants_high_usa_to_canada",
    "migrants_high_canada_to_usa",
    "bilaterality_high",
    "real_wage_high_usa_born_in_canada",
    "real_wage_high_canada_born_in_usa",
    "mass_local_usa",
    "mass_foreign_usa",
    "mass_local_canada",
    "mass_foreign_canada",
    "cutoff_local_usa",
    "cutoff_foreign_usa",
    "cutoff_local_canada",
    "cutoff_foreign_canada",
    "productivity_usa",
    "productivity_canada",
    "gdp_per_capita_usa",
    "gdp_per_capita_canada",
    "share_high_local_usa",
    "share_high_foreign_usa",
    "share_low_local_usa",
    "share_low_foreign_usa",
    "share_high_local_canada",
    "share_high_foreign_canada",
    "share_low_local_canada",
    "share_low_foreign_canada",
    "wage_share_high_usa",
)


class _Econ:
    """The quantities of :class:`mobility.mnc.equations.Economy` in levels, on arrays (the same formulas, for
    the summaries; the solver works in logs)."""

    def __init__(self, lay: _Layout, p: _Par, cols: dict, anchor):
        one = np.ones_like(cols["s11"])
        zero = 0.0 * one
        s = {(0, 0): cols["s11"], (1, 1): cols["s22"]}
        u = {(0, 0): one, (1, 1): (anchor * one) if lay.anchored else cols["u22"]}
        for m in lay.active:
            (s if m[0] == "h" else u)[m[1], m[2]] = cols[_wage_name(*m)]
        M = [cols["M1"], cols["M2"]]
        chi = [cols["chi1"], cols["chi2"]] if lay.mnc else [zero, zero]
        self.s, self.u, self.M, self.chi, self.mnc, self.p = s, u, M, chi, lay.mnc, p
        tau: dict[Any, Any] = {(0, 0): 1.0, (1, 1): 1.0, (0, 1): p.tau12, (1, 0): p.tau21}
        t: dict[Any, Any] = {(0, 0): 1.0, (1, 1): 1.0, (0, 1): p.t12, (1, 0): p.t21}
        xi: dict[Any, Any] = {(0, 0): 1.0, (1, 1): 1.0, (0, 1): p.xi12, (1, 0): p.xi21}
        zeta: dict[Any, Any] = {(0, 0): 1.0, (1, 1): 1.0, (0, 1): p.zeta12, (1, 0): p.zeta21}
        self.tau, self.t = tau, t
        sig, kap, rho, al, g, G = p.sigma, p.kappa, p.rho, p.alpha, p.gamma, p.Gamma
        kfac = kap / (kap - sig + 1.0)
        self.cut = [
            p.B * ((p.f + chi[i] * p.fI) / (p.delta * p.fE) * (sig - 1.0) / (1.0 + kap - sig)) ** (1.0 / kap)
            for i in (0, 1)
        ]
        self.classes = [(0, 0), (1, 1)] + ([(1, 0), (0, 1)] if lay.mnc else [])
        self.wbar, self.H_by, self.L_by = {}, {}, {}
        self.H = {(i, k): zero for i in (0, 1) for k in (0, 1)}
        self.L = dict(self.H)
        hs = {(i, i) for i in (0, 1)} | {(m[1], m[2]) for m in lay.active if m[0] == "h"}
        ls = {(i, i) for i in (0, 1)} | {(m[1], m[2]) for m in lay.active if m[0] == "l"}
        for j, i in self.classes:
            wx = xi[j, 0] + xi[j, 1]
            wz = zeta[j, 0] + zeta[j, 1]
            ph = {k: tau[i, k] * s[i, k] for k in (0, 1) if (i, k) in hs}
            pl = {k: t[i, k] * u[i, k] for k in (0, 1) if (i, k) in ls}
            sb = sum(xi[j, k] / wx * ph[k] ** (1.0 - g) for k in ph) ** (1.0 / (1.0 - g))  # eq. (7)
            ub = sum(zeta[j, k] / wz * pl[k] ** (1.0 - G) for k in pl) ** (1.0 / (1.0 - G))  # eq. (8)
            wb = (al**rho * sb ** (1.0 - rho) + (1.0 - al) ** rho * ub ** (1.0 - rho)) ** (1.0 / (1.0 - rho))
            self.wbar[j, i] = wb
            revenue = M[i] * sig * p.f * kfac if i == j else M[j] * chi[j] * sig * p.fI * kfac
            composite = (sig - 1.0) / sig * revenue / wb
            for k in ph:  # eq. (9)
                h = composite * al**rho * (wb / sb) ** rho * xi[j, k] / wx * (sb / ph[k]) ** g
                self.H_by[j, i, k] = h
                self.H[i, k] = self.H[i, k] + h
            for k in pl:  # eq. (10)
                ll = composite * (1.0 - al) ** rho * (wb / ub) ** rho * zeta[j, k] / wz * (ub / pl[k]) ** G
                self.L_by[j, i, k] = ll
                self.L[i, k] = self.L[i, k] + ll
        self.cut_f = {}
        if lay.mnc:
            for j, i in ((0, 1), (1, 0)):
                self.cut_f[j, i] = (
                    self.cut[i] * (self.wbar[j, i] / self.wbar[i, i]) * (p.fI / p.f) ** (1.0 / (sig - 1.0))
                )
        self.P: list[Any] = [None, None]
        self.R: list[Any] = [None, None]
        markup = sig / (sig - 1.0)
        self.avg = (kap / (kap - sig + 1.0)) ** (1.0 / (sig - 1.0))
        for i in (0, 1):
            j = 1 - i
            tot = M[i] * (self.wbar[i, i] / (self.avg * self.cut[i])) ** (1.0 - sig)
            rev = M[i] * sig * p.f * kfac
            if lay.mnc:
                tot = tot + M[j] * chi[j] * (self.wbar[j, i] / (self.avg * self.cut_f[j, i])) ** (1.0 - sig)
                rev = rev + M[j] * chi[j] * sig * p.fI * kfac
            self.P[i] = markup * tot ** (1.0 / (1.0 - sig))
            self.R[i] = rev


def _economy(b: Batch, idx) -> _Econ:
    X = np.where(np.isfinite(b.x[idx]), b.x[idx], 0.0)
    cols = {name: np.exp(X[:, j]) for j, name in enumerate(b.names)}
    return _Econ(b.layout, _Par(b.points.take(idx)), cols, b.anchor)


def _gdp_pc(e: _Econ, i: int):
    employment = sum(e.H[i, k] + e.L[i, k] for k in (0, 1))
    return (e.p.sigma - 1.0) / e.p.sigma * e.R[i] / e.P[i] / employment


def summaries(b: Batch) -> dict:
    """:meth:`mobility.mnc.Equilibrium.summary` of every point as arrays, same keys and order (NaN where a point
    has no equilibrium). The US autarky normaliser of each point is solved as a batch too."""
    if b.runs:
        parts = [summaries(r) for _, r in b.runs]
        return {k: np.concatenate([p[k] for p in parts]) for k in SUMMARY_KEYS}
    n = len(b)
    out = {k: np.full(n, np.nan) for k in SUMMARY_KEYS}
    idx = np.nonzero(b.converged)[0]
    if idx.size == 0:
        return out
    # US autarky (anchor 1) of the unconstrained economy; moving costs and quotas play no part in it
    aut_pts, where = (
        b.points.take(idx)
        .with_values(**{**dict.fromkeys(_LAMS, 1.0), **{m: getattr(b.points.base, m) for m in _MOVING}})
        .unique()
    )
    aut = solve_batch(aut_pts, "autarky", anchor=1.0)
    aut.raise_first()
    ae = _economy(aut, np.arange(len(aut_pts)))
    P_aut, gdp_aut = ae.P[0][where], _gdp_pc(ae, 0)[where]
    e = _economy(b, idx)
    m = idx.size
    nan = np.full(m, np.nan)

    def col(a):
        return np.broadcast_to(np.asarray(a, dtype=float), (m,))

    def real_wage(skill, i, k):
        w = (e.s if skill == "h" else e.u).get((i, k))
        return nan if w is None else col(w / e.P[i]) * P_aut

    res = {
        "real_wage_low_usa": real_wage("l", 0, 0),
        "real_wage_low_canada": real_wage("l", 1, 1),
        "real_wage_high_usa": real_wage("h", 0, 0),
        "real_wage_high_canada": real_wage("h", 1, 1),
    }
    migration = b.regime in ("migration", "migration_mnc")
    for skill, word in (("l", "low"), ("h", "high")):
        d = e.H if skill == "h" else e.L
        a, c = col(d[1, 0]), col(d[0, 1])
        with np.errstate(invalid="ignore", divide="ignore"):
            bil = np.where(a + c > 0, 1.0 - np.abs(a - c) / (a + c), np.nan)  # eq. (1)
        res[f"migrants_{word}_usa_to_canada"] = a if migration else nan
        res[f"migrants_{word}_canada_to_usa"] = c if migration else nan
        res[f"bilaterality_{word}"] = bil if migration else nan
        res[f"real_wage_{word}_usa_born_in_canada"] = real_wage(skill, 1, 0)
        res[f"real_wage_{word}_canada_born_in_usa"] = real_wage(skill, 0, 1)
    res["mass_local_usa"] = col(e.M[0])
    res["mass_foreign_usa"] = col(e.M[1] * e.chi[1]) if e.mnc else nan
    res["mass_local_canada"] = col(e.M[1])
    res["mass_foreign_canada"] = col(e.M[0] * e.chi[0]) if e.mnc else nan
    res["cutoff_local_usa"] = col(e.cut[0])
    res["cutoff_foreign_usa"] = col(e.cut_f[1, 0]) if e.mnc else nan
    res["cutoff_local_canada"] = col(e.cut[1])
    res["cutoff_foreign_canada"] = col(e.cut_f[0, 1]) if e.mnc else nan
    p = e.p
    for country, i in (("usa", 0), ("canada", 1)):
        j = 1 - i
        num = e.M[i] * (e.avg * e.cut[i]) ** (p.sigma - 1.0)
        den = e.M[i]
        if e.mnc:
            mf = e.M[j] * e.chi[j]
            num = num + mf * (e.avg * e.cut_f[j, i]) ** (p.sigma - 1.0)
            den = den + mf
        res[f"productivity_{country}"] = col((num / den) ** (1.0 / (p.sigma - 1.0)))
    res["gdp_per_capita_usa"] = 100.0 * col(_gdp_pc(e, 0)) / gdp_aut
    res["gdp_per_capita_canada"] = 100.0 * col(_gdp_pc(e, 1)) / gdp_aut
    for country, i in (("usa", 0), ("canada", 1)):
        for skill, word in (("h", "high"), ("l", "low")):
            d = e.H_by if skill == "h" else e.L_by
            for firm, j in (("local", i), ("foreign", 1 - i)):
                if firm == "foreign" and not e.mnc:
                    res[f"share_{word}_{firm}_{country}"] = nan
                    continue
                native, migrants = col(d.get((j, i, i), 0.0)), col(d.get((j, i, 1 - i), 0.0))
                with np.errstate(invalid="ignore", divide="ignore"):
                    res[f"share_{word}_{firm}_{country}"] = np.where(
                        native > 0, 100.0 * migrants / (native + migrants), np.nan
                    )
    high = sum(col(e.tau[0, k] * e.s[0, k] * e.H[0, k]) for k in (0, 1) if (0, k) in e.s)
    low = sum(col(e.t[0, k] * e.u[0, k] * e.L[0, k]) for k in (0, 1) if (0, k) in e.u)
    res["wage_share_high_usa"] = high / (high + low)
    for k in SUMMARY_KEYS:
        out[k][idx] = res[k]
    return out
