"""``ppml(..., ssc="stata")`` against a published Stata ``ppmlhdfe`` log, on the data that log was run on.

Data: ``fixtures/example_trade_fta_total.csv.gz``, the ``category == "TOTAL"`` rows of ``EXAMPLE_TRADE_FTA_DATA.dta``
from GitHub ``sergiocorreia/ppmlhdfe``, path ``examples/EXAMPLE_TRADE_FTA_DATA.dta``, commit
``08d8856d09500a635903e2a32adbf21ded434509`` (MIT License; see ``fixtures/README.md``).

Published log: Zuo Zhiyong, "Stata：三维引力模型介绍与估计-ppmlhdfe-nbreg-reghdfe", lianxh.cn, 2022-01-10,
https://lianxh.cn/details/848.html, section 4.1, which runs::

    use http://fmwww.bc.edu/RePEc/bocode/e/EXAMPLE_TRADE_FTA_DATA if category=="TOTAL", clear
    egen imp = group(isoimp)
    egen exp = group(isoexp)
    ppmlhdfe trade fta, absorb(imp#year exp#year imp#exp) cluster(imp#exp) d nolog

and prints (excerpt)::

    HDFE PPML regression                         No. of obs   =   5,950
    Number of clusters (imp#exp)=      1,190
           |            Robust
     trade |    Coef.  Std. Err.      z    P>|z|   [95% Conf. Interval]
       fta | .1924455  .0419527     4.59   0.000   .1102197    .2746713

Tolerance, fixed before running: the log prints 7 decimals, so a Stata value is known to +-0.5e-7 from rounding;
we allow one unit in the 7th decimal (1e-7 absolute), the other half covering the two programs stopping their IRLS
at a deviance tolerance of 1e-8. Counts are printed as integers and must match exactly.
"""

from pathlib import Path

import pandas as pd
import pytest

from mobility.models.gravity.estimate import ppml

FIXTURE = Path(__file__).parent / "fixtures" / "example_trade_fta_total.csv.gz"

#: Printed in the published log (see the module docstring).
PUBLISHED = {"nobs": 5950, "coef_fta": 0.1924455, "se_fta": 0.0419527}
#: One unit in the 7th decimal printed by the log.
ATOL = 1e-7


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    data = pd.read_csv(FIXTURE, dtype={"isoexp": str, "isoimp": str})
    year = data["year"].astype(str)
    return data.assign(
        imp_year=data["isoimp"] + "_" + year,
        exp_year=data["isoexp"] + "_" + year,
        pair=data["isoimp"] + "_" + data["isoexp"],
    )


@pytest.fixture(scope="module")
def stata_fit(panel):
    return ppml(panel, "trade", ["fta"], ["imp_year", "exp_year", "pair"], vcov="cluster:pair", ssc="stata")


def test_fixture_is_the_published_sample(panel):
    assert len(panel) == PUBLISHED["nobs"]
    assert panel["pair"].nunique() == 1190  # "Number of clusters (imp#exp) = 1,190"


def test_ppml_stata_convention_matches_the_published_ppmlhdfe_log(stata_fit):
    assert stata_fit.nobs == PUBLISHED["nobs"]
    assert stata_fit.coef["fta"] == pytest.approx(PUBLISHED["coef_fta"], abs=ATOL, rel=0)
    assert stata_fit.se["fta"] == pytest.approx(PUBLISHED["se_fta"], abs=ATOL, rel=0)


def test_chapter_convention_differs_from_the_published_log(panel, stata_fit):
    """The default (fixed effects counted) is not Stata's: the option is what makes the match above."""
    chapter = ppml(panel, "trade", ["fta"], ["imp_year", "exp_year", "pair"], vcov="cluster:pair")
    assert chapter.coef["fta"] == pytest.approx(stata_fit.coef["fta"], abs=ATOL, rel=0)
    assert abs(chapter.se["fta"] - PUBLISHED["se_fta"]) > ATOL
