"""Shared parameter sets and brute-force building blocks (quadrature, root finding) for the relocation tests."""

from __future__ import annotations

from scipy.integrate import quad

from mobility.models import relocation as r

SETS = [
    dict(),  # sigma 3, rho 4, s_E 0.6 (beta 2)
    dict(sigma=2.0, rho=2.0, s_E=0.6),  # the paper's special case
    dict(sigma=5.0, rho=4.5, s_E=0.7, f_i=0.5),  # beta 1.125, autarky cut-off below 1
    dict(sigma=1.8, rho=3.0, s_E=0.55, f=2.0),  # beta 3.75
]


def P(**kw):
    return r.Params(**kw)


def Jq(p, lo, hi, a_D):
    """int_lo^hi a**(1-sigma) dG[a|a_D] by quadrature."""
    if hi <= lo:
        return 0.0
    return quad(
        lambda a: a ** (1 - p.sigma) * p.rho * a ** (p.rho - 1) / a_D**p.rho,
        lo,
        hi,
        epsabs=1e-14,
        epsrel=1e-12,
        limit=200,
    )[0]


def Kq(p, lo, hi, a_D):
    if hi <= lo:
        return 0.0
    return quad(
        lambda a: a ** (2 - p.sigma) * p.rho * a ** (p.rho - 1) / a_D**p.rho,
        lo,
        hi,
        epsabs=1e-14,
        epsrel=1e-12,
        limit=200,
    )[0]


def profit_integral(p, B, cut):
    """int_0^cut (a**(1-sigma) B - f) dG (unconditional G = a**rho)."""
    return quad(
        lambda a: (a ** (1 - p.sigma) * B - p.f) * p.rho * a ** (p.rho - 1),
        0,
        cut,
        epsabs=1e-14,
        epsrel=1e-12,
        limit=200,
    )[0]


def frozen_conditions(p, phi, aX, aR, aD, N):
    """B - B* and the export cut-off residual, with Delta's by quadrature from the firm positions."""
    s = p.s_E
    aRX = min(aR, aX)
    D = N * (s * Jq(p, 0, aD, aD) + (1 - s) * (Jq(p, 0, aR, aD) + phi * Jq(p, aR, max(aR, aX), aD)))
    Ds = N * ((1 - s) * Jq(p, aR, aD, aD) + phi * (s * Jq(p, 0, aX, aD) + (1 - s) * Jq(p, 0, aRX, aD)))
    B, Bs = s / D, (1 - s) / Ds
    return B, Bs, phi * aX ** (1 - p.sigma) * B - p.f
