"""The review's central question on data: do migrants create trade? The migrant-stock elasticity of trade,
estimated with modern gravity tools on the data kit.

**Data** (read from ``MOBILITY_DATA_DIR``, filled by ``make data``; never committed):

- ``penppml_trade_dta_agreements_1964_2016.csv.gz`` (kit file 8): exports from i to j in US$ (UN Comtrade via
  the R package penppml), every fourth year; only the years 1992-2016 (:data:`TRADE_YEARS`) are used, the ones the
  stock data bracket. Its World Bank DTA agreement id gives ``rta`` = 1 when the pair has an agreement in force.
  Zeros are kept (PPML uses them; OLS on logs cannot and drops them, counted).
- ``un_desa_ims2020_bilateral_long.csv.gz`` (kit file 13): UN DESA bilateral migrant stocks, 2020 revision, waves
  1990, 1995, ..., 2020 (:data:`STOCK_WAVES`), both sexes. The UN's "other" origin ``XXX`` is dropped.
- ``cepii_geodist_dist_cepii.csv.gz`` (kit file 5): distance (``ln_dist``), contiguity, common official language,
  colonial tie.

**Codes.** The trade file uses some older country codes; UN and CEPII codes are recoded into the trade file's
(:data:`UN_TO_TRADE`, :data:`CEPII_TO_TRADE`): Belgium and Luxembourg are one reporter (``BLX``) in the trade
data, so their stocks are summed; a CEPII unit that later split gives its geography to every successor. Codes that
match nothing (Taiwan, which the UN counts with China; the Netherlands Antilles before 2012; special and
unspecified areas) are counted and reported by :func:`build_panel`, never dropped silently.

**Matching years** (:func:`wave_weights`, :func:`stocks_at`). Trade years (1992, 1996, ..., 2016) and stock
waves (1990, 1995, ..., 2020) coincide only in 2000. Two rules:

- ``"interpolate"`` (the main one, common in the literature): exact where the year is a wave; otherwise linear
  interpolation of the *log* stock between the bracketing waves, ``ln S_y = (1-w) ln S_a + w ln S_b`` with
  ``w = (y-a)/(b-a)``. A log cannot be interpolated through a zero: when either bracketing wave is zero the stock
  is interpolated linearly in levels instead (zero when both are), and such cells are counted (``"linear"``).
- ``"earlier"`` (the conservative alternative): the nearest wave at or before the year (1992 -> 1990, 1996 ->
  1995, 2004 -> 2000, ...): no information from the future.

**The panel** (:func:`build_panel`): one row per exporter i, importer j, year t with
``stock_ij`` = migrants born in i living in j and ``stock_ji`` = born in j living in i.

**The four cells of the review's Table 1 are two coefficients on a world panel.** The review's cells take the view
of one reporting country: its exports or imports, its immigrants or emigrants. For a flow from i to j,
``stock_ij`` is the importer's *immigrants* and the exporter's *emigrants*; ``stock_ji`` is the exporter's
immigrants and the importer's emigrants. A regression of every flow on both stocks therefore estimates
immigration-imports and emigration-exports with one coefficient (``ln_stock_ij``), and immigration-exports and
emigration-imports with the other (``ln_stock_ji``): writing the panel from the reporter's side (exports and
imports) relabels the same rows and gives the same numbers (:func:`reporter_view`, tested). Single-country
studies, which most of the review's are, can tell the four apart only because their samples differ.

**Designs** (:data:`DESIGNS`; standard errors clustered by (directed) pair):

- ``ppml_cross_section``: PPML with exporter-year and importer-year fixed effects, ln distance, contiguity,
  common language, colony and RTA: the classic macro design, identified from differences *across* pairs;
- ``ppml_pair``: PPML with exporter-year, importer-year and pair fixed effects (and RTA): identified only from
  changes *over time* within a pair;
- ``ols_cross_section`` and ``ols_pair``: the same on ``ln exports`` (zero flows dropped), the older studies'
  estimator.

:func:`estimate` is a small local wrapper around ``pyfixest`` (the gravity chapter has its own; chapter models do
not import each other): it raises :class:`~mobility.core.errors.ComputationError` when PPML does not converge and
reports the rows each step dropped. Coefficients are rounded to 8 significant digits (the alternating-projection
tolerance is 1e-8), which also makes results files identical whatever order pyfixest happens to demean in.

Without the kit, :func:`simulate_inputs` draws a small seeded world with a known within-pair elasticity and an
unobserved pair affinity that raises both migration and trade, so that the page still runs and shows why the
cross-section design overstates the effect.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from mobility.core import paths
from mobility.core.errors import ComputationError, InputError

__all__ = [
    "TRADE_YEARS",
    "STOCK_WAVES",
    "RULES",
    "KIT_FILES",
    "UN_TO_TRADE",
    "CEPII_TO_TRADE",
    "DESIGNS",
    "CELLS",
    "KitFileError",
    "kit_path",
    "verify_files",
    "read_trade",
    "read_stocks",
    "read_geography",
    "wave_weights",
    "stocks_at",
    "build_panel",
    "Panel",
    "SimulationParams",
    "simulate_inputs",
    "load_panel",
    "Fit",
    "estimate",
    "cells",
    "reporter_view",
    "comparison",
    "plot_comparison",
]

TRADE_YEARS = tuple(range(1992, 2017, 4))
STOCK_WAVES = tuple(range(1990, 2021, 5))
RULES = ("interpolate", "earlier")

#: The kit files this module reads (role -> file name in ``MOBILITY_DATA_DIR``).
KIT_FILES = {
    "trade": "penppml_trade_dta_agreements_1964_2016.csv.gz",
    "stocks": "un_desa_ims2020_bilateral_long.csv.gz",
    "geography": "cepii_geodist_dist_cepii.csv.gz",
}

#: UN DESA (ISO3) codes -> the trade file's codes, where they differ. Belgium and Luxembourg report together.
UN_TO_TRADE = {"ROU": "ROM", "COD": "ZAR", "TLS": "TMP", "KNA": "KN1", "MNE": "MNT", "BEL": "BLX", "LUX": "BLX"}

#: CEPII GeoDist codes -> the trade file's codes (a list when the unit split: each successor takes its geography).
#: BLX takes Belgium's geography (Luxembourg's rows are dropped); Sudan's geography is given to South Sudan too.
CEPII_TO_TRADE = {
    "KNA": ["KN1"],
    "PAL": ["PSE"],
    "YUG": ["SRB", "MNT"],
    "BEL": ["BLX"],
    "LUX": [],
    "ANT": ["ANT", "CUW", "SXM", "BES"],
    "SDN": ["SDN", "SSD"],
}

#: name -> (estimator, fixed effects, regressors besides the two stocks).
GEOGRAPHY = ("ln_dist", "contig", "comlang", "colony")
DESIGNS = {
    "ppml_cross_section": ("ppml", ("exp_year", "imp_year"), GEOGRAPHY + ("rta",)),
    "ppml_pair": ("ppml", ("exp_year", "imp_year", "pair"), ("rta",)),
    "ols_cross_section": ("ols", ("exp_year", "imp_year"), GEOGRAPHY + ("rta",)),
    "ols_pair": ("ols", ("exp_year", "imp_year", "pair"), ("rta",)),
}
STOCKS = ("ln_stock_ij", "ln_stock_ji")

#: Each cell of the review's Table 1 (direction, flow) -> the panel coefficient that measures it.
CELLS = {
    ("immigration", "exports"): "ln_stock_ji",
    ("immigration", "imports"): "ln_stock_ij",
    ("emigration", "exports"): "ln_stock_ij",
    ("emigration", "imports"): "ln_stock_ji",
}


class KitFileError(InputError):
    """A kit file is missing or malformed; the message names the file."""


def kit_path(role: str, directory: Path | None = None) -> Path:
    """The path of kit file ``role`` (a key of :data:`KIT_FILES`) in ``directory`` (default ``MOBILITY_DATA_DIR``).

    Raises :class:`KitFileError` naming the file when it is absent.
    """
    if role not in KIT_FILES:
        raise InputError(f"role={role!r}: must be one of {list(KIT_FILES)}")
    directory = Path(directory) if directory is not None else paths.external_data_dir()
    if directory is None:
        raise KitFileError(
            f"MOBILITY_DATA_DIR is not set: the review's trade page needs {KIT_FILES[role]} "
            "from the data kit (run make data)"
        )
    path = directory / KIT_FILES[role]
    if not path.is_file():
        raise KitFileError(
            f"kit file {KIT_FILES[role]} is missing from {directory}: restore it from the data kit "
            "(make data) or unset MOBILITY_DATA_DIR to run on the simulated world"
        )
    return path


def verify_files(files) -> None:
    """Check kit ``files`` against the checksums published in ``data/manifest.d`` (any chapter's fragment): the
    kit's bytes, or the same content for a file ``make data`` rebuilt (:func:`mobility.core.manifest.matches`).

    Raises :class:`KitFileError` naming the file when it is undescribed or differs.
    """
    from mobility.core.manifest import EXTERNAL, load_fragments, matches

    published = {e.path.removeprefix(EXTERNAL): e for e in load_fragments() if e.external}
    for f in files:
        f = Path(f)
        entry = published.get(f.name)
        if entry is None:
            raise KitFileError(f"kit file {f.name} has no published checksum in data/manifest.d: describe it there")
        if not matches(entry, f):
            raise KitFileError(
                f"kit file {f} is corrupt or a different version (its SHA-256 differs from the published "
                f"{(entry.sha256 or '')[:12]}...): restore the original from the data kit (make data)"
            )


def _read_csv(path: Path, columns: list[str], **kwargs) -> pd.DataFrame:
    path = Path(path)
    if not path.is_file():
        raise KitFileError(f"kit file {path.name} is missing ({path})")
    try:
        df = pd.read_csv(path, usecols=lambda c: c in columns, **kwargs)
    except (pd.errors.ParserError, UnicodeDecodeError, EOFError, gzip.BadGzipFile, OSError, ValueError) as exc:
        raise KitFileError(f"{path.name}: cannot be parsed ({exc})") from None
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise KitFileError(f"{path.name}: missing column(s) {missing}")
    return df


def _non_negative(df: pd.DataFrame, column: str, path: Path) -> None:
    values = pd.to_numeric(df[column], errors="coerce")
    bad = values.isna() | (values < 0)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0]) + 2
        raise KitFileError(
            f"{Path(path).name}, row {row}, column {column}: {df[column].iloc[row - 2]!r} is not a non-negative number"
        )
    df[column] = values.astype(float)


def read_trade(path: Path, years=TRADE_YEARS) -> pd.DataFrame:
    """Kit file 8: ``exporter, importer, year, exports, rta`` for ``years`` (self-pairs dropped)."""
    df = _read_csv(path, ["exp", "imp", "time", "export", "id"])
    df = df[df["time"].isin(years) & (df["exp"] != df["imp"])].copy()
    _non_negative(df, "export", path)
    out = pd.DataFrame(
        {
            "exporter": df["exp"].astype(str),
            "importer": df["imp"].astype(str),
            "year": df["time"].astype(int),
            "exports": df["export"],
            "rta": (pd.to_numeric(df["id"], errors="coerce").fillna(0) > 0).astype(int),
        }
    )
    return out.sort_values(["year", "exporter", "importer"], ignore_index=True)


def read_stocks(path: Path) -> pd.DataFrame:
    """Kit file 13: ``origin, destination, wave, stock`` (both sexes), in the trade file's codes.

    Drops the UN's "other" origin ``XXX``; recodes with :data:`UN_TO_TRADE` and sums the stocks of units that
    report together (Belgium and Luxembourg); drops the self-pairs that this creates.
    """
    df = _read_csv(path, ["from", "to", "sex", "t", "v"])
    df = df[(df["sex"] == "Total") & (df["from"] != "XXX")].copy()
    _non_negative(df, "v", path)
    df["origin"] = df["from"].astype(str).replace(UN_TO_TRADE)
    df["destination"] = df["to"].astype(str).replace(UN_TO_TRADE)
    df = df[df["origin"] != df["destination"]]
    out = (
        df.groupby(["origin", "destination", "t"], as_index=False)["v"]
        .sum()
        .rename(columns={"t": "wave", "v": "stock"})
    )
    return out


def read_geography(path: Path) -> pd.DataFrame:
    """Kit file 5: ``exporter, importer, ln_dist, contig, comlang, colony`` in the trade file's codes."""
    df = _read_csv(path, ["iso_o", "iso_d", "dist", "contig", "comlang_off", "colony"])
    for col in ("dist", "contig", "comlang_off", "colony"):
        _non_negative(df, col, path)
    df = df.rename(columns={"iso_o": "exporter", "iso_d": "importer", "comlang_off": "comlang"})
    for col in ("exporter", "importer"):
        df[col] = df[col].astype(str)
        keep = ~df[col].isin(CEPII_TO_TRADE)
        parts = [df[keep]] + [
            df[df[col] == old].assign(**{col: new}) for old, news in CEPII_TO_TRADE.items() for new in news
        ]
        df = pd.concat(parts, ignore_index=True)
    df = df[df["exporter"] != df["importer"]].drop_duplicates(["exporter", "importer"])
    df["ln_dist"] = np.log(df["dist"].clip(lower=1.0))
    return df[["exporter", "importer", "ln_dist", "contig", "comlang", "colony"]].reset_index(drop=True)


# ------------------------------------------------------------------------------------------------ matching years
def wave_weights(year: int, waves=STOCK_WAVES, rule: str = "interpolate") -> tuple[int, int, float]:
    """The stock waves a trade ``year`` is built from: ``(a, b, w)`` with ``S_year = f(S_a, S_b; w)``.

    ``"interpolate"``: ``a <= year <= b`` the bracketing waves and ``w = (year - a)/(b - a)`` (an exact match has
    ``a = b = year, w = 0``). ``"earlier"``: ``a = b`` = the latest wave at or before ``year``, ``w = 0``. Raises
    :class:`~mobility.core.errors.InputError` for an unknown rule or a year outside the waves.
    """
    if rule not in RULES:
        raise InputError(f"rule={rule!r}: must be one of {list(RULES)}")
    waves = sorted(waves)
    if not waves[0] <= year <= waves[-1]:
        raise InputError(f"year {year} is outside the stock waves {waves[0]}-{waves[-1]}")
    earlier = max(w for w in waves if w <= year)
    if rule == "earlier" or earlier == year:
        return earlier, earlier, 0.0
    later = min(w for w in waves if w >= year)
    return earlier, later, (year - earlier) / (later - earlier)


def stocks_at(stocks: pd.DataFrame, years=TRADE_YEARS, rule: str = "interpolate") -> pd.DataFrame:
    """Stocks (``origin, destination, wave, stock``) at the trade ``years`` by ``rule`` (see :func:`wave_weights`).

    Returns ``origin, destination, year, stock, how`` with ``how`` one of ``exact`` (the year is a wave),
    ``loglinear`` (both bracketing waves positive), ``linear`` (a bracketing wave is zero: linear in levels),
    ``earlier`` (the earlier-wave rule). A pair missing from a needed wave gives no row for that year.
    """
    wide = stocks.pivot_table(index=["origin", "destination"], columns="wave", values="stock", aggfunc="first")
    frames = []
    for year in years:
        a, b, w = wave_weights(year, sorted(stocks["wave"].unique()), rule)
        sa = wide[a]
        if a == b:
            value, how = sa, ("exact" if a == year else "earlier")
            how = pd.Series(how, index=wide.index)
        else:
            sb = wide[b]
            positive = (sa > 0) & (sb > 0)
            with np.errstate(divide="ignore", invalid="ignore"):
                loglin = np.exp((1 - w) * np.log(sa.where(positive)) + w * np.log(sb.where(positive)))
            value = loglin.where(positive, (1 - w) * sa + w * sb)
            how = pd.Series(np.where(positive, "loglinear", "linear"), index=wide.index)
        frame = pd.DataFrame({"stock": value, "how": how}).dropna(subset=["stock"]).reset_index()
        frame["year"] = year
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    return out[["origin", "destination", "year", "stock", "how"]]


# ------------------------------------------------------------------------------------------------ the panel
@dataclass(frozen=True)
class Panel:
    """The estimation panel and its accounting.

    ``data``: one row per exporter, importer, year with ``exports``, ``stock_ij`` (born in the exporter, living in
    the importer), ``stock_ji`` (born in the importer, living in the exporter), their logs, geography, ``rta`` and
    the fixed-effect ids. ``counts``: rows at each step (see :func:`build_panel`); ``unmatched_codes``: trade codes
    with no stock data, with their rows; ``how``: how the stocks of the sample were obtained (rows per
    ``how``); ``mode``: ``"real"`` or ``"simulated"``; ``rule``: the year-matching rule.
    """

    data: pd.DataFrame
    counts: dict
    unmatched_codes: dict
    how: dict
    mode: str
    rule: str
    truth: dict = field(default_factory=dict)


def build_panel(
    trade: pd.DataFrame,
    stocks: pd.DataFrame,
    geography: pd.DataFrame,
    *,
    rule: str = "interpolate",
    mode: str = "real",
    truth: dict | None = None,
) -> Panel:
    """Match trade flows to both bilateral stocks and the geography, counting every row that cannot be matched.

    ``counts`` (rows; ``*_pairs``: distinct directed pairs among them):

    - ``trade_rows``: flows in the trade years;
    - ``unmatched_country``: a country code with no stock data at all (``unmatched_codes`` lists them);
    - ``no_stock``: both countries have stock data but the UN reports no stock for this pair in one or both
      directions;
    - ``zero_stock``: a stock of zero in one or both directions (the log is undefined: excluded);
    - ``no_geography``: no CEPII row for the pair;
    - ``sample``: the rest, the estimation panel (``sample_pairs`` pairs, ``sample_zero_trade`` of them with zero
      exports).

    The categories are exclusive and checked to add up to ``trade_rows``.
    """
    if rule not in RULES:
        raise InputError(f"rule={rule!r}: must be one of {list(RULES)}")
    years = sorted(trade["year"].unique())
    at = stocks_at(stocks, years, rule)
    covered = set(stocks["origin"]) | set(stocks["destination"])
    df = trade.copy()
    known = df["exporter"].isin(covered) & df["importer"].isin(covered)
    codes = pd.concat(
        [df.loc[~df["exporter"].isin(covered), "exporter"], df.loc[~df["importer"].isin(covered), "importer"]]
    ).value_counts()
    unmatched_codes = {str(k): int(v) for k, v in sorted(codes.items())}
    ij = at.rename(columns={"origin": "exporter", "destination": "importer", "stock": "stock_ij", "how": "how_ij"})
    ji = at.rename(columns={"origin": "importer", "destination": "exporter", "stock": "stock_ji", "how": "how_ji"})
    df = df.merge(ij, on=["exporter", "importer", "year"], how="left").merge(
        ji, on=["exporter", "importer", "year"], how="left"
    )
    df = df.merge(geography, on=["exporter", "importer"], how="left")
    no_stock = known & (df["stock_ij"].isna() | df["stock_ji"].isna())
    zero = known & ~no_stock & ((df["stock_ij"] <= 0) | (df["stock_ji"] <= 0))
    no_geo = known & ~no_stock & ~zero & df["ln_dist"].isna()
    keep = known & ~no_stock & ~zero & ~no_geo

    def pairs(mask) -> int:
        return int(df.loc[mask, ["exporter", "importer"]].drop_duplicates().shape[0])

    counts = {
        "trade_rows": len(df),
        "trade_pairs": pairs(slice(None)),
        "unmatched_country": int((~known).sum()),
        "unmatched_country_pairs": pairs(~known),
        "no_stock": int(no_stock.sum()),
        "no_stock_pairs": pairs(no_stock),
        "zero_stock": int(zero.sum()),
        "zero_stock_pairs": pairs(zero),
        "no_geography": int(no_geo.sum()),
        "no_geography_pairs": pairs(no_geo),
        "sample": int(keep.sum()),
        "sample_pairs": pairs(keep),
    }
    parts = ("unmatched_country", "no_stock", "zero_stock", "no_geography", "sample")
    if sum(counts[k] for k in parts) != counts["trade_rows"]:  # pragma: no cover - a bug, not bad data
        raise ComputationError(f"panel accounting does not add up: {counts}")
    data = df[keep].copy()
    counts["sample_zero_trade"] = int((data["exports"] == 0).sum())
    how = pd.concat([data["how_ij"], data["how_ji"]]).value_counts()
    data["ln_stock_ij"] = np.log(data["stock_ij"])
    data["ln_stock_ji"] = np.log(data["stock_ji"])
    data["pair"] = data["exporter"] + "-" + data["importer"]
    data["exp_year"] = data["exporter"] + "-" + data["year"].astype(str)
    data["imp_year"] = data["importer"] + "-" + data["year"].astype(str)
    for col in ("contig", "comlang", "colony"):
        data[col] = data[col].astype(int)
    data = data.drop(columns=["how_ij", "how_ji"]).sort_values(["year", "exporter", "importer"], ignore_index=True)
    return Panel(data, counts, unmatched_codes, {str(k): int(v) for k, v in how.items()}, mode, rule, dict(truth or {}))


# ------------------------------------------------------------------------------------------------ simulation
@dataclass(frozen=True)
class SimulationParams:
    """A small seeded world for the page without the kit.

    Stocks at each wave: ``ln S_ij = 15 + m_i + m_j - ln_dist + affinity_ij + trend`` (plus noise), a share
    ``p_zero`` of pairs without migrants. Trade: ``X_ij = exp(e_it + n_jt - 0.8 ln_dist + affinity_ij +
    b_ij ln S_ij + b_ji ln S_ji)`` times gamma noise. ``affinity`` (unobserved, shared by migration and trade)
    is what the cross-section design cannot hold fixed; ``b_ij``, ``b_ji`` are the true within-pair elasticities.
    """

    n_countries: int = 40
    b_ij: float = 0.04
    b_ji: float = 0.02
    affinity_sd: float = 1.0
    p_zero: float = 0.1
    seed: int = 16

    def __post_init__(self):
        if not 5 <= self.n_countries <= 200:
            raise InputError(f"n_countries={self.n_countries}: must be in 5-200")
        if not 0 <= self.p_zero < 1:
            raise InputError(f"p_zero={self.p_zero}: must be in [0, 1)")
        if self.affinity_sd < 0:
            raise InputError(f"affinity_sd={self.affinity_sd}: must be >= 0")


def simulate_inputs(params: SimulationParams | None = None):
    """``(trade, stocks, geography, truth)`` of a simulated world, in the shapes the kit readers return."""
    p = params or SimulationParams()
    rng = np.random.default_rng(p.seed)
    n = p.n_countries
    codes = [f"C{k:02d}" for k in range(n)]
    xy = rng.uniform(0, 10, size=(n, 2))
    dist = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1)) * 1000 + 100
    ln_dist = np.log(dist)
    mass = rng.normal(0, 1, n)
    affinity = rng.normal(0, p.affinity_sd, (n, n))
    affinity = (affinity + affinity.T) / np.sqrt(2)
    none = rng.uniform(size=(n, n)) < p.p_zero
    i, j = np.nonzero(~np.eye(n, dtype=bool))
    rows = []
    growth = rng.normal(0.03, 0.03, (n, n))
    for wave in STOCK_WAVES:
        ln_s = (
            15
            + mass[i]
            + mass[j]
            - ln_dist[i, j]
            + affinity[i, j]
            + growth[i, j] * (wave - 1990)
            + rng.normal(0, 0.1, i.size)
        )
        s = np.where(none[i, j], 0.0, np.round(np.exp(ln_s)))
        rows.append(
            pd.DataFrame({"origin": np.array(codes)[i], "destination": np.array(codes)[j], "wave": wave, "stock": s})
        )
    stocks = pd.concat(rows, ignore_index=True)
    at = stocks_at(stocks, TRADE_YEARS, "interpolate").set_index(["origin", "destination", "year"])["stock"]
    trade_rows = []
    for year in TRADE_YEARS:
        e = rng.normal(0, 0.5, n)
        m = rng.normal(0, 0.5, n)
        s_ij = at.reindex(pd.MultiIndex.from_arrays([np.array(codes)[i], np.array(codes)[j], [year] * i.size]))
        s_ji = at.reindex(pd.MultiIndex.from_arrays([np.array(codes)[j], np.array(codes)[i], [year] * i.size]))
        ln_ij = np.log(np.maximum(s_ij.to_numpy(), 1.0))
        ln_ji = np.log(np.maximum(s_ji.to_numpy(), 1.0))
        mu = np.exp(
            12
            + 1.2 * mass[i]
            + 1.2 * mass[j]
            + e[i]
            + m[j]
            - 0.8 * ln_dist[i, j]
            + affinity[i, j]
            + p.b_ij * ln_ij
            + p.b_ji * ln_ji
        )
        x = rng.gamma(10.0, mu / 10.0) * (rng.uniform(size=i.size) > 0.15)
        trade_rows.append(
            pd.DataFrame(
                {"exporter": np.array(codes)[i], "importer": np.array(codes)[j], "year": year, "exports": x, "rta": 0}
            )
        )
    trade = pd.concat(trade_rows, ignore_index=True)
    geography = pd.DataFrame(
        {
            "exporter": np.array(codes)[i],
            "importer": np.array(codes)[j],
            "ln_dist": ln_dist[i, j],
            "contig": (dist[i, j] < 1500).astype(int),
            "comlang": 0,
            "colony": 0,
        }
    )
    return trade, stocks, geography, {"ln_stock_ij": p.b_ij, "ln_stock_ji": p.b_ji}


def load_panel(
    rule: str = "interpolate",
    *,
    directory: Path | None = None,
    params: SimulationParams | None = None,
    verify: bool = True,
) -> Panel:
    """The page's panel: from the kit when ``MOBILITY_DATA_DIR`` (or ``directory``) is set, else simulated.

    With the kit set, a missing kit file raises :class:`KitFileError` naming it (never a silent fallback); with
    ``verify``, so does a file whose SHA-256 differs from the one published in ``data/manifest.d``.
    """
    directory = Path(directory) if directory is not None else paths.external_data_dir()
    if directory is None:
        trade, stocks, geography, truth = simulate_inputs(params)
        return build_panel(trade, stocks, geography, rule=rule, mode="simulated", truth=truth)
    files = {role: kit_path(role, directory) for role in KIT_FILES}
    if verify:
        verify_files(files.values())
    return build_panel(
        read_trade(files["trade"]),
        read_stocks(files["stocks"]),
        read_geography(files["geography"]),
        rule=rule,
        mode="real",
    )


def reporter_view(panel: pd.DataFrame) -> pd.DataFrame:
    """The panel from a reporting country's side: rows ``reporter, partner, year, flow`` (``exports`` or
    ``imports``), ``value``, ``ln_immigrants`` (born in the partner, living in the reporter), ``ln_emigrants``.

    Every flow appears twice, once as the exporter's exports and once as the importer's imports; a regression of
    each flow on the reporter's immigrants and emigrants gives the four cells of the review's Table 1.
    """
    common = {"year": panel["year"].to_numpy()}
    keep = [c for c in ("ln_dist", "contig", "comlang", "colony", "rta") if c in panel.columns]
    exports = pd.DataFrame(
        {
            "reporter": panel["exporter"],
            "partner": panel["importer"],
            **common,
            "flow": "exports",
            "value": panel["exports"],
            "ln_immigrants": panel["ln_stock_ji"],
            "ln_emigrants": panel["ln_stock_ij"],
            **{c: panel[c] for c in keep},
        }
    )
    imports = pd.DataFrame(
        {
            "reporter": panel["importer"],
            "partner": panel["exporter"],
            **common,
            "flow": "imports",
            "value": panel["exports"],
            "ln_immigrants": panel["ln_stock_ij"],
            "ln_emigrants": panel["ln_stock_ji"],
            **{c: panel[c] for c in keep},
        }
    )
    out = pd.concat([exports, imports], ignore_index=True)
    out["rep_year"] = out["reporter"] + "-" + out["year"].astype(str)
    out["par_year"] = out["partner"] + "-" + out["year"].astype(str)
    out["pair"] = out["reporter"] + "-" + out["partner"]
    return out


# ------------------------------------------------------------------------------------------------ estimation
@dataclass(frozen=True)
class Fit:
    """One design's estimates: ``coef``/``se`` by regressor (rounded to 8 significant digits), ``nobs`` used,
    ``n_input`` given, ``n_dropped`` = input minus used (zero flows for OLS, separated or singleton groups for
    PPML), ``n_clusters`` pairs."""

    design: str
    coef: dict
    se: dict
    nobs: int
    n_input: int
    n_dropped: int
    n_clusters: int

    def to_dict(self) -> dict:
        return {
            "design": self.design,
            "coef": self.coef,
            "se": self.se,
            "nobs": self.nobs,
            "n_input": self.n_input,
            "n_dropped": self.n_dropped,
            "n_clusters": self.n_clusters,
        }


def _round(x: float) -> float:
    return float(f"{float(x):.8g}")


def estimate(
    panel: pd.DataFrame,
    design: str,
    *,
    depvar: str = "exports",
    stocks=STOCKS,
    fe=None,
    cluster: str = "pair",
    maxiter: int = 50,
) -> Fit:
    """Estimate ``design`` (a key of :data:`DESIGNS`) on ``panel`` with pyfixest, errors clustered by ``cluster``.

    PPML (``pyfixest.fepois``, separation check on fixed effects) raises
    :class:`~mobility.core.errors.ComputationError` when IRLS does not converge in ``maxiter`` iterations; OLS
    (``feols``) regresses ``ln(depvar)`` on the rows with positive flows. ``stocks`` and ``fe`` override the
    regressors of interest and the fixed-effect columns (used for :func:`reporter_view`).
    """
    import pyfixest as pf

    if design not in DESIGNS:
        raise InputError(f"design={design!r}: must be one of {list(DESIGNS)}")
    estimator, default_fe, controls = DESIGNS[design]
    fe = tuple(fe or default_fe)
    if fe != default_fe and "pair" in default_fe and "pair" not in fe:
        raise InputError(f"fe={fe}: design {design} needs a pair fixed effect")
    kept = [c for c in controls if c in panel.columns and panel[c].nunique() > 1]
    regressors = [*stocks, *kept]
    missing = [c for c in [depvar, cluster, *regressors, *fe] if c not in panel.columns]
    if missing:
        raise InputError(f"panel lacks column(s) {missing} for design {design}")
    data = panel[list(dict.fromkeys([depvar, cluster, *regressors, *fe]))].copy()
    n_input = len(data)
    formula_rhs = " + ".join(regressors) + " | " + " + ".join(fe)
    if estimator == "ols":
        data = data[data[depvar] > 0]
        data["ln_y"] = np.log(data[depvar])
        fit = pf.feols(f"ln_y ~ {formula_rhs}", data=data, vcov={"CRV1": cluster})
    else:
        fit = pf.fepois(
            f"{depvar} ~ {formula_rhs}",
            data=data,
            vcov={"CRV1": cluster},
            iwls_maxiter=maxiter,
            separation_check=["fe"],
        )
        if not getattr(fit, "convergence", True):
            raise ComputationError(
                f"PPML for design {design} did not converge in {maxiter} iterations: raise maxiter or check the panel"
            )
    coef = fit.coef()
    se = fit.se()
    used = int(fit._N)
    n_clusters = int(data.loc[:, cluster].nunique()) if estimator == "ols" else int(fit._G[0])
    return Fit(
        design,
        {k: _round(coef[k]) for k in regressors},
        {k: _round(se[k]) for k in regressors},
        used,
        n_input,
        n_input - used,
        n_clusters,
    )


def cells(fit: Fit) -> dict:
    """The four cells of Table 1 from one fit: ``{(direction, flow): (coef, se)}`` (see :data:`CELLS`)."""
    return {cell: (fit.coef[name], fit.se[name]) for cell, name in CELLS.items()}


def comparison(fits: dict, table1: pd.DataFrame) -> pd.DataFrame:
    """The review's Table 1 summaries beside our estimates: one row per (cell, design) with the printed
    average, median, min, max and number of studies, our coefficient and standard error, and whether ours lies
    within the printed range. ``fits``: design name -> :class:`Fit`; ``table1``: the ``table1`` rows of
    :func:`mobility.models.review.load_summary_tables`."""
    printed = table1.set_index(["direction", "flow"])
    rows = []
    for (direction, flow), name in CELLS.items():
        p = printed.loc[(direction, flow)]
        for design, fit in fits.items():
            b, s = fit.coef[name], fit.se[name]
            rows.append(
                {
                    "direction": direction,
                    "flow": flow,
                    "design": design,
                    "estimate": b,
                    "se": s,
                    "average": float(p["average"]),
                    "median": float(p["median"]),
                    "min": float(p["min"]),
                    "max": float(p["max"]),
                    "number_of_studies": int(p["number_of_studies"]),
                    "within_range": bool(p["min"] <= b <= p["max"]),
                }
            )
    return pd.DataFrame(rows)


def plot_comparison(ax, table: pd.DataFrame, labels: dict | None = None) -> None:
    """One row per Table 1 cell: the review's range (bar), median (tick) and average (diamond), and our estimates
    by design (markers with 95% intervals). ``table`` is :func:`comparison`'s output."""
    from mobility.core.style import PALETTE

    labels = labels or {}
    cells_ = list(dict.fromkeys(zip(table["direction"], table["flow"], strict=True)))
    designs = list(dict.fromkeys(table["design"]))
    markers = ["o", "s", "^", "v", "P", "X"]
    for k, cell in enumerate(cells_):
        y = len(cells_) - 1 - k
        sub = table[(table["direction"] == cell[0]) & (table["flow"] == cell[1])]
        first = sub.iloc[0]
        ax.plot(
            [first["min"], first["max"]],
            [y, y],
            color="#bbbbbb",
            ls="-",
            lw=7,
            solid_capstyle="butt",
            label="review: range" if k == 0 else None,
            zorder=1,
        )
        ax.plot(
            first["median"],
            y,
            marker="|",
            ms=16,
            mew=2.5,
            color="#222222",
            ls="none",
            label="review: median" if k == 0 else None,
            zorder=3,
        )
        ax.plot(
            first["average"],
            y,
            marker="D",
            ms=7,
            color="#222222",
            mfc="white",
            ls="none",
            label="review: average" if k == 0 else None,
            zorder=3,
        )
        for d, design in enumerate(designs):
            row = sub[sub["design"] == design].iloc[0]
            off = -0.3 + 0.6 * (d + 0.5) / len(designs)
            ax.errorbar(
                row["estimate"],
                y + off,
                xerr=1.96 * row["se"],
                fmt=markers[d % len(markers)],
                color=PALETTE[d % len(PALETTE)],
                ms=5,
                capsize=2,
                lw=1.2,
                zorder=4,
                label=labels.get(design, design) if k == 0 else None,
            )
    ax.set_yticks(range(len(cells_)), [f"{d}\n{f}" for d, f in reversed(cells_)])
    ax.axvline(0, color="#222222", lw=0.8)
    ax.set_xlabel("elasticity of trade with respect to the migrant stock")
    ax.set_ylim(-0.6, len(cells_) - 0.4)
    ax.grid(axis="y", visible=False)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2, fontsize=9, frameon=False)


# ------------------------------------------------------------------------------------------------ tables, verdicts
#: Human labels of the designs, in display order.
DESIGN_LABELS = {
    "ppml_cross_section": "PPML, cross-section",
    "ppml_pair": "PPML, pair fixed effects",
    "ols_cross_section": "OLS on logs, cross-section",
    "ols_pair": "OLS on logs, pair fixed effects",
}
RULE_LABELS = {"interpolate": "log-linear interpolation", "earlier": "nearest earlier wave"}
COUNT_LABELS = {
    "trade_rows": "trade flows, 1992-2016",
    "unmatched_country": "a country without stock data",
    "no_stock": "no stock reported for the pair (one or both directions)",
    "zero_stock": "a zero stock (one or both directions)",
    "no_geography": "no CEPII geography for the pair",
    "sample": "estimation panel",
}


def _int(n) -> str:
    return f"{int(n):,}"


def _coef_se(fit: Fit, name: str) -> str:
    return f"{fit.coef[name]:.3f} ({fit.se[name]:.3f})".replace("-", "−")


def matching_table(years=TRADE_YEARS, waves=STOCK_WAVES) -> pd.DataFrame:
    """For each trade year: the waves and weight each rule uses (strings, for display)."""
    rows = []
    for year in years:
        a, b, w = wave_weights(year, waves, "interpolate")
        e, _, _ = wave_weights(year, waves, "earlier")
        interp = f"{a} (exact)" if a == b else f"{a}-{b}, weight {w:.1f} on {b}"
        rows.append(
            {
                "trade year": str(year),
                RULE_LABELS["interpolate"]: interp,
                RULE_LABELS["earlier"]: f"{e}" + (" (exact)" if e == year else ""),
            }
        )
    return pd.DataFrame(rows)


def accounting_table(panels: dict) -> pd.DataFrame:
    """Rows and pairs at each step of :func:`build_panel`, one column pair per rule (``panels``: rule -> Panel)."""
    rows = []
    for key, label in COUNT_LABELS.items():
        row = {"trade flows": label}
        for rule, panel in panels.items():
            row[f"rows ({RULE_LABELS[rule]})"] = _int(panel.counts[key])
            row[f"pairs ({RULE_LABELS[rule]})"] = _int(
                panel.counts[key.replace("_rows", "") + "_pairs"]
                if key != "trade_rows"
                else panel.counts["trade_pairs"]
            )
        rows.append(row)
    return pd.DataFrame(rows)


def estimates_table(fits: dict) -> pd.DataFrame:
    """One row per design and rule: the two stock elasticities (standard errors in parentheses), observations,
    pairs. ``fits``: rule -> {design -> :class:`Fit`}."""
    rows = []
    for rule, by_design in fits.items():
        for design, fit in by_design.items():
            rows.append(
                {
                    "design": DESIGN_LABELS[design],
                    "stocks matched by": RULE_LABELS[rule],
                    "born in exporter, living in importer": _coef_se(fit, "ln_stock_ij"),
                    "born in importer, living in exporter": _coef_se(fit, "ln_stock_ji"),
                    "observations": _int(fit.nobs),
                    "pairs": _int(fit.n_clusters),
                }
            )
    return pd.DataFrame(rows)


def verdicts(fits: dict, table1: pd.DataFrame) -> dict:
    """The discussion's checks, computed (``fits``: design -> :class:`Fit` for the main rule).

    - ``cross_section_positive``: every cross-section PPML stock elasticity is positive and its 95% interval
      excludes zero;
    - ``pair_significant``: how many of the two pair-FE PPML stock elasticities have a 95% interval excluding zero;
    - ``pair_over_cross_section_<stock>``: the pair-FE PPML elasticity as a share of the cross-section one;
    - ``imports_above_exports``: the immigration-imports elasticity exceeds immigration-exports (the review's
      medians say so) in the cross-section PPML;
    - ``pair_below_half``: both pair-FE PPML elasticities are below half the cross-section ones in absolute value;
    - ``within_range``: how many of the four cells' cross-section PPML estimates lie in the review's printed range;
    - ``within_quarter_range_ppml``/``_ols``: how many cells' cross-section estimates lie within a quarter of the
      printed range of the review's average (:func:`within_quarter_range`).
    """
    cs, pair = fits["ppml_cross_section"], fits["ppml_pair"]
    out = {
        "cross_section_positive": all(cs.coef[s] - 1.96 * cs.se[s] > 0 for s in STOCKS),
        "pair_significant": sum(abs(pair.coef[s]) > 1.96 * pair.se[s] for s in STOCKS),
    }
    for s in STOCKS:
        out[f"pair_over_cross_section_{s.removeprefix('ln_stock_')}"] = pair.coef[s] / cs.coef[s]
    imm = {flow: cs.coef[CELLS[("immigration", flow)]] for flow in ("exports", "imports")}
    out["imports_above_exports"] = imm["imports"] > imm["exports"]
    out["pair_below_half"] = all(abs(pair.coef[s]) < 0.5 * abs(cs.coef[s]) for s in STOCKS)
    out["within_range"] = int(comparison({"ppml_cross_section": cs}, table1)["within_range"].sum())
    for design in ("ppml_cross_section", "ols_cross_section"):
        out[f"within_quarter_range_{design.split('_')[0]}"] = within_quarter_range(fits[design], table1)
    return out


#: What the page says about where its numbers come from.
MODE_SENTENCES = {
    "real": "Everything below is computed from the data kit (real mode).",
    "simulated": (
        "The data kit is not available to this build (MOBILITY_DATA_DIR is not set), so everything below "
        "is computed on a small simulated world with a known within-pair elasticity (simulated mode): "
        "the numbers illustrate the method and are not evidence."
    ),
}


def as_word(value):
    """Booleans as words for the prose (``yes``/``no``); anything else unchanged."""
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    return value


def codes_sentence(codes: dict, top: int = 3) -> str:
    """``"7 codes, the largest TWN (2,617 flows), ..."`` from ``{code: flows}``; ``"none"`` when empty."""
    if not codes:
        return "none"
    ranked = sorted(codes.items(), key=lambda kv: (-kv[1], kv[0]))
    named = ", ".join(f"{code} ({_int(n)} flows)" for code, n in ranked[:top])
    return f"{len(codes)} codes, the largest {named}"


def how_shares(how: dict) -> dict:
    """Share of stock values of each kind (``exact``, ``loglinear``, ``linear``, ``earlier``; zeros included)."""
    total = sum(how.values())
    return {k: (how.get(k, 0) / total if total else 0.0) for k in ("exact", "loglinear", "linear", "earlier")}


def within_quarter_range(fit: Fit, table1: pd.DataFrame) -> int:
    """How many of the four cells' estimates lie within a quarter of the printed range of the review's average
    (the scorecard's pre-registered tolerance rule for the cross-section designs)."""
    table = comparison({fit.design: fit}, table1)
    tolerance = ((table["max"] - table["min"]) / 4).round(2)
    return int(((table["estimate"] - table["average"]).abs() <= tolerance + 1e-12).sum())
