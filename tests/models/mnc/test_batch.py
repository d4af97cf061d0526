"""The batched GE solver (mobility.models.mnc.batch) against the scalar solver on the book's grids: the same
equilibria to 1e-10 in the log unknowns (in practice ~1e-14), the same summaries, and failures at exactly the
points where the scalar solver fails."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from mobility.models import mnc
from mobility.models.mnc import batch, experiments, solver

ROOT = Path(__file__).resolve().parents[3]
P = mnc.TABLE3


def _variants(name):
    return yaml.safe_load((ROOT / "variants" / f"{name}.yml").read_text(encoding="utf-8"))["variants"]


def scalar_residual(eq):
    """The scalar solver's own residual at a solution (max-abs log residual)."""
    lay = solver._Layout.build(
        eq.params,
        eq.regime,
        eq.anchor if eq.regime in ("autarky", "migration") else None,
        None if not eq.params.quotas_binding else mnc.solve(eq.params.unconstrained()),
    )
    return float(np.max(np.abs(lay.residual(eq.params, eq.x))))


def moving_cost_paths(skills, factors):
    """The two continuation paths of experiments.moving_cost_cut (from the benchmark outwards)."""
    names, _ = experiments.SKILL_GROUPS[skills]
    path = [P.replace(**{n: 1.0 + c * (getattr(P, n) - 1.0) for n in names}) for c in factors]
    order = np.argsort(np.abs(factors - 1.0), kind="stable")
    return [[path[i] for i in order if side[i]] for side in (factors >= 1.0, factors < 1.0) if side.any()]


def quota_path(skills, shares):
    """The continuation path of experiments.quota_sweep (from lambda = 1 downwards)."""
    _, names = experiments.SKILL_GROUPS[skills]
    return [P.replace(**{n: float(shares[i]) for n in names}) for i in np.argsort(-shares, kind="stable")]


def book_paths(fast: bool):
    """(label, path, guess) for the grids of the figure variants and of book/mnc/figures.md."""
    out = []
    for v, spec in _variants("mnc-sensitivity").items():
        x = np.linspace(spec["lo"], spec["hi"], spec["n"])
        out.append((f"sensitivity {v}", [P.replace(**{spec["parameter"]: float(c)}) for c in x], None))
    groups = {
        "moving_costs": ("all",) if fast else ("all", "high", "low"),
        "quotas": ("all",) if fast else ("all", "high", "low"),
    }
    for v, spec in _variants("mnc-counterfactuals").items():
        x = np.linspace(spec["lo"], spec["hi"], spec["n"])
        if spec["experiment"] == "moving_costs" and spec["skills"] in groups["moving_costs"]:
            for k, path in enumerate(moving_cost_paths(spec["skills"], x)):
                out.append((f"counterfactual {v} side {k}", path, mnc.solve(P)))
        elif spec["experiment"] == "quotas" and spec["skills"] in groups["quotas"]:
            out.append((f"counterfactual {v}", quota_path(spec["skills"], x), mnc.solve(P.unconstrained())))
    if not fast:  # the page's own grids (book/mnc/figures.md)
        for g in ("all", "high", "low"):
            for k, path in enumerate(moving_cost_paths(g, np.linspace(0.5, 1.0, 11))):
                out.append((f"page cuts {g} {k}", path, mnc.solve(P)))
            out.append((f"page quotas {g}", quota_path(g, np.linspace(0.05, 1.0, 11)), mnc.solve(P)))
        for name, x in (
            ("gamma", np.linspace(10, 60, 11)),
            ("tau21", np.linspace(1.0, 1.3, 11)),
            ("tau12", np.linspace(P.tau12, 1.6, 45)),
            ("xi21", np.linspace(0.5, 1.0, 11)),
            ("xi12", np.linspace(0.5, 1.0, 11)),
        ):
            out.append((f"page sensitivity {name}", [P.replace(**{name: float(c)}) for c in x], None))
    return out


def check_agreement(path, guess):
    eqs = mnc.solve_path(path, guess=guess)
    b = batch.solve_path(path, guess=guess)
    S = batch.summaries(b)
    assert b.ok and len(b) == len(eqs)
    for i, e in enumerate(eqs):
        mine = b.equilibrium(i)
        assert mine.names == e.names
        assert np.max(np.abs(mine.x - e.x)) <= 1e-10, i
        assert b.residual_norm[i] <= mnc.TOL and scalar_residual(mine) <= mnc.TOL, i
        s = e.summary()
        assert list(s) == list(batch.SUMMARY_KEYS)
        for k, v in s.items():
            if np.isfinite(v):
                assert S[k][i] == pytest.approx(v, rel=1e-9, abs=1e-12), (i, k)
            else:
                assert np.isnan(S[k][i]), (i, k)


@pytest.mark.parametrize("label, path, guess", book_paths(fast=True), ids=lambda v: v if isinstance(v, str) else "")
def test_agrees_with_scalar_on_the_figure_grids(label, path, guess):
    check_agreement(path, guess)


@pytest.mark.slow
@pytest.mark.parametrize(
    "label, path, guess",
    [p for p in book_paths(fast=False) if p[0] not in {q[0] for q in book_paths(fast=True)}],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_agrees_with_scalar_on_every_book_grid(label, path, guess):
    check_agreement(path, guess)


def test_a_surface_in_snake_order_agrees_and_sweeps_use_it():
    g, t = np.linspace(20.0, 45.0, 7), np.linspace(1.0, 1.5, 6)
    G, T = np.meshgrid(g, t, indexing="ij")
    T[1::2] = T[1::2, ::-1]  # boustrophedon: neighbours one grid step apart
    pts = batch.Points(P, {"gamma": G.ravel(), "tau12": T.ravel()})
    b = batch.solve_path(pts)
    for i in (0, 5, 6, 23, 41):
        e = mnc.solve(pts.params(i))
        assert np.max(np.abs(b.x[i] - e.x)) <= 1e-10


@pytest.mark.parametrize("regime", mnc.REGIMES)
def test_every_regime_and_its_summary(regime):
    path = [P.replace(gamma=float(g)) for g in (25.0, 33.0, 41.0)]
    check = mnc.solve_path(path, regime)
    b = batch.solve_path(path, regime)
    S = batch.summaries(b)
    for i, e in enumerate(check):
        assert np.max(np.abs(b.x[i] - e.x)) <= 1e-10
        for k, v in e.summary().items():
            assert (np.isnan(v) and np.isnan(S[k][i])) or S[k][i] == pytest.approx(v, rel=1e-9, abs=1e-12), k


def test_fails_exactly_where_the_scalar_solver_fails():
    # below the existence threshold of the moving-cost cut for all migrants (about c = 0.36, book/mnc/figures.md)
    # continuation stops; two halvings per step keep the failing attempts short
    (path,) = [p for p in moving_cost_paths("all", np.linspace(1.0, 0.2, 9)) if len(p) > 1]
    guess, kw = mnc.solve(P), {"max_halvings": 2}
    with pytest.raises(mnc.EquilibriumError):
        mnc.solve_path(path, guess=guess, **kw)
    b = batch.solve_batch(path, guess=guess, **kw)  # flags, never raises
    assert not b.ok
    first = int(np.nonzero(~b.converged)[0][0])
    assert 0 < first and isinstance(b.errors[first], mnc.EquilibriumError) and first in b.fallback
    assert b.converged[:first].all()
    mnc.solve_path(path[:first], guess=guess, **kw)  # the scalar path reaches the point before ...
    with pytest.raises(mnc.EquilibriumError):  # ... and fails at the same point
        mnc.solve_path(path[: first + 1], guess=guess, **kw)
    with pytest.raises(mnc.EquilibriumError, match="no equilibrium"):
        batch.solve_path(path, guess=guess, **kw)


def test_a_failing_path_raises_its_error_without_numpy_warnings():
    """Newton's trial points beyond the existence threshold overflow ``exp``; the solver scores them as failures
    (residual 1e6) and says so with :class:`EquilibriumError`, with no RuntimeWarning printed on the way."""
    import warnings

    (path,) = [p for p in moving_cost_paths("all", np.linspace(1.0, 0.2, 9)) if len(p) > 1]
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(mnc.EquilibriumError):
            mnc.solve_path(path, guess=mnc.solve(P), max_halvings=2)
        batch.solve_batch(path, guess=mnc.solve(P), max_halvings=2)


def test_jacobian_is_the_derivative_of_the_residual():
    lay = batch._Layout.of(dict.fromkeys(batch._LAMS, 1.0), "migration_mnc", False)
    pts = batch.Points.of([P, P.replace(gamma=20.0)])
    x = np.tile(mnc.solve(P).x, (2, 1)) + np.linspace(-0.05, 0.05, 11)
    par = batch._Par(pts)
    R, J = batch._equations(lay, par, x, None, None, True)
    h = 1e-6
    for d in range(x.shape[1]):
        e = np.zeros_like(x)
        e[:, d] = h
        fd = (
            batch._equations(lay, par, x + e, None, None, False)[0]
            - batch._equations(lay, par, x - e, None, None, False)[0]
        ) / (2 * h)
        assert np.allclose(J[:, :, d], fd, rtol=1e-6, atol=1e-7), d


def test_points_are_validated_like_params():
    with pytest.raises(ValueError, match=r"parameter gamma .* must be > 1"):
        batch.Points(P, {"gamma": [30.0, 0.5]})
    with pytest.raises(ValueError, match="kappa"):
        batch.Points(P, {"sigma": [2.7, 3.5], "kappa": [1.8, 1.8]})
    with pytest.raises(ValueError, match="unknown parameter"):
        batch.Points(P, {"gama": [30.0]})
    with pytest.raises(ValueError, match="regime 'trade' unknown"):
        batch.solve_batch([P], "trade")


@pytest.mark.parametrize(
    "run",
    [
        lambda m: experiments.sensitivity("tau12", np.linspace(1.05, 1.35, 12), method=m),
        lambda m: experiments.moving_cost_cut("high", np.linspace(0.5, 1.5, 12), method=m),
        lambda m: experiments.quota_sweep("all", np.linspace(0.05, 1.0, 12), method=m),
    ],
    ids=["sensitivity", "moving_cost_cut", "quota_sweep"],
)
def test_the_figure_sweeps_solve_in_a_batch_with_the_scalar_results(run):
    batched, scalar = run("batch"), run("scalar")
    assert list(batched) == list(scalar)
    for k, v in scalar.items():
        if k != "residual_norm":  # the solvers' own bookkeeping
            assert batched[k] == pytest.approx(v, rel=1e-9, abs=1e-12, nan_ok=True), k
    assert (batched["residual_norm"] <= mnc.TOL).all()
    with pytest.raises(ValueError, match="method 'fast' unknown"):
        run("fast")
