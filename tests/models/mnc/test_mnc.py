"""Unit tests of mobility.models.mnc: equations at known points, invariants, comparative statics, error paths."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mobility.models.mnc import (
    PAPER_ANCHORS,
    REGIMES,
    TOL,
    EquilibriumError,
    Params,
    average_productivity,
    bilaterality,
    calibration,
    cutoff,
    experiments,
    solve,
    solve_path,
)
from mobility.publish import compare

P = Params()


@pytest.fixture(scope="module")
def benchmark():
    return {r: solve(P, r) for r in REGIMES}


# -- closed forms --------------------------------------------------------------------------------------
def test_autarky_cutoff_and_average_productivity_closed_forms(benchmark):
    # eq. (37) with chi = 0 and Table 3's delta = 0.07: Table 5 prints 0.8502 and 4.6550
    assert round(cutoff(P, 0.0), 4) == 0.8502
    # 4.6550 is the closed form at the printed cutoff; at the unrounded cutoff it is 4.65478
    assert round(average_productivity(P, 0.8502), 4) == 4.6550
    assert average_productivity(P, cutoff(P, 0.0)) == pytest.approx(4.654783, abs=1e-6)
    s = benchmark["autarky"].summary()
    assert s["cutoff_local_usa"] == pytest.approx(cutoff(P, 0.0), rel=1e-14)
    assert s["productivity_canada"] == pytest.approx(average_productivity(P, cutoff(P, 0.0)), rel=1e-12)
    # the text's 9 % exit rate does not give Table 5's cutoff
    assert round(cutoff(P.replace(delta=0.09), 0.0), 4) != 0.8502


def test_bilaterality_index_eq1():
    assert bilaterality(1.0, 1.0) == 1.0
    assert bilaterality(3.0, 1.0) == pytest.approx(0.5)
    assert bilaterality(0.0088, 0.0242) == pytest.approx(0.5333, abs=5e-5)  # Table 5 from its rounded stocks
    assert math.isnan(bilaterality(0.0, 0.0))


# -- every reported equilibrium ------------------------------------------------------------------------
@pytest.mark.parametrize("regime", REGIMES)
def test_residual_below_tolerance(benchmark, regime):
    eq = benchmark[regime]
    assert eq.converged and eq.residual_norm <= 1e-10
    assert eq.iterations > 0
    # recompute the residual independently of the solver's bookkeeping
    from mobility.models.mnc.solver import _Layout

    layout = _Layout.build(P, regime, eq.anchor if regime in ("autarky", "migration") else None, None)
    assert np.max(np.abs(layout.residual(P, eq.x))) <= TOL


def test_labour_markets_clear_and_incentives_hold(benchmark):
    e = benchmark["migration_mnc"].economy
    assert e.H[0, 0] + e.H[1, 0] == pytest.approx(P.H1, rel=1e-10)
    assert e.L[1, 1] + e.L[0, 1] == pytest.approx(P.L2, rel=1e-10)
    assert e.s[0, 1] / e.P[0] == pytest.approx(e.s[1, 1] / e.P[1], rel=1e-10)  # eq. (48)
    assert e.u[1, 0] / e.P[1] == pytest.approx(e.u[0, 0] / e.P[0], rel=1e-10)  # eq. (51)
    assert e.M[0] * e.chi[0] == pytest.approx(e.M[1] * e.chi[1], rel=1e-10)  # closing condition


def test_mnc_columns_reproduce_table5(benchmark):
    s = benchmark["migration_mnc"].summary()
    assert s["real_wage_low_usa"] == pytest.approx(1.3760, abs=1e-4)
    assert s["migrants_high_canada_to_usa"] == pytest.approx(0.0242, abs=5e-5)
    assert s["cutoff_foreign_usa"] == pytest.approx(15.0334, abs=1e-4)
    assert s["share_high_foreign_canada"] == pytest.approx(2.35, abs=0.005)  # Table 4
    assert benchmark["autarky"].summary()["real_wage_low_usa"] == pytest.approx(1.0, abs=1e-13)


# -- symmetry --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("regime", ["mnc", "migration_mnc"])
def test_identical_countries_identical_outcomes(regime):
    p = P.replace(H2=P.H1, L2=P.L1, tau21=P.tau12, t21=P.t12, xi21=P.xi12, zeta21=P.zeta12)
    s = solve(p, regime).summary()
    assert s["real_wage_low_usa"] == pytest.approx(s["real_wage_low_canada"], rel=1e-9)
    assert s["real_wage_high_usa"] == pytest.approx(s["real_wage_high_canada"], rel=1e-9)
    assert s["mass_local_usa"] == pytest.approx(s["mass_local_canada"], rel=1e-9)
    if regime == "migration_mnc":
        assert s["bilaterality_high"] == pytest.approx(1.0, abs=1e-9)
        assert s["bilaterality_low"] == pytest.approx(1.0, abs=1e-9)


def test_symmetric_migration_only_at_unit_anchor():
    p = P.replace(H2=P.H1, L2=P.L1, tau21=P.tau12, t21=P.t12, xi21=P.xi12, zeta21=P.zeta12)
    s = solve(p, "migration", anchor=1.0).summary()
    assert s["bilaterality_high"] == pytest.approx(1.0, abs=1e-9)
    assert s["real_wage_high_usa"] == pytest.approx(s["real_wage_high_canada"], rel=1e-9)


# -- comparative statics ---------------------------------------------------------------------------------
def test_higher_tau12_lowers_canada_to_usa_high_skilled_stock(benchmark):
    base = benchmark["migration_mnc"]
    higher = solve(P.replace(tau12=P.tau12 * 1.02), guess=base)
    assert higher.stock("h", 0, 1) < base.stock("h", 0, 1)


def test_mncs_raise_every_real_wage(benchmark):
    a, m = benchmark["autarky"].summary(), benchmark["mnc"].summary()
    for k in ("real_wage_low_usa", "real_wage_low_canada", "real_wage_high_usa", "real_wage_high_canada"):
        assert m[k] > a[k]


# -- quotas (eqs. 52-57) ---------------------------------------------------------------------------------
def test_quota_scales_constrained_stock_and_opens_real_wage_gap(benchmark):
    free = benchmark["migration_mnc"]
    q = solve(P.replace(lam_h12=0.5, lam_h21=0.5))
    assert q.residual_norm <= TOL
    assert q.stock("h", 0, 1) == pytest.approx(0.5 * free.stock("h", 0, 1), rel=1e-10)
    assert q.stock("h", 1, 0) == pytest.approx(0.5 * free.stock("h", 1, 0), rel=1e-10)
    e = q.economy
    assert e.s[0, 1] / e.P[0] > e.s[1, 1] / e.P[1]  # eq. (52): Canadians in the USA earn a rent
    assert e.s[1, 0] / e.P[1] > e.s[0, 0] / e.P[0]
    # low-skilled migration is unconstrained: incentive compatibility still holds
    assert e.u[0, 1] / e.P[0] == pytest.approx(e.u[1, 1] / e.P[1], rel=1e-10)


def test_quota_path_continuation_and_ban():
    shares = np.linspace(1.0, 0.1, 6)
    out = experiments.quota_sweep("low", shares)
    assert np.all(out["residual_norm"] <= TOL)
    assert np.all(np.diff(out["migrants_low_canada_to_usa"]) < 0)
    banned = solve(P.replace(lam_l12=0.0, lam_l21=0.0))
    assert banned.stock("l", 0, 1) == 0.0 and banned.stock("l", 1, 0) == 0.0


# -- no-MNC anchor and its family -------------------------------------------------------------------------
def test_anchor_moves_no_mnc_outcomes_but_not_cutoffs():
    a = solve(P, "autarky", anchor=5.0).summary()
    b = solve(P, "autarky", anchor=8.0).summary()
    assert a["real_wage_low_usa"] == pytest.approx(b["real_wage_low_usa"], rel=1e-12)
    assert a["real_wage_low_canada"] != pytest.approx(b["real_wage_low_canada"], rel=1e-3)
    assert a["cutoff_local_canada"] == b["cutoff_local_canada"]


def test_fitted_anchors_match_constants():
    x = calibration.fit_anchor("mass_local_canada", 0.4194, "autarky", bracket=(4.0, 9.0))
    assert x == pytest.approx(PAPER_ANCHORS["autarky"], abs=1e-4)
    x = calibration.fit_anchor("mass_local_canada", 0.7109, "migration")
    assert x == pytest.approx(PAPER_ANCHORS["migration_masses"], abs=1e-4)


def test_family_traces_multiple_equilibria_at_one_anchor():
    fam = experiments.family(np.linspace(-5, 5, 21))
    assert np.all(fam["residual_norm"] <= TOL)
    X = fam["anchor"]
    assert np.any(np.diff(X) > 0) and np.any(np.diff(X) < 0)  # X is not monotone: folds


# -- calibration -------------------------------------------------------------------------------------------
def test_recovered_moving_costs_close_to_table3():
    p, eq = calibration.recover_moving_costs()
    got = calibration.migrant_shares(eq)
    for k, v in calibration.MIGRANT_SHARE_TARGETS.items():
        assert got[k] == pytest.approx(v, rel=1e-8)
    assert p.tau12 == pytest.approx(1.1896, abs=2e-3)
    assert p.t21 == pytest.approx(1.5835, abs=2e-3)


def test_alpha_from_wage_share():
    assert calibration.recover_alpha() == pytest.approx(0.70, abs=0.005)


# -- errors ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "change, name",
    [
        ({"sigma": 1.0}, "sigma"),
        ({"kappa": 1.5}, "kappa"),
        ({"rho": 1.0}, "rho"),
        ({"gamma": 1.0}, "gamma"),
        ({"Gamma": 0.5}, "Gamma"),
        ({"H2": 0.0}, "H2"),
        ({"tau12": 0.0}, "tau12"),
        ({"xi21": 0.0}, "xi21"),
        ({"zeta12": 1.2}, "zeta12"),
        ({"lam_h12": 1.5}, "lam_h12"),
        ({"alpha": 1.0}, "alpha"),
        ({"delta": float("nan")}, "delta"),
    ],
)
def test_invalid_parameters_name_parameter_and_range(change, name):
    with pytest.raises(ValueError, match=rf"parameter {name}\b.*(must be|range)"):
        P.replace(**change)


def test_unknown_parameter_and_regime_and_anchor():
    with pytest.raises(ValueError, match="unknown parameter"):
        P.replace(beta=1.0)
    with pytest.raises(ValueError, match="regime"):
        solve(P, "trade")
    with pytest.raises(ValueError, match="anchor"):
        solve(P, "mnc", anchor=3.0)
    with pytest.raises(ValueError, match="anchor"):
        solve(P, "autarky", anchor=-1.0)


def test_solve_that_cannot_converge_raises_with_residual():
    with pytest.raises(EquilibriumError) as info:
        solve(P, "migration_mnc", max_evaluations=2)
    assert info.value.residual_norm > TOL
    assert "residual norm" in str(info.value)


def test_warm_start_is_cheaper_and_identical(benchmark):
    base = benchmark["migration_mnc"]
    p = P.replace(gamma=32.0)
    cold, warm = solve(p), solve(p, guess=base)
    assert warm.iterations < cold.iterations
    assert np.allclose(cold.x, warm.x, atol=1e-9)


def test_solve_path_halves_steps():
    path = [P, P.replace(tau12=1.6, tau21=1.5)]
    out = solve_path(path)
    assert all(e.residual_norm <= TOL for e in out)


# -- experiment helpers ---------------------------------------------------------------------------------
def test_shape_descriptions():
    assert experiments.shape([1, 2, 3]) == "increasing"
    assert experiments.shape([3, 2, 1]) == "decreasing"
    assert experiments.shape([1, 3, 2]) == "hump"
    assert experiments.shape([3, 1, 2]) == "u"
    assert experiments.shape([1, 1, 1]) == "flat"
    assert experiments.shape([1, 3, 2, 4]) == "non-monotone"


def test_overrides_and_experiment_arguments_are_validated():
    assert experiments.with_overrides({"gamma": 20.0}).gamma == 20.0
    with pytest.raises(ValueError, match="unknown parameter"):
        experiments.with_overrides({"gama": 20.0})
    with pytest.raises(ValueError, match="mapping"):
        experiments.with_overrides([("gamma", 20.0)])
    with pytest.raises(ValueError, match="skills"):
        experiments.moving_cost_cut("medium", [1.0])
    with pytest.raises(ValueError, match=r"parameter t?(au)?\d+ .*must be > 0"):
        experiments.moving_cost_cut("all", [-10.0, 1.0])  # 1 - 10 (tau - 1) < 0


def test_table5_values_take_masses_from_the_second_member():
    T = experiments.table5()
    v = experiments.table5_values(T)
    assert v["mnc.table5.migration.mass_local_canada"] == T["migration_masses"]["mass_local_canada"]
    assert v["mnc.table5.migration.real_wage_low_canada"] == T["migration"]["real_wage_low_canada"]
    assert "mnc.table5.autarky.mass_foreign_usa" not in v  # absent cells are not recorded
    # every targets key of Tables 4-5 is produced by the library
    keys = set(v) | set(experiments.table4_values(T))
    assert set(compare.published("mnc.table5.")) <= keys
    assert set(compare.published("mnc.table4.")) <= keys


def test_moving_cost_cut_benchmark_point_is_the_benchmark():
    out = experiments.moving_cost_cut("high", [0.8, 1.0, 1.2])
    base = solve(P).summary()
    assert out["real_wage_high_usa"][1] == pytest.approx(base["real_wage_high_usa"], rel=1e-10)
    assert out["migrants_high_canada_to_usa"][0] > out["migrants_high_canada_to_usa"][1]


def test_existence_threshold_brackets_the_last_equilibrium():
    import numpy as np

    from mobility.models.mnc import EquilibriumError, experiments

    c = experiments.existence_threshold("all", tol=1e-2)
    experiments.moving_cost_cut("all", np.linspace(1.0, c, 40))  # exists at the threshold
    with pytest.raises(EquilibriumError):
        experiments.moving_cost_cut("all", np.linspace(1.0, c - 0.02, 40))
    with pytest.raises(ValueError, match="choose a larger hi"):
        experiments.existence_threshold("all", lo=0.0, hi=0.1)
