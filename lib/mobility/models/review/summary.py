"""Tables 1-2 of the review against the catalogue: counts by level, outcome, method, role or decade, and what the
catalogue can say for each cell of the printed tables (section 3 of the review)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mobility.models.review.catalogue import BY, DIRECTIONS, FLOWS, LEVELS, METHODS, OUTCOMES, ROLES, TABLE_LEVEL, Study


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
    return (
        "evidence" in study.role
        and study.level == level
        and study.direction == direction
        and (flow in study.outcome or "trade" in study.outcome)
    )


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
            stats = (
                {"average": el.mean(), "max": el.max(), "min": el.min(), "median": float(np.median(el))}
                if el.size
                else dict.fromkeys(("average", "max", "min", "median"), np.nan)
            )
            records.append(
                {
                    "table": table,
                    "level": level,
                    "direction": direction,
                    "flow": flow,
                    **stats,
                    "number_of_studies": len(cell),
                    "with_elasticity": int(el.size),
                    "studies": "; ".join(s.label for s in cell),
                }
            )
    return pd.DataFrame.from_records(records)


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
        "Average": printed["average"],
        "Max.": printed["max"],
        "Min.": printed["min"],
        "Median": printed["median"],
        "Number of studies": printed["number_of_studies"],
        "Catalogue: studies the review names": ours["number_of_studies"],
        "Difference (catalogue − printed)": ours["number_of_studies"] - printed["number_of_studies"],
        "Catalogue: of which with a stated elasticity": ours["with_elasticity"],
    }
    out = pd.DataFrame({name: series.reindex(columns) for name, series in rows.items()}).T
    out.columns = columns
    return out


# --------------------------------------------------------------------------------------------------- for the pages
#: Rows of :func:`table_comparison` that hold counts (shown as integers; the others are elasticities).
COUNT_ROWS = (
    "Number of studies",
    "Catalogue: studies the review names",
    "Difference (catalogue − printed)",
    "Catalogue: of which with a stated elasticity",
)


def stated_value(stated: pd.DataFrame, quantity: str) -> int | float:
    """A number the review states (:func:`load_stated_numbers`), as an int when it is whole."""
    value = float(stated.loc[quantity, "value"])
    return int(value) if value.is_integer() else value


def table_values(studies: list[Study], tables: pd.DataFrame, table: str) -> dict:
    """The numbers the evidence page records for Table 1 or 2, ``{results key: value}``: per cell, the
    catalogue's count of named studies and of those with an elasticity (``review.<table>.<cell>.*``, the
    scorecard's "ours"), the printed number of studies, average and median (``review.printed_<table>.<cell>.*``),
    and the catalogue's elasticity statistics where it states any (never, at these levels)."""
    cells = table_cells(studies, table).set_index(["direction", "flow"])
    printed = tables[tables["table"] == table].set_index(["direction", "flow"])
    out: dict = {}
    for (direction, flow), row in cells.iterrows():
        cell = f"{direction}_{flow}"
        out[f"review.{table}.{cell}.number_of_studies"] = int(row["number_of_studies"])
        out[f"review.{table}.{cell}.with_elasticity"] = int(row["with_elasticity"])
        out[f"review.printed_{table}.{cell}.number_of_studies"] = int(
            printed.loc[(direction, flow), "number_of_studies"]
        )
        for stat in ("average", "median"):
            value = printed.loc[(direction, flow), stat]
            if pd.notna(value):
                out[f"review.printed_{table}.{cell}.{stat}"] = float(value)
        if pd.notna(row["average"]):
            for stat in ("average", "max", "min", "median"):
                out[f"review.{table}.{cell}.{stat}"] = float(row[stat])
    return out


def comparison_for_display(frame: pd.DataFrame, count_rows=COUNT_ROWS) -> pd.DataFrame:
    """:func:`table_comparison` as the book shows it: a first column naming the row, one column per cell
    ("Immigration, exports"), elasticities with two decimals, counts as integers, "—" where empty."""
    out = {"": list(frame.index)}
    for direction, flow in frame.columns:
        values = []
        for name in frame.index:
            v = frame.loc[name, (direction, flow)]
            values.append("—" if pd.isna(v) else (f"{v:,.0f}" if name in count_rows else f"{v:.2f}"))
        out[f"{direction.capitalize()}, {flow}"] = values
    return pd.DataFrame(out)


def counts_for_display(studies: list[Study]) -> pd.DataFrame:
    """The evidence studies counted by level, outcome, method and decade, as the book shows it: columns
    "grouping", "value", "evidence studies" (a study with several outcomes or methods counts under each)."""
    rows = []
    for by in ("level", "outcome", "method", "decade"):
        series = counts(studies, by)
        for value, n in series.items():
            rows.append(
                {
                    "grouping": by,
                    "value": f"{value}s" if by == "decade" else str(value),
                    "evidence studies": f"{int(n):,}",
                }
            )
    return pd.DataFrame(rows)


def catalogue_for_display(frame: pd.DataFrame) -> pd.DataFrame:
    """A slice of :func:`~mobility.models.review.catalogue.studies_frame` as the book shows it: every cell text,
    empty where the review states nothing, estimates with up to three significant digits."""
    out = frame.copy()
    for column in out.columns:
        if column == "estimate":
            out[column] = [("" if pd.isna(v) else f"{v:g}") for v in out[column]]
        else:
            out[column] = ["" if (not isinstance(v, str) and pd.isna(v)) else str(v) for v in out[column]]
    return out.reset_index(drop=True)
