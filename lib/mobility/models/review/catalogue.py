"""The catalogue of works the review cites (``data/review/studies.csv``), its Tables 1-2 as transcribed
(``data/review/summary_tables.csv``) and the numbers its prose states (``data/review/stated_numbers.csv``): readers
that validate each file and name the file, line and column of a malformed cell."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from mobility.core import paths
from mobility.core.errors import InputError

STUDY_COLUMNS = [
    "bib_key",
    "authors",
    "year",
    "role",
    "level",
    "outcome",
    "direction",
    "countries",
    "period",
    "method",
    "estimate",
    "estimate_unit",
    "estimate_measures",
    "se",
    "seed_section",
    "finding",
]
SUMMARY_COLUMNS = [
    "table",
    "level",
    "direction",
    "flow",
    "average",
    "max",
    "min",
    "median",
    "number_of_studies",
    "note",
]
#: How the review uses a work: reports its findings, cites it for a mechanism/model/hypothesis, for a method,
#: as a survey or meta-analysis, as a data source, or as background.
ROLES = ("evidence", "theory", "method", "survey", "data", "background")
LEVELS = ("macro", "sub-national", "firm")
#: ``trade`` = the review speaks of trade without saying exports or imports.
OUTCOMES = ("exports", "imports", "trade", "FDI", "offshoring", "services")
DIRECTIONS = ("immigration", "emigration")
METHODS = (
    "gravity",
    "IV",
    "matching",
    "causality test",
    "natural experiment",
    "business survey",
    "lagged migrant variable",
    "case study",
)
MULTI = {"role": ROLES, "outcome": OUTCOMES, "method": METHODS}
SINGLE = {"level": LEVELS, "direction": DIRECTIONS}
#: Groupings :func:`counts` accepts.
BY = ("level", "outcome", "method", "role", "direction", "decade")
TABLE_LEVEL = {"table1": "macro", "table2": "sub-national"}
STATISTICS = ("average", "max", "min", "median", "number_of_studies")
FLOWS = ("exports", "imports")


class CatalogueError(InputError):
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
        raise CatalogueError(
            f"{where}, column {column}: {text!r} must be a finite number" + (" > 0" if positive else "")
        )
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
        out.append(
            Study(
                key,
                row["authors"],
                year,
                parsed["role"],
                row["level"],
                parsed["outcome"],
                row["direction"],
                row["countries"],
                row["period"],
                parsed["method"],
                estimate,
                row["estimate_unit"],
                row["estimate_measures"],
                se,
                row["seed_section"],
                row["finding"],
            )
        )
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
            raise CatalogueError(
                f"{where}, column level: {row['table']} is {TABLE_LEVEL[row['table']]!r}, not {row['level']!r}"
            )
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
