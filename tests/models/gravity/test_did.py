"""Table 11 machinery: the de Chaisemartin-D'Haultfoeuille estimator agrees with pyfixest's lpdid."""

import pytest

from mobility.models.gravity import did, synthetic


@pytest.fixture(scope="module")
def sample():
    return did.did_sample(synthetic.simulate_panel(synthetic.SimulationParams(n_countries=60, beta_visa_lag=0.1)))


def test_dcdh_matches_lpdid_without_controls(sample):
    a = did.dcdh(sample, effects=3, placebo=1)
    b = did.lpdid(sample, post_window=2)
    assert list(a.index[:3]) == ["t0", "t+1", "t+2"] and "t-1" in a.index
    for h in ("t0", "t+1", "t+2"):
        assert a.loc[h, "estimate"] == pytest.approx(b.loc[h, "estimate"], abs=0.01)
    assert (a.switchers > 0).all()


def test_sample_and_errors(sample):
    assert (sample.stock > 0).all() and sample.period.min() == 1
    assert sample.groupby("group").size().eq(sample.period.nunique()).all()
    with pytest.raises(ValueError, match="effects"):
        did.dcdh(sample, effects=0)
    with pytest.raises(KeyError, match="visa"):
        did.did_sample(sample.drop(columns=["visa"]))


def test_dcdh_reports_the_joint_placebo_test(sample):
    a = did.dcdh(sample, effects=2, placebo=2)
    assert {"t-1", "t-2"} <= set(a.index)
    assert 0 <= a.attrs["p_joint_placebo"] <= 1 and 0 <= a.attrs["p_joint_effects"] <= 1


def test_lpdid_placebos_are_labelled_like_dcdh(sample):
    b = did.lpdid(sample, post_window=2, placebo=2)
    assert list(b.index) == ["t-2", "t-1", "t0", "t+1", "t+2"]
    plain = did.lpdid(sample, post_window=2)
    # the post-treatment horizons do not depend on how many pre-periods are shown
    assert b.loc["t0", "estimate"] == pytest.approx(plain.loc["t0", "estimate"], rel=1e-9)
    with pytest.raises(ValueError, match="placebo"):
        did.lpdid(sample, placebo=-1)


def test_lpdid_clips_post_window_to_the_data(sample):
    b = did.lpdid(sample, post_window=50)
    first = sample[sample.visa == 1].groupby("group").period.min()
    earliest = first[first > 1].min()  # pairs treated from the first wave are dropped
    assert b.index[-1] == f"t+{sample.period.max() - earliest}"
