"""Productivity and welfare, eqs. (10)-(11) and (23)-(26): quadrature checks, the text's inline formulas and
validation of the helpers."""

from __future__ import annotations

import numpy as np
import pytest
from models.relocation.brute import SETS, Jq, Kq, P
from scipy.integrate import quad

from mobility.models import relocation as r


@pytest.mark.parametrize("kw", SETS)
@pytest.mark.parametrize("stage", ["hft", "frozen", "entry"])
def test_productivity_against_quadrature(kw, stage):
    """Eqs. (10), (23), (24): production-weighted a-bar by direct quadrature of the firm positions."""
    p = P(**kw)
    for which in ("xx", "dd"):
        phi = r.phase_points(p)[which]
        if stage == "hft":
            e = r.hft(p, phi)
            aD, aX, aR, sn = e["a_D"], e["a_X"], 0.0, e["s_n"]
            got = r.productivity_hft(p, phi)
        else:
            e = (r.frozen if stage == "frozen" else r.entry)(p, phi)
            aD, aX, aR, sn = e.a_D, e.a_X, e.a_R, e.s_n
            got = (r.productivity_frozen if stage == "frozen" else r.productivity_entry)(p, phi)

        def avg(segments, aD=aD):  # (mass, lo, hi, weight multiplier)
            num = sum(m * w * Kq(p, lo, hi, aD) for m, lo, hi, w in segments)
            den = sum(m * w * Jq(p, lo, hi, aD) for m, lo, hi, w in segments)
            return num / den

        north = [(sn, 0, aX, 1 + phi), (sn, aX, aD, 1), (1 - sn, 0, min(aR, aX), 1 + phi), (1 - sn, aX, aR, 1)]
        south = [(1 - sn, aR, max(aR, aX), 1 + phi), (1 - sn, max(aR, aX), aD, 1)]
        assert got[0] == pytest.approx(avg(north), rel=1e-9)
        assert got[1] == pytest.approx(avg(south), rel=1e-9)
        if stage == "hft":  # the closed form quoted in the docstring
            closed = aD * p.alpha / (p.alpha + 1) * (1 + phi ** (p.beta + 1 / (p.sigma - 1))) / (1 + phi**p.beta)
            assert got[0] == pytest.approx(closed, rel=1e-12)


# ----------------------------------------------------------------------------- the paper's inline formulas
@pytest.mark.parametrize("s_E", [0.55, 0.6, 0.7])
def test_special_case_derivative_equals_text_formula(s_E):
    p = P(sigma=2.0, rho=2.0, s_E=s_E)
    for phi in np.linspace(r.phi_partition(p), r.phi_sustain(p), 7)[1:-1]:
        assert r.entry(p, phi).phase == "DD"
        ours = r.dphi(lambda z: r.productivity_entry(p, z)[1], phi)
        assert abs(ours - r.special_case_derivative(phi, s_E)) < 1e-10
        assert ours > 0  # "positive since s > 1/2"


@pytest.mark.parametrize("kw", SETS)
def test_footnote11(kw):
    p = P(**kw)
    for phi in (0.1, 0.3, 0.5):
        if phi >= r.phi_sustain(p):
            continue
        d = r.dphi(lambda z: np.log(r.weights_hft(p, z)["W_X"]), phi)
        assert d == pytest.approx(r.footnote11_dlnwx(p, phi), rel=1e-12)
        assert d > 0


@pytest.mark.parametrize("kw", SETS)
def test_hme_derivative(kw):
    p = P(**kw)
    phi = 0.5 * r.phi_sustain(p)
    h = 1e-3
    ds = (r.hft(p.replace(s_E=p.s_E + h), phi)["s_n"] - r.hft(p, phi)["s_n"]) / h  # s_n is linear in s_E
    assert ds == pytest.approx(r.hme_derivative(p, phi), rel=1e-9)
    assert 1 < r.hme_derivative(p, phi) < (1 + phi) / (1 - phi)  # heterogeneity dampens the HME


@pytest.mark.parametrize("stage", ["hft", "entry", "frozen"])
def test_production_weights_integrate_to_a_bar(stage):
    p = P()
    for phi in (0.3, 0.75):
        e = r.hft(p, phi) if stage == "hft" else (r.entry if stage == "entry" else r.frozen)(p, phi)
        target = (
            r.productivity_hft
            if stage == "hft"
            else r.productivity_entry
            if stage == "entry"
            else r.productivity_frozen
        )(p, phi)
        a_D = e["a_D"] if stage == "hft" else e.a_D
        for i in (0, 1):
            val = quad(
                lambda a, e=e, i=i: r.production_weights(p, e, a)[i] * a ** (1 - p.sigma + p.rho),
                0,
                a_D,
                points=[e["a_X"] if stage == "hft" else e.a_X] + ([] if stage == "hft" else [e.a_R]),
                limit=200,
            )[0]
            assert val == pytest.approx(target[i], rel=1e-8)


# ----------------------------------------------------------------------------- the North's DD-phase closed form
@pytest.mark.parametrize("kw", SETS)
def test_north_dd_closed_form_equals_general_productivity(kw):
    p = P(**kw)
    phis = np.linspace(r.phi_partition(p), r.phi_sustain(p), 9)[1:-1]
    closed = r.productivity_entry_dd_north(p, phis)
    general = [r.productivity_entry(p, x)[0] for x in phis]
    assert closed == pytest.approx(general, rel=1e-12)
    d_closed = [r.dphi(lambda z: complex(r.productivity_entry_dd_north(p, z)), x) for x in phis]
    d_general = [r.dphi(lambda z: r.productivity_entry(p, z)[0], x) for x in phis]
    assert d_closed == pytest.approx(d_general, rel=1e-9, abs=1e-12)
    sel, comp = r.productivity_entry_dd_north_terms(p, phis)
    assert np.exp(sel + comp) * p.alpha / (p.alpha + 1) == pytest.approx(closed, rel=1e-12)


def test_north_dd_closed_form_refuses_phi_outside_the_dd_phase():
    p = P()
    with pytest.raises(r.RelocationParameterError, match=r"DD phase \[phi_P, phi_S\]"):
        r.productivity_entry_dd_north(p, 0.3)


# ----------------------------------------------------------------------------- validation of the helpers
@pytest.mark.parametrize(
    "phi, s_E, name",
    [
        (0.75, 1.0, "s_E"),  # before: ZeroDivisionError
        (0.75, 0.4, "s_E"),  # before: a number for a South larger than the North
        (-1.0, 0.6, "phi"),  # before: a number
        (float("nan"), 0.6, "phi"),  # before: nan
        (0.3, 0.6, "DD phase"),  # outside [phi_P, phi_S] = [0.667, 0.816], where the formula is derived
    ],
)
def test_special_case_derivative_validates(phi, s_E, name):
    with pytest.raises(r.RelocationParameterError, match=name):
        r.special_case_derivative(phi, s_E)


@pytest.mark.parametrize("B_star", [0.0, -1.0, float("nan"), float("inf")])
def test_welfare_south_validates_demand(B_star):
    """Before: ZeroDivisionError, a RuntimeWarning and nan, or nan."""
    with pytest.raises(r.RelocationParameterError, match=r"B_star \(per-firm demand in the South\)"):
        r.welfare_south(P(), B_star)


def test_welfare_south_accepts_arrays_and_complex_steps():
    p = P()
    assert np.all(np.isfinite(r.welfare_south(p, np.array([0.5, 1.0]))))
    assert r.dphi(lambda z: r.welfare_south(p, r.hft(p, z)["B"]), 0.3) > 0
    with pytest.raises(r.RelocationParameterError, match="B_star"):
        r.welfare_south(p, np.array([0.5, -1.0]))
