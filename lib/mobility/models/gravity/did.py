"""Table 11 of Levelu, Mayda & Orefice (2023): dynamic effects of visa provisions with the de Chaisemartin &
D'Haultfoeuille estimator (``py-did-multiplegt-dyn``), cross-checked against pyfixest's local-projections DiD.

As in the paper, the outcome is the log bilateral stock (pairs with a positive stock in every wave, so that ln is
defined throughout), groups are pairs, and there are no country-year effects (the paper's footnote 31): the
identification page shows when that matters. ``effects`` counts event-time effects t0, t+1, ...
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

__all__ = ["did_sample", "dcdh", "lpdid"]


def did_sample(panel: pd.DataFrame, treatment: str = "visa") -> pd.DataFrame:
    """Pairs with a positive stock in every wave; adds ``ln_stock``, integer ``group`` and ``period`` (1, 2, ...)."""
    for c in ("pair", "year", "stock", treatment):
        if c not in panel.columns:
            raise KeyError(f"panel lacks column {c!r}")
    n_waves = panel.year.nunique()
    pos = (panel.stock > 0).groupby(panel.pair).transform("sum") == n_waves
    d = panel[pos].copy()
    d["ln_stock"] = np.log(d.stock)
    d["group"] = d.pair.astype("category").cat.codes.astype(np.int64)
    d["period"] = d.year.rank(method="dense").astype(np.int64)
    return d.reset_index(drop=True)


def dcdh(sample: pd.DataFrame, effects: int = 4, placebo: int = 1, controls=None, treatment: str = "visa"):
    """de Chaisemartin–D'Haultfoeuille event-study effects: DataFrame indexed ``t0, t+1, ...`` (and placebos
    ``t-1, ...``) with ``estimate, se, n, switchers``.

    ``attrs["p_joint_placebo"]`` is the package's p-value of the joint test that all placebos are zero (the test of
    parallel pre-trends; NaN when the package reports none), ``attrs["p_joint_effects"]`` that of the joint test that
    all effects are zero."""
    import polars as pl
    from did_multiplegt_dyn import DidMultiplegtDyn

    if not isinstance(effects, int) or effects < 1:
        raise ValueError(f"effects must be an integer >= 1, got {effects!r}")
    cols = ["ln_stock", "group", "period", treatment, *(controls or [])]
    df = pl.from_pandas(sample[cols].reset_index(drop=True))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = DidMultiplegtDyn(
            df,
            outcome="ln_stock",
            group="group",
            time="period",
            treatment=treatment,
            effects=effects,
            placebo=placebo,
            controls=list(controls) if controls else None,
        )
        m.fit()
    res = m.result["did_multiplegt_dyn"]
    rows = []
    for name, frame in (("Effects", res["Effects"]), ("Placebos", res.get("Placebos"))):
        if frame is None:
            continue
        for k, (_, r) in enumerate(frame.iterrows()):
            label = f"t+{k}" if name == "Effects" else f"t-{k + 1}"
            label = "t0" if label == "t+0" else label
            rows.append(
                {
                    "horizon": label,
                    "estimate": float(r["Estimate"]),
                    "se": float(r["SE"]),
                    "n": int(r["N"]),
                    "switchers": int(r["Switchers"]),
                }
            )
    out = pd.DataFrame(rows).set_index("horizon")
    out.attrs["p_joint_placebo"] = _pvalue(res.get("p_jointplacebo"))
    out.attrs["p_joint_effects"] = _pvalue(res.get("p_jointeffects"))
    return out


def _pvalue(v) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")


def lpdid(sample: pd.DataFrame, post_window: int = 3, treatment: str = "visa", placebo: int = 0) -> pd.DataFrame:
    """pyfixest's local-projections DiD (absorbing treatment; pairs treated from the first wave dropped): DataFrame
    indexed ``t0, t+1, ...`` (up to ``t+post_window``, or the last horizon the data hold) with ``estimate, se``; a
    cross-check of :func:`dcdh`.

    With ``placebo = L > 0`` it also returns the pre-treatment differences ``t-1, ..., t-L``, labelled as
    :func:`dcdh`'s placebos: ``t-l`` is the DiD of ``Y(F-1-l) - Y(F-1)`` (``F`` the first treated wave), i.e.
    pyfixest's relative period ``-(l+1)`` against its reference period ``-1``."""
    if isinstance(placebo, bool) or not isinstance(placebo, int) or placebo < 0:
        raise ValueError(f"placebo must be an integer >= 0, got {placebo!r}")
    from .estimate import pyfixest_module

    pf = pyfixest_module()

    first = sample[sample[treatment] == 1].groupby("group").period.min()
    d = sample.assign(gname=sample.group.map(first).fillna(0).astype(np.int64))
    d = d[d.gname != 1]
    treated = d.gname[d.gname > 0]
    if len(treated):  # no later horizon than the data hold (pyfixest raises otherwise)
        post_window = min(post_window, int(d.period.max() - treated.min()))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = pf.lpdid(
            d,
            yname="ln_stock",
            idname="group",
            tname="period",
            gname="gname",
            pre_window=placebo + 1 if placebo else -1,
            post_window=post_window,
            att=False,
            vcov={"CRV1": "group"},
        )
    tidy = fit.tidy()
    out = []
    for idx, r in tidy.iterrows():
        k = int(round(float(str(idx).split(":")[-1]))) if not isinstance(idx, (int, float)) else int(idx)
        if k < 0 and (k == -1 or -k - 1 > placebo):
            continue
        out.append(
            {
                "horizon": "t0" if k == 0 else (f"t+{k}" if k > 0 else f"t-{-k - 1}"),
                "estimate": float(r["Estimate"]),
                "se": float(r["Std. Error"]),
            }
        )
    return pd.DataFrame(out).set_index("horizon")
