"""Results 1-7 of Baldwin & Okubo checked in the reconstructed model: the numbers each claim rests on, and a
verdict per claim computed from them (never typed).

Derivatives are complex-step (:func:`~mobility.models.relocation.numerics.dphi`); "always" claims are checked on
interior grids of the relevant range of phi. Verdicts are the words :data:`CONFIRMED` and :data:`NOT_CONFIRMED`
(and :data:`NOT_RESOLVED` for a simulated sign that changes with the grid).

Result 5(b), "during the second (DD) phase freer trade always boosts productivity in the large nation", is
decided by the sign of d a-bar_N/d phi over the DD phase [phi_P, phi_S] (:func:`north_dd_pattern`): on every
parameter set we tried the sign changes at most once, from negative (the North's productivity rises) next to phi_P
to positive next to phi_S, so the claim holds on an initial part of the DD phase whose length depends on s_E,
beta and (less) sigma (:func:`north_dd_share_map`); the functions count the sign changes rather than assume one.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import brentq

from .numerics import dphi, dphi_array, interior_grid
from .params import Params, RelocationParameterError, check_count, check_phi, check_positive, check_share
from .static import (
    _J,
    entry,
    export_ratio,
    frozen,
    hft,
    initial_gains,
    phi_partition,
    phi_sustain,
    phi_sustain_frozen,
    thresholds_by_root_finding,
)
from .transition import simulate_transition, welfare_gap_pv
from .welfare import (
    productivity_entry,
    productivity_entry_dd_north,
    productivity_entry_dd_north_terms,
    productivity_hft,
    special_case_derivative,
    weights_hft,
    welfare_ratio,
    welfare_south,
)

__all__ = [
    "CONFIRMED",
    "NOT_CONFIRMED",
    "NOT_RESOLVED",
    "verdict",
    "sign_word",
    "phase_points",
    "special_case_check",
    "check_results",
    "result5_scan",
    "north_dd_pattern",
    "north_dd_share_map",
    "north_dd_switch_curve",
    "result7_transition",
    "result_verdicts",
    "SOUTH_SCAN_GRID",
    "south_scan_grid",
    "south_scan_summary",
    "north_dd_map_grid",
    "north_dd_map_summary",
    "north_dd_examples",
    "footnote11_derivative",
    "hme_check",
    "general_case_summary",
    "GRID_PARAMETERS",
    "variant_grid",
    "grid_checks",
    "thresholds_check",
]

CONFIRMED = "confirmed"
NOT_CONFIRMED = "not confirmed"
#: A sign the simulation does not resolve: it differs between two resolutions of the grid.
NOT_RESOLVED = "not resolved by the simulation"


def verdict(holds: bool) -> str:
    """The verdict word for a claim that holds (``True``) or not."""
    return CONFIRMED if holds else NOT_CONFIRMED


def sign_word(x: float, tol: float = 1e-12) -> str:
    """``"zero"`` when |x| <= tol, else ``"positive"`` or ``"negative"`` (how a sign claim is recorded)."""
    return "zero" if abs(x) <= tol else ("positive" if x > 0 else "negative")


def phase_points(p: Params) -> dict:
    """The trade freeness at which Results are checked: mid-XX (phi_P/2) and mid-DD ((phi_P+phi_S)/2) phases."""
    pp, ps = phi_partition(p), phi_sustain(p)
    return {"xx": pp / 2, "dd": (pp + ps) / 2}


def _hft_B_from_masses(p: Params, phi):
    """B and B* recomputed from the masses and cut-offs of eq. (9) via the definitions of m-bar (not assumed)."""
    e = hft(p, phi)
    n, ns = e["s_n"] * e["n_w"], (1 - e["s_n"]) * e["n_w"]
    JD, JX = _J(p, e["a_D"], e["a_D"]), _J(p, e["a_X"], e["a_D"])
    return p.s_E / (n * JD + phi * ns * JX), (1 - p.s_E) / (ns * JD + phi * n * JX)


def _d(p, fun, x, i):
    return dphi(lambda z: fun(p, z)[i], x)


def check_results(p: Params, n: int = 41) -> dict:
    """The numbers on which each of Results 1-7 rests, at parameters ``p``, with a verdict per claim.

    ``n`` (an integer >= 3) interior points of the relevant phi range are checked for each "always" claim.
    Keys: ``r<k>_<what>``; ``r<k>[<part>]_verdict`` are verdict words, ``*_sign`` sign words (:func:`sign_word`)
    of the number a sign claim rests on. Result 5(b) is also described by its sign pattern over the whole DD phase
    (``r5_dd_north_*``, from :func:`north_dd_pattern`). Every value is a finite number or a word, so the whole
    mapping can be recorded at once: ``phi_s_frozen`` is capped at 1 (``frozen_full_agglomeration`` says whether
    the frozen stock ever fully agglomerates; :func:`phi_sustain_frozen` returns ``inf`` when it does not).
    """
    n = check_count("n", n, 3, "number of grid points per phi range")
    pts = phase_points(p)
    pp, ps = phi_partition(p), phi_sustain(p)
    out: dict = {
        "phi_p": pp,
        "phi_s": ps,
        "phi_s_frozen": min(phi_sustain_frozen(p), 1.0),
        "frozen_full_agglomeration": math.isfinite(phi_sustain_frozen(p)),
        "phi_xx": pts["xx"],
        "phi_dd": pts["dd"],
    }

    # Result 1: in the no-relocation equilibrium B = B*, so no X-type gains and D-types lose from moving
    gaps = [abs(b - bs) / b for b, bs in (_hft_B_from_masses(p, x) for x in interior_grid(0, ps, n))]
    out["r1_max_rel_gap_b"] = max(gaps)
    e = hft(p, pts["xx"])
    out["r1_gain_d_at_a_d"] = pts["xx"] * e["a_D"] ** (1 - p.sigma) * e["B"] - p.f  # v_D(a_D) at B = B*
    out["r1_b_gap_sign"] = sign_word(out["r1_max_rel_gap_b"])
    out["r1_verdict"] = verdict(out["r1_max_rel_gap_b"] < 1e-12)

    # Result 2: initial situation B > B* and B > (1-phi) B* (both gains fall with a), curves touch at a_X*
    diffs = [(g.B - g.B_star, g.B - (1 - x) * g.B_star) for x in interior_grid(0, 1, n) for g in [initial_gains(p, x)]]
    out["r2_min_b_minus_bstar"] = min(d[0] for d in diffs)
    g = initial_gains(p, pts["xx"])
    out["r2_b_minus_bstar_xx"] = g.B - g.B_star
    out["r2_touch_gap"] = float(g.v_X(p, g.a_X_south, pts["xx"]) - g.v_D(p, g.a_X_south, pts["xx"]))
    out["r2_b_minus_bstar_sign"] = sign_word(out["r2_min_b_minus_bstar"], 0.0)
    out["r2_touch_gap_sign"] = sign_word(out["r2_touch_gap"])
    out["r2_verdict"] = verdict(out["r2_min_b_minus_bstar"] > 0 and min(d[1] for d in diffs) > 0)

    # Result 3: a_R rises with phi in both stages; a_R < a_X before phi_P, > after; full agglomeration at phi_S
    dR = [dphi(lambda z: entry(p, z).a_R, x) for x in interior_grid(0, ps, n)]
    dRf = [dphi(lambda z: frozen(p, z).a_R, x) for x in interior_grid(0, min(1.0, out["phi_s_frozen"]), n)]
    out["r3_min_da_r_entry"] = min(dR)
    out["r3_min_da_r_frozen"] = min(dRf)
    exx, edd = entry(p, pts["xx"]), entry(p, pts["dd"])
    out["r3_ar_minus_ax_xx"] = exx.a_R - exx.a_X
    out["r3_ar_minus_ax_dd"] = edd.a_R - edd.a_X
    out["r3_da_r_sign"] = sign_word(min(dR + dRf))
    out["r3_ar_minus_ax_xx_sign"] = sign_word(out["r3_ar_minus_ax_xx"])
    out["r3_ar_minus_ax_dd_sign"] = sign_word(out["r3_ar_minus_ax_dd"])
    out["r3_verdict"] = verdict(
        min(dR) > 0 and min(dRf) > 0 and exx.a_R < exx.a_X and edd.a_R > edd.a_X and pp < ps < 1
    )

    # Result 4: d phi_S / d beta = -ln(phi_P) phi_P**(1/beta)/beta**2 > 0
    out["r4_dphis_dbeta"] = -math.log(pp) * ps / p.beta**2
    out["r4_dphis_dbeta_sign"] = sign_word(out["r4_dphis_dbeta"])
    out["r4_verdict"] = verdict(out["r4_dphis_dbeta"] > 0)

    # Result 5 (relocation then entry, the paper's case)
    xx, dd, al = interior_grid(0, pp, n), interior_grid(pp, ps, n), interior_grid(0, ps, n)
    out["r5_dan_reloc_xx"] = _d(p, productivity_entry, pts["xx"], 0)
    out["r5_dan_hft_xx"] = _d(p, productivity_hft, pts["xx"], 0)
    out["r5_das_reloc_xx"] = _d(p, productivity_entry, pts["xx"], 1)
    out["r5_das_hft_xx"] = _d(p, productivity_hft, pts["xx"], 1)
    # (a) levels: with relocation the North's a-bar is lower and the South's higher than without, at every phi
    lv = [(productivity_entry(p, x), productivity_hft(p, x)) for x in al]
    out["r5_max_level_gap_north"] = max(r[0] - h[0] for r, h in lv)  # claim: < 0
    out["r5_min_level_gap_south"] = min(r[1] - h[1] for r, h in lv)  # claim: > 0
    out["r5_level_gap_north_sign"] = sign_word(out["r5_max_level_gap_north"], 0.0)
    out["r5_level_gap_south_sign"] = sign_word(out["r5_min_level_gap_south"], 0.0)
    out["r5a_verdict"] = verdict(out["r5_max_level_gap_north"] < 0 and out["r5_min_level_gap_south"] > 0)
    # (a') the same claim read as rates of change in the XX phase
    out["r5_max_extra_north_xx"] = max(_d(p, productivity_entry, x, 0) - _d(p, productivity_hft, x, 0) for x in xx)
    out["r5_min_damp_south_xx"] = min(_d(p, productivity_entry, x, 1) - _d(p, productivity_hft, x, 1) for x in xx)
    out["r5_extra_north_xx_sign"] = sign_word(out["r5_max_extra_north_xx"])
    out["r5_damp_south_xx_sign"] = sign_word(out["r5_min_damp_south_xx"])
    out["r5a_marginal_verdict"] = verdict(out["r5_max_extra_north_xx"] < 0 and out["r5_min_damp_south_xx"] > 0)
    # (b) DD phase: freer trade always raises the North's productivity (a-bar falls)
    out["r5_dan_reloc_dd"] = _d(p, productivity_entry, pts["dd"], 0)
    dan_dd = [_d(p, productivity_entry, x, 0) for x in dd]
    out["r5_max_dan_dd"] = max(dan_dd)  # claim: < 0
    out["r5_min_dan_dd"] = min(dan_dd)
    out["r5_dd_north_sign"] = sign_word(out["r5_max_dan_dd"])
    pat = north_dd_pattern(p)
    out["r5_dd_north_share_gain"] = pat["share_gain"]
    out["r5_dd_north_switch"] = pat["switch"]
    out["r5_dd_north_sign_changes"] = pat["sign_changes"]
    out["r5_dd_north_pattern"] = pat["pattern"]
    out["r5b_verdict"] = verdict(out["r5_max_dan_dd"] < 0 and pat["share_gain"] == 1.0)
    # (c) DD phase: the South's productivity may rise or fall; falls (a-bar rises) when rho is large
    out["r5_das_reloc_dd"] = _d(p, productivity_entry, pts["dd"], 1)
    out["r5_min_das_dd"] = min(_d(p, productivity_entry, x, 1) for x in dd)  # > 0: South loses throughout
    out["r5_dd_south_sign"] = sign_word(out["r5_min_das_dd"])

    # Result 6: small-nation welfare rises with phi, without relocation and with relocation (both stages)
    ws = {
        "hft": lambda z: welfare_south(p, hft(p, z)["B"]),
        "entry": lambda z: welfare_south(p, entry(p, z).B_star),
        "frozen": lambda z: welfare_south(p, frozen(p, z).B_star),
    }
    for k, fun in ws.items():
        top = ps if k != "frozen" else min(1.0, out["phi_s_frozen"])
        out[f"r6_min_dw_{k}"] = min(dphi(fun, x) for x in interior_grid(0, top, n))
    out["r6_dw_sign"] = sign_word(min(out[f"r6_min_dw_{k}"] for k in ws), 0.0)
    out["r6_verdict"] = verdict(all(out[f"r6_min_dw_{k}"] > 0 for k in ws))

    # Result 7 (static step): eq. (26), welfare with relocation over welfare without, is exactly one
    ratios = [welfare_ratio(p, x) for x in interior_grid(0, ps, n)]
    out["r7_max_abs_log_ratio"] = max(abs(math.log(r)) for r in ratios)
    out["r7_static_log_ratio_sign"] = sign_word(out["r7_max_abs_log_ratio"])
    out["r7_static_verdict"] = verdict(out["r7_max_abs_log_ratio"] <= 1e-12)  # "no welfare effect": confirmed
    return out


def result5_scan(sigmas, rhos, s_E: float = 0.6, n: int = 9) -> np.ndarray:
    """min over the DD phase of d a-bar*/d phi (South, relocation then entry) on a (sigma, rho) grid; nan where
    beta <= 1. A negative entry would be a parameter set where freer trade raises the South's productivity in the
    DD phase, the case Result 5 says occurs for small rho. ``n`` (integer >= 1) interior points per DD phase."""
    s_E = check_share(s_E)
    n = check_count("n", n, 1, "number of grid points per DD phase")
    out = np.full((len(sigmas), len(rhos)), np.nan)
    for i, sg in enumerate(sigmas):
        for j, rh in enumerate(rhos):
            check_positive("sigma - 1", float(sg) - 1, "elasticity of substitution minus one")
            if rh / (sg - 1) <= 1:
                continue
            p = Params(sigma=float(sg), rho=float(rh), s_E=s_E)
            pp, ps = phi_partition(p), phi_sustain(p)
            out[i, j] = min(dphi(lambda z, p=p: productivity_entry(p, z)[1], x) for x in interior_grid(pp, ps, n))
    return out


def special_case_check(s_E: float = 0.6, phis=(0.7, 0.75, 0.8)) -> dict:
    """The text's sigma = rho = 2 example (Section 3.2.2): our complex-step derivative of the South's a-bar
    (eq. 24, relocation then entry) beside the text's formula, at each phi of ``phis`` (in the DD phase).
    Keys ``phi_<100 phi>.derivative``, ``phi_<100 phi>.text_formula`` and ``phi_<100 phi>.sign``."""
    q = Params(sigma=2.0, rho=2.0, s_E=check_share(s_E))
    out: dict[str, float | str] = {}
    for phi in phis:
        d = dphi(lambda z: productivity_entry(q, z)[1], phi)
        tag = f"phi_{round(phi * 100):03d}"
        out[f"{tag}.derivative"] = d
        out[f"{tag}.text_formula"] = special_case_derivative(phi, s_E)
        out[f"{tag}.sign"] = sign_word(d)
    return out


# --------------------------------------------------------------------------------------------- Result 5(b)
def _north_dd_derivative(p: Params, phi):
    return dphi_array(lambda z: productivity_entry_dd_north(p, z), phi)


def north_dd_pattern(p: Params, n: int = 801) -> dict:
    """Sign pattern of d a-bar_N/d phi over the DD phase (phi_P, phi_S), relocation then entry (Result 5(b)).

    The closed-form derivative (:func:`productivity_entry_dd_north`, complex step) is evaluated on ``n`` interior
    points; every sign change is located by root finding. Returns ``phi_p``, ``phi_s``, ``roots`` (the phi where
    the sign changes), ``sign_changes``, ``first``/``last`` (the sign next to phi_P / phi_S: -1 means the North's
    productivity rises), ``share_gain`` (the share of the DD phase, by length, on which the North's productivity
    rises: the claim holds there), ``switch`` (the first sign change, or the end of the phase: phi_S when the
    derivative is negative throughout, phi_P when it is positive throughout) and ``pattern`` (``"rises
    throughout"``, ``"falls throughout"``, ``"rises then falls"`` or ``"other"``: the North's productivity along
    the phase). ``ratio_increasing`` says whether, on the grid, the selection term d ln a_D/d phi is negative
    and the ratio of the composition term to minus the selection term
    (:func:`~mobility.models.relocation.welfare.productivity_entry_dd_north_terms`) increases along the phase:
    then the derivative, -selection times (ratio - 1), changes sign at most once, from negative to positive.
    """
    n = check_count("n", n, 3, "number of grid points over the DD phase")
    pp, ps = phi_partition(p), phi_sustain(p)
    x = interior_grid(pp, ps, n)
    d = _north_dd_derivative(p, x)
    sg = np.sign(d)
    roots = []
    for k in np.nonzero(sg[:-1] * sg[1:] < 0)[0]:
        roots.append(brentq(lambda z: float(_north_dd_derivative(p, z)), x[k], x[k + 1], xtol=1e-14))
    edges = [pp, *roots, ps]
    signs = [float(np.sign(_north_dd_derivative(p, 0.5 * (a + b)))) for a, b in zip(edges[:-1], edges[1:], strict=True)]
    share = sum(b - a for a, b, s in zip(edges[:-1], edges[1:], signs, strict=True) if s < 0) / (ps - pp)
    first, last = signs[0], signs[-1]
    sel = dphi_array(lambda z: productivity_entry_dd_north_terms(p, z)[0], x)
    comp = dphi_array(lambda z: productivity_entry_dd_north_terms(p, z)[1], x)
    ratio = comp / -sel  # the derivative is -sel * (ratio - 1): its sign is the sign of ratio - 1
    ratio_increasing = bool(np.all(sel < 0) and np.all(np.diff(ratio) > 0))
    if not roots:
        pattern = "rises throughout" if first < 0 else "falls throughout"
        switch = ps if first < 0 else pp
    else:
        pattern = "rises then falls" if len(roots) == 1 and first < 0 else "other"
        switch = roots[0]
    return {
        "phi_p": pp,
        "phi_s": ps,
        "roots": roots,
        "sign_changes": len(roots),
        "first": first,
        "last": last,
        "share_gain": float(share),
        "switch": float(switch),
        "pattern": pattern,
        "ratio_increasing": ratio_increasing,
    }


def north_dd_share_map(sigma: float, s_grid, beta_grid, n: int = 201) -> dict:
    """:func:`north_dd_pattern` over a grid of (s_E, beta) at elasticity ``sigma`` (rho = beta (sigma-1)).

    Returns arrays of shape (len(beta_grid), len(s_grid)): ``share_gain`` (share of the DD phase on which the
    North's productivity rises), ``sign_changes``, ``first``, ``last`` and ``ratio_increasing`` (0/1); and
    ``max_sign_changes``, ``all_ratio_increasing`` and ``points``."""
    n = check_count("n", n, 3, "number of grid points over the DD phase")
    shape = (len(beta_grid), len(s_grid))
    arrays = {k: np.full(shape, np.nan) for k in ("share_gain", "sign_changes", "first", "last", "ratio_increasing")}
    for i, b in enumerate(beta_grid):
        for j, s in enumerate(s_grid):
            pat = north_dd_pattern(Params(sigma=float(sigma), rho=float(b) * (float(sigma) - 1), s_E=float(s)), n)
            for k, arr in arrays.items():
                arr[i, j] = float(pat[k])
    return {
        **arrays,
        "max_sign_changes": int(np.max(arrays["sign_changes"])),
        "all_ratio_increasing": bool(np.all(arrays["ratio_increasing"] == 1.0)),
        "points": int(arrays["share_gain"].size),
    }


def north_dd_switch_curve(p: Params, s_grid, n: int = 201) -> dict:
    """Over a grid of s_E at p's sigma and rho: phi_P, phi_S and the switch point of :func:`north_dd_pattern`
    (the North's productivity rises with phi on (phi_P, switch) and falls on (switch, phi_S)), with ``s_E``."""
    rows = [north_dd_pattern(p.replace(s_E=float(s)), n) for s in s_grid]
    out = {k: np.array([r[k] for r in rows], dtype=float) for k in ("phi_p", "phi_s", "switch", "share_gain")}
    return {"s_E": np.asarray(s_grid, dtype=float), **out}


# --------------------------------------------------------------------------------------------- Result 7
def result7_transition(
    p: Params,
    phi1: float | None = None,
    discount: float = 0.05,
    *,
    T: float = 150.0,
    dt: float = 0.1,
    cells: int = 200,
    **kw,
) -> dict:
    """Result 7 in the simulated general case: the small nation's welfare with relocation allowed minus forbidden
    along the transition after trade opens at ``phi1`` (default p.phi), and its present value at ``discount``.

    The pair of runs is made at (``cells``, ``dt``) and again at half the cells and twice the step; the sign is
    *resolved* only when both present values have it (near zero the discretisation decides it). ``kw`` goes to
    :func:`~mobility.models.relocation.transition.simulate_transition`. Returns the fine runs (``both``,
    ``norel``), ``pv`` and ``pv_coarse``, ``min_gap``, ``end_gap`` (absolute gap at the horizon),
    ``s_n_minus_s_e`` (at the horizon) and ``verdict``: :data:`CONFIRMED` when both present values are positive,
    :data:`NOT_CONFIRMED` when both are negative, :data:`NOT_RESOLVED` otherwise."""
    check_positive("discount", discount, "discount rate")
    cells = check_count("cells", cells, 40, "number of cells of G")
    phi1 = check_phi(p.phi if phi1 is None else phi1)
    runs = {}
    for tag, c, h in (("fine", cells, dt), ("coarse", cells // 2, 2 * dt)):
        both = simulate_transition(p, phi1=phi1, T=T, dt=h, cells=c, **kw)
        norel = simulate_transition(p, phi1=phi1, T=T, dt=h, cells=c, relocation=False, **kw)
        runs[tag] = (both, norel, welfare_gap_pv(both, norel, discount))
    both, norel, pv = runs["fine"]
    pv_coarse = runs["coarse"][2]
    gap = both.welfare_south - norel.welfare_south
    if pv > 0 and pv_coarse > 0:
        word = CONFIRMED
    elif pv < 0 and pv_coarse < 0:
        word = NOT_CONFIRMED
    else:
        word = NOT_RESOLVED
    return {
        "both": both,
        "norel": norel,
        "pv": pv,
        "pv_coarse": pv_coarse,
        "min_gap": float(gap.min()),
        "end_gap": float(abs(gap[-1])),
        "s_n_minus_s_e": float(both.s_n[-1] - p.s_E),
        "verdict": word,
    }


def result_verdicts(checks: dict, south_scan_min: float, transition_verdict: str) -> dict:
    """The verdict per Result (and per part of Results 5 and 7) from :func:`check_results`, the minimum of
    :func:`result5_scan` and the verdict of :func:`result7_transition`.

    Result 5 is confirmed when (a) in levels, (b) the North's DD-phase gain throughout the phase and (c) a small-
    nation gain somewhere on the (sigma, rho) grid all hold; Result 7 when the static step holds and the simulated
    transition gives the small nation a positive present value at both resolutions."""
    if not math.isfinite(south_scan_min):
        raise RelocationParameterError(f"south_scan_min must be a finite number, got {south_scan_min!r}")
    if transition_verdict not in (CONFIRMED, NOT_CONFIRMED, NOT_RESOLVED):
        raise RelocationParameterError(
            f"transition_verdict must be one of {[CONFIRMED, NOT_CONFIRMED, NOT_RESOLVED]}, got {transition_verdict!r}"
        )
    c = checks
    r5c = verdict(south_scan_min < 0)
    r7t = transition_verdict
    return {
        "r1": c["r1_verdict"],
        "r2": c["r2_verdict"],
        "r3": c["r3_verdict"],
        "r4": c["r4_verdict"],
        "r5a": c["r5a_verdict"],
        "r5b": c["r5b_verdict"],
        "r5c": r5c,
        "r5": verdict(all(v == CONFIRMED for v in (c["r5a_verdict"], c["r5b_verdict"], r5c))),
        "r6": c["r6_verdict"],
        "r7_static": c["r7_static_verdict"],
        "r7_transition": r7t,
        "r7": verdict(c["r7_static_verdict"] == CONFIRMED and r7t == CONFIRMED),
    }


# --------------------------------------------------------------------------------------------- page helpers
#: (sigma, rho) grids of the South's DD-phase scan (Result 5(c, d)): the full grid and the quick one; the quick
#: grid is also the one whose minimum the scorecard checks (it does not depend on ``quick``).
SOUTH_SCAN_GRID = (
    [1.1, 1.2, 1.35, 1.5, 1.75, 2.0, 2.5, 3.0, 4.0, 5.0],
    [0.15, 0.3, 0.6, 1.0, 1.5, 2.5, 4.0, 6.0, 8.0, 12.0, 16.0],
)
SOUTH_SCAN_GRID_QUICK = ([1.2, 1.5, 2.0, 3.0, 5.0], [0.3, 1.0, 2.5, 4.0, 8.0, 16.0])


def south_scan_grid(quick: bool = False) -> tuple:
    """The (sigmas, rhos) of :func:`result5_scan` used on the results page (:data:`SOUTH_SCAN_GRID`)."""
    return SOUTH_SCAN_GRID_QUICK if quick else SOUTH_SCAN_GRID


def south_scan_summary(scan) -> dict:
    """Smallest value of a :func:`result5_scan` array over its admissible cells, its sign word and the count of
    admissible cells (``min``, ``sign``, ``cells``)."""
    scan = np.asarray(scan, dtype=float)
    ok = np.isfinite(scan)
    if not ok.any():
        raise RelocationParameterError("the (sigma, rho) scan has no admissible cell (beta > 1 nowhere)")
    low = float(scan[ok].min())
    return {"min": low, "sign": sign_word(low), "cells": int(ok.sum())}


def north_dd_map_grid(quick: bool = False) -> tuple:
    """The (s_E, beta) grid of the Result 5(b) map: s_E in [0.51, 0.99], beta in [1.05, 20] (log-spaced);
    12 x 12 points when ``quick``, else 25 x 25."""
    k = 12 if quick else 25
    return np.linspace(0.51, 0.99, k), np.geomspace(1.05, 20.0, k)


def north_dd_map_summary(share_map: dict) -> dict:
    """What the page says about a :func:`north_dd_share_map`: ``points``, ``max_sign_changes``,
    ``ratio_increasing_points`` (points where the mix term grows relative to selection along the whole phase),
    ``share_throughout`` (share of points where the North gains on the whole DD phase) and ``share_never``."""
    sh = np.asarray(share_map["share_gain"])
    return {
        "points": int(sh.size),
        "max_sign_changes": int(share_map["max_sign_changes"]),
        "ratio_increasing_points": int(np.sum(np.asarray(share_map["ratio_increasing"]) == 1.0)),
        "share_throughout": float(np.mean(sh == 1.0)),
        "share_never": float(np.mean(sh == 0.0)),
    }


def north_dd_examples(examples: dict) -> dict:
    """:func:`north_dd_pattern` at named parameter sets: keys ``<name>.phi_p``, ``<name>.switch``,
    ``<name>.phi_s``, ``<name>.share_gain``."""
    out = {}
    for name, q in examples.items():
        pat = north_dd_pattern(q)
        for k in ("phi_p", "switch", "phi_s", "share_gain"):
            out[f"{name}.{k}"] = pat[k]
    return out


def footnote11_derivative(p: Params, phi: float) -> float:
    """Our d ln W_X/d phi (complex step of eq. 11's weight), to set beside :func:`footnote11_dlnwx` (the text)."""
    return dphi(lambda z: np.log(weights_hft(p, z)["W_X"]), phi)


def hme_check(p: Params, phi: float) -> dict:
    """The home-market effect at ``phi``: the slope of s_n in s_E computed from the equilibrium (9) (``ours``; s_n
    is linear in s_E, so a forward difference of 1e-3 is exact to rounding) and the homogeneous-firm value
    (1+phi)/(1-phi) (``homogeneous``). Compare ``ours`` with :func:`hme_derivative` (the text's formula)."""
    check_phi(phi, below_one=True)
    h = 1e-3
    ours = (hft(p.replace(s_E=p.s_E + h), phi)["s_n"] - hft(p, phi)["s_n"]) / h
    return {"phi": phi, "ours": ours, "homogeneous": (1 + phi) / (1 - phi)}


def thresholds_check(p: Params) -> dict:
    """phi_P and phi_S found by root finding from the definitions (:func:`thresholds_by_root_finding`), the
    frozen-stock sustain point capped at 1 (``phi_s_frozen``; 1 = never), the value of phi x(phi)**alpha
    s_E/(1-s_E) at phi = 1 (``frozen_x_at_one``; full agglomeration of the frozen stock needs it >= 1) and
    ``frozen_sustain``, the words "fully agglomerates" or "never fully agglomerates"."""
    t = thresholds_by_root_finding(p)
    pf = phi_sustain_frozen(p)
    return {
        "phi_p": t["phi_p"],
        "phi_s": t["phi_s"],
        "phi_s_frozen": min(pf, 1.0),
        "frozen_x_at_one": export_ratio(p.sigma, p.alpha, 1.0) ** p.alpha * p.s_E / (1 - p.s_E),
        "frozen_sustain": "fully agglomerates" if math.isfinite(pf) else "never fully agglomerates",
    }


def general_case_summary(p: Params, runs: dict, discount: float, settings: dict) -> dict:
    """The numbers the general-case page prints, from :func:`~mobility.models.relocation.transition.transition_runs`
    at ``p`` (``p.phi`` is the freeness after the liberalisation): the setup (``settings``: gamma_r, gamma_e,
    delta, cells, T), the validation against the polar cases, the path of the run with both margins slow and
    Result 7 in the transition (present value of the welfare gap at ``discount``, its verdict)."""
    both, norel, slow, only = runs["both"], runs["norel"], runs["slow_death"], runs["reloc_only"]
    hft_eq, frz, ent = hft(p), frozen(p), entry(p)
    k10, k50 = (int(np.searchsorted(both.t, t)) for t in (10.0, 50.0))
    gap = both.welfare_south - norel.welfare_south
    pv = welfare_gap_pv(both, norel, discount)
    snaps = [r[np.isfinite(r)] for r in both.moved_share]
    return {
        "setup.phi1": p.phi,
        "setup.phi_p": phi_partition(p),
        "setup.gamma_r": settings["gamma_r"],
        "setup.gamma_e": settings["gamma_e"],
        "setup.delta": settings["delta"],
        "setup.cells": settings["cells"],
        "setup.horizon": settings["T"],
        "setup.delta_slow": settings["delta"] / settings.get("slow_death_factor", 5.0),
        "check.order_violations": both.order_violations + only.order_violations + slow.order_violations,
        "check.reloc_only_a_r": only.a_R[-1],
        "check.frozen_a_r": frz.a_R,
        "check.norel_s_n": norel.s_n[-1],
        "check.hft_s_n": hft_eq["s_n"],
        "check.norel_n_w": norel.n_w[-1],
        "check.hft_n_w": hft_eq["n_w"],
        "both.s_n_t10": both.s_n[k10],
        "both.s_n_t50": both.s_n[k50],
        "both.s_n_end": both.s_n[-1],
        "both.a_r_peak": both.a_R.max(),
        "both.a_r_peak_t": both.t[int(np.argmax(both.a_R))],
        "both.a_r_end": both.a_R[-1],
        "both.location_t10": both.location[k10],
        "both.n_w_end": both.n_w[-1],
        "both.b_gap_end": abs(both.B[-1] - both.B_star[-1]) / both.B[-1],
        "norel.s_n_t10": norel.s_n[k10],
        "slow_death.s_n_end": slow.s_n[-1],
        "slow_death.a_r_end": slow.a_R[-1],
        "entry_eq.a_r": ent.a_R,
        "order.monotone_snapshots": all(bool(np.all(np.diff(r) <= 1e-12)) for r in snaps),
        "result7.pv": pv,
        "result7.pv_sign": sign_word(pv, 0.0),
        "result7.discount": discount,
        "result7.min_gap": float(gap.min()),
        "result7.end_gap": float(abs(gap[-1])),
        "result7.s_n_minus_s_e": float(both.s_n[-1] - p.s_E),
        "result7.verdict": verdict(pv > 0),
    }


# --------------------------------------------------------------------------------------------- variant grids
GRID_PARAMETERS = ("s_E", "rho", "sigma")


def variant_grid(base: Params, parameter: str, lo: float, hi: float, n: int) -> np.ndarray:
    """``n`` equally spaced values of ``parameter`` (one of :data:`GRID_PARAMETERS`) from ``lo`` to ``hi``, both
    ends validated as parameters of the model (the error names the parameter and its range)."""
    if parameter not in GRID_PARAMETERS:
        raise RelocationParameterError(f"parameter must be one of {list(GRID_PARAMETERS)}, got {parameter!r}")
    n = check_count("n", n, 2, "number of grid points")
    for name, v in (("lo", lo), ("hi", hi)):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise RelocationParameterError(f"{name} (grid end) must be a finite number, got {v!r}")
    if not lo < hi:
        raise RelocationParameterError(f"lo must be below hi, got lo={lo!r}, hi={hi!r}")
    for end in (lo, hi):
        base.replace(**{parameter: float(end)})
    return np.linspace(lo, hi, n)


def grid_checks(base: Params, parameter: str, grid, n: int = 21) -> tuple:
    """:func:`check_results` along ``grid`` values of ``parameter``. Returns the array R (columns: value, beta,
    phi_P, phi_S, frozen phi_S capped at 1, min B - B*, max and min d a-bar_N/d phi over the DD phase... see
    :func:`~mobility.models.relocation.figures.grid_summary`) and the summary the variant records."""
    rows, r6, share = [], [], []
    for x in grid:
        p = base.replace(**{parameter: float(x)})
        c = check_results(p, n=n)
        rows.append(
            (
                x,
                p.beta,
                c["phi_p"],
                c["phi_s"],
                c["phi_s_frozen"],
                c["r2_min_b_minus_bstar"],
                c["r5_max_dan_dd"],
                c["r5_min_das_dd"],
            )
        )
        r6.append(c["r6_verdict"] == CONFIRMED)
        share.append(c["r5_dd_north_share_gain"])
    R = np.array(rows, dtype=float)
    summary = {
        "points": len(R),
        "phi_s_increasing": bool(parameter != "rho" or np.all(np.diff(R[:, 3]) > 0)),
        "phi_s_along_grid": (
            "rises at every step"
            if np.all(np.diff(R[:, 3]) > 0)
            else "falls at every step"
            if np.all(np.diff(R[:, 3]) < 0)
            else "is not monotone"
        ),
        "min_b_minus_bstar": float(R[:, 5].min()),
        "max_dan_dd": float(R[:, 6].max()),
        "min_dan_dd": float(R[:, 6].min()),
        "min_das_dd": float(R[:, 7].min()),
        "share_north_dd_gains": float(np.mean(R[:, 6] < 0)),
        "mean_dd_share_north_gains": float(np.mean(share)),
        "result6_all": all(r6),
    }
    return R, summary
