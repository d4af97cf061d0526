"""mobility.models.review: the study catalogue, the transcribed Tables 1-2, summaries and pooling."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pybtex.database import parse_file

from mobility.core import paths
from mobility.models import review
from mobility.publish import scorecard

DATA = paths.data_dir() / "review"


@pytest.fixture(scope="module")
def studies():
    return review.load_studies()


@pytest.fixture(scope="module")
def tables():
    return review.load_summary_tables()


# --------------------------------------------------------------------------- the catalogue
def test_catalogue_schema(studies):
    assert len(studies) > 100  # "over 100 papers"; we catalogue every work the review cites
    for s in studies:
        assert s.role and set(s.role) <= set(review.ROLES)
        assert s.level in review.LEVELS + ("",)
        assert s.direction in review.DIRECTIONS + ("",)
        assert set(s.outcome) <= set(review.OUTCOMES)
        assert set(s.method) <= set(review.METHODS)
        assert re.match(r"^(\d|fn|Fig|Tab)", s.seed_section), s
        if s.estimate is not None:  # every stated estimate is firm level (section 3.4) and says what it measures
            assert s.level == "firm" and s.estimate_unit and s.estimate_measures
        assert s.se is None  # the review states no standard errors


def test_every_catalogue_key_is_in_the_bibliography(studies):
    entries = parse_file(str(paths.root() / "book" / "references.bib")).entries
    missing = [s.bib_key for s in studies if s.bib_key not in entries]
    assert not missing


def test_catalogue_records_the_review_estimates(studies):
    """The firm-level numbers printed in section 3.4 of the review."""
    by_key = {s.bib_key: s for s in studies}
    assert by_key["koenig2009"].estimate == 0.12 and by_key["koenig2009"].estimate_unit == "elasticity"
    assert by_key["pennerstorfer2016"].estimate == 0.08
    assert by_key["marchal_nedoncelle2017"].estimate == 30 and "matching" in by_key["marchal_nedoncelle2017"].method
    assert by_key["hatzigeorgiou_lodefalk2019"].estimate == 2.5
    assert by_key["andrews_etal2017"].estimate == 1.5
    assert len(review.firm_estimates(studies)) == 8


def _write(tmp_path: Path, text: str, name="studies.csv") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def _catalogue_text(edit=None) -> str:
    """The shipped catalogue, with ``edit(rows)`` applied to its list of row dicts."""
    rows = list(csv.DictReader(open(DATA / "studies.csv", encoding="utf-8")))
    if edit:
        edit(rows)
    buf = io.StringIO()
    w = csv.DictWriter(buf, review.STUDY_COLUMNS, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def _set(i, **kw):
    def edit(rows):
        rows[i].update(kw)

    return edit


@pytest.mark.parametrize(
    "edit, line, column, words",
    [
        (_set(2, year="199x"), 4, "year", "not an integer"),
        (_set(0, year="1850"), 2, "year", "outside"),
        (_set(5, level="national"), 7, "level", "not in"),
        (_set(3, outcome="exports;tourism"), 5, "outcome", "tourism"),
        (_set(3, method="OLS"), 5, "method", "OLS"),
        (_set(4, role=""), 6, "role", "empty"),
        (_set(4, direction="both"), 6, "direction", "not in"),
        (_set(7, bib_key="gould1994"), 9, "bib_key", "already used"),
        (_set(9, estimate="about 0.2"), 11, "estimate", "not a number"),
        (_set(9, estimate="0.2"), 11, "estimate_unit", "exactly when"),
        (_set(9, se="0.1"), 11, "se", "without an estimate"),
        (_set(9, authors=""), 11, "authors", "empty"),
    ],
)
def test_malformed_catalogue_names_line_and_column(tmp_path, edit, line, column, words):
    path = _write(tmp_path, _catalogue_text(edit))
    with pytest.raises(review.CatalogueError) as err:
        review.load_studies(path)
    msg = str(err.value)
    assert str(path) in msg and f"line {line}" in msg and f"column {column}" in msg and words in msg, msg


def test_negative_or_zero_se_is_rejected(tmp_path):
    key = "koenig2009"
    path = _write(tmp_path, _catalogue_text(lambda rows: [r.update(se="0") for r in rows if r["bib_key"] == key]))
    with pytest.raises(review.CatalogueError, match=r"column se: '0' must be a finite number > 0"):
        review.load_studies(path)


def test_bad_header_and_ragged_rows(tmp_path):
    text = _catalogue_text()
    path = _write(tmp_path, text.replace("bib_key,", "key,", 1))
    with pytest.raises(review.CatalogueError, match=r"line 1: header must be .* missing \['bib_key'\]"):
        review.load_studies(path)
    lines = text.splitlines()
    lines[3] = lines[3] + ",extra"
    path = _write(tmp_path, "\n".join(lines) + "\n")
    with pytest.raises(review.CatalogueError, match=r"line 4: expected 16 fields"):
        review.load_studies(path)
    with pytest.raises(FileNotFoundError, match="missing"):
        review.load_studies(tmp_path / "nope.csv")


# --------------------------------------------------------------------------- summaries
def test_counts(studies):
    level = review.counts(studies, "level")
    evidence = [s for s in studies if "evidence" in s.role]
    assert level.sum() == len(evidence)  # level is single-valued: every evidence study counted once
    assert list(level.index[:3]) == list(review.LEVELS)
    assert review.counts(studies, "role", role=None).sum() == sum(len(s.role) for s in studies)
    decade = review.counts(studies, "decade", role=None)
    assert decade.sum() == len(studies) and list(decade.index) == sorted(decade.index)
    firm = [s for s in evidence if s.level == "firm"]
    assert level["firm"] == len(firm)
    with pytest.raises(ValueError, match="by='country'"):
        review.counts(studies, "country")
    with pytest.raises(ValueError, match="role='paper'"):
        review.counts(studies, "level", role="paper")


def test_table_cells_count_the_named_studies(studies):
    cells = review.table_cells(studies, "table1").set_index(["direction", "flow"])
    imm_x = cells.loc[("immigration", "exports")]
    names = imm_x["studies"]
    assert "Gould (1994)" in names and "Dunlevy and Hutchinson (1999)" in names  # a trade study and an exports one
    assert "Blanes (2008)" in cells.loc[("immigration", "imports"), "studies"]
    assert "Dunlevy and Hutchinson (1999)" not in cells.loc[("immigration", "imports"), "studies"]
    assert (cells["with_elasticity"] == 0).all() and cells["average"].isna().all()
    with pytest.raises(ValueError, match="table='table3'"):
        review.table_cells(studies, "table3")


# --------------------------------------------------------------------------- Tables 1-2 against the targets
def test_transcribed_tables_match_the_targets(tables):
    """Every published number in data/targets/review.csv is the transcription in summary_tables.csv."""
    targets = [t for t in scorecard.load_targets() if t.chapter == "review" and not t.key.startswith("review.trade.")]
    assert len(targets) == 36
    tab = tables.set_index(["table", "direction", "flow"])
    for t in targets:
        _, table, cell, stat = t.key.split(".")
        direction, flow = cell.split("_")
        printed = tab.loc[(table, direction, flow), stat]
        assert not pd.isna(printed), t.key
        assert t.published == pytest.approx(float(printed), abs=1e-12), t.key
        assert t.source.startswith(f"Table {table[-1]}"), t.key
    covered = {t.key for t in targets}
    for (table, direction, flow), row in tab.iterrows():
        for stat in review.STATISTICS:
            if not pd.isna(row[stat]):
                assert f"review.{table}.{direction}_{flow}.{stat}" in covered


def test_design_comparison_targets_quote_table1_averages(tables):
    """The trade page's targets (review.trade.<design>.<cell>) compare our estimates with Table 1's averages, with
    the pre-registered tolerance (max - min)/4 of the printed cell."""
    tab = tables.set_index(["table", "direction", "flow"])
    targets = [t for t in scorecard.load_targets() if t.key.startswith("review.trade.")]
    assert len(targets) == 8
    for t in targets:
        _, _, design, cell = t.key.split(".")
        direction, flow = cell.split("_")
        row = tab.loc[("table1", direction, flow)]
        assert design in ("ppml_cross_section", "ols_cross_section")
        assert t.published == pytest.approx(row["average"], abs=1e-12), t.key
        assert t.tolerance == pytest.approx(round((row["max"] - row["min"]) / 4 + 1e-9, 2), abs=1e-12), t.key
        assert t.where == "book/review/trade#tbl-review-trade" and "not a reproduction" in t.note


def test_tables_as_printed(tables):
    """Spot checks against the review's prose, which repeats some cells (sections 3.2 and 3.3)."""
    tab = tables.set_index(["table", "direction", "flow"])
    assert tab.loc[("table1", "immigration", "exports"), "average"] == 0.21
    assert tab.loc[("table1", "immigration", "imports"), "average"] == 0.22
    assert tab.loc[("table2", "immigration", "exports"), "median"] == 0.14
    assert tab.loc[("table2", "immigration", "imports"), "median"] == 0.23
    assert tab.loc[("table2", "immigration", "exports"), "number_of_studies"] == 23
    assert tab["number_of_studies"].sum() == 57 + 54 + 10 + 6 + 23 + 8 + 1 + 0


@pytest.mark.parametrize(
    "edit, column, words",
    [
        (
            ("table2,sub-national,immigration,exports", "table2,macro,immigration,exports"),
            "level",
            "is 'sub-national'",
        ),
        (
            ("0.21,0.67,-0.01,0.15,57", "0.21,0.67,-0.01,0.15,5.7"),
            "number_of_studies",
            "non-negative integer",
        ),
        (("0.21,0.67,-0.01,0.15,57", "0.21,-0.67,-0.01,0.15,57"), "min", "exceeds max"),
        (("0.22,0.88,-0.63,0.18,54", "0.22,0.88,-0.63,0.98,54"), "median", "outside"),
        (("table1,macro,emigration,imports", "table1,macro,emigration,exports"), "flow", "already given"),
        (("table1,macro,immigration,imports", "table1,macro,immigration,services"), "flow", "not in"),
    ],
)
def test_malformed_summary_table(tmp_path, edit, column, words):
    text = (DATA / "summary_tables.csv").read_text(encoding="utf-8")
    assert edit[0] in text
    path = _write(tmp_path, text.replace(edit[0], edit[1], 1), "summary_tables.csv")
    with pytest.raises(review.CatalogueError, match=rf"line \d+, column {column}: .*{words}"):
        review.load_summary_tables(path)


# --------------------------------------------------------------------------- pooling
def test_pool_against_statsmodels():
    from statsmodels.stats.meta_analysis import combine_effects

    b = np.array([0.12, 0.08, 0.21, 0.15, -0.02])
    se = np.array([0.03, 0.02, 0.05, 0.04, 0.06])
    ref = combine_effects(b, se**2, method_re="dl").summary_frame()
    fe, re_ = review.pool(b, se, "fixed"), review.pool(b, se, "random")
    assert fe.estimate == pytest.approx(ref.loc["fixed effect", "eff"], rel=1e-12)
    assert fe.se == pytest.approx(ref.loc["fixed effect", "sd_eff"], rel=1e-12)
    assert re_.estimate == pytest.approx(ref.loc["random effect", "eff"], rel=1e-12)
    assert re_.se == pytest.approx(ref.loc["random effect", "sd_eff"], rel=1e-12)
    assert re_.ci_low == pytest.approx(ref.loc["random effect", "ci_low"], rel=1e-9)
    assert re_.tau2 > 0 and fe.tau2 == 0 and 0 <= re_.i2 < 1


def test_pool_closed_forms():
    # equal standard errors: fixed effects = the mean, se = s / sqrt(k)
    fe = review.pool([1.0, 2.0, 3.0], [0.5, 0.5, 0.5], "fixed")
    assert fe.estimate == pytest.approx(2.0) and fe.se == pytest.approx(0.5 / np.sqrt(3))
    # homogeneous estimates: Q = 0, tau^2 = 0, random = fixed
    re_ = review.pool([0.3, 0.3], [0.1, 0.2], "random")
    assert re_.tau2 == 0 and re_.estimate == pytest.approx(0.3) and re_.q == pytest.approx(0)


@pytest.mark.parametrize(
    "args, words",
    [
        (([0.1, 0.2], [0.1, 0.1], "bayes"), "method='bayes'"),
        (([0.1], [0.1], "random"), "at least 2"),
        (([], [], "fixed"), "at least 1"),
        (([0.1, 0.2], [0.1], "fixed"), "same length"),
        (([0.1, 0.2], [0.1, 0.0], "fixed"), "ses must be > 0"),
        (([0.1, np.nan], [0.1, 0.1], "fixed"), "finite"),
    ],
)
def test_pool_errors(args, words):
    with pytest.raises(ValueError, match=re.escape(words)):
        review.pool(*args)


def test_pool_stated_has_no_standard_errors(studies):
    el = review.pool_stated(studies, "elasticity")
    assert el.k == 2 and el.k_with_se == 0 and el.fixed is None and el.random is None
    assert el.mean == pytest.approx((0.12 + 0.08) / 2)
    goods = review.pool_stated(studies, "percent per additional immigrant employee", outcome="exports")
    assert goods.k == 2 and goods.mean == pytest.approx(1.0)
    with pytest.raises(ValueError, match="unit='log points'"):
        review.pool_stated(studies, "log points")
    with pytest.raises(ValueError, match="outcome='tourism'"):
        review.pool_stated(studies, "elasticity", outcome="tourism")


def test_pool_stated_uses_standard_errors_when_given(studies):
    """A catalogue extended with standard errors is pooled by inverse variance (the machinery is live)."""
    import dataclasses

    extended = [dataclasses.replace(s, se=0.02) if s.estimate_unit == "elasticity" else s for s in studies]
    el = review.pool_stated(extended, "elasticity")
    assert el.k_with_se == 2 and el.fixed.estimate == pytest.approx(0.10) and el.random.k == 2


# --------------------------------------------------------------------------- numbers stated in the prose
def test_stated_numbers():
    stated = review.load_stated_numbers()
    assert stated.loc["trade_studies", "value"] == 104 and stated.loc["fdi_studies", "value"] == 22
    # the prose repeats Table 2's medians and Table 1's immigration medians are what it calls "the bulk"
    tab = review.load_summary_tables().set_index(["table", "direction", "flow"])
    assert stated.loc["exports_elasticity_bulk", "value"] == tab.loc[("table1", "immigration", "exports"), "median"]
    assert stated.loc["imports_elasticity_bulk", "value"] == tab.loc[("table1", "immigration", "imports"), "median"]


@pytest.mark.parametrize(
    "old, new, column",
    [
        ("trade_studies,104,", "trade_studies,lots,", "value"),
        ("papers_reviewed,100,over,", "papers_reviewed,100,roughly,", "qualifier"),
        ("fdi_studies,22,", "trade_studies,22,", "quantity"),
    ],
)
def test_malformed_stated_numbers(tmp_path, old, new, column):
    text = (DATA / "stated_numbers.csv").read_text(encoding="utf-8")
    assert old in text
    path = _write(tmp_path, text.replace(old, new, 1), "stated_numbers.csv")
    with pytest.raises(review.CatalogueError, match=rf"line \d+, column {column}"):
        review.load_stated_numbers(path)


# --------------------------------------------------------------------------- figures and the comparison table
def test_year_groups_and_comparison(studies, tables):
    years = review.year_groups(studies)
    assert int(years.to_numpy().sum()) == len(studies)
    assert list(years.columns) == list(review.YEAR_GROUPS)
    comp = review.table_comparison(studies, tables, "table2")
    assert comp.loc["Number of studies", ("immigration", "exports")] == 23
    diff = comp.loc["Difference (catalogue − printed)"]
    named = comp.loc["Catalogue: studies the review names"]
    assert (diff == named - comp.loc["Number of studies"]).all()


def test_figure_functions_check_their_axes(studies):
    import matplotlib.pyplot as plt

    from mobility.publish import display

    fig, ax = display.figure()
    with pytest.raises(ValueError, match="four boxes"):
        review.plot_factors(ax, {"a": ("b",)})
    with pytest.raises(ValueError, match="need 4 panels"):
        review.plot_forest([ax], studies)
    review.plot_factors(ax)
    drawn = "\n".join(t.get_text() for t in ax.texts)
    for title, items in review.FIGURE3.items():
        assert title in drawn and all(item in drawn for item in items), title
    plt.close(fig)
