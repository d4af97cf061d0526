"""The Monte Carlo module: draws, summary arithmetic, parameter errors."""

import numpy as np
import pandas as pd
import pytest

from mobility.models.gravity import montecarlo, synthetic


def test_run_and_summarise_small():
    draws = montecarlo.run(synthetic.SimulationParams(n_countries=40), 2)
    assert set(draws.regressor) == {"visa", "rta", "schengen", "gdp_diff"} and draws.rep.nunique() == 2
    assert (draws.robust > draws.robust_slopes_only).all()  # counting the fixed effects raises the SEs
    s = montecarlo.summarise(draws)
    for v in montecarlo.VARIANCES:
        assert s[f"coverage_{v}"].between(0, 1).all()
    g = draws[draws.regressor == "visa"]
    assert s.loc["visa", "bias"] == pytest.approx(g.coef.mean() - 0.055)


def test_summarise_coverage_by_hand():
    draws = pd.DataFrame(
        {
            "rep": [0, 1, 2, 3],
            "regressor": "x",
            "truth": 0.0,
            "coef": [0.1, -0.1, 0.5, 0.0],
            "robust": 0.1,
            "robust_slopes_only": 0.01,
            "cluster_pair": 1.0,
            "nobs": 10,
        }
    )
    s = montecarlo.summarise(draws)
    assert s.loc["x", "coverage_robust"] == 0.75  # |0.5| > 1.96 * 0.1
    assert s.loc["x", "coverage_robust_slopes_only"] == 0.25
    assert s.loc["x", "coverage_cluster_pair"] == 1.0
    assert s.loc["x", "sd"] == pytest.approx(np.std([0.1, -0.1, 0.5, 0.0], ddof=1))


def test_bad_n_reps():
    with pytest.raises(ValueError, match="n_reps"):
        montecarlo.run(synthetic.SimulationParams(n_countries=40), 0)


# ------------------------------------------------------------------ the remedy: the pair-block bootstrap
SPEC = ("stock", ("visa", "rta", "schengen", "gdp_diff"), ("orig_year", "dest_year", "pair"))


@pytest.fixture(scope="module")
def tiny_panel():
    return synthetic.simulate_panel(synthetic.SimulationParams(n_countries=30, seed=7))


def test_pair_bootstrap_shape_and_determinism(tiny_panel):
    a = montecarlo.pair_bootstrap(tiny_panel, *SPEC, n_boot=3, seed=(7, 1))
    assert a.shape == (3, 4) and list(a.columns) == list(SPEC[1])
    b = montecarlo.pair_bootstrap(tiny_panel, *SPEC, n_boot=3, seed=(7, 1))
    pd.testing.assert_frame_equal(a, b)  # seeded: byte-identical
    c = montecarlo.pair_bootstrap(tiny_panel, *SPEC, n_boot=3, seed=(8, 1))
    assert not np.allclose(a.visa, c.visa)


def test_pair_bootstrap_resamples_whole_pairs(tiny_panel, monkeypatch):
    seen = []
    real = montecarlo.estimate.ppml_coef

    def spy(sample, *args, **kwargs):
        seen.append((sample, kwargs))
        return real(sample, *args, **kwargs)

    monkeypatch.setattr(montecarlo.estimate, "ppml_coef", spy)
    montecarlo.pair_bootstrap(tiny_panel, *SPEC, n_boot=2, seed=3)
    n_pairs, n_waves = tiny_panel.pair.nunique(), tiny_panel.year.nunique()
    (full, first), *resamples = seen
    # first the full sample, once, for the fit every resample starts from
    assert first.get("fitted") is True and len(full) == len(tiny_panel) and len(resamples) == 2
    for s, kwargs in resamples:
        # each drawn pair once, with all of its waves, weighted by the number of times it was drawn: as many
        # draws as pairs
        w = kwargs["weights"]
        assert (s.groupby("pair").size() == n_waves).all() and len(w) == len(s)
        times = pd.Series(w).groupby(s.pair.to_numpy()).agg(["min", "max"])
        assert (times["min"] == times["max"]).all() and times["min"].sum() == n_pairs
        assert w.sum() == len(tiny_panel) and (w > 1).any()  # some pair drawn more than once
        assert kwargs["start"].mu.shape == (len(s),)


def test_pair_bootstrap_is_the_fit_of_each_resample_with_every_copy_its_own_pair(tiny_panel):
    """The weighted fits give the coefficients of the resamples themselves: each drawn copy of a pair a row block
    with its own pair effect, fitted by ppml_coef without weights. Tolerance fixed before the comparison was run:
    1e-9 absolute, as ppml_coef's against ppml (tests/models/gravity/test_estimate.py)."""
    boot = montecarlo.pair_bootstrap(tiny_panel, *SPEC, n_boot=3, seed=(7, 1))
    codes, pairs = pd.factorize(tiny_panel.pair, sort=True)
    rng = np.random.default_rng((7, 1))
    for b in range(3):
        draw = rng.integers(0, len(pairs), len(pairs))
        sample = pd.concat(
            [tiny_panel[codes == g].assign(pair=f"copy{k}") for k, g in enumerate(draw)], ignore_index=True
        )
        want = montecarlo.estimate.ppml_coef(sample, *SPEC)
        for reg in SPEC[1]:
            assert boot.loc[b, reg] == pytest.approx(want[reg], abs=1e-9)


def test_run_with_bootstrap_columns():
    draws = montecarlo.run(synthetic.SimulationParams(n_countries=30), 1, n_boot=2)
    for c in ("pair_bootstrap", "boot_mean", "boot_failed"):
        assert c in draws.columns
    s = montecarlo.summarise(draws)
    for v in (*montecarlo.VARIANCES, *montecarlo.REMEDIES):
        assert f"coverage_{v}" in s.columns and f"mcse_{v}" in s.columns
    assert "bias_bc" in s.columns


def test_summarise_bootstrap_by_hand():
    draws = pd.DataFrame(
        {
            "rep": [0, 1, 2, 3],
            "regressor": "x",
            "truth": 0.0,
            "coef": [0.3, 0.2, 0.1, 0.4],
            "robust": 0.1,
            "robust_slopes_only": 0.1,
            "cluster_pair": 0.1,
            "nobs": 10,
            "pair_bootstrap": 0.1,
            "boot_mean": [0.5, 0.3, 0.2, 0.5],  # bias-corrected: 2b - mean(b*) = 0.1, 0.1, 0.0, 0.3
            "boot_failed": 0,
        }
    )
    s = montecarlo.summarise(draws)
    assert s.loc["x", "coverage_pair_bootstrap"] == 0.25  # only |0.1| <= 0.196
    assert s.loc["x", "coverage_pair_bootstrap_bc"] == 0.75
    assert s.loc["x", "bias"] == pytest.approx(0.25) and s.loc["x", "bias_bc"] == pytest.approx(0.125)
    assert s.loc["x", "mcse_pair_bootstrap_bc"] == pytest.approx(np.sqrt(0.75 * 0.25 / 4))


def test_coverage_verdict_is_the_preregistered_rule():
    # R = 100: two Monte Carlo SEs at the nominal rate are 2 * sqrt(0.95 * 0.05 / 100) = 0.0436
    assert montecarlo.coverage_verdict(0.95, 100) == "within"
    assert montecarlo.coverage_verdict(0.91, 100) == "within"
    assert montecarlo.coverage_verdict(0.90, 100) == "under"
    assert montecarlo.coverage_verdict(1.00, 100) == "over"
    assert montecarlo.coverage_mcse(0.95, 100) == pytest.approx(0.021794, abs=1e-6)


@pytest.mark.parametrize("bad", [0, 1, 2.0, True])
def test_bad_n_boot(tiny_panel, bad):
    with pytest.raises(ValueError, match="n_boot"):
        montecarlo.pair_bootstrap(tiny_panel, *SPEC, n_boot=bad, seed=1)


def test_run_bad_n_boot():
    with pytest.raises(ValueError, match="n_boot"):
        montecarlo.run(synthetic.SimulationParams(n_countries=30), 1, n_boot=1)


def test_coverage_table_from_results():
    p = "gravity.montecarlo."
    values = {
        p + "n_reps": 100,
        p + "visa.coverage_robust": 0.72,
        p + "visa.coverage_pair_bootstrap": 0.94,
        p + "rta.coverage_robust": 1.0,
    }
    t = montecarlo.coverage_table(values, p, regressors=("visa", "rta"))
    assert list(t.regressor) == ["visa", "visa", "rta"]
    assert list(t["rule (95% ± 2 MC s.e.)"]) == ["under", "within", "over"]
    assert t["MC s.e."].iloc[0] == pytest.approx(np.sqrt(0.72 * 0.28 / 100))
