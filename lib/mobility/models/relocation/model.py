"""The relocation model of Baldwin & Okubo, *International trade, offshoring and heterogeneous firms*.

Heterogeneous firms (Melitz 2003) combined with the footloose-capital model (Martin & Rogers 1995): two nations
that differ only in size (North's expenditure share ``s_E`` in (1/2, 1)), a Pareto distribution of unit labour
coefficients ``G[a] = a**rho`` on [0, 1], CES demand with elasticity ``sigma``, a beachhead cost per market and an
innovation cost per unit of capital. ``beta = rho/(sigma-1) > 1`` is the paper's regularity condition.

The seed text lost its displayed equations; every formula here is **reconstructed** from the surrounding text and
the inline formulas that survive (the HME derivative, footnote 11, phi_P, phi_S and the sigma = rho = 2 special
case). The equation numbers follow the paper; where a number is inferred from the text around a lost display, the
docstring says so.

Units and notation (ours, chosen so that the paper's inline formulas hold exactly):

- world expenditure on manufactures is 1 (the paper's normalisation), North spends ``s_E``;
- ``f = sigma*delta*F`` and ``f_i = sigma*delta*F_I`` are the beachhead and innovation costs expressed in units of
  ``a**(1-sigma) B`` (``delta`` is the Poisson death rate): the cut-off condition is ``a_D**(1-sigma) B = f``;
- ``B = E/Delta`` is per-firm demand in a market, ``Delta = n * m-bar`` the competition index
  (``m-bar`` = the average of ``a**(1-sigma)`` over the firms selling there, imports weighted by ``phi``);
- ``alpha = rho + 1 - sigma = (sigma-1)(beta-1) > 0``;
- the autarky cut-off ``a_A = ((beta-1) f_i/f)**(1/rho)`` must not exceed the Pareto scale ``a0 = 1``.

Two-stage equilibria, as in the paper: *frozen* = relocation with the autarky firm stock frozen (Section 3.2,
eqs. 15-20), *entry* = relocation followed by entry and exit (Section 3.2.1, eqs. 21-22). *hft* = trade without
relocation (Section 3.1, eqs. 7-9), the Helpman-Melitz-Yeaple equilibrium.

Scalar formulas are written with arithmetic and ``**`` only, so they also accept a complex ``phi``: the sign of any
derivative is computed by complex-step differentiation (:func:`dphi`), exact to rounding with no cancellation
(finite differences in float64 gave spurious sign flips at large beta).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
from scipy.optimize import brentq

from mobility.core.errors import ComputationError

__all__ = [
    "Params",
    "RelocationSolveError",
    "Equilibrium",
    "Gains",
    "autarky",
    "hft",
    "hme_derivative",
    "phi_partition",
    "phi_sustain",
    "phi_sustain_frozen",
    "export_ratio",
    "initial_gains",
    "frozen",
    "entry",
    "productivity",
    "weights_hft",
    "welfare_south",
    "welfare_ratio",
    "special_case_derivative",
    "footnote11_dlnwx",
    "dphi",
    "sweep",
    "deltas",
    "thresholds_by_root_finding",
    "production_weights",
    "productivity_hft",
    "productivity_frozen",
    "productivity_entry",
    "check_results",
    "phase_points",
    "result5_scan",
    "Transition",
    "simulate_transition",
]

_H = 1e-30  # complex-step size


class RelocationSolveError(ComputationError):
    """A solver of the relocation model failed; carries the residual."""

    def __init__(self, message: str, residual: float):
        super().__init__(f"{message} (residual {residual:.3e})")
        self.residual = residual


@dataclass(frozen=True)
class Params:
    """Parameters of the model, validated on construction.

    sigma: elasticity of substitution (> 1); rho: Pareto shape (> 0) with beta = rho/(sigma-1) > 1;
    s_E: North's expenditure share in (1/2, 1); phi: freeness of trade in [0, 1];
    f, f_i: beachhead and innovation costs (> 0, in units of a**(1-sigma) B, see the module docstring),
    with (beta-1) f_i/f <= 1 so that the autarky cut-off does not exceed the Pareto scale a0 = 1.
    ``f_i=None`` (default) means f_i = f/(beta-1) for whatever beta (:attr:`f_I`): the autarky cut-off is 1, the
    normalisation behind the paper's sigma = rho = 2 example.
    """

    sigma: float = 3.0
    rho: float = 4.0
    s_E: float = 0.6
    phi: float = 0.3
    f: float = 1.0
    f_i: float | None = None

    def __post_init__(self):
        for name in ("sigma", "rho", "s_E", "phi", "f", "f_i"):
            v = getattr(self, name)
            if name == "f_i" and v is None:
                continue
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise ValueError(f"{name} must be a finite number, got {v!r}")
        if not self.sigma > 1:
            raise ValueError(f"sigma must be > 1 (elasticity of substitution), got {self.sigma}")
        if not self.rho > 0:
            raise ValueError(f"rho must be > 0 (Pareto shape), got {self.rho}")
        if not self.beta > 1:
            raise ValueError(
                f"beta = rho/(sigma-1) must be > 1 (regularity condition), got {self.beta:.6g} "
                f"(rho={self.rho}, sigma={self.sigma}); raise rho above sigma-1 = {self.sigma - 1:.6g}"
            )
        if not 0.5 < self.s_E < 1:
            raise ValueError(f"s_E must be in (1/2, 1) (North is the larger market), got {self.s_E}")
        _check_phi(self.phi)
        if not self.f > 0:
            raise ValueError(f"f (beachhead cost) must be > 0, got {self.f}")
        if self.f_i is not None and not self.f_i > 0:
            raise ValueError(f"f_i (innovation cost) must be > 0, got {self.f_i}")
        if (self.beta - 1) * self.f_I / self.f > 1 + 1e-12:
            raise ValueError(
                f"f_i must be <= f/(beta-1) = {self.f / (self.beta - 1):.6g} so that the autarky cut-off "
                f"((beta-1) f_i/f)**(1/rho) is at most the Pareto scale a0 = 1; got f_i={self.f_i}"
            )

    @property
    def f_I(self) -> float:
        """The innovation cost in use: ``f_i``, or f/(beta-1) when ``f_i`` is None (autarky cut-off = 1)."""
        return self.f / (self.beta - 1) if self.f_i is None else self.f_i

    @property
    def beta(self) -> float:
        """beta = rho/(sigma-1) (the paper's 'collection of parameters', eq. 6)."""
        return self.rho / (self.sigma - 1)

    @property
    def alpha(self) -> float:
        """alpha = rho + 1 - sigma = (sigma-1)(beta-1) > 0, the exponent of the a_R equations (17), (20)."""
        return self.rho + 1 - self.sigma

    def with_(self, **kw) -> Params:
        """A copy with some fields replaced (validated again)."""
        return replace(self, **kw)


def _check_phi(phi) -> None:
    re_ = phi.real if isinstance(phi, complex) else phi
    if not (isinstance(re_, (int, float, np.floating)) and 0 <= re_ <= 1):
        raise ValueError(f"phi (freeness of trade) must be in [0, 1], got {phi!r}")


def _phi(p: Params, phi):
    phi = p.phi if phi is None else phi
    _check_phi(phi)
    return phi


def _re(z):
    return z.real if isinstance(z, complex) else z


def _min(x, y):
    return x if _re(x) <= _re(y) else y


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
    return {
        "a_D": a_D,
        "n_w": n_w,
        "n": p.s_E * n_w,
        "n_star": (1 - p.s_E) * n_w,
        "B": p.f * a_D ** (p.sigma - 1),
    }


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
    the homogeneous-firm value is (1+phi)/(1-phi) (beta = 1)."""
    phi = _phi(p, phi)
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
    """
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
    phase: str  # "XX", "DD" or "full" (all Southern firms have moved: a_R = a_D)
    B: float
    B_star: float
    n_w: float
    s_n: float

    location: float  # North's share of production locations, s_n + (1-s_n) G[a_R | a_D]


def _a_R(p: Params, phi, a_X, a_D):
    """Relocation threshold from the location condition B = B*:
    XX phase (17): a_R = a_X (phi (2s_E-1)/((1-s_E)(1-phi)))**(1/alpha) for phi <= phi_P;
    DD phase (20): a_R = a_X (phi s_E/(1-s_E))**(1/alpha) for phi > phi_P; capped at a_D (full agglomeration)."""
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
        "frozen",
        phi,
        a_D,
        a_X,
        a_R,
        phase,
        B,
        Bs,
        au["n_w"],
        p.s_E,
        p.s_E + (1 - p.s_E) * (a_R / a_D) ** p.rho,
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
    is below 1 the frozen stock never fully agglomerates and the function returns ``math.inf``."""
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


# --------------------------------------------------------------------------------------------- productivity
def productivity(p: Params, a_D, a_X, a_R, s_n, phi) -> tuple:
    """Production-weighted average unit input coefficient (eq. 10; 23-24 with relocation), North and South.

    a-bar = int a w(a) dG / int w(a) dG with w(a) = a**(1-sigma) (1+phi) for exporters and a**(1-sigma) for
    D-types (production shares; footnote 11 and the sigma = rho = 2 example pin this measure down). North produces
    its own firms (mass s_n) on [0, a_D] and the relocated Southern firms on [0, a_R]; the South produces its firms
    on [a_R, a_D], of which those below a_X export (XX phase, eq. 23); in the DD phase (eq. 24) none do.
    A lower a-bar is higher productivity. Returns (a_N, a_S); a_S is nan when a_R >= a_D.
    """

    def seg(F):
        aRX = _min(a_R, a_X)
        north = s_n * (F(a_D) + phi * F(a_X)) + (1 - s_n) * (F(a_R) + phi * F(aRX))
        south = (1 - s_n) * ((F(a_D) - F(a_R)) + phi * (F(a_X) - F(aRX)))
        return north, south

    kN, kS = seg(lambda a: _K(p, a, a_D))
    jN, jS = seg(lambda a: _J(p, a, a_D))
    a_S = kS / jS if _re(a_R) < _re(a_D) else float("nan")
    return kN / jN, a_S


def _prod_of(p: Params, eq_or_dict, phi, s_n=None, a_R=None):
    e = eq_or_dict
    if isinstance(e, dict):
        return productivity(p, e["a_D"], e["a_X"], 0.0 if a_R is None else a_R, e["s_n"], phi)
    return productivity(p, e.a_D, e.a_X, e.a_R, e.s_n, phi)


def productivity_hft(p: Params, phi=None) -> tuple:
    """Eq. (10) without relocation, closed form a-bar = a_D (alpha/(alpha+1)) (1 +
    phi**(beta+1/(sigma-1)))/(1+phi**beta)
    in both nations (same cut-offs); computed here through :func:`productivity` with a_R = 0."""
    phi = _phi(p, phi)
    return _prod_of(p, hft(p, phi), phi)


def productivity_frozen(p: Params, phi=None) -> tuple:
    """Eqs. (23)-(24) in the frozen-stock relocation equilibrium."""
    phi = _phi(p, phi)
    return _prod_of(p, frozen(p, phi), phi)


def productivity_entry(p: Params, phi=None) -> tuple:
    """Eqs. (23)-(24) in the relocation-then-entry equilibrium (the case of the sigma = rho = 2 example)."""
    phi = _phi(p, phi)
    return _prod_of(p, entry(p, phi), phi)


def production_weights(p: Params, e, a) -> tuple:
    """Weights w(a) with a-bar = int_0^{a_D} w(a) a**(1-sigma+rho) da, North and South (Figures 2 and 5).

    ``e`` is an :class:`Equilibrium` (or the dict of :func:`hft`, read with a_R = 0). w is rho times the number
    of production slots of type a (native firms, relocated firms; exporters count 1+phi) over a_D**rho times the
    denominator of (10)/(23)-(24); it is a step function of a. Returns arrays (w_N, w_S)."""
    if isinstance(e, dict):
        a_D, a_X, a_R, s_n, phi = e["a_D"], e["a_X"], 0.0, e["s_n"], e["phi"]
    else:
        a_D, a_X, a_R, s_n, phi = e.a_D, e.a_X, e.a_R, e.s_n, e.phi
    a = np.asarray(a, float)
    mult = np.where(a < a_X, 1 + phi, 1.0) * (a < a_D)
    north = (s_n + (1 - s_n) * (a < a_R)) * mult
    south = (1 - s_n) * (a >= a_R) * mult
    aRX = min(a_R, a_X)
    J = lambda x: _J(p, x, a_D)  # noqa: E731
    tpN = s_n * (J(a_D) + phi * J(a_X)) + (1 - s_n) * (J(a_R) + phi * J(aRX))
    tpS = (1 - s_n) * ((J(a_D) - J(a_R)) + phi * (J(a_X) - J(aRX)))
    scale = p.rho / a_D**p.rho
    return scale * north / tpN, (scale * south / tpS if tpS > 0 else np.full_like(a, np.nan))


def weights_hft(p: Params, phi=None) -> dict:
    """The weights of eq. (11): a-bar = W_X int_0^{a_X} h(a) da + W_D int_{a_X}^{a_D} h(a) da with the invariant
    h(a) = a**(1-sigma+rho) (Figure 2), W_D = rho/(a_D**rho TP), W_X = (1+phi) W_D, TP = J(a_D) + phi J(a_X)."""
    phi = _phi(p, phi)
    e = hft(p, phi)
    tp = _J(p, e["a_D"], e["a_D"]) + phi * _J(p, e["a_X"], e["a_D"])
    W_D = p.rho / (e["a_D"] ** p.rho * tp)
    return {"W_X": (1 + phi) * W_D, "W_D": W_D, "a_X": e["a_X"], "a_D": e["a_D"]}


def footnote11_dlnwx(p: Params, phi=None):
    """Footnote 11: d ln W_X/d phi = (1 - phi**(beta-1))/((1+phi)(1+phi**beta)), as printed."""
    phi = _phi(p, phi)
    return (1 - phi ** (p.beta - 1)) / ((1 + phi) * (1 + phi**p.beta))


def special_case_derivative(phi, s_E):
    """The text's sigma = rho = 2 formula for d a-bar*/d phi in the DD phase (relocation then entry, autarky cut-off
    normalised to 1): phi (s(2+phi**2)/(1-s) - 1) / (2 (1+phi**2)**(3/2))."""
    s = s_E
    return phi * (s * (2 + phi**2) / (1 - s) - 1) / (2 * (1 + phi**2) ** 1.5)


# --------------------------------------------------------------------------------------------- welfare
def welfare_south(p: Params, B_star):
    """Eq. (25) (reconstructed): per-capita welfare of the small nation up to constants and the factor mu,
    W* = ln(Delta*)/(sigma-1) with Delta* = (1-s_E)/B* (the CES price index is Delta***(1/(1-sigma)) times the
    mark-up). Capital income is left out, as in the paper (zero expected profit under free entry)."""
    return np.log((1 - p.s_E) / B_star) / (p.sigma - 1)


def welfare_ratio(p: Params, phi=None):
    """Eq. (26) (reconstructed): Delta* with relocation (then entry) over Delta* without relocation,
    = (a_D^reloc / a_D^no-reloc)**(1-sigma) since Delta* = (1-s_E) a_D**(1-sigma)/f in both. Relocation is
    welfare improving if the ratio exceeds 1. Both a_D come from the same free-entry condition, so it is 1."""
    phi = _phi(p, phi)
    return (entry(p, phi).a_D / hft(p, phi)["a_D"]) ** (1 - p.sigma)


# --------------------------------------------------------------------------------------------- helpers
def dphi(fun, phi: float) -> float:
    """d fun/d phi at real phi by complex step: Im fun(phi + i h)/h, h = 1e-30 (no subtractive cancellation)."""
    return _re_imag(fun(complex(phi, _H))) / _H


def _re_imag(z):
    return z.imag if isinstance(z, complex) else 0.0


def sweep(fun, phis) -> np.ndarray:
    """Evaluate a scalar function of phi over a grid (fun may return a tuple; then one column each)."""
    return np.array([fun(float(x)) for x in phis], dtype=float)


# --------------------------------------------------------------------------------------------- Results 1-7
def phase_points(p: Params) -> dict:
    """The trade freeness at which Results are checked: mid-XX (phi_P/2) and mid-DD ((phi_P+phi_S)/2) phases."""
    pp, ps = phi_partition(p), phi_sustain(p)
    return {"xx": pp / 2, "dd": (pp + ps) / 2}


def _grid(lo, hi, n=41):
    return np.linspace(lo, hi, n + 2)[1:-1]


def _hft_B_from_masses(p: Params, phi):
    """B and B* recomputed from the masses and cut-offs of eq. (9) via the definitions of m-bar (not assumed)."""
    e = hft(p, phi)
    n, ns = e["s_n"] * e["n_w"], (1 - e["s_n"]) * e["n_w"]
    JD, JX = _J(p, e["a_D"], e["a_D"]), _J(p, e["a_X"], e["a_D"])
    return p.s_E / (n * JD + phi * ns * JX), (1 - p.s_E) / (ns * JD + phi * n * JX)


def check_results(p: Params, n: int = 41) -> dict:
    """The numbers on which each of Results 1-7 rests, at parameters ``p``, with a verdict per claim.

    Derivatives are complex-step (:func:`dphi`); "always" claims are checked on ``n`` interior points of the
    relevant phi range. Keys: r<k>_<what>. Verdicts are "confirmed" or "not confirmed".
    """
    pts = phase_points(p)
    pp, ps = phi_partition(p), phi_sustain(p)
    out: dict = {
        "phi_p": pp,
        "phi_s": ps,
        "phi_s_frozen": phi_sustain_frozen(p),
        "phi_xx": pts["xx"],
        "phi_dd": pts["dd"],
    }
    ok = lambda c: "confirmed" if c else "not confirmed"  # noqa: E731

    # Result 1: in the no-relocation equilibrium B = B*, so no X-type gains and D-types lose from moving
    gaps = [abs(b - bs) / b for b, bs in (_hft_B_from_masses(p, x) for x in _grid(0, ps, n))]
    out["r1_max_rel_gap_b"] = max(gaps)
    e = hft(p, pts["xx"])
    out["r1_gain_d_at_a_d"] = pts["xx"] * e["a_D"] ** (1 - p.sigma) * e["B"] - p.f  # v_D(a_D) at B = B*: -(1-phi) f
    out["r1_verdict"] = ok(out["r1_max_rel_gap_b"] < 1e-12)

    # Result 2: initial situation B > B* and B > (1-phi) B* (both gains fall with a), curves touch at a_X*
    grid = _grid(0, 1, n)
    diffs = [(g.B - g.B_star, g.B - (1 - x) * g.B_star) for x in grid for g in [initial_gains(p, x)]]
    out["r2_min_b_minus_bstar"] = min(d[0] for d in diffs)
    g = initial_gains(p, pts["xx"])
    out["r2_b_minus_bstar_xx"] = g.B - g.B_star
    out["r2_touch_gap"] = float(g.v_X(p, g.a_X_south, pts["xx"]) - g.v_D(p, g.a_X_south, pts["xx"]))
    out["r2_verdict"] = ok(out["r2_min_b_minus_bstar"] > 0 and min(d[1] for d in diffs) > 0)

    # Result 3: a_R rises with phi in both stages; a_R < a_X before phi_P, > after; full agglomeration at phi_S
    dR = [dphi(lambda z: entry(p, z).a_R, x) for x in _grid(0, ps, n)]
    dRf = [dphi(lambda z: frozen(p, z).a_R, x) for x in _grid(0, min(1.0, out["phi_s_frozen"]), n)]
    out["r3_min_da_r_entry"] = min(dR)
    out["r3_min_da_r_frozen"] = min(dRf)
    exx, edd = entry(p, pts["xx"]), entry(p, pts["dd"])
    out["r3_ar_minus_ax_xx"] = exx.a_R - exx.a_X
    out["r3_ar_minus_ax_dd"] = edd.a_R - edd.a_X
    out["r3_verdict"] = ok(min(dR) > 0 and min(dRf) > 0 and exx.a_R < exx.a_X and edd.a_R > edd.a_X and pp < ps < 1)

    # Result 4: d phi_S / d beta = -ln(phi_P) phi_P**(1/beta)/beta**2 > 0
    out["r4_dphis_dbeta"] = -math.log(pp) * ps / p.beta**2
    out["r4_verdict"] = ok(out["r4_dphis_dbeta"] > 0)

    # Result 5 (relocation then entry, the paper's case): XX phase, North gains extra, South gains less;
    # DD phase, North always gains; South may lose (it does if rho is large)
    def d(fun, x, i):
        return dphi(lambda z: fun(p, z)[i], x)

    xx, dd, al = _grid(0, pp, n), _grid(pp, ps, n), _grid(0, ps, n)
    out["r5_dan_reloc_xx"] = d(productivity_entry, pts["xx"], 0)
    out["r5_dan_hft_xx"] = d(productivity_hft, pts["xx"], 0)
    out["r5_das_reloc_xx"] = d(productivity_entry, pts["xx"], 1)
    out["r5_das_hft_xx"] = d(productivity_hft, pts["xx"], 1)
    # (a) levels: with relocation the North's a-bar is lower and the South's higher than without, at every phi
    lv = [(productivity_entry(p, x), productivity_hft(p, x)) for x in al]
    out["r5_max_level_gap_north"] = max(r[0] - h[0] for r, h in lv)  # claim: < 0
    out["r5_min_level_gap_south"] = min(r[1] - h[1] for r, h in lv)  # claim: > 0
    out["r5a_verdict"] = ok(out["r5_max_level_gap_north"] < 0 and out["r5_min_level_gap_south"] > 0)
    # (a') the same claim read as rates of change in the XX phase
    out["r5_max_extra_north_xx"] = max(d(productivity_entry, x, 0) - d(productivity_hft, x, 0) for x in xx)
    out["r5_min_damp_south_xx"] = min(d(productivity_entry, x, 1) - d(productivity_hft, x, 1) for x in xx)
    out["r5a_marginal_verdict"] = ok(out["r5_max_extra_north_xx"] < 0 and out["r5_min_damp_south_xx"] > 0)
    # (b) DD phase: freer trade always raises the North's productivity (a-bar falls)
    out["r5_dan_reloc_dd"] = d(productivity_entry, pts["dd"], 0)
    dan_dd = [d(productivity_entry, x, 0) for x in dd]
    out["r5_max_dan_dd"] = max(dan_dd)  # claim: < 0
    out["r5_min_dan_dd"] = min(dan_dd)
    out["r5b_verdict"] = ok(out["r5_max_dan_dd"] < 0)
    # (c) DD phase: the South's productivity may rise or fall; falls (a-bar rises) when rho is large
    out["r5_das_reloc_dd"] = d(productivity_entry, pts["dd"], 1)
    out["r5_min_das_dd"] = min(d(productivity_entry, x, 1) for x in dd)  # > 0: South loses throughout

    # Result 6: small-nation welfare rises with phi, without relocation and with relocation (both stages)
    ws = {
        "hft": lambda z: welfare_south(p, hft(p, z)["B"]),
        "entry": lambda z: welfare_south(p, entry(p, z).B_star),
        "frozen": lambda z: welfare_south(p, frozen(p, z).B_star),
    }
    for k, fun in ws.items():
        top = ps if k != "frozen" else min(1.0, out["phi_s_frozen"])
        out[f"r6_min_dw_{k}"] = min(dphi(fun, x) for x in _grid(0, top, n))
    out["r6_verdict"] = ok(all(out[f"r6_min_dw_{k}"] > 0 for k in ws))

    # Result 7: eq. (26), welfare with relocation over welfare without, in the static equilibria
    ratios = [welfare_ratio(p, x) for x in _grid(0, ps, n)]
    out["r7_max_abs_log_ratio"] = max(abs(math.log(r)) for r in ratios)
    out["r7_static_verdict"] = ok(out["r7_max_abs_log_ratio"] > 1e-12)
    return out


def result5_scan(sigmas, rhos, s_E: float = 0.6, n: int = 9) -> np.ndarray:
    """min over the DD phase of d a-bar*/d phi (South, relocation then entry) on a (sigma, rho) grid; nan where
    beta <= 1. A negative entry would be a parameter set where freer trade raises the South's productivity in the
    DD phase, the case Result 5 says occurs for small rho."""
    out = np.full((len(sigmas), len(rhos)), np.nan)
    for i, sg in enumerate(sigmas):
        for j, rh in enumerate(rhos):
            if rh / (sg - 1) <= 1:
                continue
            p = Params(sigma=float(sg), rho=float(rh), s_E=s_E)
            pp, ps = phi_partition(p), phi_sustain(p)
            out[i, j] = min(dphi(lambda z, p=p: productivity_entry(p, z)[1], x) for x in _grid(pp, ps, n))
    return out


# --------------------------------------------------------------------------------------------- general case
def _relocate_step(p: Params, phi, B, Bs, Delta, Delta_star, Jc, mS, mR, dt_over_gamma) -> int:
    """One step of the appendix's relocation process (eq. 27 and the condition v[a'] = gamma x-dot).

    Gains are eqs. (13)-(14) at the current B, B*: v_X = u (1-phi)(B-B*) for Southern exporters (phi u B >= f),
    v_D = u (B - (1-phi) B*) - f for the others (u = a**(1-sigma)). Every firm whose gain is at least the current
    adjustment cost c = gamma x-dot moves, so movers are the cells with the highest gains and the moved mass X
    solves X = dt c/gamma with c the gain of the marginal mover: X = max_k min(C_k, dt v_k/gamma) over cells
    sorted by gain (C_k their cumulative mass). Updates mS, mR in place. Returns 1 if, at this date, the cells
    ranked by gain are not ranked by efficiency (the movers would not be the most efficient), else 0.
    Within a step the moved mass is capped where B = B* would be crossed (an explicit step would overshoot).
    """
    u = Jc
    v = np.where(phi * u * B >= p.f, u * (1 - phi) * (B - Bs), u * (B - (1 - phi) * Bs) - p.f)
    live = (mS > 0) & (v > 0)
    if not live.any():
        return 0
    idx = np.nonzero(live)[0]
    order = idx[np.argsort(-v[idx], kind="stable")]
    C = np.cumsum(mS[order])
    X = float(np.max(np.minimum(C, dt_over_gamma * v[order])))
    # do not overshoot the location condition within a step: with export status fixed, s Delta* - (1-s) Delta
    # (>= 0 iff B >= B*) is linear in the moved masses; cap X where it reaches zero
    s = p.s_E
    xN, xS = phi * u * Bs >= p.f, phi * u * B >= p.f
    gap = s * Delta_star - (1 - s) * Delta
    c = u[order] * (s * (phi * xN[order] - 1) - (1 - s) * (1 - phi * xS[order]))  # d gap / d moved mass (< 0)
    G = gap + np.cumsum(c * mS[order])
    if G[-1] < 0:
        k = int(np.argmax(G < 0))
        prev = gap if k == 0 else G[k - 1]
        X = min(X, (C[k - 1] if k else 0.0) + prev / -c[k])
    take = np.clip(X - np.concatenate([[0.0], C[:-1]]), 0.0, mS[order])
    mS[order] -= take
    mR[order] += take
    return int(np.any(np.diff(v[idx]) > 1e-12 * np.abs(v[idx]).max()))  # idx is sorted by a (cells ascend in a)


@dataclass(frozen=True)
class Transition:
    """Output of :func:`simulate_transition` (arrays over time t)."""

    t: np.ndarray
    s_n: np.ndarray  # North's share of firms owned (born North), active firms
    location: np.ndarray  # North's share of firms producing there
    a_R: np.ndarray  # relocation threshold: a below which the relocated mass would lie if ordered
    n_w: np.ndarray  # world mass of active firms
    B: np.ndarray
    B_star: np.ndarray
    welfare_south: np.ndarray
    moved_share: np.ndarray  # share of each type's Southern-born firms located North (by cell) at snap_times
    a_grid: np.ndarray
    snap_times: tuple
    order_violations: int  # dates at which gains were not ranked by efficiency (see _relocate_step)


def simulate_transition(
    p: Params,
    phi0: float = 0.0,
    phi1: float | None = None,
    gamma_r: float = 2.0,
    gamma_e: float = 2.0,
    delta: float = 0.1,
    T: float = 150.0,
    dt: float = 0.05,
    cells: int = 300,
    relocation: bool = True,
    entry_exit: bool = True,
    snap_times: tuple = (1.0, 10.0, 50.0),
) -> Transition:
    """General case (Section 3.3 and appendix eqs. 27-28): relocation and entry/exit both slow.

    Beyond the paper (our construction, documented in the book): a discretised firm-level economy on ``cells``
    equal-probability cells of G. State: masses of North-born firms in the North, South-born in the South and
    South-born relocated North. Beachhead costs of the home market are sunk (firms stay until they die at rate
    ``delta``); export status follows the flow condition phi a**(1-sigma) B_other >= f.
    - Relocation (eq. 27): the appendix's process, :func:`_relocate_step`: firms whose gain (13)-(14) exceeds the
      current adjustment cost gamma_r x-dot move; :attr:`Transition.order_violations` counts the dates at which the
      gains were not ranked by efficiency (then the movers would not be the most efficient). For exporters it
      stops when B = B* (eq. 28); a D-type also needs to cover the new beachhead (eq. 14). No firm moves back.
    - Entry/exit: gross entry in each nation replaces deaths and adds (V - f_i)/gamma_e, V the expected flow value
      of a new draw (the left side of the free-entry condition); draws above the domestic cut-off never produce.
    Starts from the steady state at phi0 without relocation (autarky by default) and moves phi to phi1 at t = 0.
    Explicit Euler steps; relocation uses the exact exponential hazard over a step.
    """
    phi1 = p.phi if phi1 is None else phi1
    _check_phi(phi0)
    _check_phi(phi1)
    for name, v in (("gamma_r", gamma_r), ("gamma_e", gamma_e), ("delta", delta), ("T", T), ("dt", dt)):
        if not v > 0:
            raise ValueError(f"{name} must be > 0, got {v}")
    if not (isinstance(cells, int) and cells >= 20):
        raise ValueError(f"cells must be an integer >= 20, got {cells}")
    s, sig, f, K = p.s_E, p.sigma, p.f, cells
    # cells of equal probability 1/K on [0, 1]; representative a**(1-sigma) = cell average
    edges = np.linspace(0.0, 1.0, K + 1) ** (1 / p.rho)
    g = np.full(K, 1.0 / K)
    Jc = (p.rho / p.alpha) * (edges[1:] ** p.alpha - edges[:-1] ** p.alpha) * K  # mean a**(1-sigma) in cell
    a_mid = Jc ** (1 / (1 - sig))
    # initial steady state at phi0 without relocation (eq. 9)
    e0 = hft(p.with_(phi=phi0))
    if e0["corner"]:
        raise ValueError(f"phi0 must be below the sustain point {phi_sustain(p):.4f}, got {phi0}")
    act0 = a_mid <= e0["a_D"] * (1 + 1e-12)
    Gact = g[act0].sum()
    mN = np.where(act0, g * e0["n_w"] * e0["s_n"] / Gact, 0.0)
    mS = np.where(act0, g * e0["n_w"] * (1 - e0["s_n"]) / Gact, 0.0)
    mR = np.zeros(K)
    phi = phi1
    B, Bs = e0["B"], e0["B"]
    nsteps = int(round(T / dt))
    out = {k: np.empty(nsteps + 1) for k in ("s_n", "location", "a_R", "n_w", "B", "B_star", "w")}
    violations = 0
    snap_steps = [min(nsteps, int(round(t / dt))) for t in snap_times]
    snaps = np.full((len(snap_times), K), np.nan)

    def moved_share():
        south = mS + mR
        return np.where(south > 1e-14, mR / np.where(south > 1e-14, south, 1.0), np.nan)

    def markets(B, Bs):
        for _ in range(50):
            xN = phi * Jc * Bs >= f  # North-located firms export South
            xS = phi * Jc * B >= f
            D = ((mN + mR) * Jc).sum() + phi * (mS * Jc * xS).sum()
            Ds = (mS * Jc).sum() + phi * ((mN + mR) * Jc * xN).sum()
            nB, nBs = s / D, (1 - s) / Ds
            if abs(nB - B) <= 1e-13 * B and abs(nBs - Bs) <= 1e-13 * Bs:
                return nB, nBs, xN, xS
            B, Bs = nB, nBs
        return B, Bs, phi * Jc * Bs >= f, phi * Jc * B >= f  # grid flip-flop: accept last iterate

    def record(i, B, Bs):
        nN, nS, nR = mN.sum(), mS.sum(), mR.sum()
        tot = nN + nS + nR
        out["s_n"][i] = nN / tot
        out["location"][i] = (nN + nR) / tot
        # relocation threshold: the a whose South-born mass below equals the relocated mass
        south = mS + mR
        cum = np.concatenate([[0.0], np.cumsum(south)])
        out["a_R"][i] = np.interp(nR, cum, edges) if nR > 0 else 0.0
        out["n_w"][i] = tot
        out["B"][i], out["B_star"][i] = B, Bs
        out["w"][i] = math.log((1 - s) / Bs) / (sig - 1)

    B, Bs, xN, xS = markets(B, Bs)
    record(0, B, Bs)
    for i in range(1, nsteps + 1):
        if relocation:
            violations += _relocate_step(p, phi, B, Bs, s / B, (1 - s) / Bs, Jc, mS, mR, dt / gamma_r)
        if entry_exit:
            for which in ("N", "S"):
                BL, BO = (B, Bs) if which == "N" else (Bs, B)
                prod = Jc * BL >= f
                V = (g * (np.maximum(Jc * BL - f, 0) + np.maximum(phi * Jc * BO - f, 0))).sum()
                born = mN.sum() if which == "N" else (mS + mR).sum()
                share = g[prod].sum()
                draws = max(0.0, (delta * born / share if share > 0 else 0.0) + (V - p.f_I) / gamma_e)
                add = np.where(prod, g * draws * dt, 0.0)
                if which == "N":
                    mN = mN * (1 - delta * dt) + add
                else:
                    mS = mS * (1 - delta * dt) + add
            mR = mR * (1 - delta * dt)
        B, Bs, xN, xS = markets(B, Bs)
        record(i, B, Bs)
        for j, st in enumerate(snap_steps):
            if st == i:
                snaps[j] = moved_share()
    return Transition(
        np.linspace(0, nsteps * dt, nsteps + 1),
        out["s_n"],
        out["location"],
        out["a_R"],
        out["n_w"],
        out["B"],
        out["B_star"],
        out["w"],
        snaps,
        a_mid,
        tuple(snap_times),
        violations,
    )
