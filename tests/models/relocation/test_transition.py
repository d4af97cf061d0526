"""The general case (Section 3.3), simulated: polar cases, order of relocation, determinism, validation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from models.relocation.brute import P

from mobility.models import relocation as r


# ----------------------------------------------------------------------------- general case
def test_transition_relocation_only_converges_to_frozen_equilibrium():
    p = P(phi=0.5)
    tr = r.simulate_transition(p, entry_exit=False, T=60.0, dt=0.1, cells=400, snap_times=(1.0, 60.0))
    assert tr.order_violations == 0
    assert abs(tr.B[-1] - tr.B_star[-1]) / tr.B[-1] < 1e-3
    assert tr.a_R[-1] == pytest.approx(r.frozen(p).a_R, abs=0.005)
    # the moved share falls with a: the most efficient moved
    for row in tr.moved_share:
        m = row[~np.isnan(row)]
        assert np.all(np.diff(m) <= 1e-12)
    assert np.nanmax(tr.moved_share[0]) == pytest.approx(1.0) and np.nanmin(tr.moved_share[-1]) == 0.0


def test_transition_without_relocation_converges_to_hft():
    p = P(phi=0.5)
    tr = r.simulate_transition(p, relocation=False, T=200.0, dt=0.1, cells=400)
    assert tr.s_n[-1] == pytest.approx(r.hft(p)["s_n"], abs=2e-3)
    assert tr.n_w[-1] == pytest.approx(r.hft(p)["n_w"], rel=5e-3)


def test_transition_is_deterministic_and_validates():
    p = P(phi=0.5)
    a = r.simulate_transition(p, T=10.0, dt=0.1, cells=50)
    b = r.simulate_transition(p, T=10.0, dt=0.1, cells=50)
    assert np.array_equal(a.s_n, b.s_n) and np.array_equal(a.a_R, b.a_R)
    with pytest.raises(ValueError, match="gamma_r"):
        r.simulate_transition(p, gamma_r=0.0)
    with pytest.raises(ValueError, match="phi0"):
        r.simulate_transition(p, phi0=0.9)
    with pytest.raises(ValueError, match="cells"):
        r.simulate_transition(p, cells=5)
    assert math.isfinite(a.welfare_south[-1])


@pytest.mark.parametrize(
    "kw, name",
    [
        (dict(snap_times=(-1.0,)), "snap_times"),
        (dict(cells=50.0), "cells"),
        (dict(dt=float("nan")), "dt"),
        (dict(T=1.0, dt=2.0), "dt"),
        (dict(phi1=1.5), "phi1"),
    ],
)
def test_transition_validation_names_the_argument(kw, name):
    with pytest.raises(r.RelocationParameterError, match=name):
        r.simulate_transition(P(phi=0.5), **({"T": 1.0} | kw))


def test_welfare_gap_pv_validates():
    p = P(phi=0.5)
    a = r.simulate_transition(p, T=2.0, dt=0.1, cells=20)
    b = r.simulate_transition(p, T=3.0, dt=0.1, cells=20)
    with pytest.raises(r.RelocationParameterError, match="time grid"):
        r.welfare_gap_pv(a, b, 0.05)
    with pytest.raises(r.RelocationParameterError, match="discount"):
        r.welfare_gap_pv(a, a, -0.05)
    assert r.welfare_gap_pv(a, a, 0.05) == 0.0
