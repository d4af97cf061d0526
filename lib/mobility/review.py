"""The literature review as data: the catalogue of studies cited by Hatzigeorgiou and Lodefalk's review of the
migration–internationalization nexus, its Tables 1–2, and summaries of both.

- :func:`load_studies` reads and validates ``data/review/studies.csv`` (one row per cited work); a malformed
  file raises :class:`CatalogueError` naming the file, line and column.
- :func:`load_summary_tables` reads the transcribed Tables 1 (macro level) and 2 (sub-national level) of the
  review: average, max, min, median elasticity and number of studies by direction of migration (immigration,
  emigration) and trade flow (exports, imports).
- :func:`counts` tabulates the catalogue by level, outcome, method, role or decade; :func:`table_cells` gives,
  for each cell of Tables 1–2, what the catalogue itself can say (how many of the cell's studies the review names,
  and summary statistics of the elasticities it states for them — none, at the macro and sub-national levels).
- :func:`pool` combines estimates with standard errors by inverse-variance fixed effects and DerSimonian–Laird
  random effects; :func:`pool_stated` applies it to the estimates the review states, which come without standard
  errors (so it reports that pooling is impossible and gives the equal-weight mean and median instead).
- :func:`table_comparison` sets a printed table beside the catalogue's cells; :func:`load_stated_numbers` reads
  the numbers the review states in its prose (counts of studies, summary elasticities).
- Figures: :func:`plot_factors` (the review's Figure 3, :data:`FIGURE3`), :func:`plot_studies_by_year` and
  :func:`plot_forest` (the firm-level estimates of section 3.4).

The review prints no equations; "section 3.4" etc. below refer to its sections.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import paths

__all__ = [
    "CatalogueError", "Study", "STUDY_COLUMNS", "SUMMARY_COLUMNS", "ROLES", "LEVELS", "OUTCOMES", "DIRECTIONS",
    "METHODS", "BY", "TABLE_LEVEL", "STATISTICS", "load_studies", "studies_frame", "load_summary_tables", "counts",
    "table_cells", "Pooled", "pool", "StatedPool", "pool_stated", "firm_estimates", "table_comparison", "FIGURE3",
    "plot_factors", "YEAR_GROUPS", "year_groups", "plot_studies_by_year", "plot_forest", "load_stated_numbers",
]

STUDY_COLUMNS = ["bib_key", "authors", "year", "role", "level", "outcome", "direction", "countries", "period",
                 "method", "estimate", "estimate_unit", "estimate_measures", "se", "seed_section", "finding"]
SUMMARY_COLUMNS = ["table", "level", "direction", "flow", "average", "max", "min", "median", "number_of_studies",
                   "note"]
#: How the review uses a work: reports its findings, cites it for a mechanism/model/hypothesis, for a method,
#: as a survey or meta-analysis, as a data source, or as background.
ROLES = ("evidence", "theory", "method", "survey", "data", "background")
LEVELS = ("macro", "sub-national", "firm")
#: ``trade`` = the review speaks of trade without saying exports or imports.
OUTCOMES = ("exports", "imports", "trade", "FDI", "offshoring", "services")
DIRECTIONS = ("immigration", "emigration")
METHODS = ("gravity", "IV", "matching", "causality test", "natural experiment", "business survey",
           "lagged migrant variable", "case study")
MULTI = {"role": ROLES, "outcome": OUTCOMES, "method": METHODS}
SINGLE = {"level": LEVELS, "direction": DIRECTIONS}
#: Groupings :func:`counts` accepts.
BY = ("level", "outcome", "method", "role", "direction", "decade")
TABLE_LEVEL = {"table1": "macro", "table2": "sub-national"}
STATISTICS = ("average", "max", "min", "median", "number_of_studies")
FLOWS = ("exports", "imports")


class CatalogueError(ValueError):
    """A malformed catalogue or summary table; the message names the file, line and column."""


@dataclass(frozen=True)
class Study:
    """One work cited by the review (a row of ``data/review/studies.csv``)."""

    bib_key: str
    authors: str
    year: int
    role: tuple[str, ...]
    level: str
    outcome: tuple[str, ...]
    direction: str
    countries: str
    period: str
    method: tuple[str, ...]
    estimate: float | None
    estimate_unit: str
    estimate_measures: str
    se: float | None
    seed_section: str
    finding: str

    @property
    def decade(self) -> int:
        return self.year // 10 * 10

    @property
    def label(self) -> str:
        return f"{self.authors} ({self.year})"


def _split(text: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in text.split(";") if p.strip())


def _number(text: str, where: str, column: str, positive: bool = False) -> float | None:
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise CatalogueError(f"{where}, column {column}: {text!r} is not a number") from None
    if not math.isfinite(value) or (positive and value <= 0):
        raise CatalogueError(f"{where}, column {column}: {text!r} must be a finite number"
                             + (" > 0" if positive else ""))
    return value


def _read(path: Path, columns: list[str]) -> list[tuple[str, dict]]:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"catalogue file {path} is missing")
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        header = reader.fieldnames or []
        if header != columns:
            missing = [c for c in columns if c not in header]
            extra = [c for c in header if c not in columns]
            raise CatalogueError(f"{path}, line 1: header must be {columns}; missing {missing}, unexpected {extra}")
        rows = []
        for lineno, row in enumerate(reader, start=2):
            if None in row or any(v is None for v in row.values()):
                raise CatalogueError(f"{path}, line {lineno}: expected {len(columns)} fields")
            rows.append((f"{path}, line {lineno}", {k: v.strip() for k, v in row.items()}))
    return rows


def load_studies(path: Path | None = None) -> list[Study]:
    """Read and validate the catalogue (default ``data/review/studies.csv``).

    Checks: exact header; non-empty unique ``bib_key``, ``authors``, ``seed_section``; ``year`` an integer in
    1900–2030; ``role`` (at least one), ``outcome`` and ``method`` semicolon lists from :data:`ROLES`,
    :data:`OUTCOMES`, :data:`METHODS`; ``level`` and ``direction`` empty or from :data:`LEVELS`,
    :data:`DIRECTIONS`; ``estimate`` a number with its ``estimate_unit`` and ``estimate_measures`` (and neither
    without it); ``se`` empty or a positive number, only with an estimate.
    """
    path = Path(path or paths.data_file("review/studies.csv"))
    out: list[Study] = []
    seen: dict[str, str] = {}
    for where, row in _read(path, STUDY_COLUMNS):
        for column in ("bib_key", "authors", "seed_section", "role"):
            if not row[column]:
                raise CatalogueError(f"{where}, column {column}: empty")
        key = row["bib_key"]
        if key in seen:
            raise CatalogueError(f"{where}, column bib_key: {key!r} already used at {seen[key]}")
        seen[key] = where
        try:
            year = int(row["year"])
        except ValueError:
            raise CatalogueError(f"{where}, column year: {row['year']!r} is not an integer year") from None
        if not 1900 <= year <= 2030:
            raise CatalogueError(f"{where}, column year: {year} outside 1900-2030")
        parsed = {}
        for column, allowed in MULTI.items():
            parsed[column] = _split(row[column])
            bad = [v for v in parsed[column] if v not in allowed]
            if bad:
                raise CatalogueError(f"{where}, column {column}: {bad} not in {list(allowed)}")
        for column, allowed in SINGLE.items():
            if row[column] and row[column] not in allowed:
                raise CatalogueError(f"{where}, column {column}: {row[column]!r} not in {list(allowed)} (or empty)")
        estimate = _number(row["estimate"], where, "estimate")
        se = _number(row["se"], where, "se", positive=True)
        for column in ("estimate_unit", "estimate_measures"):
            if (estimate is None) != (not row[column]):
                raise CatalogueError(f"{where}, column {column}: give it exactly when an estimate is given")
        if se is not None and estimate is None:
            raise CatalogueError(f"{where}, column se: a standard error without an estimate")
        out.append(Study(key, row["authors"], year, parsed["role"], row["level"], parsed["outcome"],
                         row["direction"], row["countries"], row["period"], parsed["method"], estimate,
                         row["estimate_unit"], row["estimate_measures"], se, row["seed_section"], row["finding"]))
    return out


def studies_frame(studies: list[Study]) -> pd.DataFrame:
    """The catalogue as a DataFrame (list fields joined with '; ', plus ``decade``)."""
    records = []
    for s in studies:
        rec = {c: getattr(s, c) for c in STUDY_COLUMNS}
        for c in MULTI:
            rec[c] = "; ".join(rec[c])
        rec["decade"] = s.decade
        records.append(rec)
    return pd.DataFrame.from_records(records, columns=STUDY_COLUMNS + ["decade"])


def load_summary_tables(path: Path | None = None) -> pd.DataFrame:
    """Read and validate the transcribed Tables 1–2 (default ``data/review/summary_tables.csv``).

    One row per (table, direction, flow); statistics are numbers or empty (printed "n/a"); ``level`` must match
    the table (:data:`TABLE_LEVEL`); ``number_of_studies`` is a non-negative integer; min <= median <= max and
    min <= max where given. The review's own slip in Table 2 (one emigration–exports study with average 0.04 but
    max = min = median = 0.03) is kept as printed: the average is not checked against the range.
    """
    path = Path(path or paths.data_file("review/summary_tables.csv"))
    records = []
    seen: dict[tuple, str] = {}
    for where, row in _read(path, SUMMARY_COLUMNS):
        if row["table"] not in TABLE_LEVEL:
            raise CatalogueError(f"{where}, column table: {row['table']!r} not in {list(TABLE_LEVEL)}")
        if row["level"] != TABLE_LEVEL[row["table"]]:
            raise CatalogueError(f"{where}, column level: {row['table']} is {TABLE_LEVEL[row['table']]!r}, "
                                 f"not {row['level']!r}")
        if row["direction"] not in DIRECTIONS:
            raise CatalogueError(f"{where}, column direction: {row['direction']!r} not in {list(DIRECTIONS)}")
        if row["flow"] not in FLOWS:
            raise CatalogueError(f"{where}, column flow: {row['flow']!r} not in {list(FLOWS)}")
        cell = (row["table"], row["direction"], row["flow"])
        if cell in seen:
            raise CatalogueError(f"{where}, column flow: {cell} already given at {seen[cell]}")
        seen[cell] = where
        rec = {c: row[c] for c in ("table", "level", "direction", "flow", "note")}
        for c in ("average", "max", "min", "median"):
            value = _number(row[c], where, c)
            rec[c] = np.nan if value is None else value
        n = row["number_of_studies"]
        if not n.isdigit():
            raise CatalogueError(f"{where}, column number_of_studies: {n!r} is not a non-negative integer")
        rec["number_of_studies"] = int(n)
        lo, med, hi = rec["min"], rec["median"], rec["max"]
        if not (np.isnan(lo) or np.isnan(hi)) and lo > hi:
            raise CatalogueError(f"{where}, column min: {lo} exceeds max {hi}")
        if not np.isnan(med) and not (np.isnan(lo) or np.isnan(hi)) and not lo <= med <= hi:
            raise CatalogueError(f"{where}, column median: {med} outside [min, max] = [{lo}, {hi}]")
        records.append(rec)
    return pd.DataFrame.from_records(records, columns=SUMMARY_COLUMNS)


def _values(study: Study, by: str) -> tuple:
    if by == "decade":
        return (study.decade,)
    value = getattr(study, by)
    if isinstance(value, tuple):
        return value or ("(not stated)",)
    return (value or "(not stated)",)


def counts(studies: list[Study], by: str, role: str | None = "evidence") -> pd.Series:
    """Number of studies by ``by`` (one of :data:`BY`), among studies with ``role`` (None: all studies).

    A study with several outcomes or methods counts once under each; an empty field counts as ``(not stated)``.
    The index is in the vocabulary's order (decades ascending).
    """
    if by not in BY:
        raise ValueError(f"by={by!r}: must be one of {list(BY)}")
    if role is not None and role not in ROLES:
        raise ValueError(f"role={role!r}: must be one of {list(ROLES)} or None")
    selected = [s for s in studies if role is None or role in s.role]
    tally: dict = {}
    for s in selected:
        for v in _values(s, by):
            tally[v] = tally.get(v, 0) + 1
    order = {"level": LEVELS, "outcome": OUTCOMES, "method": METHODS, "role": ROLES, "direction": DIRECTIONS}
    if by == "decade":
        index = sorted(tally)
    else:
        index = [v for v in order[by] if v in tally] + (["(not stated)"] if "(not stated)" in tally else [])
    return pd.Series([tally[v] for v in index], index=pd.Index(index, name=by), name="studies", dtype="int64")


def _in_cell(study: Study, level: str, direction: str, flow: str) -> bool:
    return ("evidence" in study.role and study.level == level and study.direction == direction
            and (flow in study.outcome or "trade" in study.outcome))


def table_cells(studies: list[Study], table: str) -> pd.DataFrame:
    """What the catalogue gives for each cell of the review's Table 1 (``"table1"``, macro) or 2 (``"table2"``).

    For each (direction, flow): ``number_of_studies`` = catalogued evidence studies at the table's level with
    that direction whose outcome is that flow or unspecified "trade" (a trade study counts in both flow
    columns); ``with_elasticity`` = how many of them come with an elasticity the review states; and the
    average/max/min/median of those elasticities (NaN when there are none — the review states no per-study
    elasticity at the macro or sub-national level, only the tables' summaries).
    """
    if table not in TABLE_LEVEL:
        raise ValueError(f"table={table!r}: must be one of {list(TABLE_LEVEL)}")
    level = TABLE_LEVEL[table]
    records = []
    for direction in DIRECTIONS:
        for flow in FLOWS:
            cell = [s for s in studies if _in_cell(s, level, direction, flow)]
            el = np.array([s.estimate for s in cell if s.estimate is not None and s.estimate_unit == "elasticity"])
            stats = ({"average": el.mean(), "max": el.max(), "min": el.min(), "median": float(np.median(el))}
                     if el.size else dict.fromkeys(("average", "max", "min", "median"), np.nan))
            records.append({"table": table, "level": level, "direction": direction, "flow": flow, **stats,
                            "number_of_studies": len(cell), "with_elasticity": int(el.size),
                            "studies": "; ".join(s.label for s in cell)})
    return pd.DataFrame.from_records(records)


@dataclass(frozen=True)
class Pooled:
    """A meta-analytic combination of ``k`` estimates."""

    method: str        #: "fixed" or "random"
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    k: int
    q: float           #: Cochran's Q
    tau2: float        #: between-study variance (0 for fixed effects)
    i2: float          #: I^2 = max(0, (Q - (k-1)) / Q)


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
    k: int                       #: estimates stated in this unit
    k_with_se: int               #: of which with a standard error
    mean: float                  #: equal-weight mean of the stated estimates
    median: float
    fixed: Pooled | None         #: None when fewer than 1 estimate has a standard error
    random: Pooled | None        #: None when fewer than 2 estimates have standard errors


def firm_estimates(studies: list[Study]) -> pd.DataFrame:
    """The firm-level estimates the review states (section 3.4): one row per study with an estimate."""
    rows = [{"label": s.label, "bib_key": s.bib_key, "outcome": "; ".join(s.outcome), "estimate": s.estimate,
             "unit": s.estimate_unit, "measures": s.estimate_measures, "se": s.se, "country": s.countries,
             "period": s.period, "method": "; ".join(s.method)}
            for s in studies if s.level == "firm" and s.estimate is not None]
    return pd.DataFrame.from_records(rows, columns=["label", "bib_key", "outcome", "estimate", "unit", "measures",
                                                    "se", "country", "period", "method"])


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
    chosen = [s for s in studies if s.estimate is not None and s.estimate_unit == unit
              and (outcome is None or outcome in s.outcome)]
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


# --------------------------------------------------------------------------------------------------- tables
def table_comparison(studies: list[Study], tables: pd.DataFrame, table: str) -> pd.DataFrame:
    """The review's Table 1 or 2 as printed (rows = statistics, columns = direction/flow) beside what the
    catalogue gives for the same cell: the studies the review names, the difference from the printed number of
    studies, and how many of the named studies come with a stated elasticity (none: so the catalogue cannot
    recompute the average, max, min or median)."""
    if table not in TABLE_LEVEL:
        raise ValueError(f"table={table!r}: must be one of {list(TABLE_LEVEL)}")
    printed = tables[tables["table"] == table].set_index(["direction", "flow"])
    ours = table_cells(studies, table).set_index(["direction", "flow"])
    columns = pd.MultiIndex.from_tuples([(d, f) for d in DIRECTIONS for f in FLOWS], names=["direction", "flow"])
    rows = {
        "Average": printed["average"], "Max.": printed["max"], "Min.": printed["min"],
        "Median": printed["median"], "Number of studies": printed["number_of_studies"],
        "Catalogue: studies the review names": ours["number_of_studies"],
        "Difference (catalogue − printed)": ours["number_of_studies"] - printed["number_of_studies"],
        "Catalogue: of which with a stated elasticity": ours["with_elasticity"],
    }
    out = pd.DataFrame({name: series.reindex(columns) for name, series in rows.items()}).T
    out.columns = columns
    return out


# --------------------------------------------------------------------------------------------------- figures
#: The review's Figure 3 ("Factors that could influence the relationship between migration and
#: internationalization"), transcribed. The extraction flattens the figure: the two migrant-side bullet lists are
#: printed before their headings; we read the first list (labour immigration, refugee immigration, emigration,
#: duration) as "Type of migration" and the second (education, occupation, skills) as "Migrants'
#: characteristics". Spelling slips of the extraction ("Skils", "charachteristics", "Expertience") are corrected.
FIGURE3 = {
    "Type of migration": ("Labour immigration", "Refugee immigration", "Emigration", "Duration"),
    "Migrants' characteristics": ("Education", "Occupation", "Skills"),
    "Country characteristics": ("Level of development", "Institutional quality",
                                "Distance (e.g. geographic, cultural)", "Size"),
    "Industry and firm characteristics": ("Manufactures", "Services", "Size", "Experience"),
}
FIGURE3_OUTCOME = "Probability and/or intensity\nof internationalization"


def plot_factors(ax, factors: dict | None = None) -> None:
    """Draw the review's Figure 3 on ``ax``: four groups of conditioning factors pointing at the outcome."""
    from . import plotting

    factors = FIGURE3 if factors is None else factors
    if len(factors) != 4:
        raise ValueError(f"factors: the diagram has four boxes; got {len(factors)}")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_axis_off()
    centre = (0.5, 0.5)
    ax.text(*centre, FIGURE3_OUTCOME, ha="center", va="center", fontsize=10, fontweight="bold",
            bbox=dict(boxstyle="round,pad=0.6", fc="#f2f2f2", ec="#222222", lw=1.2))
    spots = [(0.2, 0.76), (0.8, 0.76), (0.2, 0.2), (0.8, 0.2)]
    for (title, items), (x, y), colour in zip(factors.items(), spots, plotting.PALETTE, strict=False):
        box = ax.text(x, y, "\n".join("• " + item for item in items), ha="center", va="center", fontsize=9,
                      linespacing=1.4, multialignment="left",
                      bbox=dict(boxstyle="round,pad=0.6", fc="white", ec=colour, lw=1.6))
        box.set_zorder(2)
        ax.annotate(title, xy=(0.5, 1.0), xycoords=box, xytext=(0, 9), textcoords="offset points",
                    ha="center", va="bottom", fontsize=10, fontweight="bold", color=colour)
        ax.annotate("", xy=(centre[0] + (x - centre[0]) * 0.3, centre[1] + (y - centre[1]) * 0.3),
                    xytext=(centre[0] + (x - centre[0]) * 0.55, centre[1] + (y - centre[1]) * 0.55),
                    arrowprops=dict(arrowstyle="-|>", color=colour, lw=2, mutation_scale=16))


#: Stacking order and labels of :func:`plot_studies_by_year`.
YEAR_GROUPS = ("macro", "sub-national", "firm", "evidence, level not stated", "theory, method and other")


def year_groups(studies: list[Study]) -> pd.DataFrame:
    """Catalogued works by publication year (rows) and :data:`YEAR_GROUPS` (columns): evidence by level, then
    everything else the review cites."""
    def group(s: Study) -> str:
        if "evidence" in s.role:
            return s.level or YEAR_GROUPS[3]
        return YEAR_GROUPS[4]

    frame = pd.DataFrame({"year": [s.year for s in studies], "group": [group(s) for s in studies]})
    years = range(min(frame["year"]), max(frame["year"]) + 1)
    out = pd.crosstab(frame["year"], frame["group"]).reindex(index=years, columns=list(YEAR_GROUPS), fill_value=0)
    return out.astype("int64")


def plot_studies_by_year(ax, studies: list[Study]) -> None:
    """Stacked bars: works the review cites, by year of publication, coloured by level of analysis."""
    from . import plotting

    counts_ = year_groups(studies)
    bottom = np.zeros(len(counts_))
    colours = plotting.PALETTE[:3] + ["#999999", "#dddddd"]
    for name, colour in zip(YEAR_GROUPS, colours, strict=True):
        ax.bar(counts_.index, counts_[name].to_numpy(), bottom=bottom, color=colour, width=0.85, label=name,
               edgecolor="white", linewidth=0.3)
        bottom += counts_[name].to_numpy()
    ax.set_xlabel("year of publication")
    ax.set_ylabel("works cited by the review")
    ax.legend(loc="upper left")
    ax.grid(axis="x", visible=False)


def plot_forest(axes, studies: list[Study]) -> list[str]:
    """Forest plot of the firm-level estimates the review states, one panel per unit (``axes``: one per unit,
    in the order returned). Points only: the review gives no standard errors, so there are no intervals.
    Returns the units, in panel order."""
    from . import plotting

    est = firm_estimates(studies)
    units = list(dict.fromkeys(est["unit"]))
    if len(axes) != len(units):
        raise ValueError(f"axes: need {len(units)} panels (one per unit {units}); got {len(axes)}")
    outcomes = list(dict.fromkeys(est["outcome"]))
    for ax, unit in zip(axes, units, strict=True):
        sub = est[est["unit"] == unit].reset_index(drop=True)
        y = np.arange(len(sub))[::-1]
        for yi, (_, row) in zip(y, sub.iterrows(), strict=True):
            colour = plotting.PALETTE[outcomes.index(row["outcome"]) % len(plotting.PALETTE)]
            upper = "up to" in row["measures"]
            ax.plot(row["estimate"], yi, marker="<" if upper else "D", color=colour, ms=7, ls="none")
            ax.annotate(f"{row['estimate']:g}" + (" (upper bound)" if upper else ""), (row["estimate"], yi),
                        xytext=(6, 0), textcoords="offset points", va="center", fontsize=8)
        ax.set_yticks(y, [f"{lab}\n{out}" for lab, out in zip(sub["label"], sub["outcome"], strict=True)], fontsize=8)
        ax.set_title(unit, fontsize=9, loc="left")
        ax.axvline(0, color="#222222", lw=0.8)
        hi = float(sub["estimate"].max())
        ax.set_xlim(min(0.0, float(sub["estimate"].min())) - 0.05 * hi, hi * 1.45)
        ax.set_ylim(-0.7, len(sub) - 0.3)
        ax.grid(axis="y", visible=False)
    return units


# --------------------------------------------------------------------------------------------------- the text
STATED_COLUMNS = ["quantity", "value", "qualifier", "seed_section", "quote"]
QUALIFIERS = ("", "over", "approximately", "around", "fewer than", "more than", "about", "average")


def load_stated_numbers(path: Path | None = None) -> pd.DataFrame:
    """The numbers the review states in its prose (counts of studies, summary elasticities), each with its
    qualifier ("approximately", "fewer than", ...), seed section and the quoted words
    (default ``data/review/stated_numbers.csv``). Indexed by ``quantity``."""
    path = Path(path or paths.data_file("review/stated_numbers.csv"))
    records = []
    seen: set[str] = set()
    for where, row in _read(path, STATED_COLUMNS):
        q = row["quantity"]
        if not q or not q.replace("_", "").isalnum() or q != q.lower():
            raise CatalogueError(f"{where}, column quantity: {q!r} must be a lower-case identifier")
        if q in seen:
            raise CatalogueError(f"{where}, column quantity: {q!r} given twice")
        seen.add(q)
        value = _number(row["value"], where, "value")
        if value is None:
            raise CatalogueError(f"{where}, column value: empty")
        if row["qualifier"] not in QUALIFIERS:
            raise CatalogueError(f"{where}, column qualifier: {row['qualifier']!r} not in {list(QUALIFIERS)}")
        for column in ("seed_section", "quote"):
            if not row[column]:
                raise CatalogueError(f"{where}, column {column}: empty")
        records.append({**row, "value": value})
    return pd.DataFrame.from_records(records, columns=STATED_COLUMNS).set_index("quantity")
