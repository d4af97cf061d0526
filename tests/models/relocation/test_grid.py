"""The relocation model's closed forms over arrays (mobility.models.relocation.grid) against the per-point
functions, on grids that cross every phase (XX, DD, full agglomeration), phi = 0 and 1, and a frozen stock that
never fully agglomerates (sustain point inf)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from mobility.models import relocation as rl
from mobility.models.relocation import grid


def per_point(p):
    """What the sweeps tabulated point by point (mobility.run.recipes, method "scalar")."""
    fr, en = rl.frozen(p), rl.entry(p)
    prod_n, prod_s = rl.productivity_entry(p)
    return {
        "beta": p.beta,
        "phi_p": rl.phi_partition(p),
        "phi_s": rl.phi_sustain(p),
        "phi_s_frozen": rl.phi_sustain_frozen(p),
        "entry_a_d": en.a_D,
        "entry_a_x": en.a_X,
        "entry_a_r": en.a_R,
        "entry_phase": en.phase,
        "entry_location": en.location,
        "entry_n_w": en.n_w,
        "frozen_a_x": fr.a_X,
        "frozen_a_r": fr.a_R,
        "frozen_phase": fr.phase,
        "frozen_location": fr.location,
        "frozen_b": fr.B,
        "frozen_b_star": fr.B_star,
        "productivity_entry_north": prod_n,
        "productivity_entry_south": prod_s,
    }


def check(params):
    cols = {
        k: np.array([np.nan if getattr(p, k) is None else getattr(p, k) for p in params], dtype=float)
        for k in ("sigma", "rho", "s_E", "phi", "f", "f_i")
    }
    out = grid.evaluate(**cols)
    assert tuple(out) == grid.COLUMNS
    for i, p in enumerate(params):
        ref = per_point(p)
        assert list(ref) == list(grid.COLUMNS)
        for k, v in ref.items():
            got = out[k][i]
            if isinstance(v, str):
                assert got == v, (p, k)
            elif not np.isfinite(v):
                assert (np.isnan(v) and np.isnan(got)) or got == v, (p, k, got, v)
            else:  # Brent's method in the scalar path stops at an absolute 1e-15: compare with that slack
                assert got == pytest.approx(v, rel=1e-12, abs=1e-14), (p, k, got, v)


def test_a_grid_through_every_phase():
    params = [
        rl.Params(sigma=s, rho=r, s_E=e, phi=f)
        for s, r, e, f in itertools.product((1.5, 3.0, 4.9), (4.0, 8.0), (0.52, 0.6, 0.95), np.linspace(0.0, 1.0, 13))
        if r / (s - 1) > 1
    ]
    phases = {per_point(p)["frozen_phase"] for p in params} | {per_point(p)["entry_phase"] for p in params}
    assert phases == {"XX", "DD", "full"}
    assert any(np.isinf(rl.phi_sustain_frozen(p)) for p in params)
    check(params)


def test_the_variants_grids_and_explicit_innovation_costs():
    params = [rl.Params(s_E=float(x)) for x in np.linspace(0.52, 0.95, 40)]
    params += [rl.Params(rho=float(x)) for x in np.linspace(2.1, 16.0, 40)]
    params += [rl.Params(sigma=float(x)) for x in np.linspace(1.3, 4.9, 40)]
    params += [rl.Params(f=1.0, f_i=fi, phi=phi) for fi in (0.1, 0.4) for phi in (0.05, 0.3, 0.8)]
    check(params)


def test_export_ratio_solves_eq18_elementwise():
    phi = np.array([0.0, 1e-6, 0.3, 0.99, 1.0])
    x = grid.export_ratio(3.0, 2.0, phi)
    assert x[0] == 0.0
    for ph, xv in zip(phi[1:], x[1:], strict=True):
        assert xv == pytest.approx(rl.export_ratio(3.0, 2.0, float(ph)), rel=1e-13)
        assert ph * xv ** (1 - 3.0) == pytest.approx(1 + ph * xv**2.0, rel=1e-12)
