"""Results 1-7: the checker's numbers, verdicts computed from the parameters, Result 5(b)'s sign pattern."""

from __future__ import annotations

import math

import numpy as np
import pytest
from models.relocation.brute import SETS, Jq, P, frozen_conditions

from mobility.models import relocation as r


# ----------------------------------------------------------------------------- Results 1-7: signs
@pytest.mark.parametrize("kw", SETS)
def test_result_verdicts(kw):
    c = r.check_results(P(**kw))
    for k in ("r1", "r2", "r3", "r4", "r6"):
        assert c[f"{k}_verdict"] == "confirmed", (k, c)
    assert c["r5a_verdict"] == "confirmed"  # levels: North more, South less productive with relocation
    assert c["r5b_verdict"] == "not confirmed"  # DD phase: the North's a-bar rises somewhere
    assert c["r5_max_dan_dd"] > 0
    assert c["r5_min_das_dd"] > 0  # South loses productivity throughout the DD phase
    assert c["r7_max_abs_log_ratio"] < 1e-12  # eq. (26) ratio = 1 in the static equilibria
    assert c["r2_touch_gap"] == pytest.approx(0, abs=1e-12)


def test_result7_static_welfare_equal_by_independent_solutions():
    """Delta* from the two equilibria solved independently by root finding is the same."""
    p = P()
    phi = 0.5
    e = r.entry(p, phi)
    B, Bs, _ = frozen_conditions(p, phi, e.a_X, e.a_R, e.a_D, e.n_w)
    h = r.hft(p, phi)
    n, ns = h["s_n"] * h["n_w"], (1 - h["s_n"]) * h["n_w"]
    Ds_hft = ns * Jq(p, 0, h["a_D"], h["a_D"]) + phi * n * Jq(p, 0, h["a_X"], h["a_D"])
    assert (1 - p.s_E) / Bs == pytest.approx(Ds_hft, rel=1e-9)


def test_result5_no_parameter_where_south_gains_in_dd_phase():
    scan = r.result5_scan([1.3, 2.0, 3.0], [0.5, 1.5, 3.0, 8.0], n=5)
    assert np.nanmin(scan) > 0


def test_result5_dd_north_claim_is_parameter_dependent():
    """The North's DD-phase productivity gain fails at the base set but holds for very unequal sizes."""
    assert r.check_results(P(), n=21)["r5_max_dan_dd"] > 0
    assert r.check_results(P(s_E=0.95), n=21)["r5_max_dan_dd"] < 0


# ----------------------------------------------------------------------------- Result 5(b): the sign pattern
@pytest.mark.parametrize(
    "kw, gain, of",
    [
        # the examples of issue 14: the North gains on (phi_P, switch) of the DD phase (phi_P, phi_S)
        (dict(sigma=3.0, rho=4.0, s_E=0.7), (0.43, 0.52), (0.43, 0.65)),
        (dict(sigma=3.0, rho=4.0, s_E=0.8), (0.25, 0.44), (0.25, 0.50)),
        (dict(sigma=2.0, rho=10.0, s_E=0.6), (0.67, 0.90), (0.67, 0.96)),
    ],
)
def test_north_dd_derivative_changes_sign_inside_the_phase(kw, gain, of):
    p = P(**kw)
    pat = r.north_dd_pattern(p)
    assert pat["pattern"] == "rises then falls" and pat["sign_changes"] == 1 and pat["ratio_increasing"]
    assert (round(pat["phi_p"], 2), round(pat["switch"], 2)) == gain
    assert (round(pat["phi_p"], 2), round(pat["phi_s"], 2)) == of
    below, above = pat["switch"] - 1e-4, pat["switch"] + 1e-4
    assert (
        r.dphi(lambda z: r.productivity_entry(p, z)[0], below)
        < 0
        < r.dphi(lambda z: r.productivity_entry(p, z)[0], above)
    )
    c = r.check_results(p, n=21)
    assert c["r5b_verdict"] == "not confirmed" and c["r5_min_dan_dd"] < 0 < c["r5_max_dan_dd"]


def test_north_dd_pattern_at_the_ends_of_the_map():
    low = r.north_dd_pattern(P())
    assert low["pattern"] == "falls throughout" and low["share_gain"] == 0.0
    high = r.north_dd_pattern(P(s_E=0.95))
    assert high["pattern"] == "rises throughout" and high["share_gain"] == 1.0


def test_north_dd_share_map_single_crossing():
    m = r.north_dd_share_map(3.0, np.linspace(0.52, 0.98, 6), np.geomspace(1.1, 15.0, 6), n=101)
    assert m["max_sign_changes"] <= 1 and m["all_ratio_increasing"]
    share = m["share_gain"]
    assert np.all(np.diff(share, axis=1) >= -1e-12)  # more unequal sizes: a larger share of the phase gains
    assert share.min() == 0.0 and share.max() == 1.0
    s = r.north_dd_map_summary(m)
    assert s["points"] == 36 and 0 < s["share_throughout"] < 1 and 0 < s["share_never"] < 1


# ----------------------------------------------------------------------------- verdicts follow the parameters
def test_verdicts_follow_s_E():
    """At s_E = 0.95 the North gains throughout the DD phase: 5(b) is confirmed there and not at the default."""
    base, high = r.check_results(P(), n=21), r.check_results(P(s_E=0.95), n=21)
    assert base["r5b_verdict"] == r.NOT_CONFIRMED and high["r5b_verdict"] == r.CONFIRMED
    vb = r.result_verdicts(base, 0.3, r.NOT_CONFIRMED)
    vh = r.result_verdicts(high, 0.3, r.CONFIRMED)
    assert vb["r5b"] != vh["r5b"] and vb["r7_transition"] != vh["r7_transition"] and vh["r7"] == r.CONFIRMED
    assert vb["r5"] == vh["r5"] == r.NOT_CONFIRMED  # (c) fails at both: no small-nation gain on the grid
    assert r.result_verdicts(base, -0.1, r.NOT_CONFIRMED)["r5c"] == r.CONFIRMED
    assert r.result_verdicts(base, 0.3, r.NOT_RESOLVED)["r7"] == r.NOT_CONFIRMED
    with pytest.raises(r.RelocationParameterError, match="transition_verdict"):
        r.result_verdicts(base, 0.3, "maybe")


def test_result7_transition_sign_is_computed_at_two_resolutions():
    p = P()
    out = r.result7_transition(p, phi1=r.phase_points(p)["xx"], T=60.0, dt=0.1, cells=100)
    assert out["pv"] < 0 and out["pv_coarse"] < 0 and out["verdict"] == r.NOT_CONFIRMED
    assert out["pv"] == pytest.approx(r.welfare_gap_pv(out["both"], out["norel"], 0.05))


def test_check_results_is_recordable_in_one_call():
    """Every value is a finite number, a bool or a word, so record_all can take the whole mapping."""
    c = r.check_results(P(), n=5)
    for k, v in c.items():
        assert isinstance(v, (str, bool)) or math.isfinite(v), k
    assert c["phi_s_frozen"] == 1.0 and c["frozen_full_agglomeration"] is False


@pytest.mark.parametrize("n", [0, 2, 4.0, True])
def test_check_results_validates_grid_size(n):
    with pytest.raises(r.RelocationParameterError, match="n "):
        r.check_results(P(), n=n)


def test_special_case_check_matches_text():
    out = r.special_case_check(0.6, (0.7, 0.75, 0.8))
    for tag in ("phi_070", "phi_075", "phi_080"):
        assert abs(out[f"{tag}.derivative"] - out[f"{tag}.text_formula"]) < 1e-10
        assert out[f"{tag}.sign"] == "positive"


def test_result5_scan_validates():
    with pytest.raises(r.RelocationParameterError, match="s_E"):
        r.result5_scan([3.0], [4.0], s_E=1.0)
    with pytest.raises(r.RelocationParameterError, match="n "):
        r.result5_scan([3.0], [4.0], n=0)
