"""The review's migration-trade panel and estimates (mobility.models.review.trade): year matching, interpolation,
the panel's accounting, kit errors, the estimator wrapper and the four-cells-are-two-numbers identity."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from mobility.core import paths
from mobility.core.errors import InputError, MobilityError
from mobility.models import review
from mobility.models.review import trade


# ------------------------------------------------------------------------------------------------ matching years
@pytest.mark.parametrize(
    ("year", "rule", "expected"),
    [
        (2000, "interpolate", (2000, 2000, 0.0)),
        (1992, "interpolate", (1990, 1995, 0.4)),
        (1996, "interpolate", (1995, 2000, 0.2)),
        (2016, "interpolate", (2015, 2020, 0.2)),
        (1992, "earlier", (1990, 1990, 0.0)),
        (2004, "earlier", (2000, 2000, 0.0)),
        (2016, "earlier", (2015, 2015, 0.0)),
        (2000, "earlier", (2000, 2000, 0.0)),
    ],
)
def test_wave_weights(year, rule, expected):
    a, b, w = trade.wave_weights(year, trade.STOCK_WAVES, rule)
    assert (a, b) == expected[:2]
    assert w == pytest.approx(expected[2])


def test_trade_years_meet_the_waves_only_in_2000():
    exact = [y for y in trade.TRADE_YEARS if trade.wave_weights(y)[2] == 0.0]
    assert exact == [2000]
    assert trade.TRADE_YEARS == (1992, 1996, 2000, 2004, 2008, 2012, 2016)


def test_wave_weights_refuses_bad_input():
    with pytest.raises(InputError, match="rule='nearest'"):
        trade.wave_weights(1992, rule="nearest")
    with pytest.raises(InputError, match="outside the stock waves"):
        trade.wave_weights(1988)


def _stocks(values: dict) -> pd.DataFrame:
    """``{(origin, destination): {wave: stock}}`` as a long frame."""
    return pd.DataFrame(
        [
            {"origin": o, "destination": d, "wave": w, "stock": float(s)}
            for (o, d), series in values.items()
            for w, s in series.items()
        ]
    )


def test_stocks_at_interpolates_logs_and_falls_back_to_levels_at_zero():
    waves = {1990: 100, 1995: 200, 2000: 400}
    stocks = _stocks(
        {("A", "B"): waves, ("B", "A"): {1990: 0, 1995: 50, 2000: 50}, ("A", "C"): {1990: 0, 1995: 0, 2000: 10}}
    )
    at = trade.stocks_at(stocks, (1992, 2000), "interpolate").set_index(["origin", "destination", "year"])
    assert at.loc[("A", "B", 1992), "stock"] == pytest.approx(100 * 2**0.4)  # exp(0.6 ln 100 + 0.4 ln 200)
    assert at.loc[("A", "B", 1992), "how"] == "loglinear"
    assert at.loc[("B", "A", 1992), "stock"] == pytest.approx(0.4 * 50)  # a zero wave: linear in levels
    assert at.loc[("B", "A", 1992), "how"] == "linear"
    assert at.loc[("A", "C", 1992), "stock"] == 0.0
    assert at.loc[("A", "B", 2000), "how"] == "exact"
    assert at.loc[("A", "B", 2000), "stock"] == 400


def test_stocks_at_earlier_rule_uses_no_future_wave():
    stocks = _stocks({("A", "B"): {1990: 100, 1995: 200, 2000: 400}})
    at = trade.stocks_at(stocks, (1992, 1996, 2000), "earlier").set_index("year")
    assert at["stock"].tolist() == [100, 200, 400]
    assert at["how"].tolist() == ["earlier", "earlier", "exact"]


def test_stocks_at_skips_a_pair_missing_from_a_needed_wave():
    stocks = _stocks({("A", "B"): {1990: 100, 1995: 200}, ("B", "A"): {1990: 5, 1995: 6}})
    stocks = stocks[~((stocks["origin"] == "B") & (stocks["wave"] == 1995))]
    at = trade.stocks_at(stocks, (1992,), "interpolate")
    assert at[["origin", "destination"]].apply(tuple, axis=1).tolist() == [("A", "B")]


# ------------------------------------------------------------------------------------------------ the panel
def _fixture():
    waves = range(1990, 2001, 5)
    pairs = {
        ("A", "B"): 100,
        ("B", "A"): 40,
        ("A", "C"): 30,
        ("C", "A"): 0,
        ("B", "C"): 20,
        ("C", "B"): 10,
        ("A", "D"): 5,
        ("D", "A"): 5,
    }  # (B, D) and (D, B) absent: no stock reported
    stocks = _stocks({pair: dict.fromkeys(waves, s) for pair, s in pairs.items()})
    flows = [("A", "B"), ("B", "A"), ("A", "C"), ("B", "C"), ("C", "B"), ("B", "D"), ("A", "D"), ("A", "Z")]
    tr = pd.DataFrame(
        [
            {"exporter": e, "importer": i, "year": y, "exports": 1.0 + k, "rta": 0}
            for k, (e, i) in enumerate(flows)
            for y in (1992, 2000)
        ]
    )
    geo = pd.DataFrame(
        [
            {"exporter": e, "importer": i, "ln_dist": 7.0, "contig": 0, "comlang": 0, "colony": 0}
            for e in "ABC"
            for i in "ABC"
            if e != i
        ]
    )  # no geography for D
    return tr, stocks, geo


def test_build_panel_counts_every_flow_it_cannot_use():
    tr, stocks, geo = _fixture()
    panel = trade.build_panel(tr, stocks, geo)
    c = panel.counts
    assert c["trade_rows"] == 16 and c["trade_pairs"] == 8
    assert c["unmatched_country"] == 2 and panel.unmatched_codes == {"Z": 2}  # A -> Z
    assert c["no_stock"] == 2 and c["no_stock_pairs"] == 1  # B -> D
    assert c["zero_stock"] == 2  # A -> C: nobody born in C lives in A
    assert c["no_geography"] == 2  # A -> D
    assert c["sample"] == 8 and c["sample_pairs"] == 4
    parts = ("unmatched_country", "no_stock", "zero_stock", "no_geography", "sample")
    assert sum(c[k] for k in parts) == c["trade_rows"]


def test_build_panel_orients_the_stocks():
    tr, stocks, geo = _fixture()
    data = trade.build_panel(tr, stocks, geo).data.set_index(["exporter", "importer", "year"])
    row = data.loc[("A", "B", 2000)]
    assert row["stock_ij"] == 100  # born in the exporter A, living in the importer B
    assert row["stock_ji"] == 40
    assert row["ln_stock_ij"] == pytest.approx(math.log(100))
    assert data.loc[("B", "A", 1992), "stock_ij"] == pytest.approx(40)


def test_build_panel_refuses_an_unknown_rule():
    tr, stocks, geo = _fixture()
    with pytest.raises(InputError, match="rule="):
        trade.build_panel(tr, stocks, geo, rule="latest")


def test_tables_for_display():
    tr, stocks, geo = _fixture()
    panels = {rule: trade.build_panel(tr, stocks, geo, rule=rule) for rule in trade.RULES}
    acc = trade.accounting_table(panels)
    assert acc.iloc[0, 1] == "16" and acc.iloc[-1, 1] == "8"
    match = trade.matching_table()
    assert len(match) == 7 and "weight 0.4 on 1995" in match.iloc[0, 1] and "(exact)" in match.iloc[2, 2]
    assert (
        trade.codes_sentence({"TWN": 2617, "ANT": 1004}) == "2 codes, the largest TWN (2,617 flows), ANT (1,004 flows)"
    )
    assert trade.codes_sentence({}) == "none"


# ------------------------------------------------------------------------------------------------ kit files
def _write(path, frame):
    frame.to_csv(path, index=False)
    return path


def test_readers_recode_and_sum(tmp_path):
    un = pd.DataFrame(
        {
            "from": ["BEL", "LUX", "XXX", "ROU", "BEL", "DEU"],
            "to": ["DEU", "DEU", "DEU", "DEU", "DEU", "LUX"],
            "sex": ["Total", "Total", "Total", "Total", "Male", "Total"],
            "t": 1990,
            "v": [10, 5, 99, 7, 6, 3],
        }
    )
    s = trade.read_stocks(_write(tmp_path / "un.csv", un)).set_index(["origin", "destination"])["stock"]
    assert s[("BLX", "DEU")] == 15  # Belgium + Luxembourg, both sexes only; XXX dropped
    assert s[("ROM", "DEU")] == 7 and s[("DEU", "BLX")] == 3
    assert len(s) == 3
    geo = pd.DataFrame(
        {
            "iso_o": ["YUG", "BEL", "LUX"],
            "iso_d": ["DEU"] * 3,
            "dist": [1000.0, 500, 400],
            "contig": [0, 1, 1],
            "comlang_off": [0, 1, 1],
            "colony": 0,
        }
    )
    g = trade.read_geography(_write(tmp_path / "geo.csv", geo)).set_index("exporter")
    assert sorted(g.index) == ["BLX", "MNT", "SRB"]
    assert g.loc["BLX", "ln_dist"] == pytest.approx(math.log(500))  # Belgium's geography


def test_read_trade_names_row_and_column(tmp_path):
    bad = pd.DataFrame({"exp": ["A", "B"], "imp": ["B", "A"], "time": [1992, 1992], "export": [1.0, -2.0], "id": 0})
    with pytest.raises(trade.KitFileError, match=r"bad\.csv, row 3, column export"):
        trade.read_trade(_write(tmp_path / "bad.csv", bad))
    with pytest.raises(trade.KitFileError, match=r"missing column\(s\) \['id'\]"):
        trade.read_trade(_write(tmp_path / "noid.csv", bad.drop(columns="id")))


def test_a_missing_kit_file_is_named(tmp_path):
    with pytest.raises(trade.KitFileError, match=trade.KIT_FILES["trade"]) as err:
        trade.load_panel(directory=tmp_path)
    assert isinstance(err.value, MobilityError)
    assert "\n" not in str(err.value)


def test_without_the_kit_the_panel_is_simulated(monkeypatch):
    monkeypatch.delenv("MOBILITY_DATA_DIR", raising=False)
    panel = trade.load_panel(params=trade.SimulationParams(n_countries=12))
    assert panel.mode == "simulated" and panel.truth == {"ln_stock_ij": 0.04, "ln_stock_ji": 0.02}
    assert panel.counts["sample"] > 0
    with pytest.raises(InputError, match="n_countries"):
        trade.SimulationParams(n_countries=2)


# ------------------------------------------------------------------------------------------------ estimates
@pytest.fixture(scope="module")
def simulated():
    trade_, stocks, geography, truth = trade.simulate_inputs(trade.SimulationParams(n_countries=15))
    return trade.build_panel(trade_, stocks, geography, mode="simulated", truth=truth)


def test_estimates_on_the_simulated_world(simulated):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fits = {d: trade.estimate(simulated.data, d) for d in trade.DESIGNS}
    for fit in fits.values():
        assert set(trade.STOCKS) <= set(fit.coef) and all(np.isfinite(list(fit.se.values())))
        assert fit.nobs + fit.n_dropped == fit.n_input
    # the unobserved pair affinity inflates the cross-section estimate; pair effects remove it
    for s in trade.STOCKS:
        assert fits["ppml_cross_section"].coef[s] > fits["ppml_pair"].coef[s]
    assert fits["ols_cross_section"].n_dropped >= int((simulated.data["exports"] == 0).sum())
    table1 = review.load_summary_tables().query("table == 'table1'")
    v = trade.verdicts(fits, table1)
    assert isinstance(v["cross_section_positive"], bool) and 0 <= v["within_range"] <= 4
    assert set(trade.comparison(fits, table1)["design"]) == set(trade.DESIGNS)
    assert trade.estimates_table({"interpolate": fits}).shape[0] == 4
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    trade.plot_comparison(ax, trade.comparison(fits, table1), trade.DESIGN_LABELS)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "review: range" in labels and trade.DESIGN_LABELS["ppml_pair"] in labels
    assert all(line.get_linestyle() == "-" for line in ax.get_lines() if line.get_linewidth() == 7)
    plt.close(fig)


def test_exports_and_imports_regressions_are_one_regression(simulated):
    """The reporter's immigrants in the exports regression are its partner's emigrants in the imports one."""
    view = trade.reporter_view(simulated.data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = {
            flow: trade.estimate(
                view[view["flow"] == flow],
                "ppml_cross_section",
                depvar="value",
                stocks=("ln_immigrants", "ln_emigrants"),
                fe=("rep_year", "par_year"),
            )
            for flow in ("exports", "imports")
        }
        direct = trade.estimate(simulated.data, "ppml_cross_section")
    ex, im = fit["exports"], fit["imports"]
    assert ex.coef["ln_immigrants"] == pytest.approx(im.coef["ln_emigrants"], rel=1e-6)
    assert ex.coef["ln_emigrants"] == pytest.approx(im.coef["ln_immigrants"], rel=1e-6)
    assert ex.se["ln_immigrants"] == pytest.approx(im.se["ln_emigrants"], rel=1e-5)
    assert ex.coef["ln_immigrants"] == pytest.approx(direct.coef["ln_stock_ji"], rel=1e-6)
    cells = trade.cells(direct)
    assert cells[("immigration", "exports")] == cells[("emigration", "imports")]


def test_estimate_refuses_bad_input(simulated):
    with pytest.raises(InputError, match="design="):
        trade.estimate(simulated.data, "iv")
    with pytest.raises(InputError, match="lacks column"):
        trade.estimate(simulated.data.drop(columns="rta"), "ppml_pair", stocks=("nope",))


# ------------------------------------------------------------------------------------------------ the real kit
@pytest.mark.skipif(paths.external_data_dir() is None, reason="the data kit (MOBILITY_DATA_DIR) is not available")
def test_real_panel_accounting():
    panel = trade.load_panel("interpolate")
    c = panel.counts
    assert panel.mode == "real"
    assert c["trade_rows"] == 196053  # kit file 8, 1992-2016, self-pairs excluded
    assert (
        sum(c[k] for k in ("unmatched_country", "no_stock", "zero_stock", "no_geography", "sample")) == c["trade_rows"]
    )
    assert "TWN" in panel.unmatched_codes  # the UN counts Taiwan with China
    assert c["sample"] > 25_000
