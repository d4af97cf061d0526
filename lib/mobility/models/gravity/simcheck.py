"""Estimates on simulated worlds beside the truth: the checks of the identification and extensions pages.

A *world* is a panel simulated from the structural model (:mod:`.synthetic`) with one table's scenario
(:data:`.tables.SIM_SCENARIOS`); each estimate is set beside the coefficient the simulation used, with its 95 %
confidence interval and whether the truth lies inside it.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from . import synthetic, tables

__all__ = ["World", "against_truth", "fit_values", "for_display", "FORMAT"]

#: How the comparison tables print their numbers.
FORMAT = {"truth": "{:.3f}", "estimate": "{:.3f}", "se": "{:.3f}"}


def against_truth(fits: dict, truth: dict, *, labels: bool = False, ci: bool = True) -> pd.DataFrame:
    """One row per (column, regressor) of ``fits`` whose truth is known: truth, estimate, se, the 95 % CI (as text,
    with ``ci``) and whether the truth lies inside it. ``labels`` writes regressors by their human label and keeps
    regressors without a known truth (truth NaN, never inside)."""
    rows = []
    for col, f in fits.items():
        for r in f.coef:
            if r not in truth and not labels:
                continue
            t = truth.get(r, np.nan)
            lo, hi = f.ci(r)
            row = {
                "column": col,
                "regressor": tables.LABELS.get(r, r) if labels else r,
                "truth": t,
                "estimate": f.coef[r],
                "se": f.se[r],
            }
            if ci:
                row["95% CI"] = f"[{lo:.3f}, {hi:.3f}]"
            row["truth inside 95% CI" if labels else "truth inside"] = bool(lo <= t <= hi)
            rows.append(row)
    return pd.DataFrame(rows)


#: Column headings of :func:`against_truth`'s frames as a reader reads them.
HEADINGS = {
    "column": "column",
    "regressor": "regressor",
    "truth": "truth",
    "estimate": "estimate",
    "se": "s.e.",
    "truth inside": "truth inside the 95 % CI",
    "truth inside 95% CI": "truth inside the 95 % CI",
}


def for_display(frame: pd.DataFrame) -> pd.DataFrame:
    """:func:`against_truth`'s frame with words for the reader: regressors by their label (``ln_dist`` → "Log
    distance"), columns as "column 3" (not ``col3``), headings spelled out; a plain 0, 1, 2, ... index (not
    shown by the book's table style). Numbers and booleans are left as they are, for the table style to format."""
    out = frame.reset_index(drop=True).copy()
    if "regressor" in out:
        out["regressor"] = [tables.LABELS.get(r, r) for r in out["regressor"]]
    if "column" in out:
        out["column"] = [re.sub(r"^col(\d+)", r"column \1", str(c)) for c in out["column"]]
    return out.rename(columns=HEADINGS)


def fit_values(fits: dict) -> dict:
    """``{"<col>.<regressor>.coef"|".se": value}`` for every coefficient of ``fits`` (to record under a prefix)."""
    out = {}
    for col, f in fits.items():
        for r in f.coef:
            out[f"{col}.{r}.coef"] = f.coef[r]
            out[f"{col}.{r}.se"] = f.se[r]
    return out


class World:
    """Simulated panels for the tables' scenarios around ``base``, each simulated once."""

    def __init__(self, base: synthetic.SimulationParams):
        self.base = base
        self._cache: dict = {}

    def panel(self, table: str):
        """``(params, panel)`` of the world in which ``table``'s specification is examined."""
        key = tuple(sorted(tables.SIM_SCENARIOS[table].items()))
        if key not in self._cache:
            scenario: dict[str, Any] = dict(tables.SIM_SCENARIOS[table])
            p = replace(self.base, **scenario)
            self._cache[key] = (p, synthetic.simulate_panel(p))
        return self._cache[key]

    def run(self, table: str, cols=None) -> tuple[dict, pd.DataFrame]:
        """Estimate ``table``'s specifications (``cols``: a subset of its columns) on its world: the fits, and
        the estimates beside the truth (human labels; see :func:`against_truth`)."""
        p, panel = self.panel(table)
        names = [n for n, s in tables.SPECS.items() if s.table == table and (cols is None or s.column in cols)]
        fits = {tables.SPECS[n].column: tables.run_spec(panel, n) for n in names}
        return fits, against_truth(fits, tables.sim_truth(p), labels=True, ci=False)
