"""The pair-year panel of the gravity chapter: real (the data kit) or synthetic (:mod:`.synthetic`).

**Mode.** :func:`load_panel` builds the real panel when ``MOBILITY_DATA_DIR`` names a folder (the kit, e.g.
``data/external`` filled by ``make data``) and otherwise simulates the paper's model
(:func:`.synthetic.simulate_panel`). The real kit's files are verified against the SHA-256 published with the
kit (listed in ``data/manifest.d/gravity.yml``; a file ``make data`` rebuilt passes with the same content,
:func:`mobility.core.fetch.same_content`); a missing or altered file raises :class:`KitError` naming it and what
to do. Kit files are never copied here.

**Second release (the default in real mode, :func:`build_panel_2020`)**: the paper's own sources. ``stock`` is the
UN DESA International Migrant Stock **2020** revision, bilateral, both sexes, 1990-2020 (kit file 13; origin ``XXX``
dropped; a corridor the file does not list is a zero stock); ``rta`` is 1 when the pair has any World Bank Deep
Trade Agreement in force, ``visa`` (``visa_any``) is 1 when one of them contains at least one visa-related provision
(the paper's definition) and ``visa_le`` when such a provision is legally enforceable (kit file 17, built from the
DTA 2.0 "Visa and Asylum" coding, 2024 vintage: 173 of 372 agreements coded as having one, where the paper's
first-release coding marked 100 of 279). The estimation sample is the paper's Table A2 country list
(``data/gravity/table_a2_countries.csv``, 178 countries); ``countries="all"`` keeps every country. Distance,
colony, language, Schengen (the 2019 column serves 2020), GDP difference and North-South are built as below.

**First release** (:func:`build_real_panel`, kept as a data-vintage robustness check; one row per origin i,
destination j != i, wave t in 1990, 1995, ..., 2015, 2019):

- ``stock``: UN DESA International Migrant Stock, **2019 revision** (the paper uses the 2020 revision; its last wave
  is 2019, not 2020). UN names are mapped to ISO3 with ``data/gravity/un_names_iso3.csv`` (every manual mapping is a
  row with ``match == manual``); regional aggregates are dropped; ``..``/``-`` cells are missing, not zero.
- ``ln_dist, colony, comlang, contig``: CEPII GeoDist ``dist_cepii`` (``ln`` of ``dist``, ``comlang_off``,
  ``colony``). CEPII's legacy codes are recoded (:data:`CEPII_LEGACY`): a code that split is copied to each successor.
- ``rta``: 1 if the pair shares a DESTA agreement in force in year t (:func:`rta_pairs`): base treaties and
  accessions create dyads from their entry-into-force year, or from the **signature year when entry into force is
  not recorded** (313 of 1,041 entries; an assumption, switchable off); withdrawals remove the withdrawing
  country's dyads of that treaty from the withdrawal year. By default (``wto_only=True``) only treaties DESTA lists
  as notified to the WTO count, closer to the World Bank DTA universe of the paper (its RTA mean is 0.107; all of
  DESTA gives about 0.21, the WTO-listed subset about 0.14); ``wto_only=False`` uses every DESTA agreement.
- ``schengen``: 1 if both countries apply Schengen in t (1990: nobody; the 2019 column for the 2019 wave).
- ``gdp_diff``: ``ln(1 + |GDPpc_j - GDPpc_i|)``, WDI GDP per capita in current US$ of the wave's year. The paper
  does not define "GDP difference (ln)"; its Table A1 moments (mean 8.971, min 0, max 11.765) fit the log of the
  absolute difference in dollar levels, not a difference of logs (whose mean would be about 1.5); the ``1 +``
  keeps identical incomes defined (it changes nothing visible otherwise). A signed difference of logs,
  ``ln GDPpc_j - ln GDPpc_i``, could not be estimated at all: it is the sum of a destination-year and an origin-year
  term, so it is perfectly collinear with those fixed effects.
- ``north_south``: 1 if exactly one of i, j is "High income" in the WDI 2024 classification (the paper uses the
  World Bank income groups without giving a vintage: one classification for all years is our assumption).
- ``visa`` is **absent** from the first release (it has no visa coding), and ``comrelig`` from both: the kit has no
  religion index, so specifications with Religion run without it in real mode and say so.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from mobility.core import fetch, paths
from mobility.core.errors import InputError

from . import synthetic

__all__ = [
    "kit_dir",
    "KitError",
    "KIT_FILES",
    "REAL_WAVES",
    "CEPII_LEGACY",
    "DESTA_NUMERIC_MANUAL",
    "UN_AGGREGATES",
    "kit_checksums",
    "verify_kit",
    "read_un_stocks",
    "read_geodist",
    "read_desta",
    "rta_pairs",
    "read_schengen",
    "read_wdi_gdp",
    "read_wdi_income",
    "build_real_panel",
    "load_panel",
    "PanelInfo",
    "crosswalk",
    "VALIDATION_FILES",
    "read_un2020_destination_totals",
    "WAVES_2020",
    "KIT_FILES_2020",
    "has_second_release",
    "read_un2020_bilateral",
    "read_dta_visa",
    "read_visa_agreements",
    "table_a2_countries",
    "build_panel_2020",
]

REAL_WAVES = (1990, 1995, 2000, 2005, 2010, 2015, 2019)

#: The kit files the real panel reads.
KIT_FILES = {
    "stocks": "un_desa_ims2019_bilateral_long.csv.gz",
    "dist": "cepii_geodist_dist_cepii.csv.gz",
    "geo": "cepii_geodist_geo_cepii.csv.gz",
    "desta": "desta_list_of_treaties.csv.gz",
    "schengen": "schengen_membership_1995_2019.csv",
    "gdp": "wdi_gdp_per_capita_current_usd_NY.GDP.PCAP.CD.csv.gz",
    "income": "wdi_country_metadata_income_region.csv",
}

#: Kit files read only to validate the 2019 revision against the paper's 2020 revision (margins, not bilateral).
VALIDATION_FILES = {"totals_2020": "un_desa_ims2020_totals_by_destination.xlsx"}

#: UN regional aggregate rows (in the wide file) that are not countries.
UN_AGGREGATES = ("Caribbean", "Melanesia", "Micronesia", "Polynesia", "South America")

#: CEPII GeoDist legacy codes -> current ISO3 (a list when the legacy unit split).
CEPII_LEGACY = {
    "ROM": ["ROU"],
    "ZAR": ["COD"],
    "TMP": ["TLS"],
    "PAL": ["PSE"],
    "YUG": ["SRB", "MNE"],  # Serbia and Montenegro: both successors take its geography
    "ANT": ["CUW", "SXM", "BES"],  # Netherlands Antilles: the three successors take its geography
}

#: DESTA ISO-numeric member codes that CEPII's ``cnum`` does not carry (CEPII uses Comtrade-style codes for some).
DESTA_NUMERIC_MANUAL = {
    56: ["BEL"],
    250: ["FRA"],
    275: ["PSE"],
    356: ["IND"],
    380: ["ITA"],
    438: ["LIE"],
    492: ["MCO"],
    499: ["MNE"],
    578: ["NOR"],
    688: ["SRB"],
    710: ["ZAF"],
    728: ["SSD"],
    729: ["SDN"],
    756: ["CHE"],
    840: ["USA"],
    175: ["MYT"],
    158: ["TWN"],
    86: ["IOT"],
    239: ["SGS"],
    248: ["ALA"],
    900: ["XKX"],
    530: ["CUW", "SXM", "BES"],
    891: ["SRB", "MNE"],
}


class KitError(InputError):
    """A data-kit file is missing, altered or malformed; the message names the file and what to do."""


@dataclass(frozen=True)
class PanelInfo:
    """What :func:`load_panel` built: ``mode`` is ``"real"`` or ``"synthetic"``; ``source`` describes it."""

    mode: str
    source: str
    waves: tuple
    truth: dict | None = None


# --------------------------------------------------------------------------------------------------------------
# checksums


def kit_dir() -> Path | None:
    """The data kit's folder (``MOBILITY_DATA_DIR``, filled by ``make data``), or None in synthetic mode."""
    return paths.external_data_dir()


def kit_checksums() -> dict[str, str]:
    """The published SHA-256 of each kit file, from ``data/manifest.d/gravity.yml``."""
    from mobility.core.manifest import EXTERNAL, load_fragments

    out = {
        e.path.removeprefix(EXTERNAL): e.sha256 or "" for e in load_fragments() if e.chapter == "gravity" and e.external
    }
    if not out:
        raise KitError("data/manifest.d/gravity.yml lists no kit files: restore it from git")
    return out


def verify_kit(directory: Path, checksums: dict[str, str] | None = None, names=None) -> Path:
    """Check that ``directory`` holds the kit files (``names``, default :data:`KIT_FILES`) with their checksums."""
    directory = Path(directory)
    checksums = kit_checksums() if checksums is None else checksums
    for name in names or KIT_FILES.values():
        f = directory / name
        if not f.is_file():
            raise KitError(
                f"kit file {name} is missing from {directory}: run `make data` (or point MOBILITY_DATA_DIR at a "
                "copy of the kit), or set MOBILITY_DATA_DIR= to use the synthetic panel"
            )
        want = checksums.get(name)
        if want is None:
            raise KitError(f"kit file {name} has no published checksum in data/manifest.d/gravity.yml")
        if paths.sha256(f) != want and not fetch.same_content(f, name):  # `make data` re-gzips: same content
            raise KitError(
                f"kit file {f} is corrupt or a different version (its SHA-256 differs from the kit's "
                f"published {want[:12]}...): delete it and run `make data` to fetch it again"
            )
    return directory


# --------------------------------------------------------------------------------------------------------------
# readers (each names file, row and column on malformed input)


def _read_csv(path: Path, required: list[str], **kwargs) -> pd.DataFrame:
    try:
        df = pd.read_csv(path, **kwargs)
    except (pd.errors.ParserError, UnicodeDecodeError, EOFError, gzip.BadGzipFile, OSError) as exc:
        raise KitError(f"{path.name}: cannot be parsed ({exc})") from None
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise KitError(f"{path.name}: missing column(s) {missing}; found {list(df.columns)[:12]}")
    return df


def _numeric(df: pd.DataFrame, col: str, path: Path, *, allow_missing=True, header_rows: int = 1) -> pd.Series:
    """Column ``col`` as float; a non-numeric cell raises naming its file row (1-based, counting the header)."""
    raw = df[col]
    num = pd.to_numeric(raw, errors="coerce")
    bad = num.isna() & raw.notna() & ~raw.astype(str).str.strip().isin(["", "..", "-", "."])
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise KitError(f"{path.name}: row {i + 1 + header_rows}, column {col!r}: {raw.iloc[i]!r} is not a number")
    if not allow_missing and num.isna().any():
        i = int(np.flatnonzero(num.isna().to_numpy())[0])
        raise KitError(f"{path.name}: row {i + 1 + header_rows}, column {col!r}: value missing")
    return num


def crosswalk() -> pd.DataFrame:
    """UN country name -> ISO3 (``data/gravity/un_names_iso3.csv``: ``un_name, iso3, match, note``)."""
    return pd.read_csv(paths.data_file("gravity/un_names_iso3.csv"), keep_default_na=False)


def read_un_stocks(path: Path, waves=REAL_WAVES) -> pd.DataFrame:
    """UN DESA bilateral stocks (long file) -> ``origin, destination, year, stock`` with ISO3 codes.

    Aggregates are dropped, self-pairs dropped, ``..``/``-``/empty cells kept as missing (not zero). A name that the
    crosswalk does not know raises :class:`KitError` with its row and column.
    """
    path = Path(path)
    df = _read_csv(path, ["year", "destination", "origin", "stock"], keep_default_na=False, na_values=[""])
    df = df[~df["destination"].isin(UN_AGGREGATES) & ~df["origin"].isin(UN_AGGREGATES)]
    cw = dict(zip(*crosswalk()[["un_name", "iso3"]].T.to_numpy(), strict=True))
    for col in ("destination", "origin"):
        unknown = ~df[col].isin(cw.keys())
        if unknown.any():
            i = int(np.flatnonzero(unknown.to_numpy())[0])
            raise KitError(
                f"{path.name}: row {df.index[i] + 2}, column {col!r}: UN name {df[col].iloc[i]!r} is not "
                "in data/gravity/un_names_iso3.csv: add it (and list it as a manual mapping)"
            )
    year = _numeric(df, "year", path, allow_missing=False)
    stock = _numeric(df, "stock", path)
    if (stock < 0).any():
        i = int(np.flatnonzero((stock < 0).to_numpy())[0])
        raise KitError(f"{path.name}: row {df.index[i] + 2}, column 'stock': negative stock {stock.iloc[i]}")
    out = pd.DataFrame(
        {
            "origin": df["origin"].map(cw).to_numpy(),
            "destination": df["destination"].map(cw).to_numpy(),
            "year": year.astype(int).to_numpy(),
            "stock": stock.to_numpy(),
        }
    )
    out = out[(out.origin != out.destination) & out.year.isin(waves)]
    return out.reset_index(drop=True)


def read_geodist(path: Path) -> pd.DataFrame:
    """CEPII GeoDist pairs -> ``origin, destination, ln_dist, contig, comlang, colony`` with current ISO3 codes."""
    path = Path(path)
    df = _read_csv(path, ["iso_o", "iso_d", "dist", "contig", "comlang_off", "colony"], na_values=["."])
    dist = _numeric(df, "dist", path, allow_missing=False)
    if (dist <= 0).any():
        i = int(np.flatnonzero((dist <= 0).to_numpy())[0])
        raise KitError(f"{path.name}: row {i + 2}, column 'dist': distance must be positive, got {dist.iloc[i]}")
    base = pd.DataFrame(
        {
            "origin": df.iso_o,
            "destination": df.iso_d,
            "ln_dist": np.log(dist),
            "contig": _numeric(df, "contig", path),
            "comlang": _numeric(df, "comlang_off", path),
            "colony": _numeric(df, "colony", path),
        }
    )
    for col in ("origin", "destination"):
        legacy = base[col].isin(CEPII_LEGACY)
        keep = base[~legacy]
        expanded = [base[base[col] == old].assign(**{col: new}) for old, news in CEPII_LEGACY.items() for new in news]
        base = pd.concat([keep, *expanded], ignore_index=True)
    base = base[base.origin != base.destination]
    return base.drop_duplicates(["origin", "destination"]).reset_index(drop=True)


def _numeric_to_iso3(geo_path: Path) -> dict[int, list[str]]:
    geo = _read_csv(Path(geo_path), ["iso3", "cnum"], encoding="latin-1")
    out: dict[int, list[str]] = {}
    for iso, num in zip(geo.iso3, _numeric(geo, "cnum", Path(geo_path), allow_missing=False).astype(int), strict=True):
        out[int(num)] = CEPII_LEGACY.get(iso, [iso])
    out.update(DESTA_NUMERIC_MANUAL)
    return out


def read_desta(path: Path) -> pd.DataFrame:
    """DESTA list of treaties: the rows with members, roles, years and WTO flag (``sep=';'``)."""
    path = Path(path)
    df = _read_csv(
        path,
        ["number", "base_treaty", "entry_type", "year", "entryforceyear", "wto_listed", "c1", "mc1"],
        sep=";",
        low_memory=False,
    )
    _numeric(df, "year", path)
    _numeric(df, "entryforceyear", path)
    return df


def rta_pairs(
    desta: pd.DataFrame,
    geo_path: Path,
    *,
    wto_only: bool = False,
    signature_fallback: bool = True,
    waves=REAL_WAVES,
) -> pd.DataFrame:
    """Pair-year RTA dummy from DESTA membership: unordered-then-symmetrised ``origin, destination, year`` rows.

    Rules (from the DESTA v2.0 codebook's member-role codes ``mc``): in a base treaty or accession row, dyads are
    all pairs of listed members when all roles are equal, otherwise the pairs whose roles differ (a third country
    with a bloc; an acceding country with the existing members). A dyad is in force from the entry-into-force year
    (signature year if missing and ``signature_fallback``; otherwise the row is skipped). A withdrawal row removes,
    from its year, the treaty's dyads involving the withdrawing countries (role 1; all listed if no role 1).
    Negotiations, protocols/amendments and consolidated versions add no dyads.
    """
    num2iso = _numeric_to_iso3(geo_path)
    cols = [c for c in desta.columns if c.startswith("c") and c[1:].isdigit()]
    roles = ["m" + c for c in cols]
    base_wto = desta[desta.entry_type == "base_treaty"].set_index("base_treaty")["wto_listed"]
    spells, exits = [], []
    for row in desta.itertuples(index=False):
        rd = row._asdict()
        et = rd["entry_type"]
        if et not in ("base_treaty", "accession", "withdrawal"):
            continue
        if wto_only and base_wto.get(rd["base_treaty"], 0) != 1:
            continue
        members = [(int(rd[c]), rd.get(m)) for c, m in zip(cols, roles, strict=True) if pd.notna(rd[c])]
        if et == "withdrawal":
            leaving = [c for c, r in members if r == 1] or [c for c, _ in members]
            for c in leaving:
                for iso in num2iso.get(c, []):
                    exits.append((rd["base_treaty"], iso, rd["year"]))
            continue
        start = (
            rd["entryforceyear"] if pd.notna(rd["entryforceyear"]) else (rd["year"] if signature_fallback else np.nan)
        )
        if pd.isna(start):
            continue
        same = len({r for _, r in members}) <= 1
        for a in range(len(members)):
            for b in range(a + 1, len(members)):
                (ca, ra), (cb, rb) = members[a], members[b]
                if not same and ra == rb:
                    continue
                for ia in num2iso.get(ca, []):
                    for ib in num2iso.get(cb, []):
                        if ia != ib:
                            spells.append((rd["base_treaty"], *sorted((ia, ib)), float(start)))
    sp = pd.DataFrame(spells, columns=["treaty", "a", "b", "start"])
    ex = pd.DataFrame(exits, columns=["treaty", "iso", "exit"]).groupby(["treaty", "iso"], as_index=False)["exit"].min()
    # end of a dyad's spell in a treaty: the first withdrawal of either member from that treaty
    sp = sp.merge(ex.rename(columns={"iso": "a", "exit": "exit_a"}), on=["treaty", "a"], how="left")
    sp = sp.merge(ex.rename(columns={"iso": "b", "exit": "exit_b"}), on=["treaty", "b"], how="left")
    sp["end"] = sp[["exit_a", "exit_b"]].min(axis=1).fillna(np.inf)
    out = []
    for t in waves:
        inf = sp[(sp.start <= t) & (sp.end > t)][["a", "b"]].drop_duplicates()
        out.append(inf.assign(year=t))
    und = pd.concat(out, ignore_index=True)
    both = pd.concat(
        [
            und.rename(columns={"a": "origin", "b": "destination"}),
            und.rename(columns={"b": "origin", "a": "destination"}),
        ],
        ignore_index=True,
    )
    return both.drop_duplicates().reset_index(drop=True)


def read_schengen(path: Path, waves=REAL_WAVES) -> pd.DataFrame:
    """Schengen membership -> ``iso3, year, member``; the file's blank and source footer lines are dropped."""
    path = Path(path)
    df = _read_csv(path, ["alpha3", "1995", "2000", "2005", "2010", "2015", "2019"], dtype=str)
    df = df[df["alpha3"].notna() & df["alpha3"].str.fullmatch(r"[A-Z]{3}", na=False)]
    rows = []
    for t in waves:
        if t < 1995:
            rows.append(pd.DataFrame({"iso3": df.alpha3, "year": t, "member": 0.0}))
            continue
        col = str(t) if str(t) in df.columns else ("2019" if t >= 2019 else None)
        if col is None:
            raise KitError(f"{path.name}: no column for wave {t}")
        v = _numeric(df.reset_index(drop=True), col, path, allow_missing=False)
        if not v.isin([0, 1]).all():
            i = int(np.flatnonzero(~v.isin([0, 1]).to_numpy())[0])
            raise KitError(f"{path.name}: row {i + 2}, column {col!r}: membership must be 0 or 1, got {v.iloc[i]}")
        rows.append(pd.DataFrame({"iso3": df.alpha3.to_numpy(), "year": t, "member": v.to_numpy()}))
    return pd.concat(rows, ignore_index=True)


def read_wdi_gdp(path: Path, waves=REAL_WAVES) -> pd.DataFrame:
    """WDI bulk CSV (4 header lines) -> ``iso3, year, gdppc`` (current US$) for the waves' years."""
    path = Path(path)
    df = _read_csv(path, ["Country Code"] + [str(t) for t in waves], skiprows=4, encoding="utf-8-sig")
    long = []
    for t in waves:
        long.append(
            pd.DataFrame({"iso3": df["Country Code"], "year": t, "gdppc": _numeric(df, str(t), path, header_rows=5)})
        )
    return pd.concat(long, ignore_index=True)


def read_wdi_income(path: Path) -> pd.DataFrame:
    """WDI country metadata -> ``iso3, income_group, north`` (aggregates, which have no income group, dropped)."""
    path = Path(path)
    df = _read_csv(path, ["Country Code", "IncomeGroup"], encoding="utf-8-sig")
    df = df[df["IncomeGroup"].notna() & (df["IncomeGroup"].astype(str).str.strip() != "")]
    return pd.DataFrame(
        {
            "iso3": df["Country Code"],
            "income_group": df["IncomeGroup"],
            "north": (df["IncomeGroup"] == "High income").astype(float),
        }
    )


def read_un2020_destination_totals(path: Path) -> pd.DataFrame:
    """UN IMS 2020 revision, Table 1 (both sexes): ``iso3, year, total`` for countries whose name is in the
    crosswalk, plus ``iso3 == "WORLD"`` for the world total (1990-2020). Validation only: these are margins."""
    import zipfile

    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    path = Path(path)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        ws = wb["Table 1"]
    except (KeyError, OSError, ValueError, InvalidFileException, zipfile.BadZipFile) as exc:
        raise KitError(f"{path.name}: cannot read sheet 'Table 1' ({exc})") from None
    rows = list(ws.iter_rows(values_only=True))
    wb.close()
    header_i = next((i for i, r in enumerate(rows) if r and 1990 in r and "Location code" in r), None)
    if header_i is None:
        raise KitError(f"{path.name}: 'Table 1' has no header row with 'Location code' and the years")
    header = rows[header_i]
    name_col = 1
    year_cols: dict[int, int] = {}
    for j, v in enumerate(header):  # the first block of years is "both sexes combined"
        if isinstance(v, int) and 1990 <= v <= 2020 and v not in year_cols:
            year_cols[v] = j
    cw = dict(zip(*crosswalk()[["un_name", "iso3"]].T.to_numpy(), strict=True))
    out = []
    for r in rows[header_i + 1 :]:
        if not r or not isinstance(r[name_col], str):
            continue
        name = r[name_col].strip().rstrip("*").strip()
        iso = "WORLD" if name == "WORLD" else cw.get(name)
        if iso is None:
            continue
        for y, j in year_cols.items():
            if isinstance(r[j], (int, float)):
                out.append((iso, y, float(r[j])))
    return pd.DataFrame(out, columns=["iso3", "year", "total"]).drop_duplicates(["iso3", "year"])


# --------------------------------------------------------------------------------------------------------------
# the real panel


def build_real_panel(
    directory: Path,
    *,
    checksums: dict[str, str] | None = None,
    wto_only: bool = True,
    signature_fallback: bool = True,
    verify: bool = True,
) -> pd.DataFrame:
    """Build the real pair-year panel from the kit in ``directory`` (see the module docstring for definitions)."""
    directory = Path(directory)
    if verify:
        verify_kit(directory, checksums)
    f = {k: directory / v for k, v in KIT_FILES.items()}
    panel = read_un_stocks(f["stocks"])
    geo = read_geodist(f["dist"])
    panel = panel.merge(geo, on=["origin", "destination"], how="left")
    rta = rta_pairs(read_desta(f["desta"]), f["geo"], wto_only=wto_only, signature_fallback=signature_fallback)
    panel = panel.merge(rta.assign(rta=1.0), on=["origin", "destination", "year"], how="left")
    panel["rta"] = panel["rta"].fillna(0.0)
    return _finish_panel(panel, f, REAL_WAVES)


# --------------------------------------------------------------------------------------------------------------
# the kit's second release: UN IMS 2020 bilateral stocks, World Bank DTA RTA and Visa (the paper's own sources)

#: The waves of the second release (the paper's: 1990-2020, 5-yearly).
WAVES_2020 = (1990, 1995, 2000, 2005, 2010, 2015, 2020)

#: Kit files of the second release read by :func:`build_panel_2020` (plus GeoDist, Schengen and WDI from the first).
KIT_FILES_2020 = {
    "stocks": "un_desa_ims2020_bilateral_long.csv.gz",
    "visa": "wb_dta_pairyear_visa_1958_2023.csv.gz",
    "agreements": "wb_dta_visa_asylum_by_agreement.csv",
    "dist": KIT_FILES["dist"],
    "schengen": KIT_FILES["schengen"],
    "gdp": KIT_FILES["gdp"],
    "income": KIT_FILES["income"],
}

#: UN IMS 2020 codes that the World Bank spells differently.
UN2020_RECODE = {"CHA": "CHI"}


def has_second_release(directory: Path) -> bool:
    """Whether ``directory`` holds the second release's files (the default real panel then uses them)."""
    return all((Path(directory) / KIT_FILES_2020[k]).is_file() for k in ("stocks", "visa", "agreements"))


def read_un2020_bilateral(path: Path, waves=WAVES_2020) -> pd.DataFrame:
    """UN IMS 2020 bilateral stocks (kit file 13) -> ``origin, destination, year, stock``.

    Only ``sex == "Total"``; origin ``XXX`` (the UN's "Other") and self-pairs dropped; a negative or non-numeric
    stock raises naming its row. Corridors the file does not list are filled with zero by :func:`build_panel_2020`.
    """
    path = Path(path)
    df = _read_csv(path, ["from", "to", "sex", "t", "v"], keep_default_na=False, na_values=[""], dtype={"v": str})
    year = _numeric(df, "t", path, allow_missing=False)
    stock = _numeric(df, "v", path, allow_missing=False)
    if (stock < 0).any():
        i = int(np.flatnonzero((stock < 0).to_numpy())[0])
        raise KitError(f"{path.name}: row {i + 2}, column 'v': negative stock {stock.iloc[i]}")
    keep = ((df["sex"] == "Total") & (df["from"] != "XXX") & (df["from"] != df["to"]) & year.isin(waves)).to_numpy()
    out = pd.DataFrame(
        {
            "origin": df["from"].replace(UN2020_RECODE).to_numpy()[keep],
            "destination": df["to"].replace(UN2020_RECODE).to_numpy()[keep],
            "year": year.to_numpy()[keep].astype(int),
            "stock": stock.to_numpy()[keep],
        }
    )
    return out.reset_index(drop=True)


def read_dta_visa(path: Path) -> pd.DataFrame:
    """World Bank DTA pair-year file (kit file 17) -> ``origin, destination, year, rta, visa, visa_le, uncoded``.

    ``rta`` = 1 when at least one agreement is in force (``n_rta > 0``); ``visa`` = ``visa_any`` (1 if an agreement in
    force contains at least one visa-related provision: the paper's definition); ``uncoded`` = 1 when the pair's
    agreements in force include none the Visa and Asylum coding covers (``visa_any`` empty; counted as 0 and
    reported on the data page).
    """
    path = Path(path)
    df = _read_csv(path, ["iso_o", "iso_d", "year", "n_rta", "visa_any", "visa_le"])
    n_rta = _numeric(df, "n_rta", path, allow_missing=False)
    visa = _numeric(df, "visa_any", path)
    visa_le = _numeric(df, "visa_le", path)
    for col, v in (("visa_any", visa), ("visa_le", visa_le)):
        bad = v.notna() & ~v.isin([0, 1])
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise KitError(f"{path.name}: row {i + 2}, column {col!r}: must be 0 or 1, got {v.iloc[i]}")
    return pd.DataFrame(
        {
            "origin": df["iso_o"],
            "destination": df["iso_d"],
            "year": _numeric(df, "year", path, allow_missing=False).astype(int),
            "rta": (n_rta > 0).astype(float),
            "visa": visa.fillna(0.0),
            "visa_le": visa_le.fillna(0.0),
            "uncoded": visa.isna().astype(float),
        }
    )


def read_visa_agreements(path: Path) -> pd.DataFrame:
    """The Visa and Asylum coding by agreement (kit file 15): ``id_agree, agreement, entry_force, visa_any,
    visa_le``."""
    path = Path(path)
    df = _read_csv(path, ["id_agree", "agreement", "entry_force", "visa_any", "visa_le"])
    for c in ("id_agree", "entry_force", "visa_any"):
        df[c] = _numeric(df, c, path, allow_missing=False)
    df["visa_le"] = _numeric(df, "visa_le", path)
    return df


def table_a2_countries() -> list[str]:
    """ISO3 codes of the paper's Table A2 (``data/gravity/table_a2_countries.csv``, 178 countries)."""
    return sorted(pd.read_csv(paths.data_file("gravity/table_a2_countries.csv"), keep_default_na=False)["iso3"])


def build_panel_2020(
    directory: Path, *, countries: str = "paper", checksums: dict[str, str] | None = None, verify: bool = True
) -> pd.DataFrame:
    """The real panel from the kit's second release (the paper's sources).

    One row per origin i, destination j != i and wave t in :data:`WAVES_2020`, for every pair of countries that
    appear in the UN file as both origin and destination (``countries="all"``) or only those of the paper's Table A2
    (``countries="paper"``, the default). ``stock`` is the UN IMS 2020 total (unlisted corridors are zero); ``rta``,
    ``visa``, ``visa_le`` from the World Bank DTA pair-year file; ``ln_dist``, ``colony``, ``comlang``, ``schengen``,
    ``gdp_diff``, ``north_south`` as in :func:`build_real_panel` (Schengen's 2019 column serves 2020).
    """
    if countries not in ("paper", "all"):
        raise ValueError(f"countries must be 'paper' or 'all', got {countries!r}")
    directory = Path(directory)
    f = {k: directory / v for k, v in KIT_FILES_2020.items()}
    if verify:
        verify_kit(directory, checksums, names=KIT_FILES_2020.values())
    st = read_un2020_bilateral(f["stocks"])
    cs = sorted(set(st.origin) & set(st.destination))
    if countries == "paper":
        a2 = set(table_a2_countries())
        cs = [c for c in cs if c in a2]
    idx = pd.MultiIndex.from_product([WAVES_2020, cs, cs], names=["year", "origin", "destination"])
    panel = pd.DataFrame(index=idx).reset_index()
    panel = panel[panel.origin != panel.destination]
    panel = panel.merge(st, on=["origin", "destination", "year"], how="left")
    panel["stock"] = panel["stock"].fillna(0.0)
    panel = panel.merge(read_geodist(f["dist"]), on=["origin", "destination"], how="left")
    panel = panel.merge(read_dta_visa(f["visa"]), on=["origin", "destination", "year"], how="left")
    for c in ("rta", "visa", "visa_le", "uncoded"):
        panel[c] = panel[c].fillna(0.0)
    return _finish_panel(panel, f, WAVES_2020)


def _finish_panel(panel: pd.DataFrame, f: dict, waves) -> pd.DataFrame:
    """Schengen, GDP difference, North-South and the fixed-effect identifiers (shared by both releases)."""
    sch = read_schengen(f["schengen"], waves=waves).set_index(["iso3", "year"])["member"]
    so = sch.reindex(pd.MultiIndex.from_arrays([panel.origin, panel.year])).fillna(0.0).to_numpy()
    sd = sch.reindex(pd.MultiIndex.from_arrays([panel.destination, panel.year])).fillna(0.0).to_numpy()
    panel["schengen"] = so * sd
    gdp = read_wdi_gdp(f["gdp"], waves=waves).set_index(["iso3", "year"])["gdppc"]
    go = gdp.reindex(pd.MultiIndex.from_arrays([panel.origin, panel.year])).to_numpy()
    gd = gdp.reindex(pd.MultiIndex.from_arrays([panel.destination, panel.year])).to_numpy()
    panel["gdppc_o"], panel["gdppc_d"] = go, gd
    panel["gdp_diff"] = np.log1p(np.abs(gd - go))
    inc = read_wdi_income(f["income"]).set_index("iso3")["north"]
    no, nd = inc.reindex(panel.origin).to_numpy(), inc.reindex(panel.destination).to_numpy()
    panel["dest_north"], panel["orig_north"] = nd, no
    panel["north_south"] = np.where(np.isnan(no) | np.isnan(nd), np.nan, (no != nd).astype(float))
    panel["rta_x_ns"] = panel["rta"] * panel["north_south"]
    if "visa" in panel.columns:
        panel["visa_x_ns"] = panel["visa"] * panel["north_south"]
    panel = panel.sort_values(["year", "origin", "destination"]).reset_index(drop=True)
    o, d, y = panel.origin, panel.destination, panel.year.astype(str)
    panel["orig_year"], panel["dest_year"], panel["pair"] = o + "_" + y, d + "_" + y, o + "_" + d
    return panel


def load_panel(
    *,
    quick: bool = False,
    params: synthetic.SimulationParams | None = None,
    release: str | None = None,
    countries: str = "paper",
    **kwargs,
):
    """The chapter's panel: ``(panel, PanelInfo)``; real when ``MOBILITY_DATA_DIR`` is set, else synthetic.

    ``release`` picks the kit's release in real mode: ``"2020"`` (the second release: UN IMS 2020, World Bank DTA RTA
    and Visa; the default whenever its files are present) or ``"2019"`` (the first release: UN IMS 2019, DESTA, no
    Visa; kept as a data-vintage robustness check). ``countries`` (second release only): ``"paper"`` (the 178
    countries of the paper's Table A2, the default) or ``"all"``. ``quick`` changes nothing: the targets must not
    depend on it.
    """
    del quick
    directory = paths.external_data_dir()
    if directory is not None:
        if release is None:
            release = "2020" if has_second_release(directory) else "2019"
        if release == "2020":
            panel = build_panel_2020(directory, countries=countries)
            return panel, PanelInfo("real", f"data kit (second release) at {directory}", WAVES_2020)
        if release != "2019":
            raise ValueError(f"release must be '2020' or '2019', got {release!r}")
        panel = build_real_panel(directory, **kwargs)
        return panel, PanelInfo("real", f"data kit (first release) at {directory}", REAL_WAVES)
    p = params or synthetic.SimulationParams()
    return synthetic.simulate_panel(p), PanelInfo(
        "synthetic", f"structural simulation (seed {p.seed})", tuple(p.waves), p.truth()
    )


def visa_pairs_by_year(directory: Path, *, countries: list[str] | None = None) -> pd.DataFrame:
    """Unordered country pairs with an agreement in force, and with one containing a visa provision (any, and
    legally enforceable), by year (kit file 17): ``year, rta, visa, visa_le``; ``countries`` restricts both members."""
    v = read_dta_visa(Path(directory) / KIT_FILES_2020["visa"])
    v = v[v.origin < v.destination]  # the file lists both directions
    if countries is not None:
        keep = set(countries)
        v = v[v.origin.isin(keep) & v.destination.isin(keep)]
    out = v.groupby("year")[["rta", "visa", "visa_le"]].sum().astype(int).reset_index()
    return out


def second_release_facts(directory: Path) -> dict:
    """Counts for the data page: coded agreements, agreements with a visa provision (any, enforceable)."""
    a = read_visa_agreements(Path(directory) / KIT_FILES_2020["agreements"])
    return {
        "n_agreements": int(len(a)),
        "n_visa_any": int(a["visa_any"].sum()),
        "n_visa_le": int((a["visa_le"] == 1).sum()),
        "n_visa_le_missing": int(a["visa_le"].isna().sum()),
    }
