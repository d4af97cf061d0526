"""The kit's second release (UN IMS 2020 bilateral, World Bank DTA RTA and Visa) on tiny kit-format fixtures,
the Table A2 country list, the Stata small-sample option against a hand computation, and the nothing-to-estimate
guard."""

import gzip
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mobility.models.gravity import data, estimate, synthetic

FIX = Path(__file__).parents[2] / "fixtures" / "gravity"

STOCKS = """from,to,sex,t,v
DEU,FRA,Total,1990,2100
DEU,FRA,Male,1990,1000
DEU,FRA,Female,1990,1100
DEU,FRA,Total,2020,2500
XXX,FRA,Total,1990,99
ROU,DEU,Total,1990,300
ROU,DEU,Total,2020,900
FRA,FRA,Total,1990,5
USA,DEU,Total,2015,40
KOR,USA,Total,2020,700
FRA,USA,Total,2000,10
CHA,FRA,Total,2020,3
"""

VISA = """iso_o,iso_d,year,n_rta,n_rta_uncoded,visa_any,visa_le,id_agree_list
DEU,FRA,1990,1,0,1.0,1.0,1
FRA,DEU,1990,1,0,1.0,1.0,1
DEU,FRA,2020,2,0,1.0,0.0,1 7
FRA,DEU,2020,2,0,1.0,0.0,1 7
ROU,DEU,2010,1,0,0.0,0.0,7
DEU,ROU,2010,1,0,0.0,0.0,7
KOR,USA,2015,1,1,,,310
USA,KOR,2015,1,1,,,310
"""

AGREEMENTS = """id_agree,agreement,entry_force,rta_u,rta_deep_std,rta_deep_std_le,visa_any,visa_le
1,EU Treaty,1958,2.1,6.8,6.8,1,1.0
7,Some FTA,2007,0,0,0,0,0.0
"""


def _write(folder: Path, name: str, text: str) -> None:
    if name.endswith(".gz"):
        with gzip.open(folder / name, "wt", encoding="utf-8") as fh:
            fh.write(text)
    else:
        (folder / name).write_text(text, encoding="utf-8")


@pytest.fixture
def kit2(tmp_path):
    for key in ("dist", "schengen", "gdp", "income"):
        shutil.copy(FIX / data.KIT_FILES[key], tmp_path / data.KIT_FILES[key])
    _write(tmp_path, data.KIT_FILES_2020["stocks"], STOCKS)
    _write(tmp_path, data.KIT_FILES_2020["visa"], VISA)
    _write(tmp_path, data.KIT_FILES_2020["agreements"], AGREEMENTS)
    return tmp_path


def _row(p, o, d, y):
    r = p[(p.origin == o) & (p.destination == d) & (p.year == y)]
    assert len(r) == 1, (o, d, y)
    return r.iloc[0]


def test_second_release_panel(kit2):
    assert data.has_second_release(kit2)
    p = data.build_panel_2020(kit2, countries="all", verify=False)
    # countries that are both origin and destination: DEU, FRA, USA (ROU, KOR, CHI only one side); XXX dropped
    assert set(p.origin) == {"DEU", "FRA", "USA"}
    assert sorted(p.year.unique()) == list(data.WAVES_2020) and len(p) == 3 * 2 * 7
    assert _row(p, "DEU", "FRA", 1990).stock == 2100  # Total only, not Male + Female + Total
    assert _row(p, "FRA", "DEU", 1995).stock == 0  # an unlisted corridor is a zero stock
    assert _row(p, "DEU", "FRA", 2020).visa == 1 and _row(p, "DEU", "FRA", 2020).visa_le == 0
    assert _row(p, "DEU", "FRA", 2020).rta == 1 and _row(p, "DEU", "FRA", 2000).rta == 0  # absent pair-year = 0
    assert _row(p, "DEU", "FRA", 2020).schengen == 1  # the 2019 column serves 2020


def test_uncoded_agreements_and_recodes(kit2):
    v = data.read_dta_visa(kit2 / data.KIT_FILES_2020["visa"])
    r = v[(v.origin == "KOR") & (v.destination == "USA")].iloc[0]
    assert r.rta == 1 and r.visa == 0 and r.uncoded == 1  # no visa coding: counted as 0, flagged
    s = data.read_un2020_bilateral(kit2 / data.KIT_FILES_2020["stocks"])
    assert "CHI" in set(s.origin) and "CHA" not in set(s.origin) and "XXX" not in set(s.origin)


def test_paper_country_set():
    a2 = data.table_a2_countries()
    assert len(a2) == 178 and {"CZE", "CIV", "VNM", "VEN", "TUR", "MAC"} <= set(a2)
    assert "SRB" not in a2  # Serbia is not in the paper's Table A2


@pytest.mark.parametrize(
    "bad, message",
    [
        ("DEU,FRA,Total,1990,-5\n", "row 2, column 'v': negative stock"),
        ("DEU,FRA,Total,1990,n/a\n", "row 2, column 'v': 'n/a' is not a number"),
    ],
)
def test_second_release_malformed(tmp_path, bad, message):
    _write(tmp_path, "s.csv.gz", "from,to,sex,t,v\n" + bad)
    with pytest.raises(data.KitError, match=message):
        data.read_un2020_bilateral(tmp_path / "s.csv.gz")


def test_visa_must_be_binary(tmp_path):
    _write(tmp_path, "v.csv", "iso_o,iso_d,year,n_rta,visa_any,visa_le\nDEU,FRA,1990,1,2,0\n")
    with pytest.raises(data.KitError, match="row 2, column 'visa_any': must be 0 or 1"):
        data.read_dta_visa(tmp_path / "v.csv")


# ------------------------------------------------------------------------------------------------------------
# the Stata small-sample convention, against a hand computation

HAND = pd.DataFrame({"y": [0, 1, 2, 3, 4, 6.0], "x": [0, 0, 0, 1, 1, 1.0], "g": list("aabbcc")})


def test_stata_robust_se_matches_hand_computation():
    """With a constant and one dummy, PPML fits the two group means exactly: exp(b) = 13/3 and the HC0 variance
    of b is sum_{x=0}(y - 1)^2 / 3^2 + sum_{x=1}(y - 13/3)^2 / 13^2 = 2/9 + 14/507. Stata's ppml/ppmlhdfe
    multiply it by N/(N-1) = 6/5 (robust) and a clustered CR0 by G/(G-1) = 3/2."""
    f = estimate.ppml(HAND, "y", ["x"], [], ssc="stata", tol=1e-12, alt_vcov=("cluster:g",))
    assert f.coef["x"] == pytest.approx(np.log(13 / 3), abs=1e-9)
    assert f.se["x"] == pytest.approx(np.sqrt((2 / 9 + 14 / 507) * 6 / 5), rel=1e-6)
    # CR0 by hand: cluster score sums of (1, x) * (y - mu); bread (X'WX)^-1
    mu = np.where(HAND.x == 1, 13 / 3, 1.0)
    X = np.c_[np.ones(6), HAND.x]
    bread = np.linalg.inv(X.T @ (X * mu[:, None]))
    scores = X * (HAND.y.to_numpy() - mu)[:, None]
    S = np.array([scores[HAND.g.to_numpy() == g].sum(0) for g in "abc"])
    cr0 = (bread @ S.T @ S @ bread)[1, 1]
    assert f.extra["se_alt"]["cluster:g"]["x"] == pytest.approx(np.sqrt(cr0 * 3 / 2), rel=1e-6)


def test_chapter_and_stata_conventions_differ_only_by_the_factor():
    p = synthetic.simulate_panel(synthetic.SimulationParams(n_countries=30))
    a = estimate.ppml(p, "stock", ["visa", "rta"], ["orig_year", "dest_year", "pair"], ssc="chapter")
    b = estimate.ppml(p, "stock", ["visa", "rta"], ["orig_year", "dest_year", "pair"], ssc="stata")
    assert a.coef == b.coef
    n, k = b.nobs, 2
    ratio = a.se["visa"] / b.se["visa"]  # sqrt[(N-1)/(N-K-k_fe)] (pyfixest's K counts slopes and fixed effects)
    assert ratio == pytest.approx(np.sqrt((n - 1) / (n - k - a.extra["k_fe"])), rel=1e-9)
    with pytest.raises(ValueError, match="ssc must be one of"):
        estimate.ppml(p, "stock", ["visa"], ["pair"], ssc="stata13")


# ------------------------------------------------------------------------------------------------------------
# nothing left to estimate: a clear error, not a Rust panic that kills the process (exit 134)

GUARD = """
import sys
from mobility.models.gravity import estimate, synthetic
p = synthetic.simulate_panel(synthetic.SimulationParams(n_countries=30))
if sys.argv[1] == "zero":
    p["stock"] = 0.0
else:
    p = p[p.origin == p.origin.iloc[0]]
try:
    estimate.ppml(p, "stock", ["visa", "rta"], ["orig_year", "dest_year", "pair"])
except estimate.EstimationError as exc:
    print("EstimationError:", exc)
"""


@pytest.mark.parametrize("case", ["zero", "one-origin"])
def test_nothing_to_estimate_is_an_error_not_an_abort(case):
    r = subprocess.run([sys.executable, "-c", GUARD, case], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-500:]
    assert r.stdout.startswith("EstimationError: nothing left to estimate")
