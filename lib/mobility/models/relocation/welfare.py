"""Productivity and welfare in the relocation model (Baldwin & Okubo): eqs. (10)-(11) and (23)-(26), reconstructed.

Productivity is the production-share-weighted average unit input ``a-bar`` (a lower a-bar is higher
productivity); footnote 11 and the sigma = rho = 2 example of Section 3.2.2 pin this measure down. Welfare of the
small nation is ``ln(Delta*)/(sigma-1)`` up to constants (eq. 25); eq. (26) compares it with and without
relocation.
"""

from __future__ import annotations

import math

import numpy as np

from .numerics import _min, _re
from .params import (
    Params,
    RelocationParameterError,
    check_phi,
    check_positive,
    check_share,
)
from .static import _J, _K, entry, frozen, hft, phi_partition, phi_sustain

__all__ = [
    "productivity",
    "productivity_hft",
    "productivity_frozen",
    "productivity_entry",
    "productivity_entry_dd_north",
    "productivity_entry_dd_north_terms",
    "production_weights",
    "weights_hft",
    "footnote11_dlnwx",
    "special_case_derivative",
    "welfare_south",
    "welfare_ratio",
]


def _phi(p: Params, phi):
    return check_phi(p.phi if phi is None else phi)


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
    """Eq. (10) without relocation, closed form
    a-bar = a_D (alpha/(alpha+1)) (1 + phi**(beta+1/(sigma-1)))/(1+phi**beta) in both nations (same cut-offs);
    computed here through :func:`productivity` with a_R = 0."""
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


def productivity_entry_dd_north(p: Params, phi):
    """The North's a-bar in the DD phase after entry and exit, eq. (23) in closed form (vectorised).

    With a_X = phi**(1/(sigma-1)) a_D, a_R from (20) and s_n = s_E, the North's production-weighted average is

        a-bar = a_D alpha/(alpha+1) (s_E + phi**(beta+1/(sigma-1)) + (1-s_E) y**(1+1/alpha)) / (s_E + (1+s_E) phi**beta)

    with y = s_E phi**beta/(1-s_E) (the y of eq. 24) and a_D = a_A (1+phi**beta)**(-1/rho). ``phi`` may be a
    numpy array (complex for complex-step derivatives); it must lie in the DD phase [phi_P, phi_S]
    (:class:`RelocationParameterError` otherwise). Equals :func:`productivity_entry` there (tested).
    """
    arr = np.asarray(phi)
    re = np.real(arr)
    lo, hi = phi_partition(p), phi_sustain(p)
    if not np.all(np.isfinite(re)) or np.any(re < lo * (1 - 1e-12)) or np.any(re > hi * (1 + 1e-12)):
        raise RelocationParameterError(
            f"phi must lie in the DD phase [phi_P, phi_S] = [{lo:.6g}, {hi:.6g}] for the closed form of the North's "
            f"a-bar, got values in [{np.nanmin(re):.6g}, {np.nanmax(re):.6g}]"
        )
    a_D, mix = _north_dd_factors(p, arr)
    return a_D * p.alpha / (p.alpha + 1) * mix


def _north_dd_factors(p: Params, arr):
    s, b, g, al = p.s_E, p.beta, 1 / (p.sigma - 1), p.alpha
    pb = arr**b
    y = s * pb / (1 - s)
    a_A = ((p.beta - 1) * p.f_I / p.f) ** (1 / p.rho)
    a_D = a_A * (1 + pb) ** (-1 / p.rho)
    return a_D, (s + arr ** (b + g) + (1 - s) * y ** (1 + 1 / al)) / (s + (1 + s) * pb)


def productivity_entry_dd_north_terms(p: Params, phi) -> tuple:
    """The two factors of :func:`productivity_entry_dd_north` in logs: ``selection`` = ln a_D (falls with phi:
    the least efficient firms exit, pro-productivity) and ``composition`` = ln of the production-weighted mix of
    the North's own firms (exporters weighted 1+phi) and the relocated D-types on [a_X, a_R]. Their phi-derivatives
    add up to d ln a-bar_N/d phi. ``phi`` as in :func:`productivity_entry_dd_north` (same validation)."""
    productivity_entry_dd_north(p, phi)  # validates phi
    a_D, mix = _north_dd_factors(p, np.asarray(phi))
    return np.log(a_D), np.log(mix)


def special_case_derivative(phi, s_E):
    """The text's sigma = rho = 2 formula for d a-bar*/d phi in the DD phase (relocation then entry, autarky cut-off
    normalised to 1): phi (s(2+phi**2)/(1-s) - 1) / (2 (1+phi**2)**(3/2)).

    Raises
    ------
    RelocationParameterError
        ``s_E`` outside (1/2, 1), or ``phi`` outside the DD phase [phi_P, phi_S] of the sigma = rho = 2 economy,
        [(1-s_E)/s_E, ((1-s_E)/s_E)**(1/2)], where the formula is derived.
    """
    s = check_share(s_E)
    check_phi(phi)
    lo, hi = (1 - s) / s, math.sqrt((1 - s) / s)
    if not lo <= _re(phi) <= hi:
        raise RelocationParameterError(
            f"phi must lie in the DD phase [phi_P, phi_S] = [{lo:.6g}, {hi:.6g}] of the sigma = rho = 2 economy at "
            f"s_E = {s:g}, where the text's formula applies; got {phi!r}"
        )
    return phi * (s * (2 + phi**2) / (1 - s) - 1) / (2 * (1 + phi**2) ** 1.5)


# --------------------------------------------------------------------------------------------- welfare
def welfare_south(p: Params, B_star):
    """Eq. (25) (reconstructed): per-capita welfare of the small nation up to constants and the factor mu,
    W* = ln(Delta*)/(sigma-1) with Delta* = (1-s_E)/B* (the CES price index is Delta***(1/(1-sigma)) times the
    mark-up). Capital income is left out, as in the paper (zero expected profit under free entry).
    ``B_star`` (per-firm demand in the South) must be a finite positive number (complex for complex steps:
    its real part); otherwise :class:`RelocationParameterError`."""
    if isinstance(B_star, complex):
        check_positive("B_star", B_star.real, "per-firm demand in the South")
    elif np.ndim(B_star):
        arr = np.asarray(B_star, dtype=float)
        if not (np.all(np.isfinite(arr)) and np.all(arr > 0)):
            raise RelocationParameterError(f"B_star (per-firm demand in the South) must be > 0 everywhere, got {arr!r}")
    else:
        check_positive("B_star", B_star, "per-firm demand in the South")
    return np.log((1 - p.s_E) / B_star) / (p.sigma - 1)


def welfare_ratio(p: Params, phi=None):
    """Eq. (26) (reconstructed): Delta* with relocation (then entry) over Delta* without relocation,
    = (a_D^reloc / a_D^no-reloc)**(1-sigma) since Delta* = (1-s_E) a_D**(1-sigma)/f in both. Relocation is
    welfare improving if the ratio exceeds 1. Both a_D come from the same free-entry condition, so it is 1."""
    phi = _phi(p, phi)
    return (entry(p, phi).a_D / hft(p, phi)["a_D"]) ** (1 - p.sigma)
