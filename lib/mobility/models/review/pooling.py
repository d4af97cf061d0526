"""Pooling estimates: inverse-variance fixed effects and DerSimonian-Laird random effects, and the firm-level
estimates the review states (section 3.4), which come without standard errors."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mobility.models.review.catalogue import OUTCOMES, Study


@dataclass(frozen=True)
class Pooled:
    """A meta-analytic combination of ``k`` estimates."""

    method: str  #: "fixed" or "random"
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    k: int
    q: float  #: Cochran's Q
    tau2: float  #: between-study variance (0 for fixed effects)
    i2: float  #: I^2 = max(0, (Q - (k-1)) / Q)


def pool(estimates, ses, method: str = "random", level: float = 0.95) -> Pooled:
    """Inverse-variance pooling of ``estimates`` with standard errors ``ses``.

    Fixed effects: weights ``w_i = 1/se_i^2``, ``b = sum(w_i b_i)/sum(w_i)``, ``se(b) = sum(w_i)^(-1/2)``.
    Random effects (DerSimonian and Laird): ``tau^2 = max(0, (Q - (k-1)) / (sum w - sum w^2 / sum w))`` with
    Cochran's ``Q = sum w_i (b_i - b_FE)^2``, then weights ``1/(se_i^2 + tau^2)``. Normal confidence interval.

    Raises ``ValueError`` for a method other than "fixed"/"random", fewer than 1 (fixed) or 2 (random)
    estimates, mismatched lengths, non-finite values, or a standard error that is not > 0.
    """
    if method not in ("fixed", "random"):
        raise ValueError(f"method={method!r}: must be 'fixed' or 'random'")
    if not 0 < level < 1:
        raise ValueError(f"level={level!r}: must be in (0, 1)")
    b = np.asarray(estimates, dtype=float).ravel()
    s = np.asarray(ses, dtype=float).ravel()
    if b.shape != s.shape:
        raise ValueError(f"estimates ({b.size}) and ses ({s.size}) must have the same length")
    need = 1 if method == "fixed" else 2
    if b.size < need:
        raise ValueError(f"{method}-effects pooling needs at least {need} estimates with standard errors; got {b.size}")
    if not (np.all(np.isfinite(b)) and np.all(np.isfinite(s))):
        raise ValueError("estimates and ses must be finite")
    if np.any(s <= 0):
        raise ValueError(f"ses must be > 0; got min {s.min()}")
    w = 1.0 / s**2
    b_fe = float(np.sum(w * b) / np.sum(w))
    q = float(np.sum(w * (b - b_fe) ** 2))
    k = b.size
    i2 = max(0.0, (q - (k - 1)) / q) if q > 0 else 0.0
    tau2 = 0.0
    if method == "random":
        c = float(np.sum(w) - np.sum(w**2) / np.sum(w))
        tau2 = max(0.0, (q - (k - 1)) / c) if c > 0 else 0.0
        w = 1.0 / (s**2 + tau2)
    est = float(np.sum(w * b) / np.sum(w))
    se = float(np.sqrt(1.0 / np.sum(w)))
    from scipy.stats import norm

    z = float(norm.ppf(0.5 + level / 2))
    return Pooled(method, est, se, est - z * se, est + z * se, k, q, tau2, i2)


@dataclass(frozen=True)
class StatedPool:
    """Pooling of the estimates the review states in one unit."""

    unit: str
    outcome: str | None
    k: int  #: estimates stated in this unit
    k_with_se: int  #: of which with a standard error
    mean: float  #: equal-weight mean of the stated estimates
    median: float
    fixed: Pooled | None  #: None when fewer than 1 estimate has a standard error
    random: Pooled | None  #: None when fewer than 2 estimates have standard errors


def firm_estimates(studies: list[Study]) -> pd.DataFrame:
    """The firm-level estimates the review states (section 3.4): one row per study with an estimate."""
    rows = [
        {
            "label": s.label,
            "bib_key": s.bib_key,
            "outcome": "; ".join(s.outcome),
            "estimate": s.estimate,
            "unit": s.estimate_unit,
            "measures": s.estimate_measures,
            "se": s.se,
            "country": s.countries,
            "period": s.period,
            "method": "; ".join(s.method),
        }
        for s in studies
        if s.level == "firm" and s.estimate is not None
    ]
    return pd.DataFrame.from_records(
        rows,
        columns=[
            "label",
            "bib_key",
            "outcome",
            "estimate",
            "unit",
            "measures",
            "se",
            "country",
            "period",
            "method",
        ],
    )


def pool_stated(studies: list[Study], unit: str, outcome: str | None = None) -> StatedPool:
    """Pool the estimates the catalogue states in ``unit`` (e.g. ``"elasticity"``), optionally only those whose
    outcome includes ``outcome`` (one of :data:`OUTCOMES`).

    Estimates in different units (elasticities, percent per additional immigrant employee, percent per
    standard deviation, percent versus a matched firm) are never mixed. Fixed/random effects use only the
    estimates that come with standard errors; the review gives none, so both are None for every unit, and the
    equal-weight mean and median are what can be reported (they are the fixed-effects estimate only under the
    untestable assumption of equal standard errors). Raises ``ValueError`` when no estimate is in ``unit``.
    """
    if outcome is not None and outcome not in OUTCOMES:
        raise ValueError(f"outcome={outcome!r}: must be one of {list(OUTCOMES)} or None")
    chosen = [
        s
        for s in studies
        if s.estimate is not None and s.estimate_unit == unit and (outcome is None or outcome in s.outcome)
    ]
    if not chosen:
        units = sorted({s.estimate_unit for s in studies if s.estimate is not None})
        raise ValueError(f"unit={unit!r}, outcome={outcome!r}: no stated estimate; units present: {units}")
    b = np.array([s.estimate for s in chosen])
    with_se = [s for s in chosen if s.se is not None]
    fixed = random = None
    if len(with_se) >= 1:
        fixed = pool([s.estimate for s in with_se], [s.se for s in with_se], "fixed")
    if len(with_se) >= 2:
        random = pool([s.estimate for s in with_se], [s.se for s in with_se], "random")
    return StatedPool(unit, outcome, len(chosen), len(with_se), float(b.mean()), float(np.median(b)), fixed, random)
