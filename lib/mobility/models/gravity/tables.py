"""The paper's specifications (Levelu, Mayda & Orefice 2023, Tables 2-6, 9, 10, 12) and their assembly.

Each :class:`Spec` is one column of one table: the dependent variable, the regressors in the paper's order, the
fixed effects (``orig_year`` = delta_it, ``dest_year`` = mu_jt, ``pair`` = theta_ij of eq. 7) and the sample
restriction. :func:`run_spec` estimates it on a panel built by :mod:`mobility.models.gravity.data` (or a
user's panel with
the documented columns, see :data:`PANEL_COLUMNS`).

Regressors that a panel cannot hold (``comrelig`` in any release of the kit; ``visa`` and its variants in the
kit's first release) are dropped from a specification only when asked (``drop_unavailable=True``); the result says
which were dropped, so a "Religion-free" or "Visa-free" column is never mistaken for the paper's.
:func:`custom_spec` builds a specification from any outcome, regressors and fixed effects (the CLI's ``--formula``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import estimate as est

__all__ = [
    "Spec",
    "SPECS",
    "custom_spec",
    "parse_formula",
    "DERIVED_FE",
    "PANEL_COLUMNS",
    "UNAVAILABLE_IN_KIT",
    "run_spec",
    "run_table",
    "spec_names",
    "validate_panel",
    "add_fixed_effect_ids",
    "LABELS",
    "target_label",
]

FE2 = ("orig_year", "dest_year")
FE3 = ("orig_year", "dest_year", "pair")

#: Columns a user's panel may hold, with their meaning (the CLI documents these).
PANEL_COLUMNS = {
    "origin": "origin country code (string)",
    "destination": "destination country code (string)",
    "year": "wave (integer year)",
    "stock": "bilateral stock of migrants from origin living in destination (>= 0)",
    "visa": "1 if an RTA in force between the pair contains a visa provision (0/1)",
    "rta": "1 if the pair has an RTA in force (0/1)",
    "schengen": "1 if both countries apply Schengen in that year (0/1)",
    "ln_dist": "log distance (km)",
    "colony": "1 if ever in a colonial relationship (0/1)",
    "comlang": "1 if a common official language (0/1)",
    "comrelig": "common religion index (0-1)",
    "gdp_diff": "ln(1 + |GDP per capita destination - GDP per capita origin|), current US$",
    "north_south": "1 if one country is high income and the other is not (0/1)",
    "right_vote": "right-wing vote share at destination (0-1)",
    "row_stock": "stock in destination from all origins except this one (Table 4)",
    "visa_x_ns": "visa * north_south",
    "rta_x_ns": "rta * north_south",
    "visa_x_right": "visa * right_vote",
    "visa_ds": "visa provision with dispute settlement (0/1)",
    "visa_fm": "freedom of movement (0/1)",
    "visa_res": "residency or citizenship (0/1)",
    "visa_form": "migration formalities (0/1)",
    "post_natural": "movement of natural persons (0/1)",
    "post_categories": "specific categories (0/1)",
    "post_investors": "movement of investors (0/1)",
    "depth": "number of provisions in the RTA",
    "placebo_capital": "movement-of-capital provision (0/1)",
    "placebo_laundering": "money-laundering provision (0/1)",
    "ln_stock": "ln(stock) (Tables 11-12)",
    "visa_iv": "leave-one-out instrument of eq. (9)",
}

#: Regressors the real data kit cannot build (in some release), with the reason (see the data kit's README).
UNAVAILABLE_IN_KIT = {
    "visa": "the kit's first release has no visa coding (the second release has it)",
    "visa_x_ns": "needs the visa coding",
    "visa_x_right": "needs the Manifesto right-wing vote shares",
    "comrelig": "common religion (CEPII Gravity comrelig) is not in the kit",
}

#: Fixed-effect identifiers built from ``origin``, ``destination`` and ``year`` (eq. 7's delta_it, mu_jt, theta_ij).
DERIVED_FE = ("orig_year", "dest_year", "pair")

LABELS = {
    "visa": "Visa",
    "rta": "RTA",
    "schengen": "Schengen",
    "ln_dist": "Distance (ln)",
    "colony": "Colony",
    "comlang": "Language",
    "comrelig": "Religion",
    "gdp_diff": "GDP difference (ln)",
    "visa_x_ns": "Visa × North–South",
    "rta_x_ns": "RTA × North–South",
    "visa_x_right": "Visa × Right-wing vote",
    "visa_le": "Visa (legally enforceable)",
    "visa_iv": "Visa IV (leave-one-out)",
    "visa_ds": "Dispute Settlement",
    "visa_fm": "Freedom of Movement",
    "visa_res": "Residency or Citizenship",
    "visa_form": "Migration formalities",
    "post_natural": "Movement natural persons",
    "post_categories": "Specific categories",
    "post_investors": "Movement of investors",
    "depth": "RTA Depth",
    "placebo_capital": "Movement of capital",
    "placebo_laundering": "Money laundering",
}


@dataclass(frozen=True)
class Spec:
    """One column of one of the paper's tables."""

    table: str
    column: str
    depvar: str
    regressors: tuple[str, ...]
    fe: tuple[str, ...]
    estimator: str = "ppml"
    sample: str | None = None  # a column that must be non-missing
    note: str = ""

    @property
    def name(self) -> str:
        return f"{self.table}.{self.column}"


def _build_specs() -> dict[str, Spec]:
    grav = ("ln_dist", "colony", "comlang", "comrelig")
    s = [
        Spec("table2", "col1", "stock", ("visa", "rta", *grav, "gdp_diff"), FE2),
        Spec("table2", "col2", "stock", ("visa", "rta", "gdp_diff"), FE3),
        Spec("table2", "col3", "stock", ("visa", "rta", "schengen", "gdp_diff"), FE3),
        Spec("table3", "col1", "stock", ("visa", "visa_x_ns", "rta", "rta_x_ns", *grav, "gdp_diff"), FE2),
        Spec("table3", "col2", "stock", ("visa", "visa_x_ns", "rta", "rta_x_ns", "gdp_diff"), FE3),
        Spec("table3", "col3", "stock", ("visa", "visa_x_ns", "rta", "rta_x_ns", "schengen", "gdp_diff"), FE3),
        Spec("table4", "col1", "row_stock", ("visa", "rta", "gdp_diff"), FE3),
        Spec("table4", "col2", "row_stock", ("visa", "rta", "schengen", "gdp_diff"), FE3),
    ]
    for k, v in enumerate(("visa_ds", "visa_fm", "visa_res", "visa_form"), start=1):
        s.append(Spec("table5", f"col{k}", "stock", (v, "gdp_diff", "rta", "schengen"), FE3))
    for k, v in enumerate(("post_natural", "post_categories", "post_investors"), start=1):
        s.append(Spec("table6", f"col{k}", "stock", (v, "gdp_diff", "rta", "schengen"), FE3))
    s += [
        Spec("table9", "col1", "stock", ("visa", "visa_x_right", "rta", "gdp_diff"), FE3, sample="right_vote"),
        Spec(
            "table9",
            "col2",
            "stock",
            ("visa", "visa_x_right", "rta", "schengen", "gdp_diff"),
            FE3,
            sample="right_vote",
        ),
    ]
    for k, v in enumerate(
        ("visa", "visa", "placebo_capital", "placebo_capital", "placebo_laundering", "placebo_laundering"),
        start=1,
    ):
        regs = (v, "depth") + (("schengen",) if k % 2 == 0 else ()) + ("gdp_diff",)
        s.append(Spec("table10", f"col{k}", "stock", regs, FE3))
    s.append(
        Spec(
            "table12",
            "col2",
            "ln_stock",
            ("visa", "schengen", "gdp_diff"),
            FE3,
            estimator="2sls",
            note="visa instrumented by visa_iv (eq. 9); column 1 is the first stage",
        )
    )
    return {x.name: x for x in s}


SPECS: dict[str, Spec] = _build_specs()


def custom_spec(depvar: str, regressors, fe) -> Spec:
    """A PPML specification of the user's: any outcome, regressors and fixed-effect columns."""
    regressors, fe = tuple(regressors), tuple(fe)
    if not depvar or not regressors:
        raise ValueError("a specification needs an outcome and at least one regressor")
    for what, names in (("regressor", regressors), ("fixed effect", fe)):
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"{what} {dup} listed twice")
    return Spec("custom", "ppml", depvar, regressors, fe)


def parse_formula(formula: str) -> Spec:
    """``"stock ~ visa + rta | orig_year + dest_year + pair"`` -> :func:`custom_spec` (fixed effects optional)."""
    import re

    lhs, sep, rhs = formula.partition("~")
    if not sep:
        raise ValueError(f"formula {formula!r} has no '~' (write 'outcome ~ x1 + x2 | fe1 + fe2')")
    regs, _, fes = rhs.partition("|")
    name = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
    terms = {
        "outcome": [lhs.strip()],
        "regressor": [t.strip() for t in regs.split("+")],
        "fixed effect": [t.strip() for t in fes.split("+")] if fes.strip() else [],
    }
    for what, names in terms.items():
        bad = [t for t in names if not name.match(t)]
        if bad:
            raise ValueError(f"formula {formula!r}: {what} {bad[0]!r} is not a column name (letters, digits, _)")
    return custom_spec(lhs.strip(), terms["regressor"], terms["fixed effect"])


def spec_names() -> list[str]:
    return sorted(SPECS)


def add_fixed_effect_ids(panel: pd.DataFrame, *, only_missing: bool = False) -> pd.DataFrame:
    """Add ``orig_year``, ``dest_year`` and ``pair`` identifiers from ``origin``, ``destination``, ``year`` (with
    ``only_missing``, keep those the panel already has)."""
    out = panel.copy()
    o, d, y = out["origin"].astype(str), out["destination"].astype(str), out["year"].astype(str)
    built = {"orig_year": o + "_" + y, "dest_year": d + "_" + y, "pair": o + "_" + d}
    for k, v in built.items():
        if not (only_missing and k in out.columns):
            out[k] = v
    return out


def validate_panel(panel: pd.DataFrame, spec: Spec, *, source: str = "panel") -> None:
    """Check that ``panel`` holds the columns ``spec`` needs, with numeric types; raise listing every problem."""
    need = [spec.depvar, *spec.regressors]
    need += [f for f in spec.fe if f not in DERIVED_FE]
    if any(f in DERIVED_FE and f not in panel.columns for f in spec.fe) or spec.estimator == "2sls":
        need = ["origin", "destination", "year", *need]
    if spec.sample:
        need.append(spec.sample)
    if spec.estimator == "2sls":
        need.append("visa_iv")
    derivable = {
        "row_stock": "stock",
        "ln_stock": "stock",
        "visa_iv": "visa",
    }  # built by run_spec when absent
    need = [c if c in panel.columns else derivable.get(c, c) for c in need]
    missing = [c for c in dict.fromkeys(need) if c not in panel.columns]
    numeric = [spec.depvar, *spec.regressors] + ([spec.sample] if spec.sample else [])
    mistyped = [c for c in dict.fromkeys(numeric) if c in panel.columns and not pd.api.types.is_numeric_dtype(panel[c])]
    problems = []
    if missing:
        problems.append(f"missing columns {missing}")
    if mistyped:
        problems.append(f"non-numeric columns {mistyped} (dtypes: {[str(panel[c].dtype) for c in mistyped]})")
    if problems:
        raise ValueError(
            f"{source}: specification {spec.name!r} cannot run: "
            + "; ".join(problems)
            + ". See `python -m mobility gravity estimate --help` for the documented columns."
        )


def _prepare(panel: pd.DataFrame, spec: Spec) -> pd.DataFrame:
    df = panel
    if any(f in DERIVED_FE and f not in df.columns for f in spec.fe) or (
        spec.estimator == "2sls" and not set(DERIVED_FE) <= set(df.columns)
    ):
        df = add_fixed_effect_ids(df, only_missing=True)
    if spec.depvar == "row_stock" and "row_stock" not in df.columns:
        total = df.groupby("dest_year")["stock"].transform("sum")
        df = df.assign(row_stock=total - df["stock"])
    if spec.depvar == "ln_stock" and "ln_stock" not in df.columns:
        df = df.assign(ln_stock=np.log(df["stock"].where(df["stock"] > 0)))
    if spec.estimator == "2sls" and "visa_iv" not in df.columns:
        df = df.assign(visa_iv=est.leave_one_out_instrument(df))
    if spec.sample:
        df = df[df[spec.sample].notna()]
    return df


def run_spec(
    panel: pd.DataFrame,
    name,
    *,
    drop_unavailable: bool = False,
    vcov="hetero",
    ssc: str = "chapter",
    alt_vcov: tuple = (),
):
    """Estimate the specification ``name`` (e.g. ``"table2.col3"``, or a :class:`Spec`) on ``panel``.

    Returns an :class:`~mobility.models.gravity.estimate.Estimate` (for 2SLS, the second stage, with the first stage in
    ``extra["first_stage"]``); ``extra["dropped_unavailable"]`` lists regressors removed because the panel cannot
    hold them (only with ``drop_unavailable=True``: the paper's regressors the kit lacks, see
    :data:`UNAVAILABLE_IN_KIT`, or, for a custom specification, any regressor the panel lacks). ``ssc`` and
    ``alt_vcov`` are passed to :func:`~mobility.gravity.estimate.ppml`.
    """
    if isinstance(name, Spec):
        spec = name
    elif name in SPECS:
        spec = SPECS[name]
    else:
        raise ValueError(f"spec must be one of {spec_names()}, got {name!r}")
    name = spec.name
    dropped = []
    if drop_unavailable:
        droppable = (lambda r: True) if spec.table == "custom" else (lambda r: r in UNAVAILABLE_IN_KIT)
        keep = tuple(r for r in spec.regressors if r in panel.columns or not droppable(r))
        dropped = [r for r in spec.regressors if r not in keep]
        if spec.estimator == "2sls" and "visa" in dropped:
            raise ValueError(f"{name}: the 2SLS instruments the visa dummy, which this panel lacks")
        spec = Spec(spec.table, spec.column, spec.depvar, keep, spec.fe, spec.estimator, spec.sample, spec.note)
        if not keep or (spec.sample and spec.sample not in panel.columns):
            raise ValueError(f"{name}: nothing left to estimate without {dropped}")
    validate_panel(panel, spec)
    df = _prepare(panel, spec)
    if spec.estimator == "ppml":
        fit = est.ppml(df, spec.depvar, spec.regressors, spec.fe, vcov=vcov, ssc=ssc, alt_vcov=alt_vcov)
        fit.extra["dropped_unavailable"] = dropped
        return fit
    exog = [r for r in spec.regressors if r != "visa"]
    first, second = est.iv2sls(df, spec.depvar, exog, "visa", "visa_iv", list(spec.fe), ssc=ssc)
    second.extra["first_stage"] = first
    second.extra["dropped_unavailable"] = dropped
    return second


def run_table(panel: pd.DataFrame, table: str, **kwargs) -> dict:
    """All columns of ``table`` (e.g. ``"table2"``): ``{column: Estimate}``."""
    cols = {s.column: n for n, s in SPECS.items() if s.table == table}
    if not cols:
        raise ValueError(f"table must be one of {sorted({s.table for s in SPECS.values()})}, got {table!r}")
    return {c: run_spec(panel, n, **kwargs) for c, n in sorted(cols.items())}


def to_frame(fits: dict, stars: bool = True) -> pd.DataFrame:
    """A paper-style table: one row per regressor (coefficient, then SE in parentheses), plus N and pseudo R2."""
    from scipy.stats import norm

    regs = list(dict.fromkeys(r for f in fits.values() for r in (*f.regressors, *f.coef) if r != "Intercept"))
    rows = {}
    for r in regs:
        cells, ses = [], []
        for f in fits.values():
            if r in f.extra.get("collinear", ()):
                cells.append("collinear (dropped)")
                ses.append("")
            elif r in f.coef:
                p = 2 * (1 - norm.cdf(abs(f.coef[r] / f.se[r])))
                mark = ("***" if p < 0.01 else "**" if p < 0.05 else "*" if p < 0.1 else "") if stars else ""
                cells.append(f"{_num(f.coef[r])}{mark}")
                ses.append(f"({_num(f.se[r])})")
            else:
                cells.append("—")
                ses.append("")
        rows[LABELS.get(r, r)] = cells
        rows[LABELS.get(r, r) + " (s.e.)"] = ses
    rows["Observations"] = [f"{f.nobs:,}" for f in fits.values()]
    rows["Pseudo R²"] = [f"{_num(f.pseudo_r2)}" if f.pseudo_r2 is not None else "—" for f in fits.values()]
    rows["Dropped (separation)"] = [f"{f.n_separation:,}" for f in fits.values()]
    rows["Pair FE"] = ["Yes" if "pair" in f.fe else "No" for f in fits.values()]
    return pd.DataFrame(rows, index=[f"({k})" for k in range(1, len(fits) + 1)]).T


def fit_values(fits: dict, prefix: str) -> dict:
    """Results keys for a table's fits: ``<prefix>.<col>.<regressor>.coef|se``, ``.nobs``, ``.pseudo_r2``,
    ``.n_separation`` (``prefix`` like ``gravity.table2``)."""
    out = {}
    for col, f in fits.items():
        for r in f.coef:
            out[f"{prefix}.{col}.{r}.coef"] = f.coef[r]
            out[f"{prefix}.{col}.{r}.se"] = f.se[r]
        out[f"{prefix}.{col}.nobs"] = f.nobs
        out[f"{prefix}.{col}.n_separation"] = f.n_separation
        if f.pseudo_r2 is not None:
            out[f"{prefix}.{col}.pseudo_r2"] = f.pseudo_r2
    return out


def target_label(key: str) -> str:
    """A human label for a gravity results key ``gravity.<table>.<col>.<regressor>.coef|se`` (or ``.nobs``,
    ``.pseudo_r2``; Table 11: ``gravity.table11.<horizon>.coef|se|nobs|switchers``): e.g. ``"col3: Visa (SE)"``."""
    parts = key.split(".")
    if len(parts) < 4:
        return key
    if len(parts) == 4:
        what = {
            "coef": "Visa",
            "se": "Visa (SE)",
            "nobs": "Observations",
            "switchers": "Switchers",
            "pseudo_r2": "Pseudo R2",
            "f": "First-stage F",
        }.get(parts[3], parts[3])
        horizon = parts[2].replace("tp", "t+").replace("tm", "t-")
        return f"{horizon}: {what}"
    what = ".".join(parts[3:])
    name = LABELS.get(parts[3], parts[3]) + (" (SE)" if what.endswith(".se") else "")
    return f"{parts[2]}: {name}"


#: Simulated worlds in which each extension table's specification is the true model (true values beyond the
#: defaults of :class:`~mobility.models.gravity.synthetic.SimulationParams`). Tables 4, 5, 6, 10 and 12 use
#: the default world:
#: there the true diversion effect, the visa types' own effects, the posting provisions' own effects, the depth
#: effect and the placebo provisions' effects are all zero, and Visa is exogenous.
SIM_SCENARIOS = {
    "table3": {"beta_visa_ns": 0.10, "beta_rta_ns": 0.05},
    "table4": {},
    "table5": {},
    "table6": {},
    "table10": {},
    "table12": {},
    "table9": {"beta_visa_right": -0.30},
}


#: The estimand of each extension regressor in the simulated world (zero unless the scenario sets it).
def sim_truth(params) -> dict:
    t = dict.fromkeys(
        [
            "visa_ds",
            "visa_fm",
            "visa_res",
            "visa_form",
            "post_natural",
            "post_categories",
            "post_investors",
            "depth",
            "placebo_capital",
            "placebo_laundering",
        ],
        0.0,
    )
    t.update(params.truth())
    return t


def effect_pct(beta: float) -> float:
    """The percentage change in the stock implied by a PPML coefficient: ``100 (exp(beta) - 1)``."""
    return 100.0 * float(np.expm1(beta))


def visa_headline(fits: dict, paper: dict, statuses: dict | None = None) -> pd.DataFrame:
    """Table 2's Visa row, the paper's beside ours, as coefficients and as percentage effects.

    ``fits`` maps ``col1..col3`` to estimates; ``paper`` maps results keys (``gravity.table2.col1.visa.coef``,
    ``...se``) to the published numbers; ``statuses`` (optional) maps ``<col>`` to the scorecard status of our
    coefficient.
    """
    rows = []
    for k, (col, f) in enumerate(sorted(fits.items()), start=1):
        alt = (f.extra.get("se_alt") or {}).get("cluster:pair", {})
        pb, ps = paper[f"gravity.table2.{col}.visa.coef"], paper[f"gravity.table2.{col}.visa.se"]
        rows.append(
            {
                "Column": f"({k})",
                "Fixed effects": "country-year" + (" + pair" if "pair" in f.fe else ""),
                "Paper: Visa": f"{_num(pb)} ({_num(ps)})",
                "Paper: effect": f"{effect_pct(pb):+.1f}%",
                "Ours: Visa": f"{_num(f.coef['visa'])} ({_num(f.se['visa'])})",
                "Ours: effect": f"{effect_pct(f.coef['visa']):+.1f}%",
                "Ours: pair-clustered s.e.": f"({_num(alt['visa'])})" if "visa" in alt else "—",
                **({"Status": statuses.get(col, "—")} if statuses is not None else {}),
            }
        )
    return pd.DataFrame(rows)


def se_side_by_side(fits: dict, regressors=None) -> pd.DataFrame:
    """Robust (Stata's convention), robust (the chapter's: fixed effects counted) and pair-clustered standard errors
    of each column's coefficients, with the clustered-to-robust ratio."""
    rows = []
    for k, (_, f) in enumerate(sorted(fits.items()), start=1):
        alt = f.extra.get("se_alt") or {}
        for r in regressors or f.coef:
            if r not in f.coef:
                continue
            robust = f.se[r]
            pair = alt.get("cluster:pair", {}).get(r)
            rows.append(
                {
                    "Column": f"({k})",
                    "Regressor": LABELS.get(r, r),
                    "Coefficient": f"{_num(f.coef[r])}",
                    "Robust s.e.": f"{_num(robust)}",
                    "Pair-clustered s.e.": f"{_num(pair)}" if pair is not None else "—",
                    "Ratio": f"{pair / robust:.2f}" if pair is not None else "—",
                }
            )
    return pd.DataFrame(rows)


def fits_frame(fits: dict) -> pd.DataFrame:
    """:func:`to_frame` with the row labels as a first column (no index), for display."""
    out = to_frame(fits)
    out.insert(0, "", out.index)
    return out.reset_index(drop=True)


def _num(value: float | None, digits: int = 3) -> str:
    """``value`` to ``digits`` decimals with a true minus sign, never ``-0.000``; ``—`` when missing."""
    if value is None:
        return "—"
    text = f"{value:.{digits}f}"
    if float(text) == 0:
        return text.lstrip("-")
    return text.replace("-", "\u2212")


def _cell(f, r: str) -> str:
    return f"{_num(f.coef[r])} ({_num(f.se[r])})" if r in f.coef else "—"


def robustness_frame(fits: dict) -> pd.DataFrame:
    """One row per variant of Table 2 column 3 (name -> estimate): Visa, RTA, Schengen (s.e.), N, pseudo R²."""
    rows = []
    for name, f in fits.items():
        rows.append(
            {
                "Variant": name,
                "Visa": _cell(f, "visa"),
                "RTA": _cell(f, "rta"),
                "Schengen": _cell(f, "schengen"),
                "GDP difference (ln)": _cell(f, "gdp_diff"),
                "Observations": f"{f.nobs:,}",
                "Pseudo R²": f"{_num(f.pseudo_r2)}" if f.pseudo_r2 is not None else "—",
            }
        )
    return pd.DataFrame(rows)


def did_frame(effects: pd.DataFrame, paper: dict) -> pd.DataFrame:
    """Table 11 beside the paper: one row per horizon (``t-2 ... t+4``) of :func:`~.did.dcdh`'s output, with the
    paper's estimate, s.e., observations and switchers where it prints them (``paper`` maps results keys
    ``gravity.table11.<h>.coef|se|nobs|switchers`` to numbers; ``<h>`` is ``t0``, ``tp1``, ...)."""
    rows = []
    for h, r in effects.iterrows():
        k = h.replace("+", "p").replace("-", "m")
        pub = {w: paper.get(f"gravity.table11.{k}.{w}") for w in ("coef", "se", "nobs", "switchers")}
        rows.append(
            {
                "Horizon": h,
                "Ours": f"{_num(r['estimate'])} ({_num(r['se'])})",
                "Paper": f"{_num(pub['coef'])} ({_num(pub['se'])})" if pub["coef"] is not None else "—",
                "Observations (ours)": f"{int(r['n']):,}",
                "Observations (paper)": f"{int(pub['nobs']):,}" if pub["nobs"] is not None else "—",
                "Switchers (ours)": f"{int(r['switchers']):,}",
                "Switchers (paper)": f"{int(pub['switchers']):,}" if pub["switchers"] is not None else "—",
            }
        )
    return pd.DataFrame(rows)


def did_crosscheck(columns: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Event-study estimates side by side: one row per horizon (placebos ``t-L ... t-1`` first, then ``t0, t+1,
    ...``), one column per estimator in ``columns`` (name -> a :func:`~.did.dcdh` or :func:`~.did.lpdid` frame),
    each cell ``"estimate (s.e.)"`` (true minus signs) or "—" where that estimator has no such horizon."""
    horizons = sorted(
        dict.fromkeys(h for f in columns.values() for h in f.index), key=lambda h: 0 if h == "t0" else int(h[1:])
    )
    rows = []
    for h in horizons:
        row = {"Horizon": h}
        for name, f in columns.items():
            row[name] = f"{_num(f.loc[h, 'estimate'])} ({_num(f.loc[h, 'se'])})" if h in f.index else "—"
        rows.append(row)
    return pd.DataFrame(rows)
