"""A structural simulation of the paper's migration model (eqs. 1-6 of Levelu, Mayda & Orefice 2023).

The simulated world has the paper's design: about 200 countries, 7 waves (1990, 1995, ..., 2020), symmetric
trade agreements (RTA) of which a subset carries visa provisions (Visa), a Schengen block that phases in from
1995, gravity controls (distance, colony, common language, common religion), GDP per capita and income groups.

**The model.** A resident h of origin i chooses the location j (including staying at home) that maximises
``U_hijt = ln w_jt - ln c_ijt + ln xi_hijt`` (eq. 1) with type-1 extreme-value ``ln xi``, so the share choosing j is
the logit of eq. (2) and the expected stock is eq. (3):
``M_ijt = N_it * (w_jt / c_ijt) / sum_d (w_dt / c_idt)``.
Destination attractiveness ``w_jt`` is exogenous (the paper's footnote 12 assumes the resistance terms do not
respond to one pair's cost), so eq. (6) holds with the origin terms ``N_it / W_it`` and the destination term
``w_jt`` absorbed exactly by origin-year and destination-year effects. The bilateral cost is

``ln(1/c_ijt) = b_visa Visa_ijt + b_rta RTA_ijt + b_sch Schengen_ijt + b_dist ln dist_ij + b_col Colony_ij
+ b_lang Language_ij + b_rel Religion_ij + b_gdp GDPdiff_ijt [+ heterogeneity terms] + u_ij``

so the PPML specification of eq. (7) is correctly specified and its coefficients are the ``b``'s. The observed
stock is a count: ``Mig_ijt ~ Poisson(M_ijt * eta_ijt)`` with ``eta ~ Gamma(mean 1, variance overdispersion)``,
which gives zeros for small expected stocks and keeps ``E[Mig | x] = M`` (the PPML moment condition). Most zeros
in the UN data are pairs that are never reported; the simulation mimics them with a pair-level mask
(``unreported_share``) drawn independently of the regressors, so it only scales the conditional mean by a constant
(absorbed by the fixed effects) and, as in the paper, pair fixed effects drop the all-zero pairs. ``u_ij`` is
an unobserved pair cost (``pair_sd``, zero by
default); with ``selection > 0`` agreements form more often where ``u_ij`` is high, which biases estimators
without pair fixed effects (the identification page).

The heterogeneity terms (all zero by default) let each table's specification be the true model in turn:
``Visa x NorthSouth`` and ``RTA x NorthSouth`` (Table 3), ``Visa x right-wing vote share at destination`` (Table 9),
an extra effect one wave after a visa provision enters (Table 11), and ``destination_trend`` makes visa adoption more
likely for destinations whose attractiveness is rising (a violation of parallel trends that only destination-year
effects remove).
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

__all__ = ["SimulationParams", "simulate_panel", "TRUE_COLUMNS"]

WAVES = (1990, 1995, 2000, 2005, 2010, 2015, 2020)

#: The regressor names whose true coefficients the parameters set.
TRUE_COLUMNS = {
    "visa": "beta_visa",
    "rta": "beta_rta",
    "schengen": "beta_schengen",
    "ln_dist": "beta_dist",
    "colony": "beta_colony",
    "comlang": "beta_lang",
    "comrelig": "beta_relig",
    "gdp_diff": "beta_gdp",
    "visa_x_ns": "beta_visa_ns",
    "rta_x_ns": "beta_rta_ns",
    "visa_x_right": "beta_visa_right",
}

# Schengen phase-in by wave (number of members that have joined by then), following the kit's membership file:
# 7 by 1995, 10 by 2000 (AUT, ITA 1997; GRC 2000), 15 by 2005 (Nordic 2001), 25 by 2010 (2007/08 enlargement and
# CHE), 26 by 2015 (LIE).
_SCHENGEN_BY_WAVE = {1990: 0, 1995: 7, 2000: 10, 2005: 15, 2010: 25, 2015: 26, 2020: 26}


@dataclass(frozen=True)
class SimulationParams:
    """True coefficients and design of the simulated world (defaults: the paper's Table 2 column 3 magnitudes).

    Raises ``ValueError`` naming the parameter when a value is outside its allowed range.
    """

    n_countries: int = 200
    seed: int = 20230224
    beta_visa: float = 0.055
    beta_rta: float = 0.036
    beta_schengen: float = 0.186
    beta_dist: float = -1.261
    beta_colony: float = 1.915
    beta_lang: float = 0.955
    beta_relig: float = 0.510
    beta_gdp: float = 0.0
    beta_visa_ns: float = 0.0
    beta_rta_ns: float = 0.0
    beta_visa_right: float = 0.0
    beta_visa_lag: float = 0.0
    pair_sd: float = 0.8
    selection: float = 0.0
    destination_trend: float = 0.0
    overdispersion: float = 0.05  # variance of the mean-one gamma noise on each cell
    emigration_rate: float = 0.03
    unreported_share: float = 0.6
    rta_share: float = 0.107
    visa_share: float = 0.046
    waves: tuple = field(default=WAVES)

    def __post_init__(self):
        if not 30 <= self.n_countries <= 400:
            raise ValueError(f"n_countries must be in [30, 400], got {self.n_countries}")
        if not 0 <= self.pair_sd <= 3:
            raise ValueError(f"pair_sd must be in [0, 3], got {self.pair_sd}")
        if not 0 <= self.overdispersion <= 5:
            raise ValueError(f"overdispersion must be in [0, 5], got {self.overdispersion}")
        if not 0 <= self.unreported_share < 1:
            raise ValueError(f"unreported_share must be in [0, 1), got {self.unreported_share}")
        if not 0 < self.emigration_rate < 0.5:
            raise ValueError(f"emigration_rate must be in (0, 0.5), got {self.emigration_rate}")
        if not 0 < self.visa_share < self.rta_share < 0.5:
            raise ValueError(
                f"need 0 < visa_share < rta_share < 0.5, got visa_share={self.visa_share}, rta_share={self.rta_share}"
            )
        if not -3 <= self.selection <= 3:
            raise ValueError(f"selection must be in [-3, 3], got {self.selection}")
        if not 0 <= self.destination_trend <= 3:
            raise ValueError(f"destination_trend must be in [0, 3], got {self.destination_trend}")
        if len(self.waves) < 3 or list(self.waves) != sorted(self.waves):
            raise ValueError(f"waves must be at least 3 increasing years, got {self.waves}")

    def truth(self) -> dict:
        """True coefficient by regressor name."""
        d = asdict(self)
        return {col: float(d[name]) for col, name in TRUE_COLUMNS.items()}


def _n_eu(n: int) -> int:
    """Size of the EU/Schengen block: 26 in a world of 200 countries, scaled with the number of countries."""
    return max(4, round(26 * n / 200))


def _phi(x):
    """Standard normal CDF."""
    from scipy.special import ndtr

    return ndtr(x)


def _countries(p: SimulationParams, rng: np.random.Generator) -> pd.DataFrame:
    n = p.n_countries
    n_regions = 6
    region = rng.integers(0, n_regions, n)
    n_eu = _n_eu(n)
    region[: max(n_eu, n // 8)] = 0  # region 0 ("Europe") holds the Schengen candidates
    centres = np.array([[0.0, 0.0], [-6.5, -1.0], [1.0, -4.5], [4.5, 1.0], [7.5, -2.5], [9.0, -5.5]])
    xy = centres[region] + rng.normal(0, 1.2, (n, 2))
    ln_y = rng.normal(8.3, 1.2, n) + 0.9 * (region == 0)
    growth = rng.normal(0.10, 0.08, n)  # log growth of GDP per capita per 5-year wave
    ln_pop = rng.normal(15.5, 1.6, n)
    amenity = rng.normal(0, 0.8, n)
    lang = np.where(rng.random(n) < 0.75, region, rng.integers(0, 8, n))
    relig = rng.dirichlet(np.full(5, 0.35), n)
    visa_prop = rng.normal(0, 1, n)  # country propensity to put visa provisions in its agreements
    return pd.DataFrame(
        {
            "region": region,
            "x": xy[:, 0],
            "y": xy[:, 1],
            "ln_y0": ln_y,
            "growth": growth,
            "ln_pop": ln_pop,
            "amenity": amenity,
            "lang": lang,
            "visa_prop": visa_prop,
        }
    ).assign(**{f"relig{k}": relig[:, k] for k in range(5)})


@functools.cache
def _identifiers(n: int, waves: tuple) -> tuple[np.ndarray, np.ndarray]:
    """The country-year (``C007_1990``, country-major) and pair (``C007_C012``, origin-major) identifiers of ``n``
    countries, made once per size (the Monte Carlo simulates the same size hundreds of times)."""
    names = [f"C{k:03d}" for k in range(n)]
    name_year = np.array([f"{c}_{yr}" for c in names for yr in waves], dtype=object)
    pair_name = np.array([f"{a}_{b}" for a in names for b in names], dtype=object)
    name_year.flags.writeable = pair_name.flags.writeable = False
    return name_year, pair_name


def _strings(values: np.ndarray, idx: np.ndarray):
    """``values[idx]`` as the column pandas makes of strings (what ``pd.DataFrame`` infers), gathered by pyarrow from
    the few distinct strings: 10x faster than converting 100,000 Python strings, the same column."""
    dtype = pd.Series(values[:1]).dtype
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        import pyarrow as pa

        return pd.array(pa.array(values, pa.string()).take(pa.array(idx)), dtype=dtype)
    return pd.array(values[idx], dtype=dtype)


def simulate_panel(params: SimulationParams | None = None) -> pd.DataFrame:
    """Simulate the pair-year panel (ordered pairs i != j, every wave) with the model in the module docstring.

    Deterministic for a given ``params`` (``seed``). Columns: ``origin, destination, year, stock`` (persons),
    ``expected`` (the model's ``M_ijt``), ``visa, rta, schengen, ln_dist, colony, comlang, comrelig, gdp_diff,
    north_south, dest_north, right_vote, visa_x_ns, rta_x_ns, visa_x_right``, the visa-type and posting dummies,
    ``depth``, the placebo provisions, ``visa_entry`` (first wave with a visa provision, 0 if never) and the
    fixed-effect identifiers ``orig_year, dest_year, pair``.
    """
    p = params or SimulationParams()
    rng = np.random.default_rng(p.seed)
    c = _countries(p, rng)
    n = p.n_countries
    waves = np.array(p.waves)
    T = len(waves)
    names = np.array([f"C{k:03d}" for k in range(n)])

    # --- time-invariant pair attributes (symmetric) ---
    dxy = np.hypot(c.x.to_numpy()[:, None] - c.x.to_numpy()[None, :], c.y.to_numpy()[:, None] - c.y.to_numpy()[None, :])
    ln_dist = np.log(1150.0 * dxy + 150.0)
    comlang = (c.lang.to_numpy()[:, None] == c.lang.to_numpy()[None, :]).astype(float)
    R = c[[f"relig{k}" for k in range(5)]].to_numpy()
    comrelig = R @ R.T
    iu = np.triu_indices(n, 1)
    colony = np.zeros((n, n))
    rich = c.ln_y0.to_numpy() > np.quantile(c.ln_y0, 0.9)
    cand = np.where(rng.random(len(iu[0])) < 0.007 / max(rich.mean() * 2, 1e-9) * (rich[iu[0]] ^ rich[iu[1]]))[0]
    colony[iu[0][cand], iu[1][cand]] = 1.0
    colony = np.maximum(colony, colony.T)
    u = np.zeros((n, n))
    u[iu] = rng.normal(0, 1, len(iu[0]))
    u = (u + u.T) / np.sqrt(2.0)  # standard-normal symmetric pair unobservable; scaled by pair_sd below

    # --- income, North/South, destination attractiveness ---
    ln_y = c.ln_y0.to_numpy()[:, None] + c.growth.to_numpy()[:, None] * np.arange(T)[None, :]
    north = (ln_y[:, -1] > np.quantile(ln_y[:, -1], 0.72)).astype(float)  # "High income" at the end of the sample
    ns = (north[:, None] != north[None, :]).astype(float)
    trend = rng.normal(0, 0.15, n)  # destination-specific attractiveness trend per wave
    ln_w = 0.6 * ln_y + c.amenity.to_numpy()[:, None] + trend[:, None] * np.arange(T)[None, :]
    ln_pop = c.ln_pop.to_numpy()[:, None] + 0.06 * np.arange(T)[None, :]

    # --- agreements: RTA entry wave per unordered pair; visa provisions on a subset ---
    prop = (
        -1.6 * (ln_dist - ln_dist[iu].mean())
        + 1.0 * (c.region.to_numpy()[:, None] == c.region.to_numpy()[None, :])
        + p.selection * u
        + rng.logistic(0, 1, (n, n))
    )
    prop = np.triu(prop, 1)
    # pairs with an agreement by the last wave, entry spread over waves (more agreements later)
    ever_share = min(0.95, p.rta_share / 0.55)
    thr = np.quantile(prop[iu], 1 - ever_share)
    ever = np.zeros((n, n), bool)
    ever[iu] = prop[iu] > thr
    w = np.linspace(1.0, 2.0, T)
    entry = np.full((n, n), T)  # index of first wave with an RTA; T = never
    entry[iu] = np.where(ever[iu], rng.choice(T, size=len(iu[0]), p=w / w.sum()), T)
    # Visa provisions: each country adopts a policy of putting visa provisions in its agreements at wave tau_i
    # (earlier for a high propensity z_i; destinations with rising attractiveness adopt earlier when
    # destination_trend > 0, a parallel-trends violation). A pair's agreement carries a visa provision from
    # max(RTA entry, tau_i, tau_j) if the pair's own draw keeps it (probability 0.85). Country-level timing is what
    # makes the leave-one-out instrument of eq. (9) relevant.
    z = c.visa_prop.to_numpy() + 0.6 * north + p.destination_trend * trend / 0.15 + rng.normal(0, 0.5, n)
    keep_pair = np.triu(rng.random((n, n)) < 0.85, 1)
    keep_pair = keep_pair | keep_pair.T

    def visa_entry_for(shift):
        tau = np.clip(np.floor(T * (1 - _phi(z + shift))), 0, T).astype(int)  # T = never adopts
        start = np.maximum(np.maximum(entry, tau[:, None]), tau[None, :])
        return np.where(ever & keep_pair & (start < T), start, T)

    rta_years = (T - entry[iu]).clip(0).sum()
    n_eu = _n_eu(n)
    eu_pair_years = n_eu * (n_eu - 1) / 2 * T  # the EU/Schengen block below carries visa provisions in every wave
    target = max(p.visa_share * len(iu[0]) * T - eu_pair_years, 0.1 * p.visa_share * len(iu[0]) * T) / rta_years
    lo, hi = -6.0, 6.0
    for _ in range(40):  # bisection on the adoption shift to hit the visa share among RTA pair-years
        mid = (lo + hi) / 2
        share = (T - visa_entry_for(mid)[iu]).clip(0).sum() / rta_years
        lo, hi = (mid, hi) if share < target else (lo, mid)
    ventry = visa_entry_for((lo + hi) / 2)
    vis_ever = ventry < T

    # Schengen block: the first n_eu countries of region 0 (26 of 200 countries, scaled with n_countries; all EU:
    # RTA with visa provisions from 1990), joining Schengen in the proportions of the real phase-in
    eu = np.where(c.region.to_numpy() == 0)[0][:n_eu]
    counts = [round(_SCHENGEN_BY_WAVE.get(int(yr), 26 if yr > 2015 else 0) * n_eu / 26) for yr in waves]
    join_wave = np.array([next((t for t, k in enumerate(counts) if k > m), T) for m in range(n_eu)])
    sch_entry = np.full(n, T)
    sch_entry[eu] = join_wave
    for a in eu:
        for b in eu:
            if a < b:
                entry[a, b] = 0
                ventry[a, b] = 0
                vis_ever[a, b] = True
                ever[a, b] = True
    entry = np.minimum(entry, entry.T)
    ventry = np.minimum(ventry, ventry.T)
    ever = ever | ever.T
    vis_ever = vis_ever | vis_ever.T

    # agreement content (pair level, symmetric): visa types, posting, depth, placebo provisions
    def sym_draw(prob):
        m = np.zeros((n, n))
        m[iu] = (rng.random(len(iu[0])) < prob).astype(float)
        return m + m.T

    types = {
        k: sym_draw(q) * vis_ever
        for k, q in {"visa_ds": 0.64, "visa_fm": 0.52, "visa_res": 0.33, "visa_form": 0.37}.items()
    }
    posting = {
        k: sym_draw(q) * vis_ever
        for k, q in {"post_natural": 0.7, "post_categories": 0.4, "post_investors": 0.5}.items()
    }
    placebo = {k: sym_draw(q) * ever for k, q in {"placebo_capital": 0.5, "placebo_laundering": 0.3}.items()}
    depth_base = np.zeros((n, n))
    depth_base[iu] = rng.poisson(25, len(iu[0]))
    depth_base = depth_base + depth_base.T
    right = np.where(rng.random(n) < 0.3, np.clip(rng.beta(1.2, 9.0, n), 0, 0.54), np.nan)

    # --- long panel: the rows are wave after wave of the ordered pairs (oi, di) ---
    oi, di = np.where(~np.eye(n, dtype=bool))
    o_all, d_all, wave = np.tile(oi, T), np.tile(di, T), np.repeat(np.arange(T), len(oi))
    rta = (entry[o_all, d_all] <= wave).astype(float)
    visa = (ventry[o_all, d_all] <= wave).astype(float)
    ve = ventry[o_all, d_all]
    frame = {
        "origin": _strings(names, o_all),
        "destination": _strings(names, d_all),
        "year": waves[wave].astype(np.int64),
        "t": wave.astype(np.int64),
        "rta": rta,
        "visa": visa,
        "schengen": ((sch_entry[o_all] <= wave) & (sch_entry[d_all] <= wave)).astype(float),
        "ln_dist": ln_dist[o_all, d_all],
        "colony": colony[o_all, d_all],
        "comlang": comlang[o_all, d_all],
        "comrelig": comrelig[o_all, d_all],
        "gdp_diff": np.log1p(np.abs(np.exp(ln_y[d_all, wave]) - np.exp(ln_y[o_all, wave]))),
        "north_south": ns[o_all, d_all],
        "dest_north": north[d_all],
        "right_vote": right[d_all] * (0.9 + 0.02 * wave),
        "visa_entry": np.where(ve < T, waves[np.minimum(ve, T - 1)], 0),
        "depth": rta * (depth_base[o_all, d_all] + 15 * vis_ever[o_all, d_all]),
        "u": u[o_all, d_all],
        "ln_w_d": ln_w[d_all, wave],
        "ln_pop_o": ln_pop[o_all, wave],
    }
    for k, m in {**types, **posting, **placebo}.items():
        frame[k] = m[o_all, d_all] * (visa if k in types or k in posting else rta)
    df = pd.DataFrame(frame)
    df["visa_x_ns"] = df.visa * df.north_south
    df["rta_x_ns"] = df.rta * df.north_south
    df["visa_x_right"] = df.visa * df.right_vote

    # --- the model: eq. (3)/(6) shares, with the home option ---
    truth = p.truth()
    index = sum(truth[k] * df[k].fillna(0.0).to_numpy() for k in truth)
    # dynamic effect (Table 11): an extra effect from the wave after the provision enters
    index = index + p.beta_visa_lag * ((df.visa_entry.to_numpy() > 0) & (df.year.to_numpy() > df.visa_entry.to_numpy()))
    index = index + p.pair_sd * df.u.to_numpy()
    v = np.exp(df.ln_w_d.to_numpy() + index)
    denom_foreign = pd.Series(v).groupby(o_all + n * wave).transform("sum")
    # home utility chosen so that the foreign share averages emigration_rate for a typical origin
    home = denom_foreign.to_numpy() * (1 - p.emigration_rate) / p.emigration_rate
    expected = np.exp(df.ln_pop_o.to_numpy()) * v / (home + denom_foreign.to_numpy())
    if p.overdispersion > 0:
        eta = rng.gamma(1.0 / p.overdispersion, p.overdispersion, len(df))
    else:
        eta = np.ones(len(df))
    df["expected"] = expected
    # unreported pairs (the UN file's zeros where a destination does not report an origin): a pair-level mask drawn
    # independently of the regressors, so E[Mig | x] = (1 - unreported_share) * M and the factor is absorbed
    reported = rng.random((n, n)) >= p.unreported_share
    df["stock"] = rng.poisson(expected * eta).astype(float) * reported[oi, di][np.arange(len(df)) % len(oi)]
    # the fixed-effect identifiers, looked up from per-country tables (the same strings as concatenating columns)
    name_year, pair_name = _identifiers(n, tuple(int(yr) for yr in waves))
    df["orig_year"] = _strings(name_year, o_all * T + wave)
    df["dest_year"] = _strings(name_year, d_all * T + wave)
    df["pair"] = _strings(pair_name, o_all * n + d_all)
    return df.drop(columns=["u", "ln_w_d", "ln_pop_o"])
