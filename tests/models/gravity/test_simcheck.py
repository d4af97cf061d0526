"""Estimates beside the truth on simulated worlds (the checks the identification and extensions pages show)."""

from types import SimpleNamespace

from mobility.models.gravity import simcheck


def _fit(coef, se, ci):
    return SimpleNamespace(coef=coef, se=se, ci=lambda r: ci[r])


def test_against_truth_flags_the_truth_inside_the_interval():
    fits = {
        "col1": _fit({"visa": 0.1, "rta": 0.5}, {"visa": 0.02, "rta": 0.1}, {"visa": (0.06, 0.14), "rta": (0.3, 0.7)})
    }
    out = simcheck.against_truth(fits, {"visa": 0.2})
    assert list(out["regressor"]) == ["visa"] and not out["truth inside"].iloc[0]
    assert out["95% CI"].iloc[0] == "[0.060, 0.140]"
    labelled = simcheck.against_truth(fits, {"visa": 0.1}, labels=True, ci=False)
    assert len(labelled) == 2 and "95% CI" not in labelled and list(labelled["truth inside 95% CI"]) == [True, False]


def test_fit_values_keys_every_coefficient_and_se():
    fits = {"col2": _fit({"visa": 0.1}, {"visa": 0.02}, {"visa": (0.0, 0.2)})}
    assert simcheck.fit_values(fits) == {"col2.visa.coef": 0.1, "col2.visa.se": 0.02}


def test_for_display_speaks_words_not_code_names():
    fits = {"col3": _fit({"ln_dist": -0.9}, {"ln_dist": 0.1}, {"ln_dist": (-1.1, -0.7)})}
    shown = simcheck.for_display(simcheck.against_truth(fits, {"ln_dist": -1.0}, labels=True, ci=False))
    assert list(shown.columns) == ["column", "regressor", "truth", "estimate", "s.e.", "truth inside the 95 % CI"]
    assert shown.iloc[0]["column"] == "column 3" and shown.iloc[0]["regressor"] == "Distance (ln)"
