"""Recipes: the book's heavy loops as :class:`~mobility.run.sweeps.Sweep` objects — the only module of the
machinery that names the models and their grids.

- :func:`mnc_grid`: equilibria of the migration–MNC model of Wang (2014) (:mod:`mobility.models.mnc`) over a
  Cartesian grid of parameters; points are ordered as a snake (boustrophedon) so that neighbours in a chunk differ
  in one parameter by one step; each chunk is solved as one batch (:mod:`mobility.models.mnc.batch`: vectorised
  Newton, continuation along the snake, the scalar solver where Newton does not converge), or point by point by
  continuation (``method="scalar"``, :func:`mobility.models.mnc.solve_path`);
- :func:`relocation_grid`: thresholds, cut-offs, locations and productivities of the relocation model of
  Baldwin & Okubo (:mod:`mobility.models.relocation`) over a grid, evaluated on arrays
  (:mod:`mobility.models.relocation.grid`) or point by point (``method="scalar"``);
- :func:`gravity_montecarlo`: replications of a PPML specification on simulated panels of the structural
  gravity model (:mod:`mobility.models.gravity.montecarlo`), replication ``r`` drawn with seed ``seed + r``.

Chunks are sized by :func:`mobility.run.sweeps.chunk_size` from the grid and the modelled seconds per point below
(about a second of work per chunk on the machine the README describes), never from the number of workers.
"""

from __future__ import annotations

import itertools

from mobility.run.sweeps import Sweep, check_grid, chunked, default_name, grid_points, snake
from mobility.run.sweeps import chunk_size as _chunk_size

__all__ = ["mnc_grid", "relocation_grid", "gravity_montecarlo", "SECONDS_PER_POINT", "METHODS"]

#: modelled seconds of work per point of each recipe and method (one core; chunk sizes derive from these)
SECONDS_PER_POINT = {
    ("mnc", "batch"): 2e-4,
    ("mnc", "scalar"): 3e-3,
    ("relocation", "batch"): 4e-5,
    ("relocation", "scalar"): 3e-4,
}
#: how a grid recipe evaluates its points: batched over arrays, or one point at a time (the reference path)
METHODS = ("batch", "scalar")


def _method(method):
    if method not in METHODS:
        raise ValueError(f"method {method!r} unknown; use one of {METHODS}")
    return method


def _validate(grid: dict, coupled: tuple, make) -> None:
    """Check every value of every axis with ``make(**{name: value})`` (which raises the model's own error naming
    the parameter and its range), and every combination of the ``coupled`` axes (parameters whose ranges depend
    on each other) together: the whole grid is valid then, without building a parameter object per point."""
    for name, values in grid.items():
        for v in values:
            make(**{name: v})
    joint = [n for n in grid if n in coupled]
    if len(joint) > 1:
        for combo in itertools.product(*(grid[n] for n in joint)):
            make(**dict(zip(joint, combo, strict=True)))


def _sizes(grid: dict, recipe: str, method: str, size: int | None) -> int:
    if size is not None:
        return size
    n = 1
    for v in grid.values():
        n *= len(v)
    line = len(list(grid.values())[-1])
    return _chunk_size(n, SECONDS_PER_POINT[recipe, method], line=line)


# --------------------------------------------------------------------------------------------- GE model
def _mnc_chunk(rows, fixed, names, regime, anchor):
    """Solve the equilibria of one chunk by continuation (:func:`mobility.models.mnc.solve_path`), point by point."""
    from mobility.models import mnc

    base = mnc.TABLE3.replace(**fixed)
    path = [base.replace(**{n: r[n] for n in names}) for r in rows]
    eqs = mnc.solve_path(path, regime, anchor=anchor)
    out = []
    for r, eq in zip(rows, eqs, strict=True):
        out.append({**r, **eq.summary(), "residual_norm": eq.residual_norm, "evaluations": eq.iterations})
    return out


def _mnc_batch_chunk(rows, fixed, names, regime, anchor):
    """Solve the equilibria of one chunk as one batch (:func:`mobility.models.mnc.batch.solve_path`); columns out.

    ``evaluations`` counts residual evaluations (a Jacobian with its residual counts one)."""
    from mobility.models import mnc
    from mobility.models.mnc import batch

    base = mnc.TABLE3.replace(**fixed)
    pts = batch.Points(base, {n: [r[n] for r in rows] for n in names})
    b = batch.solve_path(pts, regime, anchor=anchor)
    out = {k: [r[k] for r in rows] for k in rows[0]}
    out.update(batch.summaries(b))
    out["residual_norm"] = b.residual_norm
    out["evaluations"] = b.evaluations
    return out


def mnc_grid(
    grid: dict,
    *,
    fixed: dict | None = None,
    regime: str = "migration_mnc",
    anchor: float | None = None,
    chunk_size: int | None = None,
    name: str | None = None,
    method: str = "batch",
) -> Sweep:
    """Equilibria of Wang (2014)'s model on the Cartesian ``grid`` (``{"gamma": [...], "tau12": [...]}``), other
    parameters at Table 3 (:data:`mobility.models.mnc.TABLE3`) with ``fixed`` overrides.

    Output: one row per grid point with the parameters, :meth:`mobility.models.mnc.Equilibrium.summary` (Table 4-5
    quantities), the residual norm and the solver's evaluations; sorted by ``point`` (C order of the grid).
    Every value is validated here (``ValueError`` naming the parameter and its range). ``chunk_size`` (rows per
    chunk) defaults to about a second of work (:data:`SECONDS_PER_POINT`); ``method`` is ``"batch"`` (default)
    or ``"scalar"`` (one point at a time: the reference the batch solver is tested against)."""
    from dataclasses import fields

    from mobility.models import mnc

    method = _method(method)
    allowed = [f.name for f in fields(mnc.Params)]
    grid = check_grid(grid, allowed, "mobility.models.mnc.Params")
    fixed = dict(fixed or {})
    base = mnc.TABLE3.replace(**fixed)
    if regime not in mnc.REGIMES:
        raise ValueError(f"regime {regime!r} unknown; use one of {mnc.REGIMES}")
    _validate(grid, ("sigma", "kappa"), base.replace)
    points = snake(grid)
    return Sweep(
        name or default_name("mnc", grid),
        _mnc_batch_chunk if method == "batch" else _mnc_chunk,
        chunked(points, _sizes(grid, "mnc", method, chunk_size)),
        {"fixed": fixed, "names": list(grid), "regime": regime, "anchor": anchor},
        modules=("mobility.models.mnc",),
        sort_by=("point",),
        description=f"Wang (2014) equilibria, regime {regime}, grid over {', '.join(grid)} ({method})",
    )


# --------------------------------------------------------------------------------------------- relocation
def _relocation_chunk(rows, fixed, names):
    """Thresholds (Result 3), cut-offs and locations (eqs. 15-22) and productivities (eqs. 23-24) per point."""
    from mobility.models import relocation as rl

    out = []
    for r in rows:
        p = rl.Params(**{**fixed, **{n: r[n] for n in names}})
        fr, en = rl.frozen(p), rl.entry(p)
        prod_n, prod_s = rl.productivity_entry(p)
        out.append(
            {
                **r,
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
        )
    return out


def _relocation_batch_chunk(rows, fixed, names):
    """The same columns as :func:`_relocation_chunk`, from the closed forms over arrays
    (:func:`mobility.models.relocation.grid.evaluate`)."""
    import numpy as np

    from mobility.models import relocation as rl
    from mobility.models.relocation import grid

    base = rl.Params(**fixed)
    cols = {}
    for k in ("sigma", "rho", "s_E", "phi", "f", "f_i"):
        if k in names:
            cols[k] = np.array([r[k] for r in rows], dtype=float)
        else:
            v = getattr(base, k)
            cols[k] = np.full(len(rows), np.nan if v is None else float(v))
    out = {k: [r[k] for r in rows] for k in rows[0]}
    out.update(grid.evaluate(**cols))
    return out


def relocation_grid(
    grid: dict,
    *,
    fixed: dict | None = None,
    chunk_size: int | None = None,
    name: str | None = None,
    method: str = "batch",
) -> Sweep:
    """The relocation model of Baldwin & Okubo on the Cartesian ``grid`` of :class:`mobility.models.relocation.Params`
    fields (``sigma``, ``rho``, ``s_E``, ``phi``, ``f``, ``f_i``), the others at their defaults or ``fixed``.

    One row per point: thresholds phi_P, phi_S (Result 3) and the frozen-stock sustain point, the entry-stage
    and frozen-stock equilibria (eqs. 15-22) and the entry-stage productivities (eqs. 23-24). ``method``:
    ``"batch"`` (closed forms over arrays, default) or ``"scalar"`` (one point at a time); ``chunk_size`` as in
    :func:`mnc_grid`."""
    from dataclasses import fields

    from mobility.models import relocation as rl

    method = _method(method)
    allowed = [f.name for f in fields(rl.Params)]
    grid = check_grid(grid, allowed, "mobility.models.relocation.Params")
    fixed = dict(fixed or {})
    unknown = sorted(set(fixed) - set(allowed))
    if unknown:
        raise ValueError(f"fixed parameter(s) {unknown} unknown; allowed: {sorted(allowed)}")
    _validate(grid, ("sigma", "rho", "f", "f_i"), lambda **kw: rl.Params(**{**fixed, **kw}))
    points = grid_points(grid)
    return Sweep(
        name or default_name("relocation", grid),
        _relocation_batch_chunk if method == "batch" else _relocation_chunk,
        chunked(points, _sizes(grid, "relocation", method, chunk_size)),
        {"fixed": fixed, "names": list(grid)},
        modules=("mobility.models.relocation",),
        sort_by=("point",),
        description=f"Baldwin & Okubo relocation model, grid over {', '.join(grid)} ({method})",
    )


# --------------------------------------------------------------------------------------------- gravity
def _gravity_chunk(rows, spec, simulation):
    """The chunk's (consecutive) replications through :func:`mobility.models.gravity.montecarlo.run`."""
    from dataclasses import replace

    from mobility.models.gravity import montecarlo, synthetic

    reps = [r["replication"] for r in rows]
    if reps != list(range(reps[0], reps[0] + len(reps))):
        raise ValueError(f"a gravity chunk must hold consecutive replications, got {reps}")
    base = synthetic.SimulationParams(**{**simulation, "waves": tuple(simulation["waves"])})
    draws = montecarlo.run(replace(base, seed=base.seed + reps[0]), len(reps), spec)
    draws["rep"] += reps[0]
    draws.insert(1, "seed", base.seed + draws["rep"])
    return draws.to_dict("records")


#: modelled seconds of one replication with 120 countries (three-way PPML, three variances; one core)
MC_SECONDS_120 = 0.75


def gravity_montecarlo(
    replications: int,
    *,
    spec: str = "table2.col3",
    simulation: dict | None = None,
    chunk_size: int | None = None,
    name: str | None = None,
) -> Sweep:
    """``replications`` PPML estimates of specification ``spec`` (:data:`mobility.models.gravity.tables.SPECS`) on
    panels simulated from the structural model (:class:`mobility.models.gravity.synthetic.SimulationParams` with
    ``simulation`` overrides), by :func:`mobility.models.gravity.montecarlo.run` chunk by chunk; replication ``r`` uses
    seed ``simulation["seed"] + r``, as there, so the table equals ``montecarlo.run`` of all replications.

    Output (tidy, the columns of ``montecarlo.run`` plus ``seed``): one row per replication and regressor;
    :func:`mobility.models.gravity.montecarlo.summarise` turns it into bias, dispersion and coverage. The table
    does not depend on ``chunk_size`` (default: about a second of work per chunk, :data:`MC_SECONDS_120`)."""
    from dataclasses import asdict

    from mobility.models.gravity import synthetic, tables

    if isinstance(replications, bool) or not isinstance(replications, int) or not 1 <= replications <= 100_000:
        raise ValueError(f"replications must be an integer in [1, 100000], got {replications!r}")
    if spec not in tables.SPECS or tables.SPECS[spec].estimator != "ppml":
        ppml = sorted(n for n, s in tables.SPECS.items() if s.estimator == "ppml")
        raise ValueError(f"spec must be a PPML specification, one of {ppml}; got {spec!r}")
    base = synthetic.SimulationParams(**(simulation or {}))
    sim = asdict(base)
    sim["waves"] = list(sim["waves"])
    rows = [{"replication": r, "seed": base.seed + r} for r in range(replications)]
    if chunk_size is None:  # the PPML's cost grows with the number of country pairs
        chunk_size = _chunk_size(replications, MC_SECONDS_120 * (base.n_countries / 120) ** 2)
    return Sweep(
        name or f"gravity-mc-{spec.replace('.', '-')}",
        _gravity_chunk,
        chunked(rows, chunk_size),
        {"spec": spec, "simulation": sim},
        modules=("mobility.models.gravity.montecarlo",),
        sort_by=("rep",),
        description=f"Monte Carlo of PPML {spec} on {replications} simulated panels",
    )


# --------------------------------------------------------------------------------------------- explorers
def _mnc_explorer_chunk(rows):
    """Solve one chunk of the GE explorer grid (one regime and quota share, consecutive points of a snake over the
    two moving-cost factors): warm start from the previous point, then from the calibrated economy, then cold.
    A point where every attempt fails is kept with ``exists = False`` and NaN outputs."""
    from mobility.models.mnc import counterfactuals as cf

    regime, lam = rows[0]["regime"], rows[0]["lam"]
    if any(r["regime"] != regime or r["lam"] != lam for r in rows):
        raise ValueError("a GE explorer chunk must hold one regime and one quota share")
    calibrated = cf.solve_point(cf.scaled(1.0, 1.0, lam), regime)
    out, prev = [], None
    for r in rows:
        guesses = tuple(g for g in (prev, calibrated) if g is not None)
        eq = cf.solve_point(cf.scaled(r["c_high"], r["c_low"], lam), regime, guesses)
        values = eq.summary() if eq is not None else {}
        out.append(
            {
                **r,
                "exists": eq is not None,
                "residual_norm": eq.residual_norm if eq is not None else float("nan"),
                **{k: float(values.get(k, float("nan"))) for k in cf.OUTPUTS},
            }
        )
        prev = eq or prev
    return out


def mnc_explorer(
    factors, quotas, regimes=("migration_mnc", "migration", "mnc"), *, chunk_size: int = 25, name: str = "mnc-explorer"
) -> Sweep:
    """The GE explorer's grid: for each regime and quota share, the equilibria of Wang (2014) with the high- and
    low-skilled moving costs scaled by every pair of ``factors`` (:func:`mobility.models.mnc.counterfactuals.scaled`).
    Each (regime, quota) group is a snake over the factor pairs, chunked on its own so that a chunk is one
    continuation path. Regime ``"mnc"`` (no migration) does not depend on moving costs or quotas: one point."""
    from mobility.models.mnc import REGIMES

    factors = [float(c) for c in factors]
    quotas = [float(q) for q in quotas]
    if not factors or any(c < 0 for c in factors):
        raise ValueError(f"factors must be a non-empty list of numbers >= 0, got {factors!r}")
    if not quotas or any(not 0 < q <= 1 for q in quotas):
        raise ValueError(f"quotas must be a non-empty list of shares in (0, 1], got {quotas!r}")
    chunks: tuple = ()
    n = 0
    for regime in regimes:
        if regime not in REGIMES or regime == "autarky":
            raise ValueError(f"regime {regime!r} unknown; use one of {REGIMES[1:]}")
        grid = {"c_high": factors, "c_low": factors} if regime != "mnc" else {"c_high": [1.0], "c_low": [1.0]}
        for lam in quotas if regime != "mnc" else [1.0]:
            points = []
            for r in snake(grid):
                points.append({"point": n, "regime": regime, "lam": lam, "c_high": r["c_high"], "c_low": r["c_low"]})
                n += 1
            chunks += chunked(points, chunk_size)
    return Sweep(
        name,
        _mnc_explorer_chunk,
        chunks,
        {},
        modules=("mobility.models.mnc",),
        sort_by=("point",),
        description=f"GE explorer: regimes {', '.join(regimes)}; factors {factors}; quota shares {quotas}",
    )
