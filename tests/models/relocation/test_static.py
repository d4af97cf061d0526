"""Static equilibria, eqs. (3)-(22): closed forms against brute-force quadrature and root finding; thresholds,
invariants and the documented conventions (phase label at phi_P, no frozen sustain point = inf)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from models.relocation.brute import SETS, Jq, P, frozen_conditions, profit_integral
from scipy.integrate import quad
from scipy.optimize import brentq, fsolve

from mobility.models import relocation as r


# ----------------------------------------------------------------------------- closed forms vs brute force
@pytest.mark.parametrize("kw", SETS)
def test_autarky_against_quadrature(kw):
    p = P(**kw)
    # free entry (4) with B from the cut-off (3): int_0^aD (a**(1-s) f aD**(s-1) - f) dG = f_i
    a_D = brentq(lambda c: profit_integral(p, p.f * c ** (p.sigma - 1), c) - p.f_I, 1e-6, 1.5, xtol=1e-15)
    B = p.f * a_D ** (p.sigma - 1)
    n = p.s_E / (B * Jq(p, 0, a_D, a_D))  # B = E/(n m-bar)
    au = r.autarky(p)
    assert au["a_D"] == pytest.approx(a_D, rel=1e-9)
    assert au["n"] == pytest.approx(n, rel=1e-9)


@pytest.mark.parametrize("kw", SETS)
@pytest.mark.parametrize("frac", [0.3, 0.8])
def test_hft_against_root_finding(kw, frac):
    """Eq. (9) against the four conditions (7)-(8) solved without assuming B = B*."""
    p = P(**kw)
    phi = frac * r.phi_sustain(p)
    e = r.hft(p, phi)

    def eqs(z):
        aD, aDs, n, ns = z
        # export cut-offs from (7) given B's; B's from the cut-off conditions
        B, Bs = p.f * aD ** (p.sigma - 1), p.f * aDs ** (p.sigma - 1)
        aX = (phi * Bs / p.f) ** (1 / (p.sigma - 1))  # North -> South
        aXs = (phi * B / p.f) ** (1 / (p.sigma - 1))  # South -> North
        D = n * Jq(p, 0, aD, aD) + phi * ns * Jq(p, 0, aXs, aDs)
        Ds = ns * Jq(p, 0, aDs, aDs) + phi * n * Jq(p, 0, aX, aD)
        fe = (
            profit_integral(p, B, aD)
            + quad(lambda a: (phi * a ** (1 - p.sigma) * Bs - p.f) * p.rho * a ** (p.rho - 1), 0, aX, epsabs=1e-14)[0]
            - p.f_I
        )
        fes = (
            profit_integral(p, Bs, aDs)
            + quad(lambda a: (phi * a ** (1 - p.sigma) * B - p.f) * p.rho * a ** (p.rho - 1), 0, aXs, epsabs=1e-14)[0]
            - p.f_I
        )
        return [p.s_E / D - B, (1 - p.s_E) / Ds - Bs, fe, fes]

    start = [e["a_D"] * 1.03, e["a_D"] * 0.97, e["s_n"] * e["n_w"] * 1.05, (1 - e["s_n"]) * e["n_w"] * 0.95]
    z, info, ier, msg = fsolve(eqs, start, xtol=1e-13, full_output=True)
    assert ier == 1, msg
    assert max(abs(v) for v in eqs(z)) < 1e-10
    assert z[0] == pytest.approx(e["a_D"], rel=1e-8) and z[1] == pytest.approx(e["a_D"], rel=1e-8)
    assert z[2] / (z[2] + z[3]) == pytest.approx(e["s_n"], rel=1e-8)
    assert z[2] + z[3] == pytest.approx(e["n_w"], rel=1e-8)


@pytest.mark.parametrize("kw", SETS)
@pytest.mark.parametrize("which", ["xx", "dd"])
def test_frozen_against_root_finding(kw, which):
    p = P(**kw)
    phi = r.phase_points(p)[which]
    e = r.frozen(p, phi)
    assert e.phase == which.upper()
    au = r.autarky(p)

    def eqs(z):
        B, Bs, res = frozen_conditions(p, phi, z[0], z[1], au["a_D"], au["n_w"])
        return [(B - Bs) / B, res / p.f]

    z, info, ier, msg = fsolve(eqs, [e.a_X * 1.02, e.a_R * 0.98], xtol=1e-13, full_output=True)
    assert ier == 1, msg
    assert z[0] == pytest.approx(e.a_X, rel=1e-8)
    assert z[1] == pytest.approx(e.a_R, rel=1e-8)
    B, Bs, _ = frozen_conditions(p, phi, e.a_X, e.a_R, au["a_D"], au["n_w"])
    assert B == pytest.approx(e.B, rel=1e-9) and Bs == pytest.approx(e.B_star, rel=1e-9)


@pytest.mark.parametrize("kw", SETS)
@pytest.mark.parametrize("which", ["xx", "dd"])
def test_entry_against_root_finding(kw, which):
    """(21)-(22) and a_R: domestic cut-off, global free entry with B = B*, location condition, by quadrature."""
    p = P(**kw)
    phi = r.phase_points(p)[which]
    e = r.entry(p, phi)

    def eqs(z):
        aD, N, aR = z
        aX = phi ** (1 / (p.sigma - 1)) * aD
        B, Bs, res = frozen_conditions(p, phi, aX, aR, aD, N)
        fe = (
            profit_integral(p, B, aD)
            + quad(lambda a: (phi * a ** (1 - p.sigma) * B - p.f) * p.rho * a ** (p.rho - 1), 0, aX, epsabs=1e-14)[0]
            - p.f_I
        )
        return [B * aD ** (1 - p.sigma) / p.f - 1, fe / p.f_I, (B - Bs) / B]

    z, info, ier, msg = fsolve(eqs, [e.a_D * 1.02, e.n_w * 0.97, e.a_R * 1.01], xtol=1e-13, full_output=True)
    assert ier == 1, msg
    assert z == pytest.approx([e.a_D, e.n_w, e.a_R], rel=1e-8)


@pytest.mark.parametrize("kw", SETS)
def test_initial_gains_against_root_finding(kw):
    p = P(**kw)
    phi = 0.4 * r.phi_partition(p)
    g = r.initial_gains(p, phi)
    au = r.autarky(p)
    aD, N, s = au["a_D"], au["n_w"], p.s_E

    def eqs(z):
        aX, aXs = z
        D = N * (s * Jq(p, 0, aD, aD) + (1 - s) * phi * Jq(p, 0, aXs, aD))
        Ds = N * ((1 - s) * Jq(p, 0, aD, aD) + s * phi * Jq(p, 0, aX, aD))
        return [phi * aX ** (1 - p.sigma) * (1 - s) / Ds / p.f - 1, phi * aXs ** (1 - p.sigma) * s / D / p.f - 1]

    z, info, ier, msg = fsolve(eqs, [g.a_X_north * 1.005, g.a_X_south * 0.995], xtol=1e-13, full_output=True)
    assert ier == 1, msg
    assert z == pytest.approx([g.a_X_north, g.a_X_south], rel=1e-8)
    assert g.B > g.B_star  # Result 2: the North is the more attractive location before anyone moves


# ----------------------------------------------------------------------------- thresholds and invariants
def test_phi_p_below_phi_s_below_one_and_phi_s_increasing_in_beta():
    for s_E in (0.51, 0.6, 0.75, 0.95):
        betas, sustain = [], []
        for rho in (2.1, 2.5, 3.0, 4.0, 6.0, 10.0, 40.0):
            p = P(sigma=3.0, rho=rho, s_E=s_E)
            assert r.phi_partition(p) < r.phi_sustain(p) < 1
            betas.append(p.beta)
            sustain.append(r.phi_sustain(p))
        assert np.all(np.diff(sustain) > 0)
        assert r.check_results(P(s_E=s_E), n=5)["r4_dphis_dbeta"] > 0
    # full agglomeration is less likely as beta grows: phi_S -> 1
    assert r.phi_sustain(P(sigma=3.0, rho=2000.0)) > 0.999


def test_phi_s_is_where_no_relocation_s_n_reaches_one():
    p = P()
    ps = r.phi_sustain(p)
    assert r.hft(p, ps * (1 - 1e-9))["s_n"] == pytest.approx(1.0, abs=1e-6)
    assert r.entry(p, ps * (1 + 1e-9)).phase == "full"


@pytest.mark.parametrize("kw", SETS)
@pytest.mark.parametrize("stage", ["frozen", "entry"])
def test_B_equals_B_star_in_every_relocation_equilibrium(kw, stage):
    p = P(**kw)
    top = min(r.phi_sustain(p) if stage == "entry" else r.phi_sustain_frozen(p), 1.0)
    for phi in np.linspace(0, top, 9)[1:-1]:
        e = (r.frozen if stage == "frozen" else r.entry)(p, phi)
        B, Bs, res = frozen_conditions(p, phi, e.a_X, e.a_R, e.a_D, e.n_w)  # from the firm positions
        assert abs(B - Bs) / B < 1e-9
        assert abs(res) < 1e-9


@pytest.mark.parametrize("kw", SETS)
def test_a_R_equals_a_X_exactly_at_phi_P(kw):
    p = P(**kw)
    pp = r.phi_partition(p)
    for stage in (r.frozen, r.entry):
        e = stage(p, pp)
        assert abs(e.a_R - e.a_X) <= 1e-14 * e.a_X
        below, above = stage(p, pp * (1 - 1e-6)), stage(p, pp * (1 + 1e-6))
        assert below.phase == "XX" and above.phase == "DD"
        assert below.a_R < below.a_X and above.a_R > above.a_X
        assert abs(above.a_R - below.a_R) < 1e-4  # continuous across the phases


def test_complex_step_matches_implicit_function_and_finite_differences():
    p = P()
    for phi in (0.2, 0.5, 0.9):
        cs = r.dphi(lambda z: r.frozen(p, z).a_X, phi)
        h = 1e-6
        fd = (r.frozen(p, phi + h).a_X - r.frozen(p, phi - h).a_X) / (2 * h)
        assert cs == pytest.approx(fd, rel=1e-6)


@pytest.mark.parametrize("kw", SETS)
def test_thresholds_by_root_finding_equal_text_formulas(kw):
    p = P(**kw)
    t = r.thresholds_by_root_finding(p)
    assert t["phi_p"] == pytest.approx((1 - p.s_E) / p.s_E, abs=1e-10)
    assert t["phi_s"] == pytest.approx(((1 - p.s_E) / p.s_E) ** (1 / p.beta), abs=1e-10)


# ----------------------------------------------------------------------------- documented conventions
@pytest.mark.parametrize("kw", SETS)
def test_phase_at_phi_p_is_labelled_xx(kw):
    """Convention: at phi_P the XX (17) and DD (20) formulas coincide (a_R = a_X); the point is labelled XX."""
    p = P(**kw)
    pp = r.phi_partition(p)
    for stage in (r.frozen, r.entry):
        e = stage(p, pp)
        assert e.phase == "XX"
        dd = r.entry(p, pp) if stage is r.entry else r.frozen(p, pp)
        xx_formula = e.a_X * (pp * (2 * p.s_E - 1) / ((1 - p.s_E) * (1 - pp))) ** (1 / p.alpha)
        dd_formula = e.a_X * (pp * p.s_E / (1 - p.s_E)) ** (1 / p.alpha)
        assert xx_formula == pytest.approx(dd_formula, rel=1e-12) and dd.a_R == pytest.approx(xx_formula, rel=1e-12)


def test_no_frozen_sustain_point_is_infinite():
    """Convention: when the frozen stock never fully agglomerates in [0, 1], the sustain point is math.inf."""
    p = P()
    assert r.phi_sustain_frozen(p) == math.inf
    assert r.frozen(p, 1.0).phase != "full"
    q = P(s_E=0.8)
    assert 0 < r.phi_sustain_frozen(q) < 1 and r.frozen(q, 0.999).phase == "full"


@pytest.mark.parametrize(
    "args, name",
    [
        ((1.0, 2.0, 0.5), "sigma"),
        ((3.0, 0.0, 0.5), "alpha"),
        ((3.0, -0.5, 0.5), "alpha"),
        ((3.0, 2.0, 1.5), "phi"),
        ((3.0, 2.0, float("nan")), "phi"),
    ],
)
def test_export_ratio_validates_its_arguments(args, name):
    """Before: ZeroDivisionError (sigma = 1), a silent root for alpha = 0 or phi > 1, a scipy NaN error."""
    with pytest.raises(r.RelocationParameterError, match=name):
        r.export_ratio(*args)


@pytest.mark.parametrize("kw, name", [(dict(u=0.0), "u "), (dict(v=-1.0), "v ")])
def test_export_ratio_validates_weights(kw, name):
    with pytest.raises(r.RelocationParameterError, match=name + r"\(.*\) must be > 0"):
        r.export_ratio(3.0, 2.0, 0.5, **kw)


def test_hme_derivative_refuses_free_trade_instead_of_dividing_by_zero():
    with pytest.raises(r.RelocationParameterError, match=r"phi .* \[0, 1\)"):
        r.hme_derivative(P(), 1.0)
