"""Parameters of the relocation model: validation names the parameter and its range; ``Params.replace``."""

from __future__ import annotations

import pytest
from models.relocation.brute import SETS, P

from mobility.models import relocation as r


# ----------------------------------------------------------------------------- parameters and errors
@pytest.mark.parametrize(
    "kw, name",
    [
        (dict(sigma=3.0, rho=2.0), "beta"),
        (dict(sigma=3.0, rho=1.5), "beta"),
        (dict(s_E=0.5), "s_E"),
        (dict(s_E=0.4), "s_E"),
        (dict(s_E=1.0), "s_E"),
        (dict(phi=-0.01), "phi"),
        (dict(phi=1.01), "phi"),
        (dict(sigma=1.0), "sigma"),
        (dict(rho=-1.0), "rho"),
        (dict(f=0.0), "f "),
        (dict(f_i=2.0), "f_i"),
        (dict(phi=float("nan")), "phi"),
    ],
)
def test_bad_parameters_name_parameter_and_range(kw, name):
    with pytest.raises(ValueError, match=name):
        P(**kw)


def test_beta_error_gives_value_and_fix():
    with pytest.raises(ValueError, match=r"beta = rho/\(sigma-1\) must be > 1.*got 1"):
        P(sigma=3.0, rho=2.0)


@pytest.mark.parametrize("phi", [-0.5, 1.5])
def test_functions_reject_phi_outside_unit_interval(phi):
    p = P()
    for fun in (r.hft, r.frozen, r.entry, r.initial_gains, r.productivity_entry, r.hme_derivative):
        with pytest.raises(r.RelocationParameterError, match=r"phi .* \[0, 1[\])]"):
            fun(p, phi)


def test_solver_error_carries_residual():
    exc = r.RelocationSolveError("export cut-off equation not solved", 2.5e-3)
    assert exc.residual == 2.5e-3 and "residual 2.500e-03" in str(exc)


def test_errors_are_mobility_errors():
    from mobility.core.errors import MobilityError

    with pytest.raises(MobilityError):
        P(s_E=0.4)
    assert issubclass(r.RelocationParameterError, ValueError)
    assert issubclass(r.RelocationSolveError, MobilityError)


def test_replace_validates_and_refuses_unknown_names():
    p = P()
    assert p.replace(s_E=0.8).s_E == 0.8 and p.s_E == 0.6
    with pytest.raises(r.RelocationParameterError, match=r"unknown parameter\(s\) \['tau'\]"):
        p.replace(tau=2.0)
    with pytest.raises(r.RelocationParameterError, match=r"s_E .* \(1/2, 1\)"):
        p.replace(s_E=1.0)
    assert not hasattr(p, "with_")  # one model API: Params.replace, as in the mnc model


@pytest.mark.parametrize("value, expected", [(0.0, None), (0, None), (0.4, 0.4)])
def test_f_i_setting_accepts_zero_as_normalisation_and_positive_costs(value, expected):
    assert r.f_i_setting(value) == expected


@pytest.mark.parametrize("value", [-5.0, -1e-9, float("nan"), float("inf"), "0.4", True])
def test_f_i_setting_refuses_negative_and_non_finite_values(value):
    with pytest.raises(r.RelocationParameterError, match=r"f_i \(innovation cost\)"):
        r.f_i_setting(value)


def test_f_i_above_its_bound_names_the_range():
    with pytest.raises(r.RelocationParameterError, match=r"f_i .* must be in \(0, f/\(beta-1\)\] = \(0, 1\]"):
        P(f_i=2.0)


def test_default_innovation_cost_follows_beta():
    p = P().replace(rho=8.0)  # f_i None: the normalisation is kept, not the old number
    assert r.autarky(p)["a_D"] == 1.0 and p.f_I == pytest.approx(1 / 3)


def test_default_normalises_autarky_cutoff_to_one():
    for kw in SETS:
        p = P(**kw)
        expected = 1.0 if "f_i" not in kw else ((p.beta - 1) * p.f_I / p.f) ** (1 / p.rho)
        assert r.autarky(p)["a_D"] == pytest.approx(expected, rel=1e-14)
