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
