"""Static equilibria of the relocation model (Baldwin & Okubo), eqs. (3)-(22), reconstructed.

Heterogeneous firms (Melitz 2003) combined with the footloose-capital model (Martin & Rogers 1995): two nations
that differ only in size (North's expenditure share ``s_E`` in (1/2, 1)), a Pareto distribution of unit labour
coefficients ``G[a] = a**rho`` on [0, 1], CES demand with elasticity ``sigma``, a beachhead cost per market and an
innovation cost per unit of capital.

The seed text lost its displayed equations; every formula here is **reconstructed** from the surrounding text and
the inline formulas that survive (the HME derivative, footnote 11, phi_P, phi_S and the sigma = rho = 2 special
case). The equation numbers follow the paper; where a number is inferred from the text around a lost display, the
docstring says so.

Notation: ``B = E/Delta`` is per-firm demand in a market, ``Delta = n * m-bar`` the competition index (``m-bar`` =
the average of ``a**(1-sigma)`` over the firms selling there, imports weighted by ``phi``).

Two-stage equilibria, as in the paper: *frozen* = relocation with the autarky firm stock frozen (Section 3.2,
eqs. 15-20), *entry* = relocation followed by entry and exit (Section 3.2.1, eqs. 21-22). *hft* = trade without
relocation (Section 3.1, eqs. 7-9), the Helpman-Melitz-Yeaple equilibrium.

Conventions
-----------
- **The phase at phi_P.** At phi = phi_P the XX formula (17) and the DD formula (20) give the same a_R (= a_X);
  :func:`frozen` and :func:`entry` label that point ``"XX"`` (the XX phase is the closed interval up to phi_P).
- **No sustain point.** When the frozen stock never fully agglomerates before phi = 1,
  :func:`phi_sustain_frozen` returns ``math.inf`` ("no sustain point in [0, 1]"); pages show it as "never".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from .numerics import _min, _re
from .params import Params, RelocationParameterError, RelocationSolveError, check_phi, check_positive

__all__ = [
    "Equilibrium",
    "Gains",
    "autarky",
    "hft",
    "hme_derivative",
    "phi_partition",
    "phi_sustain",
    "phi_sustain_frozen",
    "deltas",
    "thresholds_by_root_finding",
    "export_ratio",
    "initial_gains",
    "frozen",
    "entry",
]


def _phi(p: Params, phi):
    return check_phi(p.phi if phi is None else phi)


# --------------------------------------------------------------------------------------------- integrals
def _J(p: Params, a, a_D):
    """int_0^a x**(1-sigma) dG[x | a_D] = (rho/alpha) a**alpha / a_D**rho (Pareto; needs beta > 1)."""
    return p.rho / p.alpha * a**p.alpha / a_D**p.rho


def _K(p: Params, a, a_D):
    """int_0^a x * x**(1-sigma) dG[x | a_D] = rho/(alpha+1) a**(alpha+1) / a_D**rho."""
    return p.rho / (p.alpha + 1) * a ** (p.alpha + 1) / a_D**p.rho


# --------------------------------------------------------------------------------------------- autarky
def autarky(p: Params) -> dict:
    """Closed economy, eqs. (3)-(6) (reconstructed).

    Cut-off (3): a_D**(1-sigma) B = f with B = E/(n m-bar), m-bar = int a**(1-sigma) dG[a|a_D];
    free entry (4): int_0^{a_D} (a**(1-sigma) B - f) dG = f_i; Pareto (5): G = a**rho.
    Solution (6): a_D**rho = (beta-1) f_i/f and n = E (beta-1)/(beta f); world mass n_w = (beta-1)/(beta f).
    The cut-off does not depend on market size, so both nations share it and s_n = s_E.
    """
    a_D = ((p.beta - 1) * p.f_I / p.f) ** (1 / p.rho)
    n_w = (p.beta - 1) / (p.beta * p.f)
    return {"a_D": a_D, "n_w": n_w, "n": p.s_E * n_w, "n_star": (1 - p.s_E) * n_w, "B": p.f * a_D ** (p.sigma - 1)}


# --------------------------------------------------------------------------------------------- no relocation
def hft(p: Params, phi=None) -> dict:
    """Trade without relocation (Section 3.1), eqs. (7)-(9) (reconstructed).

    Cut-offs (7): a_D**(1-sigma) B = f, phi a_X**(1-sigma) B* = f (and the mirror conditions); free entry (8)
    in each nation. With B = B* the thresholds coincide across nations and (9):
    a_D = a_A (1+phi**beta)**(-1/rho), a_X = phi**(1/(sigma-1)) a_D, n_w = (beta-1)/(beta f (1+phi**beta)),
    s_n = s_E + phi**beta (2 s_E - 1)/(1 - phi**beta).
    s_n reaches 1 at phi_S = ((1-s_E)/s_E)**(1/beta); beyond it the South has no firms and s_n is capped at 1
    (``corner`` is True; then B != B* and the formulas for a_D, a_X no longer apply).
    """
    phi = _phi(p, phi)
    a_A = autarky(p)["a_D"]
    pb = phi**p.beta
    a_D = a_A * (1 + pb) ** (-1 / p.rho)
    corner = _re(phi) >= _re(phi_sustain(p))
    s_n = 1.0 if corner else p.s_E + pb * (2 * p.s_E - 1) / (1 - pb)
    return {
        "a_D": a_D,
        "a_X": phi ** (1 / (p.sigma - 1)) * a_D,
        "n_w": (p.beta - 1) / (p.beta * p.f * (1 + pb)),
        "s_n": s_n,
        "B": p.f * a_D ** (p.sigma - 1),
        "corner": corner,
        "phi": phi,
    }


def hme_derivative(p: Params, phi=None):
    """ds_n/ds_E = (1+phi**beta)/(1-phi**beta), from the fourth expression of (9) (text of Section 3.1);
    the homogeneous-firm value is (1+phi)/(1-phi) (beta = 1). Defined for phi in [0, 1) (infinite at free
    trade): phi = 1 raises :class:`RelocationParameterError`."""
    phi = check_phi(p.phi if phi is None else phi, below_one=True)
    pb = phi**p.beta
    return (1 + pb) / (1 - pb)


# --------------------------------------------------------------------------------------------- thresholds
def phi_partition(p: Params) -> float:
    """Partitioning point phi_P = (1-s_E)/s_E where a_R = a_X (text after eq. 17; Result 3). It is the same in the
    frozen and the entry/exit stage: setting a_R = a_X in (17) does not involve a_X itself."""
    return (1 - p.s_E) / p.s_E


def phi_sustain(p: Params) -> float:
    """Sustain point phi_S = ((1-s_E)/s_E)**(1/beta) where a_R = a_D (Result 3).

    Exact for the entry/exit stage, where the ratio of cut-offs a_X/a_D = phi**(1/(sigma-1)) holds; with the firm
    stock frozen the sustain point is :func:`phi_sustain_frozen`. It is also where s_n of (9) reaches 1."""
    return phi_partition(p) ** (1 / p.beta)


def deltas(p: Params, phi, a_D, a_X, a_R, n_w, s_n):
    """Competition indices Delta = n m-bar of the North and the South from the firm positions (eqs. 15 and 19):
    North-owned firms (mass s_n n_w) on [0, a_D] in the North, Southern firms on [0, a_R] relocated North, the rest
    in the South; firms below a_X export (imports weighted by phi). Returns (Delta, Delta*)."""
    aRX = _min(a_R, a_X)
    aXR = a_X if _re(a_X) >= _re(a_R) else a_R
    J = lambda a: _J(p, a, a_D)  # noqa: E731
    north = s_n * J(a_D) + (1 - s_n) * (J(a_R) + phi * (J(aXR) - J(a_R)))
    south = (1 - s_n) * (J(a_D) - J(a_R)) + phi * (s_n * J(a_X) + (1 - s_n) * J(aRX))
    return n_w * north, n_w * south


def thresholds_by_root_finding(p: Params) -> dict:
    """phi_P and phi_S found numerically from the definitions, not from the closed forms: with the cut-offs of
    (21)-(22), phi_P is the phi at which the location condition B = B* holds with exactly the exporters moved
    (a_R = a_X), phi_S the phi at which it holds with every Southern firm moved (a_R = a_D); B and B* come from
    :func:`deltas`. Compare with :func:`phi_partition` and :func:`phi_sustain` (the text's formulas)."""

    def gap(phi, full):
        e = hft(p, phi)  # the cut-offs (22) equal those of (9)
        a_R = e["a_D"] if full else e["a_X"]
        D, Ds = deltas(p, phi, e["a_D"], e["a_X"], a_R, 1.0, p.s_E)
        return (p.s_E * Ds - (1 - p.s_E) * D) / _J(p, a_R, e["a_D"])  # sign of B - B*, scaled

    def root(full):
        # bracket by scanning down from phi = 1 (near 0 the gap is below rounding: it scales like phi**beta)
        grid = np.linspace(1 - 1e-9, 1e-3, 1000)
        vals = [gap(x, full) for x in grid]
        for k in range(1, len(grid)):
            if vals[k - 1] * vals[k] <= 0:
                return brentq(lambda x: gap(x, full), grid[k], grid[k - 1], xtol=1e-15)
        raise RelocationSolveError("no sign change of B - B* on (0.001, 1)", min(abs(v) for v in vals))

    return {"phi_p": root(False), "phi_s": root(True)}


# --------------------------------------------------------------------------------------------- export cut-off
def export_ratio(sigma: float, alpha: float, phi, u: float = 1.0, v: float = 1.0):
    """Solve phi x**(1-sigma) u = u + v phi x**alpha for x = a_X/a_A in (0, 1).

    (u, v) = (1, 1) is the implicit a_X equation of the relocation equilibrium (eq. 18, reconstructed):
    phi x**(1-sigma) = 1 + phi x**alpha; (u, v) = (s_E, 1-s_E) and (1-s_E, s_E) are the Southern and Northern
    export cut-offs in the initial, no-relocation situation of eqs. (13)-(14).
    The left side falls from +inf, the right side rises, so the root is unique; it is bracketed by
    x_lo = (phi u/(u + v phi))**(1/(sigma-1)) (left >= right) and x_hi = phi**(1/(sigma-1)) (left < right).
    A complex ``phi`` returns x + i Im(phi) dx/dphi (implicit-function theorem), for complex-step derivatives.

    Raises
    ------
    RelocationParameterError
        ``sigma <= 1``, ``alpha <= 0`` (beta <= 1), ``phi`` outside [0, 1] or ``u``, ``v`` not positive.
    """
    if not (isinstance(sigma, (int, float)) and math.isfinite(sigma) and sigma > 1):
        raise RelocationParameterError(f"sigma (elasticity of substitution) must be > 1, got {sigma!r}")
    if not (isinstance(alpha, (int, float)) and math.isfinite(alpha) and alpha > 0):
        raise RelocationParameterError(
            f"alpha = rho + 1 - sigma must be > 0 (the regularity condition beta > 1), got {alpha!r}"
        )
    check_phi(phi)
    check_positive("u", u, "weight of the exporter's own market")
    check_positive("v", v, "weight of the other market")
    h = phi.imag if isinstance(phi, complex) else 0.0
    ph = _re(phi)
    if ph == 0:
        return 0.0
    g = 1 / (sigma - 1)

    def F(x):
        return ph * x ** (1 - sigma) * u - u - v * ph * x**alpha

    lo, hi = (ph * u / (u + v * ph)) ** g, ph**g
    if F(lo) < 0:  # impossible for alpha > 0, u, v > 0: the bracket is guaranteed
        raise RelocationSolveError(f"export cut-off bracket lost at phi={ph} (alpha={alpha}, u={u}, v={v})", F(lo))
    if F(hi) >= 0:  # only when hi == lo (x**alpha underflows): the bracket has collapsed onto the root
        x = hi
    else:
        x = brentq(F, lo, hi, xtol=1e-15, rtol=4 * np.finfo(float).eps, maxiter=200)
    res = F(x)
    if abs(res) > 1e-9 * (u + v):
        raise RelocationSolveError(f"export cut-off equation not solved at phi={ph}", abs(res))
    if h == 0:
        return x
    dF_dphi = x ** (1 - sigma) * u - v * x**alpha
    dF_dx = (1 - sigma) * ph * x ** (-sigma) * u - alpha * v * ph * x ** (alpha - 1)
    return complex(x, -h * dF_dphi / dF_dx)


# --------------------------------------------------------------------------------------------- relocation gains
@dataclass(frozen=True)
class Gains:
    """Initial (no-relocation) situation after trade opens with the autarky stock frozen (eqs. 13-14)."""

    B: float
    B_star: float
    a_X_north: float
    a_X_south: float
    a_A: float

    def v_X(self, p: Params, a, phi=None):
        """Eq. (13): gain of a Southern X-type from moving North, a**(1-sigma)(1-phi)(B-B*) (both beachheads kept)."""
        phi = _phi(p, phi)
        return np.asarray(a, float) ** (1 - p.sigma) * (1 - phi) * (self.B - self.B_star)

    def v_D(self, p: Params, a, phi=None):
        """Eq. (14) (reconstructed): gain of a Southern D-type from moving North: it sells in the North (new beachhead
        f), and exports back to the South: a**(1-sigma)(B + phi B* - B*) - f. Equals v_X at the Southern export
        cut-off, where the two curves touch (as the text says of Figure 3)."""
        phi = _phi(p, phi)
        a = np.asarray(a, float)
        return a ** (1 - p.sigma) * (self.B + phi * self.B_star - self.B_star) - p.f


def initial_gains(p: Params, phi=None) -> Gains:
    """Eqs. (12)-(14): the autarky firm stock (12), trade opened at phi, no firm has moved yet.

    B = s_E/Delta, Delta = n_w (s_E J(a_A) + (1-s_E) phi J(a_X*)), and the export cut-offs
    phi a_X*^(1-sigma) B = f (South), phi a_X^(1-sigma) B* = f (North) give
    phi x*^(1-sigma) s_E = s_E + (1-s_E) phi x*^alpha and phi x^(1-sigma)(1-s_E) = (1-s_E) + s_E phi x^alpha.
    """
    phi = _phi(p, phi)
    a_A = autarky(p)["a_D"]
    s = p.s_E
    xs = export_ratio(p.sigma, p.alpha, phi, s, 1 - s)
    xn = export_ratio(p.sigma, p.alpha, phi, 1 - s, s)
    scale = p.f * a_A ** (p.sigma - 1)
    B = scale * s / (s + (1 - s) * phi * xs**p.alpha)
    Bs = scale * (1 - s) / ((1 - s) + s * phi * xn**p.alpha)
    return Gains(B, Bs, xn * a_A, xs * a_A, a_A)


# --------------------------------------------------------------------------------------------- relocation
@dataclass(frozen=True)
class Equilibrium:
    """A relocation equilibrium: cut-offs, relocation threshold, phase, per-firm demands, world mass of firms.

    ``s_n`` is North's share of firms *owned* (born); production location differs by the relocated firms."""

    stage: str
    phi: float
    a_D: float
    a_X: float
    a_R: float
    phase: str  # "XX" (up to and including phi_P), "DD" or "full" (all Southern firms have moved: a_R = a_D)
    B: float
    B_star: float
    n_w: float
    s_n: float

    location: float  # North's share of production locations, s_n + (1-s_n) G[a_R | a_D]


def _a_R(p: Params, phi, a_X, a_D):
    """Relocation threshold from the location condition B = B*:
    XX phase (17): a_R = a_X (phi (2s_E-1)/((1-s_E)(1-phi)))**(1/alpha) for phi <= phi_P;
    DD phase (20): a_R = a_X (phi s_E/(1-s_E))**(1/alpha) for phi > phi_P; capped at a_D (full agglomeration).
    Convention: at phi = phi_P both formulas give a_R = a_X and the point is labelled "XX"."""
    s = p.s_E
    if _re(phi) <= phi_partition(p):
        if _re(phi) == 0:
            return 0.0 * phi, "XX"
        a_R, phase = a_X * (phi * (2 * s - 1) / ((1 - s) * (1 - phi))) ** (1 / p.alpha), "XX"
    else:
        a_R, phase = a_X * (phi * s / (1 - s)) ** (1 / p.alpha), "DD"
    if _re(a_R) >= _re(a_D):
        return a_D, "full"
    return a_R, phase


def frozen(p: Params, phi=None) -> Equilibrium:
    """Relocation with the autarky firm stock frozen (Section 3.2; eqs. 15-20, reconstructed).

    No entry or exit: n_w and a_D keep their autarky values and the domestic cut-off is suspended. With B = B*,
    both the XX (15)-(17) and DD (19)-(20) phases give B = 1/(n_w (J(a_D) + phi J(a_X))), so the export cut-off is
    eq. (18): phi x**(1-sigma) = 1 + phi x**alpha, x = a_X/a_D (solved by :func:`export_ratio`), and
    B = B* = f a_D**(sigma-1)/(1 + phi x**alpha).
    """
    phi = _phi(p, phi)
    au = autarky(p)
    a_D = au["a_D"]
    x = export_ratio(p.sigma, p.alpha, phi)
    a_X = x * a_D
    a_R, phase = _a_R(p, phi, a_X, a_D)
    B = p.f * a_D ** (p.sigma - 1) / (1 + phi * x**p.alpha)
    if phase == "full":
        B, Bs = _full_agglomeration_B(p, phi, a_D, a_X)
    else:
        Bs = B
    return Equilibrium(
        "frozen", phi, a_D, a_X, a_R, phase, B, Bs, au["n_w"], p.s_E, p.s_E + (1 - p.s_E) * (a_R / a_D) ** p.rho
    )


def _full_agglomeration_B(p: Params, phi, a_D, a_X):
    """All firms in the North (frozen stock): Delta = n_w J(a_D), Delta* = phi n_w J(a_X)."""
    n_w = autarky(p)["n_w"]
    B = p.s_E / (n_w * _J(p, a_D, a_D))
    Bs = (1 - p.s_E) / (n_w * phi * _J(p, a_X, a_D))
    return B, Bs


def phi_sustain_frozen(p: Params) -> float:
    """Sustain point with the stock frozen: a_R = a_D in (20) with x from (18): phi x(phi)**alpha s_E/(1-s_E) = 1.
    The left side increases in phi from 0 (phi = phi_P gives x**alpha < 1) to s_E/(1-s_E) x(1)**alpha; when that
    is below 1 the frozen stock never fully agglomerates and the function returns ``math.inf`` (the documented
    convention for "no sustain point in [0, 1]"; a page shows it as "never")."""
    k = p.s_E / (1 - p.s_E)

    def F(ph):
        return ph * export_ratio(p.sigma, p.alpha, ph) ** p.alpha * k - 1

    lo, hi = phi_partition(p), 1.0
    if F(hi) < 0:
        return math.inf
    return brentq(F, lo, hi, xtol=1e-14)


def entry(p: Params, phi=None) -> Equilibrium:
    """Relocation followed by entry and exit (Section 3.2.1; eqs. 21-22, reconstructed).

    With B = B*, the domestic cut-off and the global free-entry condition (footnote 15):
    (21) n_w = (beta-1)/(beta f (1+phi**beta)); (22) a_D = a_A (1+phi**beta)**(-1/rho), a_X = phi**(1/(sigma-1)) a_D
    (the same cut-offs as without relocation, eq. 9), s_n = s_E (entry pro rata, as the paper assumes), and a_R from
    (17)/(20). Full agglomeration beyond phi_S (phase "full"; the formulas then describe the capped state).
    """
    phi = _phi(p, phi)
    a_A = autarky(p)["a_D"]
    pb = phi**p.beta
    a_D = a_A * (1 + pb) ** (-1 / p.rho)
    a_X = phi ** (1 / (p.sigma - 1)) * a_D
    a_R, phase = _a_R(p, phi, a_X, a_D)
    B = p.f * a_D ** (p.sigma - 1)
    return Equilibrium(
        "entry",
        phi,
        a_D,
        a_X,
        a_R,
        phase,
        B,
        B,
        (p.beta - 1) / (p.beta * p.f * (1 + pb)),
        p.s_E,
        p.s_E + (1 - p.s_E) * (a_R / a_D) ** p.rho,
    )
