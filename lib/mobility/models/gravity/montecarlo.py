"""Monte Carlo of the baseline estimator (Table 2, column 3: PPML with origin-year, destination-year and pair
effects) on the structural simulation of :mod:`.synthetic`: bias, dispersion and the coverage of 95% intervals
under three variance choices (the chapter's robust SEs, fixed effects counted in the small-sample factor; robust
SEs with only the slopes counted; SEs clustered by pair), and, on request, under a remedy for their
under-coverage: the pair-block bootstrap (:func:`pair_bootstrap`).

**The remedy.** Three-way PPML has an incidental-parameter bias of order ``1/N`` in its coefficients and a downward
bias of the same order in its sandwich standard errors (Weidner & Zylkin 2021, J. Int. Econ. 132, 103513). The
pair-block (cluster) bootstrap resamples whole pairs — all waves of a corridor together, each drawn pair a new pair
effect — and re-estimates the model with all three sets of fixed effects on every resample, so its spread includes
the noise of the country-year effects that the sandwich treats as known. Two intervals are built from it: the
estimate plus or minus 1.96 bootstrap standard deviations (``pair_bootstrap``), and the same around the bootstrap
bias-corrected estimate ``2 b - mean(b*)`` (``pair_bootstrap_bc``). The analytical correction of Weidner & Zylkin
(their Stata ``ppml_fe_bias``) is not implemented.

**Success rule (fixed before the first run, commit named on the identification page).** An interval is judged
adequate for a regressor when its Monte Carlo coverage is within two Monte Carlo standard errors of 95%, the
standard error computed at the nominal rate, ``sqrt(0.95 * 0.05 / R)`` for ``R`` replications
(:func:`coverage_verdict`). A coverage outside that band is reported as a miss.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from . import estimate, synthetic, tables

__all__ = [
    "run",
    "summarise",
    "pair_bootstrap",
    "coverage_verdict",
    "coverage_mcse",
    "coverage_table",
    "VARIANCES",
    "REMEDIES",
]

VARIANCES = ("robust", "robust_slopes_only", "cluster_pair")
#: the intervals built from the pair-block bootstrap (columns of :func:`run` when ``n_boot > 0``)
REMEDIES = ("pair_bootstrap", "pair_bootstrap_bc")
#: the nominal coverage and the success band of the rule in the module docstring (in Monte Carlo SEs)
NOMINAL = 0.95
BAND_MCSE = 2.0
_Z = 1.959963984540054


def pair_bootstrap(
    panel: pd.DataFrame,
    depvar: str,
    regressors,
    fe,
    n_boot: int,
    seed: int | tuple[int, ...],
    cluster: str = "pair",
) -> pd.DataFrame:
    """Pair-block bootstrap of a PPML fit: ``n_boot`` rows (one per resample) by ``regressors`` (the coefficients).

    Each resample draws ``G`` clusters (``G`` = the number of distinct values of ``cluster``) with replacement from
    ``numpy.random.default_rng(seed)``, keeps all rows of each drawn cluster, gives every drawn copy its own
    ``cluster`` value (so a pair drawn twice gets two pair effects) and re-estimates the coefficients with the same
    fixed effects (:func:`.estimate.ppml_coef`: :func:`.estimate.ppml`'s estimator without its standard errors, each
    resample started from the full sample's fit, 6x faster than refitting from scratch with ``ppml``). The fit is
    computed equivalently with each cluster drawn ``k`` times entered once, with frequency weight ``k``: the same
    coefficients (to about 1e-15 on the book's panels; ``benchmarks/bench_gravity.py``), 1.5x faster. A resample
    whose fit fails (nothing to estimate, no convergence) or drops a regressor as collinear gives NaN in that row;
    the result is a deterministic function of its arguments.
    """
    if isinstance(n_boot, bool) or not isinstance(n_boot, int) or n_boot < 2:
        raise ValueError(f"n_boot must be an integer >= 2, got {n_boot!r}")
    if cluster not in panel.columns:
        raise KeyError(f"panel lacks the cluster column {cluster!r}")
    regressors = list(regressors)
    used = list(dict.fromkeys([depvar, *regressors, *(f for f in fe if f != cluster)]))
    base = panel[used].reset_index(drop=True)
    for f in fe:  # integer codes in order of appearance: the same fits, faster to resample and to factorize
        if f != cluster:
            base[f] = pd.factorize(base[f])[0]
    codes, _ = pd.factorize(panel[cluster], sort=True)
    n_groups = int(codes.max()) + 1
    order = np.argsort(codes, kind="stable")
    counts = np.bincount(codes, minlength=n_groups)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    try:  # every resample starts from the full sample's fitted means (IRLS then needs a few steps, not a dozen)
        _, start = estimate.ppml_coef(base.assign(**{cluster: codes}), depvar, regressors, fe, fitted=True)
    except (estimate.EstimationError, estimate.ConvergenceError):
        start = None
    rng = np.random.default_rng(seed)
    out = np.full((n_boot, len(regressors)), np.nan)
    for b in range(n_boot):
        # a cluster drawn k times enters once with frequency weight k: k copies with k cluster effects give the same
        # coefficients (ppml_coef's weights), on about 37% fewer rows
        drawn, times = np.unique(rng.integers(0, n_groups, n_groups), return_counts=True)
        lengths = counts[drawn]
        ends = np.cumsum(lengths)
        within = np.arange(ends[-1]) - np.repeat(ends - lengths, lengths)
        rows = order[np.repeat(starts[drawn], lengths) + within]
        sample = base.iloc[rows].reset_index(drop=True)
        sample[cluster] = np.repeat(np.arange(len(drawn)), lengths)
        try:
            coef = estimate.ppml_coef(
                sample,
                depvar,
                regressors,
                fe,
                start=None if start is None else start[rows],
                weights=np.repeat(times, lengths),
            )
        except (estimate.EstimationError, estimate.ConvergenceError):
            continue
        out[b] = [coef.get(r, np.nan) for r in regressors]
    return pd.DataFrame(out, columns=regressors)


def run(params: synthetic.SimulationParams, n_reps: int, spec: str = "table2.col3", n_boot: int = 0) -> pd.DataFrame:
    """``n_reps`` replications with seeds ``params.seed + r``: one row per (replication, regressor).

    With ``n_boot > 0`` each replication is also bootstrapped (:func:`pair_bootstrap`, ``n_boot`` resamples, seed
    ``(params.seed + r, 1)``), adding the columns ``pair_bootstrap`` (the bootstrap standard deviation),
    ``boot_mean`` (the mean of the resampled estimates) and ``boot_failed`` (the replication's resamples that
    gave no estimate of some regressor; the same on each of its rows).
    """
    if isinstance(n_reps, bool) or not isinstance(n_reps, int) or n_reps < 1:
        raise ValueError(f"n_reps must be an integer >= 1, got {n_reps!r}")
    if isinstance(n_boot, bool) or not isinstance(n_boot, int) or n_boot < 0 or n_boot == 1:
        raise ValueError(f"n_boot must be 0 (no bootstrap) or an integer >= 2, got {n_boot!r}")
    s = tables.SPECS[spec]
    truth = params.truth()
    rows = []
    for r in range(n_reps):
        p = replace(params, seed=params.seed + r)
        panel = synthetic.simulate_panel(p)
        fit = estimate.ppml(panel, s.depvar, s.regressors, s.fe, alt_vcov=("cluster:pair",))
        boot = pair_bootstrap(panel, s.depvar, s.regressors, s.fe, n_boot, seed=(p.seed, 1)) if n_boot else None
        for reg in s.regressors:
            row = {
                "rep": r,
                "regressor": reg,
                "truth": truth[reg],
                "coef": fit.coef[reg],
                "robust": fit.se[reg],
                "robust_slopes_only": fit.extra["se_slopes_only"][reg],
                "cluster_pair": fit.extra["se_alt"]["cluster:pair"][reg],
                "nobs": fit.nobs,
            }
            if boot is not None:
                b = boot[reg].dropna()
                row["pair_bootstrap"] = float(b.std(ddof=1)) if len(b) > 1 else np.nan
                row["boot_mean"] = float(b.mean()) if len(b) else np.nan
                row["boot_failed"] = int(boot.isna().any(axis=1).sum())
            rows.append(row)
    return pd.DataFrame(rows)


def coverage_mcse(coverage: float, n_reps: int) -> float:
    """The Monte Carlo standard error of a coverage rate estimated from ``n_reps`` replications,
    ``sqrt(c (1 - c) / R)``."""
    return float(np.sqrt(coverage * (1 - coverage) / n_reps))


def coverage_verdict(coverage: float, n_reps: int) -> str:
    """The pre-registered rule of the module docstring: ``"within"`` when ``|coverage - 0.95|`` is at most two Monte
    Carlo standard errors computed at the nominal rate, else ``"under"`` or ``"over"``."""
    band = BAND_MCSE * coverage_mcse(NOMINAL, n_reps)
    if abs(coverage - NOMINAL) <= band + 1e-12:
        return "within"
    return "under" if coverage < NOMINAL else "over"


def summarise(draws: pd.DataFrame) -> pd.DataFrame:
    """Per regressor: truth, mean estimate, bias, SD of the estimates, mean SE and 95% coverage per variance, with
    the Monte Carlo standard error of each coverage (``mcse_<variance>``); with bootstrap columns (``run(...,
    n_boot=...)``) also the bootstrap intervals of :data:`REMEDIES` and the bias of the bias-corrected estimate."""
    out = {}
    boot = "pair_bootstrap" in draws.columns
    for reg, g in draws.groupby("regressor", sort=False):
        n = len(g)
        row = {
            "truth": g.truth.iloc[0],
            "mean": g.coef.mean(),
            "bias": g.coef.mean() - g.truth.iloc[0],
            "sd": g.coef.std(ddof=1) if n > 1 else np.nan,
        }
        intervals = {v: (g.coef, g[v]) for v in VARIANCES}
        if boot:
            bc = 2 * g.coef - g.boot_mean
            row["bias_bc"] = bc.mean() - g.truth.iloc[0]
            intervals["pair_bootstrap"] = (g.coef, g.pair_bootstrap)
            intervals["pair_bootstrap_bc"] = (bc, g.pair_bootstrap)
        for v, (centre, se) in intervals.items():
            row[f"se_{v}"] = se.mean()
            cov = float((np.abs(centre - g.truth) <= _Z * se).mean())
            row[f"coverage_{v}"] = cov
            row[f"mcse_{v}"] = coverage_mcse(cov, n)
        out[reg] = row
    return pd.DataFrame(out).T


#: how :func:`coverage_table` names the intervals
INTERVAL_LABELS = {
    "robust": "robust (uncorrected)",
    "robust_slopes_only": "robust, slopes only counted (uncorrected)",
    "cluster_pair": "pair-clustered (uncorrected)",
    "pair_bootstrap": "pair-block bootstrap",
    "pair_bootstrap_bc": "pair-block bootstrap, bias-corrected",
}


def coverage_table(values: dict, prefix: str, regressors=("visa", "schengen", "rta")) -> pd.DataFrame:
    """The coverage of every interval beside the uncorrected ones, from a Monte Carlo variant's results
    (``values[prefix + "n_reps"]`` and ``values[prefix + "<regressor>.coverage_<interval>"]``): one row per
    regressor and interval with the coverage, its Monte Carlo standard error and the verdict of the pre-registered
    rule (:func:`coverage_verdict`)."""
    n = int(values[prefix + "n_reps"])
    rows = []
    for reg in regressors:
        for v, label in INTERVAL_LABELS.items():
            key = f"{prefix}{reg}.coverage_{v}"
            if key not in values:
                continue
            cov = float(values[key])
            rows.append(
                {
                    "regressor": reg,
                    "interval": label,
                    "coverage": cov,
                    "MC s.e.": coverage_mcse(cov, n),
                    "rule (95% ± 2 MC s.e.)": coverage_verdict(cov, n),
                }
            )
    return pd.DataFrame(rows)
