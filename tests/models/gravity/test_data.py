"""The real-panel builder on tiny kit-format fixtures, malformed fixtures, the kit checksums, and the
synthetic panel."""

import gzip
import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mobility.core import paths
from mobility.models.gravity import data, synthetic

FIX = Path(__file__).parents[2] / "fixtures" / "gravity"
KIT = Path(os.environ.get("MOBILITY_DATA_DIR") or "/nonexistent-data-kit")


def _checksums(folder):
    return {name: paths.sha256(folder / name) for name in data.KIT_FILES.values()}


@pytest.fixture
def kit(tmp_path):
    for name in data.KIT_FILES.values():
        shutil.copy(FIX / name, tmp_path / name)
    return tmp_path


@pytest.fixture
def panel(kit):
    return data.build_real_panel(kit, checksums=_checksums(kit))


def _row(p, o, d, y):
    r = p[(p.origin == o) & (p.destination == d) & (p.year == y)]
    assert len(r) == 1, (o, d, y)
    return r.iloc[0]


def test_panel_shape_codes_and_missing(panel):
    assert set(panel.origin) == {"DEU", "FRA", "ROU", "KOR", "USA"}  # UN names -> ISO3, aggregate dropped
    assert sorted(panel.year.unique()) == [1990, 2000, 2010, 2015]
    assert len(panel) == 5 * 4 * 4
    assert np.isnan(_row(panel, "ROU", "FRA", 1990).stock)  # missing stays missing
    assert _row(panel, "DEU", "FRA", 1990).stock == 2100.0


def test_cepii_legacy_code_recoded(panel):
    r = _row(panel, "ROU", "DEU", 2000)  # CEPII has ROM
    assert r.ln_dist == pytest.approx(np.log(1300.0))
    assert _row(panel, "DEU", "FRA", 2000).contig == 1.0


def test_rta_entry_accession_withdrawal_and_filters(kit):
    cs = _checksums(kit)
    p = data.build_real_panel(kit, checksums=cs)  # default: WTO-listed treaties, signature fallback
    assert _row(p, "DEU", "FRA", 1990).rta == 1 and _row(p, "FRA", "DEU", 1990).rta == 1
    assert _row(p, "ROU", "DEU", 2000).rta == 0 and _row(p, "ROU", "DEU", 2010).rta == 1  # accession 2007 (signature)
    assert _row(p, "KOR", "USA", 2010).rta == 0 and _row(p, "USA", "KOR", 2015).rta == 1  # entry into force 2012
    assert _row(p, "DEU", "KOR", 2000).rta == 0  # not WTO-listed
    assert _row(p, "KOR", "ROU", 2015).rta == 0  # negotiations add nothing
    p_all = data.build_real_panel(kit, checksums=cs, wto_only=False)
    assert _row(p_all, "DEU", "KOR", 2000).rta == 1 and _row(p_all, "DEU", "KOR", 2010).rta == 0  # withdrawal 2005
    p_nofb = data.build_real_panel(kit, checksums=cs, signature_fallback=False)
    assert _row(p_nofb, "ROU", "DEU", 2010).rta == 0


def test_schengen_gdp_and_north_south(panel):
    assert _row(panel, "DEU", "FRA", 1990).schengen == 0  # nobody before 1995
    assert _row(panel, "DEU", "FRA", 2000).schengen == 1
    assert _row(panel, "DEU", "ROU", 2010).schengen == 0
    r = _row(panel, "ROU", "DEU", 2000)
    assert r.gdp_diff == pytest.approx(np.log1p(abs(20000 - 2000) * 1.03**10))
    assert r.north_south == 1 and _row(panel, "DEU", "USA", 2000).north_south == 0


def test_checksum_mismatch_and_missing_file(kit):
    cs = _checksums(kit)
    with open(kit / "schengen_membership_1995_2019.csv", "a") as fh:
        fh.write("\n")
    with pytest.raises(data.KitError, match="schengen_membership_1995_2019.csv is corrupt"):
        data.build_real_panel(kit, checksums=cs)
    (kit / "cepii_geodist_geo_cepii.csv.gz").unlink()
    with pytest.raises(data.KitError, match="cepii_geodist_geo_cepii.csv.gz is missing"):
        data.verify_kit(kit, cs)


def _rewrite_gz(path, edit):
    text = gzip.open(path, "rt").read()
    path.write_bytes(gzip.compress(edit(text).encode()))


def test_malformed_un_name(kit):
    _rewrite_gz(kit / data.KIT_FILES["stocks"], lambda t: t.replace('"France","Germany"', '"Frankreich","Germany"', 1))
    with pytest.raises(data.KitError, match=r"row \d+, column 'destination': UN name 'Frankreich'"):
        data.build_real_panel(kit, verify=False)


def test_malformed_stock_value(kit):
    _rewrite_gz(kit / data.KIT_FILES["stocks"], lambda t: t.replace("2100.0", "21OO", 1))
    with pytest.raises(data.KitError, match=r"un_desa_ims2019_bilateral_long.csv.gz: row \d+, column 'stock': '21OO'"):
        data.build_real_panel(kit, verify=False)


def test_malformed_missing_column_and_bad_distance(kit):
    _rewrite_gz(kit / data.KIT_FILES["dist"], lambda t: t.replace("comlang_off", "comlang_x", 1))
    with pytest.raises(data.KitError, match=r"cepii_geodist_dist_cepii.csv.gz: missing column\(s\) \['comlang_off'\]"):
        data.build_real_panel(kit, verify=False)
    shutil.copy(FIX / data.KIT_FILES["dist"], kit / data.KIT_FILES["dist"])
    _rewrite_gz(kit / data.KIT_FILES["dist"], lambda t: t.replace(",880.0,", ",-880.0,", 1))
    with pytest.raises(data.KitError, match="column 'dist': distance must be positive"):
        data.build_real_panel(kit, verify=False)


def test_malformed_schengen_value(kit):
    f = kit / data.KIT_FILES["schengen"]
    f.write_text(f.read_text().replace("Germany,DEU,1,1", "Germany,DEU,1,yes", 1))
    with pytest.raises(data.KitError, match=r"schengen_membership_1995_2019.csv: row 2, column '2000'"):
        data.build_real_panel(kit, verify=False)


def test_crosswalk_lists_manual_mappings():
    cw = data.crosswalk()
    assert not cw.un_name.duplicated().any() and not cw.iso3.duplicated().any()
    manual = cw[cw.match == "manual"]
    assert len(manual) == 20 and (manual.note != "").all()
    assert dict(zip(manual.un_name, manual.iso3, strict=True))["Republic of Korea"] == "KOR"


def test_manifest_checksums_match_published_sums():
    sums = data.kit_checksums()
    assert set(data.KIT_FILES.values()) <= set(sums)
    if (KIT / "SHA256SUMS").is_file():
        published = dict(line.split()[::-1] for line in (KIT / "SHA256SUMS").read_text().splitlines() if line.strip())
        for name, sha in sums.items():
            assert published[name] == sha


@pytest.mark.skipif(not KIT.is_dir(), reason="the data kit is absent (make data)")
def test_real_kit_panel():
    p = data.build_real_panel(KIT)
    assert sorted(p.year.unique()) == list(data.REAL_WAVES)
    assert p.origin.nunique() == 232
    assert "visa" not in p.columns  # the kit cannot build the paper's Visa dummy
    # the kit's CEPII distances reproduce Table A1's distance moments (min 2.349, max 9.899)
    assert p.ln_dist.min() == pytest.approx(2.349, abs=5e-4) and p.ln_dist.max() == pytest.approx(9.899, abs=5e-4)
    assert p.schengen.mean() == pytest.approx(0.006, abs=5e-4)
    tot = data.read_un2020_destination_totals(KIT / data.VALIDATION_FILES["totals_2020"])
    world = tot[tot.iso3 == "WORLD"].set_index("year").total
    assert world.loc[1990] == 152986157 and world.loc[2020] == 280598105  # both sexes, as printed in the file
    assert tot[tot.iso3 != "WORLD"].iso3.nunique() > 220


def test_un2020_totals_malformed(tmp_path):
    bad = tmp_path / "totals.xlsx"
    bad.write_text("not a workbook")
    with pytest.raises(data.KitError, match="totals.xlsx: cannot read sheet 'Table 1'"):
        data.read_un2020_destination_totals(bad)


# --------------------------------------------------------------------------------------------------------------
# synthetic panel


def test_synthetic_deterministic_and_moments():
    p = synthetic.SimulationParams(n_countries=60, seed=7)
    a, b = synthetic.simulate_panel(p), synthetic.simulate_panel(p)
    pd.testing.assert_frame_equal(a, b)
    assert len(a) == 60 * 59 * 7
    full = synthetic.simulate_panel()
    assert full.origin.nunique() == 200 and full.year.nunique() == 7
    assert full.visa.mean() == pytest.approx(0.046, abs=0.01)
    assert full.rta.mean() == pytest.approx(0.107, abs=0.01)
    assert (full.stock == 0).mean() > 0.5
    assert (full.visa <= full.rta).all()  # a visa provision lives in an RTA
    sym = full.pivot_table(index=["origin", "destination"], columns="year", values="visa")
    rev = sym.copy()
    rev.index = rev.index.swaplevel()
    assert np.array_equal(sym.sort_index().to_numpy(), rev.sort_index().to_numpy())


def _digest(df: pd.DataFrame) -> str:
    """Column names, dtypes and values (floats rounded to 8 decimals, robust to a last-bit difference of a libm)."""
    import hashlib

    h = hashlib.sha256()
    for c in df.columns:
        v = df[c].to_numpy()
        h.update(f"{c}:{df[c].dtype}:".encode())
        if v.dtype.kind == "f":
            v = np.round(v, 8) + 0.0  # + 0.0: -0.0 and 0.0 alike
        h.update(v.tobytes() if v.dtype.kind in "fiub" else "\x00".join(v.astype(str)).encode())
    return h.hexdigest()


@pytest.mark.parametrize(
    "kwargs, expected",
    [
        ({"n_countries": 40}, "d78427d1fc95c41542ae3ff636ee454c1d46b732258b274f4035932353162670"),
        (
            {"n_countries": 40, "seed": 7, "selection": 1.0, "overdispersion": 0.0},
            "c973f0debbbd1098791d4363ddb38de69a0a2051546e06adb2ed40a614efd3e5",
        ),
    ],
)
def test_synthetic_panel_is_pinned(kwargs, expected):
    """The simulation draws every Monte Carlo replication and the no-kit chapter: a change of its output changes
    published results. The digests were computed with the wave-by-wave construction of commit 78f8fd2, before the
    long panel was built at once and its identifiers gathered by pyarrow (same columns, dtypes and values)."""
    assert _digest(synthetic.simulate_panel(synthetic.SimulationParams(**kwargs))) == expected


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"n_countries": 5}, "n_countries"),
        ({"pair_sd": -1}, "pair_sd"),
        ({"visa_share": 0.2}, "visa_share"),
        ({"emigration_rate": 0.9}, "emigration_rate"),
        ({"unreported_share": 1.0}, "unreported_share"),
    ],
)
def test_synthetic_params_validated(kwargs, name):
    with pytest.raises(ValueError, match=name):
        synthetic.SimulationParams(**kwargs)


def test_load_panel_modes(monkeypatch):
    monkeypatch.delenv("MOBILITY_DATA_DIR", raising=False)
    p, info = data.load_panel(params=synthetic.SimulationParams(n_countries=40))
    assert info.mode == "synthetic" and info.truth["visa"] == pytest.approx(0.055)
    monkeypatch.setenv("MOBILITY_DATA_DIR", "/nonexistent/folder")
    with pytest.raises(FileNotFoundError, match="MOBILITY_DATA_DIR"):
        data.load_panel()
