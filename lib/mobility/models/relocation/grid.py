"""The relocation model's closed forms over arrays: thresholds, equilibria and productivities of many parameter
points at once (the per-point functions of this package, vectorised; same formulas, same reading of the paper).

:func:`evaluate` takes parameter columns (``sigma``, ``rho``, ``s_E``, ``phi``, ``f``, ``f_i``; NaN in ``f_i``
means the default f/(beta-1)) and returns, per point, what the sweeps tabulate: the thresholds phi_P, phi_S
(Result 3) and the frozen-stock sustain point, the entry-stage and frozen-stock equilibria (eqs. 15-22) and the
entry-stage productivities (eqs. 23-24). The two implicit equations, the export cut-off (18) and the frozen
sustain point, are solved by a safeguarded Newton iteration on all points at once, bracketed as the scalar
solvers bracket them, to rounding accuracy (the scalar functions use Brent's method: the two agree to about
1e-14, which the tests check on grids).
"""

from __future__ import annotations

import numpy as np

__all__ = ["export_ratio", "evaluate", "COLUMNS"]

#: output columns of :func:`evaluate`, in order
COLUMNS = (
    "beta",
    "phi_p",
    "phi_s",
    "phi_s_frozen",
    "entry_a_d",
    "entry_a_x",
    "entry_a_r",
    "entry_phase",
    "entry_location",
    "entry_n_w",
    "frozen_a_x",
    "frozen_a_r",
    "frozen_phase",
    "frozen_location",
    "frozen_b",
    "frozen_b_star",
    "productivity_entry_north",
    "productivity_entry_south",
)


def _solve_monotone(FdF, lo, hi, iterations=100):
    """Roots of F (decreasing from F(lo) >= 0 to F(hi) < 0) on every element: Newton steps kept inside the
    bracket (bisection otherwise), the bracket narrowed at each step; an element stops when its step falls to
    rounding. ``FdF(x, i)`` gives F and its derivative at ``x`` for the elements ``i`` still moving."""
    lo, hi = lo.copy(), hi.copy()
    x = 0.5 * (lo + hi)
    act = np.arange(x.size)
    eps = 4 * np.finfo(float).eps
    for _ in range(iterations):
        if act.size == 0:
            break
        xa = x[act]
        f, d = FdF(xa, act)
        pos = f >= 0
        lo[act] = np.where(pos, xa, lo[act])
        hi[act] = np.where(pos, hi[act], xa)
        with np.errstate(all="ignore"):
            newton = xa - f / d
        inside = np.isfinite(newton) & (newton >= lo[act]) & (newton <= hi[act])
        nx = np.where(f == 0, xa, np.where(inside, newton, 0.5 * (lo[act] + hi[act])))
        x[act] = nx
        scale = eps * (np.abs(xa) + 1.0)  # x is a log or a freeness of trade: O(1)
        moving = (f != 0) & (np.abs(nx - xa) > scale) & (hi[act] - lo[act] > scale)
        act = act[moving]
    return x


def export_ratio(sigma, alpha, phi, u=1.0, v=1.0):
    """x = a_X/a_A in (0, 1) solving phi x**(1-sigma) u = u + v phi x**alpha (eq. 18 with u = v = 1), elementwise;
    0 where phi = 0. The bracket is the scalar solver's: x_lo = (phi u/(u + v phi))**(1/(sigma-1)),
    x_hi = phi**(1/(sigma-1))."""
    sigma, alpha, phi = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (sigma, alpha, phi)))
    out = np.zeros(phi.shape)
    m = phi > 0
    if not m.any():
        return out
    s, a, ph = sigma[m], alpha[m], phi[m]
    g = 1.0 / (s - 1.0)
    lo, hi = (ph * u / (u + v * ph)) ** g, ph**g

    # work in y = log x: F is smooth and monotone there
    def FdF(y, i):
        e1, e2 = ph[i] * np.exp((1.0 - s[i]) * y) * u, v * ph[i] * np.exp(a[i] * y)
        return e1 - u - e2, (1.0 - s[i]) * e1 - a[i] * e2

    ylo, yhi = np.log(lo), np.log(hi)
    collapsed = FdF(yhi, np.arange(yhi.size))[0] >= 0  # the bracket has collapsed onto the root (x**alpha underflows)
    y = _solve_monotone(FdF, ylo, yhi)
    out[m] = np.where(collapsed, hi, np.exp(y))
    return out


def evaluate(sigma, rho, s_E, phi, f, f_i) -> dict:
    """Every column of :data:`COLUMNS` for the points given as equal-length arrays (phases as strings)."""
    sigma, rho, s_E, phi, f, f_i = (
        np.array(a, dtype=float)
        for a in np.broadcast_arrays(
            *(np.atleast_1d(np.asarray(a, dtype=float)) for a in (sigma, rho, s_E, phi, f, f_i))
        )
    )
    beta = rho / (sigma - 1.0)
    alpha = rho + 1.0 - sigma
    f_I = np.where(np.isnan(f_i), f / (beta - 1.0), f_i)
    phi_p = (1.0 - s_E) / s_E
    phi_s = phi_p ** (1.0 / beta)
    a_A = ((beta - 1.0) * f_I / f) ** (1.0 / rho)  # autarky cut-off, eq. (6)
    n_w_aut = (beta - 1.0) / (beta * f)

    def a_R(ph, a_X, a_D):  # eqs. (17) and (20), capped at a_D
        with np.errstate(divide="ignore", invalid="ignore"):
            xx = a_X * (ph * (2 * s_E - 1) / ((1 - s_E) * (1 - ph))) ** (1.0 / alpha)
            dd = a_X * (ph * s_E / (1 - s_E)) ** (1.0 / alpha)
        low = ph <= phi_p
        r = np.where(low, np.where(ph == 0, 0.0, xx), dd)
        phase = np.where(low, "XX", "DD").astype(object)
        full = r >= a_D
        return np.where(full, a_D, r), np.where(full, "full", phase).astype(object)

    def J(a, a_D):
        return rho / alpha * a**alpha / a_D**rho

    def K(a, a_D):
        return rho / (alpha + 1.0) * a ** (alpha + 1.0) / a_D**rho

    # the frozen sustain point depends on (sigma, rho, s_E) only: solve it once per distinct triple
    keys, first, where = np.unique(
        np.stack([sigma, alpha, s_E], axis=1), axis=0, return_index=True, return_inverse=True
    )
    sus = _phi_sustain_frozen(sigma[first], alpha[first], s_E[first], phi_p[first])[where.ravel()]
    out = {"beta": beta, "phi_p": phi_p, "phi_s": phi_s, "phi_s_frozen": sus}
    # entry and exit, eqs. (21)-(22)
    pb = phi**beta
    a_D = a_A * (1 + pb) ** (-1.0 / rho)
    a_X = phi ** (1.0 / (sigma - 1.0)) * a_D
    ar, phase = a_R(phi, a_X, a_D)
    out.update(
        entry_a_d=a_D,
        entry_a_x=a_X,
        entry_a_r=ar,
        entry_phase=phase,
        entry_location=s_E + (1 - s_E) * (ar / a_D) ** rho,
        entry_n_w=(beta - 1) / (beta * f * (1 + pb)),
    )
    # productivities, eqs. (23)-(24), with s_n = s_E
    aRX = np.where(ar <= a_X, ar, a_X)

    def seg(F):
        north = s_E * (F(a_D, a_D) + phi * F(a_X, a_D)) + (1 - s_E) * (F(ar, a_D) + phi * F(aRX, a_D))
        south = (1 - s_E) * ((F(a_D, a_D) - F(ar, a_D)) + phi * (F(a_X, a_D) - F(aRX, a_D)))
        return north, south

    kN, kS = seg(K)
    jN, jS = seg(J)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["productivity_entry_north"] = kN / jN
        out["productivity_entry_south"] = np.where(ar < a_D, kS / jS, np.nan)
    # frozen stock, eqs. (15)-(20)
    x = export_ratio(sigma, alpha, phi)
    fa_X = x * a_A
    far, fphase = a_R(phi, fa_X, a_A)
    B = f * a_A ** (sigma - 1) / (1 + phi * x**alpha)
    full = fphase == "full"
    with np.errstate(divide="ignore", invalid="ignore"):
        B_full = s_E / (n_w_aut * J(a_A, a_A))
        Bs_full = (1 - s_E) / (n_w_aut * phi * J(fa_X, a_A))
    out.update(
        frozen_a_x=fa_X,
        frozen_a_r=far,
        frozen_phase=fphase,
        frozen_location=s_E + (1 - s_E) * (far / a_A) ** rho,
        frozen_b=np.where(full, B_full, B),
        frozen_b_star=np.where(full, Bs_full, B),
    )
    return {k: out[k] for k in COLUMNS}


def _phi_sustain_frozen(sigma, alpha, s_E, phi_p):
    """phi solving phi x(phi)**alpha s_E/(1-s_E) = 1 on [phi_P, 1] (inf where the left side stays below 1 at
    phi = 1), by a safeguarded Newton iteration with dx/dphi from the implicit-function theorem."""
    k = s_E / (1 - s_E)

    def G(ph):
        return ph * export_ratio(sigma, alpha, ph) ** alpha * k - 1.0

    out = np.full(sigma.shape, np.inf)
    g1 = G(np.ones_like(sigma))
    m = g1 >= 0
    if not m.any():
        return out
    s, a, kk = sigma[m], alpha[m], k[m]

    def HdH(ph, i):  # H = 1 - phi x**alpha k, decreasing in phi; dx/dphi by the implicit-function theorem
        s_, a_, k_ = s[i], a[i], kk[i]
        x = export_ratio(s_, a_, ph)
        dF_dphi = x ** (1 - s_) - x**a_
        dF_dx = (1 - s_) * ph * x ** (-s_) - a_ * ph * x ** (a_ - 1)
        dx = -dF_dphi / dF_dx
        return 1.0 - ph * x**a_ * k_, -(k_ * x**a_ + ph * k_ * a_ * x ** (a_ - 1) * dx)

    out[m] = _solve_monotone(HdH, phi_p[m].copy(), np.ones(int(m.sum())))
    return out
