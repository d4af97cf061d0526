"""Estimators for the gravity chapter: PPML with high-dimensional fixed effects, linear 2SLS, and helpers.

**PPML is ours, checked against pyfixest 0.60.0.** :func:`ppml` runs pyfixest's IRLS itself (``_irls``: the same
start, working variable, collinearity rule and deviance criterion, on pyfixest's Rust alternating projections) and
computes pyfixest's sandwich standard errors (``_standard_errors``: the same bread, scores and small-sample factors,
robust, one- and two-way clustered). ``tests/models/gravity/test_estimate.py`` compares both with
``pyfixest.fepois`` and a dummy-variable GLM. Doing it ourselves removes what pyfixest adds to every call (formula
parsing, model matrices, a separation check by cross-tabulation: half the time of a 120-country fit) and makes
:func:`ppml_coef` (the bootstrap's refits) the same code, not a copy. The traps of pyfixest 0.60.0 are handled:

- **Separation.** pyfixest's default check only drops observations in all-zero fixed-effect groups. We drop both
  those (to a fixed point) and the observations whose regressors perfectly predict a zero (the iterative-rectifier
  check of Correia, Guimarães & Zylkin 2021: pyfixest's own ``"ir"`` algorithm, tolerances and stopping rule, each
  step solved on demeaned arrays instead of through a new model), then singletons. How many were dropped is
  recorded on the result.
- **Speed.** As ppmlhdfe does, each IRLS step's demeaning starts from the previous step's fixed effects, and its
  tolerance is loose (1e-4) while IRLS is far from converged and tightened to ``fixef_tol`` as it converges
  (``_irls``). Tables 2–4 on the real panel take 16 s of CPU instead of 30 s through ``pyfixest.fepois``; the
  estimates agree with it to about 1e-11, the standard errors to about 1e-7 (relative).
- **Convergence.** pyfixest's ``fit.convergence`` is ``False`` without any error when the IRLS loop hits its
  iteration limit; :func:`ppml` and :func:`ppml_coef` raise :class:`ConvergenceError` (with the last deviance).
- **Small-sample correction (a deliberate choice).** Standard errors are heteroskedasticity-robust (the paper's
  "Robust standard errors") with the factor ``N / (N - K)`` where ``K`` counts the slope coefficients **and the
  absorbed fixed effects** (``pf.ssc(k_adj=True, k_fixef="nonnested")``; for clustered errors, fixed effects nested
  in a cluster are not counted, and ``G/(G-1)`` uses the smallest cluster count; the count is fixest's: all levels
  minus one per additional set of effects). With ~13,000 pair
  and country-year effects on ~74,000 observations this factor raises the standard errors by about 10% over counting
  the slopes only. We chose it because the Monte Carlo of the paper's own model (``variants/gravity-montecarlo.yml``,
  shown on the identification page) finds that robust intervals under-cover with either count, and less so with
  the fixed effects counted; it is also fixest's and pyfixest's default (the paper does not say which correction
  it used). ``Estimate.extra["se_slopes_only"]`` keeps the alternative.
- **Stata's convention, on request** (``ssc="stata"``): the factor of Stata's ``ppml`` and ``ppmlhdfe`` (whose final
  step calls reghdfe's solver in its "asymptotic" mode): robust ``N / (N - 1)`` times the HC0 sandwich; clustered
  ``G / (G - 1)`` times the CR0 sandwich, with no ``(N - 1)/(N - K)`` term and no count of absorbed fixed effects
  (for multi-way clustering ``G`` is the smallest cluster count). The scorecard compares the paper's standard errors
  with this convention, as pre-registered in ``data/targets/gravity.csv``.
- **Nothing to estimate.** :func:`ppml` checks that observations remain once missing values, all-zero fixed-effect
  groups and singletons are set aside, and that the outcome has a positive value; otherwise it raises
  :class:`EstimationError` (pyfixest 0.60.0 aborts the whole process with a Rust panic in that case).

The estimating equation is eq. (7) of Levelu, Mayda & Orefice (2023):
``Mig_ijt = exp(b1 Visa_ijt + b2 RTA_ijt + delta_it + mu_jt + theta_ij + X_ijt) * eps_ijt``.
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from mobility.core.errors import ComputationError

__all__ = [
    "SSC",
    "SSC_CHOICES",
    "EstimationError",
    "ConvergenceError",
    "Estimate",
    "ppml",
    "ppml_coef",
    "PpmlStart",
    "iv2sls",
    "first_stage_f",
    "leave_one_out_instrument",
    "pyfixest_module",
]


@functools.cache
def pyfixest_module():
    """``pyfixest``, made to order the fixed effects as written whatever ``PYTHONHASHSEED`` is: every estimation of
    this package that goes through pyfixest's formulas (:func:`iv2sls`, :func:`.did.lpdid`) takes it from here.

    ``pyfixest.estimation.formula.utils._encode_fixed_effects`` (0.60.0) collects the fixed-effect names in a
    ``set``, so their order — and with it the order of the alternating projections — depends on Python's
    string-hash seed, and the estimates differ between runs in the 13th digit. The replacement below is the same
    function with an ordered de-duplication, so that reruns give byte-identical results files. Applied on first use
    (importing pyfixest's estimation API takes 2-3 s, which :func:`ppml` does not need).
    """
    import re

    import pyfixest as pf
    from pyfixest.estimation.formula import model_matrix, utils

    def _encode_fixed_effects(fixed_effects: str, data: pd.DataFrame) -> str:
        fes = list(dict.fromkeys(re.split(r"\s*\+\s*", fixed_effects)))
        for fixed_effect in fes:
            if "^" not in fixed_effect:
                continue
            parts = fixed_effect.split("^")
            data[fixed_effect.replace("^", "_")] = (
                data[parts[0]]
                .astype(pd.StringDtype())
                .str.cat(data[parts[1:]].astype(pd.StringDtype()), sep="^", na_rep=None)
            )
        encoded = (f"__fixed_effect__({fe.replace('^', '_')})" for fe in fes)
        return f"{' + '.join(encoded)} - 1"

    utils._encode_fixed_effects = _encode_fixed_effects
    if hasattr(model_matrix, "_encode_fixed_effects"):
        model_matrix._encode_fixed_effects = _encode_fixed_effects
    return pf


#: The small-sample correction used throughout the chapter (see the module docstring).
SSC = {"k_adj": True, "k_fixef": "nonnested", "G_adj": True, "G_df": "min"}

#: The ``ssc=`` choices of :func:`ppml`: the chapter's (fixed effects counted) or Stata ppml/ppmlhdfe's.
SSC_CHOICES = ("chapter", "stata")

_FE_COLUMNS = {"orig_year", "dest_year", "pair", "origin", "destination", "year"}


class EstimationError(ComputationError):
    """Nothing is left to estimate (no observations, an all-zero outcome, only singleton fixed-effect groups)."""


class ConvergenceError(ComputationError):
    """PPML's IRLS loop stopped before converging; ``deviance`` is the last value, ``maxiter`` the limit."""

    def __init__(self, message: str, deviance: float, maxiter: int):
        super().__init__(message)
        self.deviance = deviance
        self.maxiter = maxiter


@dataclass(frozen=True)
class Estimate:
    """One estimated column: coefficients, standard errors and the sample accounting.

    ``n_input`` rows were given; ``n_missing`` had a missing value in a used column; ``n_separation`` were dropped
    by the separation checks (all-zero fixed-effect groups and regressor-separated cells); ``n_singleton`` were
    singleton fixed-effect groups; ``nobs`` were used.
    """

    estimator: str
    depvar: str
    regressors: tuple[str, ...]
    fe: tuple[str, ...]
    vcov: str
    coef: dict
    se: dict
    nobs: int
    n_input: int
    n_missing: int
    n_separation: int
    n_singleton: int
    pseudo_r2: float | None = None
    extra: dict = field(default_factory=dict)

    def ci(self, name: str, level: float = 0.95) -> tuple[float, float]:
        """Normal-approximation confidence interval for coefficient ``name``."""
        from scipy.stats import norm

        if not 0 < level < 1:
            raise ValueError(f"level must be in (0, 1), got {level}")
        z = norm.ppf(0.5 + level / 2)
        return self.coef[name] - z * self.se[name], self.coef[name] + z * self.se[name]

    def to_dict(self) -> dict:
        return {
            "estimator": self.estimator,
            "depvar": self.depvar,
            "regressors": list(self.regressors),
            "fe": list(self.fe),
            "vcov": self.vcov,
            "coef": self.coef,
            "se": self.se,
            "nobs": self.nobs,
            "n_input": self.n_input,
            "n_missing": self.n_missing,
            "n_separation": self.n_separation,
            "n_singleton": self.n_singleton,
            "pseudo_r2": self.pseudo_r2,
            **({"extra": self.extra} if self.extra else {}),
        }


def _check_columns(data: pd.DataFrame, columns) -> None:
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise KeyError(f"columns missing from the panel: {missing}")


def _vcov_arg(vcov):
    if vcov == "hetero":
        return "hetero"
    if isinstance(vcov, (tuple, list)):
        return {"CRV1": "+".join(vcov)}
    if isinstance(vcov, str) and vcov.startswith("cluster:"):
        return {"CRV1": vcov.split(":", 1)[1]}
    raise ValueError(f"vcov must be 'hetero', 'cluster:<var>[+<var>]' or a tuple of cluster variables, got {vcov!r}")


def _cluster_vars(vcov) -> list[str]:
    if isinstance(vcov, (tuple, list)):
        return list(vcov)
    if isinstance(vcov, str) and vcov.startswith("cluster:"):
        return vcov.split(":", 1)[1].split("+")
    return []


def _vcov_name(vcov) -> str:
    return vcov if isinstance(vcov, str) else "cluster:" + "+".join(vcov)


def ppml(
    data: pd.DataFrame,
    depvar: str,
    regressors: list[str] | tuple[str, ...],
    fe: list[str] | tuple[str, ...],
    *,
    vcov="hetero",
    tol: float = 1e-8,
    maxiter: int = 100,
    fixef_tol: float = 1e-8,
    alt_vcov: tuple = (),
    ssc: str = "chapter",
) -> Estimate:
    """PPML with high-dimensional fixed effects (eq. 7/8 of the paper): ``pyfixest.fepois``'s estimator and standard
    errors (see the module docstring).

    ``fe`` names columns of ``data`` holding fixed-effect identifiers (e.g. ``orig_year``, ``dest_year``,
    ``pair``). Raises :class:`ConvergenceError` when IRLS does not converge within ``maxiter`` iterations,
    ``KeyError`` listing absent columns, and ``ValueError`` for a negative dependent variable or bad options.
    ``alt_vcov`` names further variance choices (e.g. ``("cluster:pair",)``) whose standard errors are computed on
    the same fit and stored in ``extra["se_alt"]``; ``extra["se_slopes_only"]`` holds the robust SEs with only the
    slopes counted in ``K``, for comparison with the chapter's choice. ``ssc`` is ``"chapter"`` (the default, see the
    module docstring) or ``"stata"`` (Stata ppml/ppmlhdfe: ``N/(N-1)`` robust, ``G/(G-1)`` clustered). Raises
    :class:`EstimationError` when nothing is left to estimate.
    """
    regressors = tuple(regressors)
    fe = tuple(fe)
    if not regressors:
        raise ValueError("regressors must name at least one column")
    if maxiter < 1:
        raise ValueError(f"maxiter must be >= 1, got {maxiter}")
    if not 0 < tol < 1:
        raise ValueError(f"tol must be in (0, 1), got {tol}")
    if ssc not in SSC_CHOICES:
        raise ValueError(f"ssc must be one of {SSC_CHOICES}, got {ssc!r}")
    variances = [(v, _cluster_vars(v)) for v in (vcov, *alt_vcov)]
    for v, cl in variances:
        _vcov_arg(v)  # a bad variance choice is refused before anything runs
        if len(cl) > 2:
            raise ValueError(f"vcov clusters by at most two variables, got {v!r}")
    used = [depvar, *regressors, *fe]
    for _, cl in variances:
        used += [c for c in cl if c not in used]
    _check_columns(data, used)
    frame = data[list(dict.fromkeys(used))]
    n_input = len(frame)
    n_missing = int(frame.isna().any(axis=1).sum())
    if (frame[depvar].dropna() < 0).any():
        raise ValueError(f"the dependent variable {depvar!r} must be non-negative for PPML")
    frame = frame.dropna()
    y = frame[depvar].to_numpy(dtype=float)
    X = frame[list(regressors)].to_numpy(dtype=float)
    names = list(regressors)
    if fe:
        codes = _codes(frame, fe)
        # all-zero fixed-effect groups, to a fixed point (pyfixest's "fe" check: they are fitted exactly by their
        # effects), then regressor separation (its "ir" check, on the much smaller remaining sample), the groups
        # that lost their last positive outcome with the separated rows, and singletons
        kept = _identified_rows(y, codes, singletons=False)
        _check_estimable(y[kept], codes[kept], depvar, regressors, fe, n_input)
        rows = np.flatnonzero(kept)
        kept[rows[_separated(y[rows], X[rows], codes[rows])]] = False
        kept = _identified_rows(y, codes, kept, singletons=False)
        n_sep = int((~kept).sum())
        kept = _identified_rows(y, codes, kept)
        codes = _recode(codes[kept])
    else:  # no fixed effects: an intercept, named as pyfixest names it
        _check_estimable(y, None, depvar, regressors, fe, n_input)
        kept, n_sep = np.ones(len(y), bool), 0
        X, names, codes = np.column_stack([np.ones(len(y)), X]), ["Intercept", *names], None
    fml = f"{depvar} ~ {' + '.join(regressors)}" + (f" | {' + '.join(fe)}" if fe else "")
    fit = _irls(y[kept], X[kept], codes, names, tol, maxiter, fixef_tol, hint=f"; raise maxiter or check {fml!r}")
    nobs = int(kept.sum())
    coef = dict(zip(fit.names, (float(b) for b in fit.beta), strict=True))
    levels = [] if codes is None else [int(c.max()) + 1 for c in codes.T]
    k_fe = sum(levels) - (len(fe) - 1) if fe else 0
    ses = {
        _vcov_name(v): _standard_errors(fit, k_fe, levels, fe, codes, {c: frame[c].array[kept] for c in cl}, ssc)
        for v, cl in variances
    }
    se = ses[_vcov_name(vcov)]
    k = len(coef)
    slopes_only = np.sqrt(max(nobs - k - k_fe, 1) / (nobs - k))
    extra: dict[str, Any] = {
        "collinear": [c for c in regressors if c not in coef],
        "k_fe": k_fe,
        "ssc": ssc,
        "se_slopes_only": (
            {n: v * float(slopes_only) for n, v in se.items()} if vcov == "hetero" and ssc == "chapter" else None
        ),
    }
    if alt_vcov:
        extra["se_alt"] = {_vcov_name(v): ses[_vcov_name(v)] for v in alt_vcov}
    return Estimate(
        estimator="ppml",
        depvar=depvar,
        regressors=regressors,
        fe=fe,
        vcov=_vcov_name(vcov),
        coef=coef,
        se=se,
        nobs=nobs,
        n_input=n_input,
        n_missing=n_missing,
        n_separation=n_sep,
        n_singleton=n_input - n_missing - n_sep - nobs,
        pseudo_r2=_pseudo_r2(y[kept], fit.mu),
        extra=extra,
    )


def _pseudo_r2(y: np.ndarray, mu: np.ndarray) -> float:
    """McFadden's pseudo R-squared, ``1 - loglik / loglik(constant mean)``, as pyfixest 0.60.0 reports it."""
    from scipy.special import gammaln

    null = np.full_like(y, y.mean())
    loglik = np.sum(y * np.log(mu) - mu - gammaln(y + 1))
    return float(1 - loglik / np.sum(y * np.log(null) - null - gammaln(y + 1)))


def _standard_errors(fit: _IrlsFit, k_fe: int, levels, fe, codes, clusters: dict, ssc: str) -> dict:
    """The sandwich standard errors of a converged PPML fit (:func:`_irls`'s last step) as pyfixest 0.60.0 computes
    them (``tests/models/gravity/test_estimate.py`` checks them against ``pyfixest.fepois``).

    Bread ``(X'WX)^-1`` and scores ``w x (z - x b)`` from the last IRLS step (demeaned; ``w`` its weights). Robust
    (``clusters`` empty): meat ``S'S``. Clustered (``clusters``: one or two variables, name to values row by row):
    the meat of the scores' cluster sums; two-way by inclusion-exclusion (each way, minus their intersection, as
    Cameron, Gelbach & Miller 2011). The factors (see the module docstring): ``"chapter"`` robust ``N/(N-K)``,
    clustered ``(N-1)/(N-K) G/(G-1)``, ``G`` the smallest cluster count, ``K`` the slopes and the fixed-effect levels
    (all levels minus one per additional set) less the levels of a set nested in a cluster plus one per such set;
    ``"stata"`` ``N/(N-1)`` robust or ``G/(G-1)`` clustered alone.
    """
    import scipy.linalg

    nobs, k = fit.wx.shape
    scores = fit.wx * fit.u[:, None]
    bread = scipy.linalg.inv(fit.wx.T @ fit.wx)
    if not clusters:
        factor = nobs / (nobs - k - k_fe) if ssc == "chapter" else nobs / (nobs - 1)
        vcov = factor * (bread @ (scores.T @ scores) @ bread)
    else:
        ids = [pd.factorize(v)[0] for v in clusters.values()]
        if len(ids) == 2:
            ids.append(pd.factorize(ids[0].astype(np.int64) * (int(ids[1].max()) + 1) + ids[1])[0])
        g = min(int(i.max()) + 1 for i in ids)
        if ssc == "chapter":
            nested = [j for j, f in enumerate(fe) if f in clusters or any(_nested(codes[:, j], i) for i in ids)]
            df_k = k + k_fe - sum(levels[j] for j in nested) + len(nested)
            factor = (nobs - 1) / (nobs - df_k) * g / (g - 1)
        else:
            factor = g / (g - 1) if g > 1 else 1.0
        vcov = np.zeros((k, k))
        for sign, i in zip((1, 1, -1), ids, strict=False):
            sums = np.column_stack([np.bincount(i, weights=scores[:, j]) for j in range(k)])
            vcov += sign * factor * (bread @ (sums.T @ sums) @ bread)
    return {n: float(v) for n, v in zip(fit.names, np.sqrt(np.diag(vcov)), strict=True)}


def _nested(fe_codes: np.ndarray, cluster_ids: np.ndarray) -> bool:
    """Whether every level of a fixed effect lies within a single cluster."""
    levels = int(fe_codes.max()) + 1
    lo, hi = np.full(levels, np.iinfo(np.int64).max), np.full(levels, -1)
    np.minimum.at(lo, fe_codes, cluster_ids)
    np.maximum.at(hi, fe_codes, cluster_ids)
    return bool((lo == hi).all())


def _codes(frame: pd.DataFrame, fe) -> np.ndarray:
    """The fixed-effect columns ``fe`` of ``frame`` as integer codes, one column each."""
    # factorized as a Series: pyarrow-backed strings are encoded by pyarrow (4x faster than as Python objects), in
    # the same order of first appearance
    return np.column_stack([pd.factorize(frame[f])[0] for f in fe]).astype(np.uint64)


def _separated(y: np.ndarray, X: np.ndarray, codes: np.ndarray, w: np.ndarray | None = None) -> np.ndarray:
    """Rows separated by the regressors, a boolean mask: the iterative rectifier (:func:`_separated_ir`) on the rows
    pyfixest would run it on (singletons and all-zero groups set aside, to a fixed point). ``w``: frequency weights
    (see :func:`ppml_coef`)."""
    out = np.zeros(len(y), bool)
    keep = _identified_rows(y, codes, w=w)
    if keep.any() and not (y > 0).all():
        sub = np.flatnonzero(keep)
        out[sub[_separated_ir(y[keep], X[keep], _recode(codes[keep]), w=None if w is None else w[keep])]] = True
    return out


def _check_estimable(y: np.ndarray, codes, depvar: str, regressors, fe, n_input: int) -> None:
    """Raise :class:`EstimationError` when nothing is left to estimate (pyfixest 0.60.0 aborts the process then):
    ``y`` and ``codes`` are the rows left once missing values and all-zero groups are set aside."""
    if len(y) == 0:
        raise EstimationError(
            f"nothing left to estimate: of {n_input:,} rows, none has every used column present "
            f"and a positive {depvar!r} in each fixed-effect group"
        )
    if not (y > 0).any():
        raise EstimationError(f"nothing left to estimate: {depvar!r} is zero in every remaining row")
    n = len(y) if codes is None else int(_identified_rows(np.ones(len(y)), codes).sum())
    if n <= len(regressors):
        raise EstimationError(
            f"nothing left to estimate: after setting aside singleton fixed-effect groups, {n} observation(s) remain "
            f"for {len(regressors)} regressor(s) (the fixed effects {list(fe)} absorb everything: too few origins, "
            "destinations or years?)"
        )


@dataclass(frozen=True)
class PpmlStart:
    """Where a :func:`ppml_coef` fit ended, row by row of its data (NaN for rows set aside): the fitted means ``mu``
    and ``fe_part``, the part of the last IRLS step's working variable and regressors (columns ``[z, *regressors]``)
    that the fixed effects absorbed. Indexed by the rows of a resample (``start[rows]``), it starts that resample's
    fit: ``mu`` as IRLS's starting values, ``fe_part`` as the demeaning's starting point (each row's value is a sum
    of its own origin-year, destination-year and pair effects, so it lies in the span of the resample's fixed
    effects as long as every row used has one)."""

    mu: np.ndarray
    fe_part: np.ndarray

    def __getitem__(self, rows) -> PpmlStart:
        return PpmlStart(self.mu[rows], self.fe_part[rows])


def ppml_coef(
    data: pd.DataFrame,
    depvar: str,
    regressors: list[str] | tuple[str, ...],
    fe: list[str] | tuple[str, ...],
    *,
    tol: float = 1e-8,
    maxiter: int = 100,
    fixef_tol: float = 1e-8,
    start: PpmlStart | None = None,
    fitted: bool = False,
    weights: np.ndarray | None = None,
):
    """The coefficients of :func:`ppml` alone, for resampling (the pair-block bootstrap re-estimates the model 30
    times per replication and needs nothing else).

    Same estimator and sample rules: missing values and all-zero fixed-effect groups set aside, then singletons and
    observations separated by the regressors (the iterative rectifier of Correia, Guimarães & Zylkin 2021,
    pyfixest's ``"ir"`` check with its tolerances), then pyfixest's IRLS (same start, same deviance criterion and
    tolerance, its Rust alternating projections at ``fixef_tol``, its collinearity rule), without pyfixest's
    per-call model building. Each IRLS step's demeaning starts from the previous step's fixed effects (as ppmlhdfe
    does). The rows set aside do not change a coefficient: they are fitted exactly by their own effects. A
    regressor collinear with the fixed effects is absent from the result, as from ``ppml(...).coef``. Raises
    :class:`EstimationError` and :class:`ConvergenceError` where :func:`ppml` does; coefficients agree with
    :func:`ppml` to about 1e-12 (``tests/models/gravity/test_estimate.py``, on resampled panels).

    ``start`` (a :class:`PpmlStart` with one row per row of ``data``) starts IRLS from a related fit's means and
    the first demeaning from its fixed effects, instead of from ``(y + mean(y)) / 2`` and zero: the bootstrap
    starts every resample from the full sample's fit, and IRLS then stops after about 4 steps instead of 13, at the
    same tolerance. With ``fitted=True`` the result is ``(coef, PpmlStart)`` for the rows of ``data``.

    ``weights`` (positive integers, one per row of ``data``) are frequency weights: a row of weight ``k`` stands
    for ``k`` identical rows, each with the same fixed effects, and every rule and every IRLS step is the one on
    that expanded sample (a group of one row of weight 2 is no singleton). The bootstrap fits a resample that
    draws a pair twice this way: two copies with two pair effects give the same coefficients as one copy of
    weight 2, and the fit has 37% fewer rows.
    """
    regressors = tuple(regressors)
    fe = tuple(fe)
    if not regressors or not fe:
        raise ValueError("ppml_coef needs at least one regressor and one fixed effect")
    if maxiter < 1:
        raise ValueError(f"maxiter must be >= 1, got {maxiter}")
    _check_columns(data, [depvar, *regressors, *fe])
    if weights is not None:
        weights = np.asarray(weights)
        if weights.shape != (len(data),) or weights.dtype.kind not in "iu" or (weights < 1).any():
            raise ValueError(f"weights must hold one positive integer per row of data ({len(data)})")
    frame = data[list(dict.fromkeys([depvar, *regressors, *fe]))]
    rows = np.flatnonzero(frame.notna().all(axis=1).to_numpy())  # positions in data of the complete rows
    frame = frame.iloc[rows]
    w = None if weights is None else weights[rows].astype(float)
    y = frame[depvar].to_numpy(dtype=float)
    if (y < 0).any():
        raise ValueError(f"the dependent variable {depvar!r} must be non-negative for PPML")
    X = frame[list(regressors)].to_numpy(dtype=float)
    codes = _codes(frame, fe)
    keep = _identified_rows(y, codes, ~_separated(y, X, codes, w), w=w)
    n_left = int(keep.sum() if w is None else w[keep].sum())
    if n_left <= len(regressors) or not (y[keep] > 0).any():
        raise EstimationError(
            f"nothing left to estimate: {n_left} observation(s) remain once all-zero groups, singletons "
            "and separated observations are set aside"
        )
    used = rows[keep]
    if start is not None and (
        start.mu.shape != (len(data),) or start.fe_part.shape != (len(data), 1 + len(regressors))
    ):
        raise ValueError(f"start must hold one row per row of data ({len(data)}) and {1 + len(regressors)} columns")
    fit = _irls(
        y[keep],
        X[keep],
        _recode(codes[keep]),
        list(regressors),
        tol,
        maxiter,
        fixef_tol,
        None if start is None else start[used],
        w=None if w is None else w[keep],
    )
    coef = dict(zip(fit.names, (float(b) for b in fit.beta), strict=True))
    if not fitted:
        return coef
    out = PpmlStart(np.full(len(data), np.nan), np.full((len(data), 1 + len(regressors)), np.nan))
    out.mu[used] = fit.mu
    if fit.fe_part.shape[1] == out.fe_part.shape[1]:  # no regressor dropped as collinear
        out.fe_part[used] = fit.fe_part
    return coef, out


def _recode(codes: np.ndarray) -> np.ndarray:
    """Fixed-effect codes renumbered 0..G-1 per column (after rows were dropped), keeping their order."""
    out = np.empty(codes.shape, np.uint64)
    for j, c in enumerate(codes.T):
        present = np.zeros(int(c.max()) + 1, bool)
        present[c] = True
        out[:, j] = (np.cumsum(present) - 1)[c]
    return out


def _identified_rows(
    y: np.ndarray,
    codes: np.ndarray,
    keep: np.ndarray | None = None,
    singletons: bool = True,
    w: np.ndarray | None = None,
) -> np.ndarray:
    """Rows of ``keep`` (default: all) left once all-zero fixed-effect groups and, with ``singletons``, observations
    alone in a group are removed, to a fixed point: the one sample rule of :func:`ppml` and :func:`ppml_coef`. With
    frequency weights ``w`` a row counts ``w`` times (a group of one row of weight 2 is no singleton)."""
    keep = np.ones(len(y), bool) if keep is None else keep.copy()
    positive = y > 0
    changed = True
    while changed:
        changed = False
        for j in range(codes.shape[1]):
            idx = np.flatnonzero(keep)
            if idx.size == 0:
                return keep
            c = codes[idx, j].astype(np.int64)
            drop = np.bincount(c, weights=positive[idx])[c] == 0
            if singletons:
                drop |= np.bincount(c, weights=None if w is None else w[idx])[c] == 1
            if drop.any():
                keep[idx[drop]] = False
                changed = True
    return keep


def _demean(x: np.ndarray, codes: np.ndarray, weights: np.ndarray, tol: float) -> np.ndarray:
    from pyfixest.core.demean import demean

    out, ok = demean(np.ascontiguousarray(x, dtype=np.float64), codes, weights, tol=tol, maxiter=10_000)
    if not ok:
        raise ConvergenceError("PPML's fixed-effect demeaning did not converge in 10,000 iterations", np.nan, 10_000)
    return out


def _separated_ir(
    y: np.ndarray, X: np.ndarray, codes: np.ndarray, tol: float = 1e-4, maxiter: int = 100, w: np.ndarray | None = None
) -> np.ndarray:
    """Observations separated by the regressors: pyfixest 0.60.0's iterative rectifier (same weights, tolerances
    and stopping rule), each weighted least-squares step solved on the demeaned data. ``w``: frequency weights,
    multiplying the rectifier's own (a row of weight 2 is two identical rows)."""
    interior = y > 0
    separated = np.zeros(len(y), bool)
    if interior.all():
        return separated
    u = (~interior).astype(float)
    if w is None:
        omega = np.where(interior, interior.sum() / tol**2, 1.0)
    else:
        omega = np.where(interior, w[interior].sum() / tol**2, 1.0) * w
    sw = np.sqrt(omega)
    wx = _demean(X, codes, omega, 1e-6) * sw[:, None]  # the weights do not change: X is demeaned once
    fe_part = np.zeros(len(y))
    for _ in range(maxiter):
        ures = _demean((u - fe_part)[:, None], codes, omega, 1e-6)[:, 0]
        fe_part = u - ures
        beta = np.linalg.lstsq(wx, ures * sw, rcond=None)[0]
        uhat = u - (ures - (wx @ beta) / sw)
        uhat[interior | ((uhat > -0.1 * tol) & (uhat < tol))] = 0.0
        if (uhat >= 0).all():
            return uhat > 0
        u[~interior] = np.fmax(uhat[~interior], 0.0)
    return separated


#: The demeaning tolerance of the first IRLS steps (ppmlhdfe's ``start_inner_tol``): see :func:`_irls`.
_INNER_START = 1e-4


@dataclass(frozen=True)
class _IrlsFit:
    """The end of :func:`_irls`: coefficients ``beta`` of the regressors ``names`` (collinear ones dropped), fitted
    means ``mu``, and from the last step the absorbed part ``fe_part`` of ``[z, X]``, the weighted demeaned
    regressors ``wx`` and the weighted working residuals ``u`` (what pyfixest's sandwich uses)."""

    beta: np.ndarray
    names: list
    mu: np.ndarray
    fe_part: np.ndarray
    wx: np.ndarray
    u: np.ndarray


def _irls(y, X, codes, names, tol, maxiter, fixef_tol, start=None, hint: str = "", w=None) -> _IrlsFit:
    """pyfixest 0.60.0's IRLS for Poisson with fixed effects (``codes``; None: none, and ``X`` holds an intercept):
    the same start, working variable, weighted least squares, collinearity rule and deviance criterion ``tol``, with
    two changes taken from ppmlhdfe. Each demeaning starts from the previous step's fixed effects, and its
    tolerance is adaptive: ``fixef_tol`` on the first step (whose demeaned regressors decide which are collinear
    with the fixed effects, as pyfixest's), then :data:`_INNER_START` while IRLS is far from converged, tightened
    tenfold whenever the criterion falls below ten times it, down to ``fixef_tol``; IRLS stops only once the
    criterion is met with the demeaning at ``fixef_tol``. Far from the solution a precise projection buys nothing:
    the loose steps halve the demeaning time on the real panel, and the estimates move in the 11th digit, the
    standard errors (which use the last step's weights, as pyfixest's) in the 7th (``tests/models/gravity/
    test_estimate.py`` compares them with ``pyfixest.fepois``).

    ``start`` (a :class:`PpmlStart` for these rows) replaces the starting means where they are finite and positive,
    and the first demeaning's starting point when every row has one. :class:`ConvergenceError` (its message ending
    in ``hint``) at ``maxiter``. ``w``: frequency weights (:func:`ppml_coef`); every step is then the step on the
    sample with each row repeated ``w`` times."""
    import scipy.linalg
    from pyfixest.core.collinear import find_collinear_variables

    def deviance(mu):
        with np.errstate(divide="ignore", invalid="ignore"):
            d = np.where(y == 0, 0, y * np.log(y / mu)) - (y - mu)
            return float(2 * np.sum(d if w is None else w * d))

    mu = (y + (y.mean() if w is None else np.sum(w * y) / np.sum(w))) / 2
    fe_part = None
    if start is not None:
        ok = np.isfinite(start.mu) & (start.mu > 0)
        mu = np.where(ok, np.where(ok, start.mu, 1.0), mu)
        if ok.all() and np.isfinite(start.fe_part).all():
            fe_part = start.fe_part
    eta = np.log(mu)
    last = deviance(mu)
    inner = fixef_tol if codes is None else max(fixef_tol, _INNER_START)  # the demeaning's tolerance, adaptive
    crit = 1.0
    for i in range(maxiter):
        z = eta + y / mu - 1
        zx = np.column_stack([z, X])
        while crit < 10 * inner and inner > fixef_tol:  # tightened as IRLS converges; at fixef_tol at the end
            inner = max(inner / 10, fixef_tol)
        if codes is None:
            res = zx
        else:
            # the first step at the full tolerance: its demeaned regressors decide which are collinear
            res = _demean(
                zx if fe_part is None else zx - fe_part,
                codes,
                mu if w is None else mu * w,
                fixef_tol if i == 0 else inner,
            )
        fe_part = zx - res  # in the span of the fixed effects: the next step starts from it
        if i == 0:  # pyfixest's collinearity rule, on the demeaned regressors of the first step
            rx = res[:, 1:] if w is None else res[:, 1:] * np.sqrt(w)[:, None]
            collinear, _, nothing_left = find_collinear_variables(np.ascontiguousarray(rx.T @ rx), 1e-9)
            collinear = np.asarray(collinear, bool)
            if nothing_left or collinear.all():
                raise EstimationError(
                    f"nothing left to estimate: every regressor ({', '.join(names)}) is collinear with the fixed "
                    "effects"
                )
            if collinear.any():
                cols = np.flatnonzero(~collinear)
                names = [names[c] for c in cols]
                X, res, fe_part = X[:, cols], res[:, [0, *(cols + 1)]], fe_part[:, [0, *(cols + 1)]]
        sw = np.sqrt(mu if w is None else mu * w)
        wx, wz = res[:, 1:] * sw[:, None], res[:, 0] * sw
        beta = scipy.linalg.solve(wx.T @ wx, wx.T @ wz)
        resid = res[:, 0] - res[:, 1:] @ beta
        eta = z - resid
        mu = np.exp(eta)
        dev = deviance(mu)
        crit = abs(dev - last) / (0.1 + abs(last))
        last = dev
        if crit < tol and inner <= fixef_tol:
            return _IrlsFit(beta, names, mu, fe_part, wx, resid * sw)
    raise ConvergenceError(
        f"PPML did not converge in {maxiter} IRLS iterations (last deviance {last:.6g}, tolerance {tol}){hint}",
        deviance=last,
        maxiter=maxiter,
    )


def leave_one_out_instrument(panel: pd.DataFrame, var: str = "visa") -> pd.Series:
    """The leave-one-out instrument of eq. (9): ``VisaIV_ijt = (1/K sum_{k!=j} Visa_ikt) * (1/K sum_{k!=i} Visa_kjt)``.

    The first factor is origin i's propensity to have visa provisions with third countries (excluding j), the
    second destination j's propensity with third countries (excluding i). ``K`` is the number of partners
    (countries in year t minus one). Visa is symmetric, so the sums run over ``var`` by origin and by destination.
    """
    _check_columns(panel, ["origin", "destination", "year", var])
    v = panel[var].astype(float)
    by_o = v.groupby([panel["origin"], panel["year"]]).transform("sum")
    by_d = v.groupby([panel["destination"], panel["year"]]).transform("sum")
    k = panel.groupby("year")["origin"].transform("nunique").astype(float) - 1.0
    return ((by_o - v) / k) * ((by_d - v) / k)


def iv2sls(
    data: pd.DataFrame,
    depvar: str,
    exog: list[str],
    endog: str,
    instrument: str,
    fe: list[str],
    cluster: tuple[str, ...] = ("orig_year", "dest_year"),
    ssc: str = "chapter",
) -> tuple[Estimate, Estimate]:
    """Linear 2SLS with fixed effects (Table 12); returns ``(first_stage, second_stage)``.

    Standard errors are clustered two-way by ``cluster`` (the paper: destination-year and origin-year). The
    first stage is estimated explicitly with the same two-way clustering, and its F statistic (the squared
    cluster-robust t of the single excluded instrument, i.e. the Kleibergen–Paap-type Wald F for one instrument)
    is stored as ``extra["first_stage_f"]``: pyfixest's own IV F uses only the first cluster variable.
    ``ssc="stata"`` uses the factor ``G/(G-1)`` alone (``G`` the smallest cluster count) instead of the chapter's.
    """
    pf = pyfixest_module()

    cols = [depvar, *exog, endog, instrument, *fe, *cluster]
    _check_columns(data, cols)
    frame = data[list(dict.fromkeys(cols))].dropna()
    fe_part = " + ".join(fe)
    ex = " + ".join(exog)
    vc = {"CRV1": "+".join(cluster)}
    if ssc not in SSC_CHOICES:
        raise ValueError(f"ssc must be one of {SSC_CHOICES}, got {ssc!r}")
    factor = pf.ssc(**SSC) if ssc == "chapter" else pf.ssc(k_adj=False, G_adj=True, G_df="min")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fs = pf.feols(
            f"{endog} ~ {instrument}" + (f" + {ex}" if ex else "") + f" | {fe_part}", data=frame, vcov=vc, ssc=factor
        )
        ss = pf.feols(
            f"{depvar} ~ " + (ex if ex else "1") + f" | {fe_part} | {endog} ~ {instrument}",
            data=frame,
            vcov=vc,
            ssc=factor,
        )
    f_stat = float((fs.coef()[instrument] / fs.se()[instrument]) ** 2)

    def _est(fit, dep, regs, name, extra):
        return Estimate(
            estimator=name,
            depvar=dep,
            regressors=tuple(regs),
            fe=tuple(fe),
            vcov=_vcov_name(cluster),
            coef={k: float(v) for k, v in fit.coef().items()},
            se={k: float(v) for k, v in fit.se().items()},
            nobs=int(fit._N),
            n_input=len(data),
            n_missing=len(data) - len(frame),
            n_separation=0,
            n_singleton=len(frame) - int(fit._N),
            extra=extra,
        )

    first = _est(fs, endog, [instrument, *exog], "ols-first-stage", {"first_stage_f": f_stat})
    second = _est(ss, depvar, [endog, *exog], "2sls", {"first_stage_f": f_stat})
    return first, second


def first_stage_f(first: Estimate) -> float:
    """The explicit two-way clustered first-stage F of :func:`iv2sls`."""
    return float(first.extra["first_stage_f"])
