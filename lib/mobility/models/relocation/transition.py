"""The general case of the relocation model (Section 3.3 and appendix eqs. 27-28), simulated: relocation and
entry/exit both slow. Beyond the paper, which calls it "difficult and rarely rewarding" to solve; the construction
is ours and documented in the book (``book/relocation/general.md``)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .params import Params, RelocationParameterError, check_count, check_phi
from .static import hft, phi_sustain

__all__ = ["Transition", "simulate_transition", "transition_runs", "welfare_gap_pv"]


def _relocate_step(p: Params, phi, B, Bs, Delta, Delta_star, Jc, mS, mR, dt_over_gamma) -> int:
    """One step of the appendix's relocation process (eq. 27 and the condition v[a'] = gamma x-dot).

    Gains are eqs. (13)-(14) at the current B, B*: v_X = u (1-phi)(B-B*) for Southern exporters (phi u B >= f),
    v_D = u (B - (1-phi) B*) - f for the others (u = a**(1-sigma)). Every firm whose gain is at least the current
    adjustment cost c = gamma x-dot moves, so movers are the cells with the highest gains and the moved mass X
    solves X = dt c/gamma with c the gain of the marginal mover: X = max_k min(C_k, dt v_k/gamma) over cells
    sorted by gain (C_k their cumulative mass). Updates mS, mR in place. Returns 1 if, at this date, the cells
    ranked by gain are not ranked by efficiency (the movers would not be the most efficient), else 0.
    Within a step the moved mass is capped where B = B* would be crossed (an explicit step would overshoot).
    """
    u = Jc
    v = np.where(phi * u * B >= p.f, u * (1 - phi) * (B - Bs), u * (B - (1 - phi) * Bs) - p.f)
    live = (mS > 0) & (v > 0)
    if not live.any():
        return 0
    idx = np.nonzero(live)[0]
    order = idx[np.argsort(-v[idx], kind="stable")]
    C = np.cumsum(mS[order])
    X = float(np.max(np.minimum(C, dt_over_gamma * v[order])))
    # do not overshoot the location condition within a step: with export status fixed, s Delta* - (1-s) Delta
    # (>= 0 iff B >= B*) is linear in the moved masses; cap X where it reaches zero
    s = p.s_E
    xN, xS = phi * u * Bs >= p.f, phi * u * B >= p.f
    gap = s * Delta_star - (1 - s) * Delta
    c = u[order] * (s * (phi * xN[order] - 1) - (1 - s) * (1 - phi * xS[order]))  # d gap / d moved mass (< 0)
    G = gap + np.cumsum(c * mS[order])
    if G[-1] < 0:
        k = int(np.argmax(G < 0))
        prev = gap if k == 0 else G[k - 1]
        X = min(X, (C[k - 1] if k else 0.0) + prev / -c[k])
    take = np.clip(X - np.concatenate([[0.0], C[:-1]]), 0.0, mS[order])
    mS[order] -= take
    mR[order] += take
    return int(np.any(np.diff(v[idx]) > 1e-12 * np.abs(v[idx]).max()))  # idx is sorted by a (cells ascend in a)


@dataclass(frozen=True)
class Transition:
    """Output of :func:`simulate_transition` (arrays over time t)."""

    t: np.ndarray
    s_n: np.ndarray  # North's share of firms owned (born North), active firms
    location: np.ndarray  # North's share of firms producing there
    a_R: np.ndarray  # relocation threshold: a below which the relocated mass would lie if ordered
    n_w: np.ndarray  # world mass of active firms
    B: np.ndarray
    B_star: np.ndarray
    welfare_south: np.ndarray
    moved_share: np.ndarray  # share of each type's Southern-born firms located North (by cell) at snap_times
    a_grid: np.ndarray
    snap_times: tuple
    order_violations: int  # dates at which gains were not ranked by efficiency (see _relocate_step)


def simulate_transition(
    p: Params,
    phi0: float = 0.0,
    phi1: float | None = None,
    gamma_r: float = 2.0,
    gamma_e: float = 2.0,
    delta: float = 0.1,
    T: float = 150.0,
    dt: float = 0.05,
    cells: int = 300,
    relocation: bool = True,
    entry_exit: bool = True,
    snap_times: tuple = (1.0, 10.0, 50.0),
) -> Transition:
    """General case (Section 3.3 and appendix eqs. 27-28): relocation and entry/exit both slow.

    Beyond the paper (our construction, documented in the book): a discretised firm-level economy on ``cells``
    equal-probability cells of G. State: masses of North-born firms in the North, South-born in the South and
    South-born relocated North. Beachhead costs of the home market are sunk (firms stay until they die at rate
    ``delta``); export status follows the flow condition phi a**(1-sigma) B_other >= f.
    - Relocation (eq. 27): the appendix's process, :func:`_relocate_step`: firms whose gain (13)-(14) exceeds the
      current adjustment cost gamma_r x-dot move; :attr:`Transition.order_violations` counts the dates at which the
      gains were not ranked by efficiency (then the movers would not be the most efficient). For exporters it
      stops when B = B* (eq. 28); a D-type also needs to cover the new beachhead (eq. 14). No firm moves back.
    - Entry/exit: gross entry in each nation replaces deaths and adds (V - f_i)/gamma_e, V the expected flow value
      of a new draw (the left side of the free-entry condition); draws above the domestic cut-off never produce.
    Starts from the steady state at phi0 without relocation (autarky by default) and moves phi to phi1 at t = 0.
    Explicit Euler steps; relocation uses the exact exponential hazard over a step.
    """
    phi1 = p.phi if phi1 is None else phi1
    check_phi(phi0, name="phi0")
    check_phi(phi1, name="phi1")
    for name, v, what in (
        ("gamma_r", gamma_r, "relocation adjustment cost"),
        ("gamma_e", gamma_e, "entry adjustment cost"),
        ("delta", delta, "death rate"),
        ("T", T, "horizon"),
        ("dt", dt, "time step"),
    ):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or not v > 0:
            raise RelocationParameterError(f"{name} ({what}) must be a finite number > 0, got {v!r}")
    if dt > T:
        raise RelocationParameterError(f"dt (time step) must be at most the horizon T = {T}, got {dt!r}")
    check_count("cells", cells, 20, "number of cells of G")
    for t in snap_times:
        if isinstance(t, bool) or not isinstance(t, (int, float)) or not 0 <= t:
            raise RelocationParameterError(f"snap_times must be numbers >= 0 (later than T means T), got {t!r}")
    s, sig, f, K = p.s_E, p.sigma, p.f, cells
    # cells of equal probability 1/K on [0, 1]; representative a**(1-sigma) = cell average
    edges = np.linspace(0.0, 1.0, K + 1) ** (1 / p.rho)
    g = np.full(K, 1.0 / K)
    Jc = (p.rho / p.alpha) * (edges[1:] ** p.alpha - edges[:-1] ** p.alpha) * K  # mean a**(1-sigma) in cell
    a_mid = Jc ** (1 / (1 - sig))
    # initial steady state at phi0 without relocation (eq. 9)
    e0 = hft(p.replace(phi=phi0))
    if e0["corner"]:
        raise RelocationParameterError(f"phi0 must be below the sustain point {phi_sustain(p):.4f}, got {phi0}")
    act0 = a_mid <= e0["a_D"] * (1 + 1e-12)
    Gact = g[act0].sum()
    mN = np.where(act0, g * e0["n_w"] * e0["s_n"] / Gact, 0.0)
    mS = np.where(act0, g * e0["n_w"] * (1 - e0["s_n"]) / Gact, 0.0)
    mR = np.zeros(K)
    phi = phi1
    B, Bs = e0["B"], e0["B"]
    nsteps = int(round(T / dt))
    out = {k: np.empty(nsteps + 1) for k in ("s_n", "location", "a_R", "n_w", "B", "B_star", "w")}
    violations = 0
    snap_steps = [min(nsteps, int(round(t / dt))) for t in snap_times]
    snaps = np.full((len(snap_times), K), np.nan)

    def moved_share():
        south = mS + mR
        return np.where(south > 1e-14, mR / np.where(south > 1e-14, south, 1.0), np.nan)

    def markets(B, Bs):
        for _ in range(50):
            xN = phi * Jc * Bs >= f  # North-located firms export South
            xS = phi * Jc * B >= f
            D = ((mN + mR) * Jc).sum() + phi * (mS * Jc * xS).sum()
            Ds = (mS * Jc).sum() + phi * ((mN + mR) * Jc * xN).sum()
            nB, nBs = s / D, (1 - s) / Ds
            if abs(nB - B) <= 1e-13 * B and abs(nBs - Bs) <= 1e-13 * Bs:
                return nB, nBs, xN, xS
            B, Bs = nB, nBs
        return B, Bs, phi * Jc * Bs >= f, phi * Jc * B >= f  # grid flip-flop: accept last iterate

    def record(i, B, Bs):
        nN, nS, nR = mN.sum(), mS.sum(), mR.sum()
        tot = nN + nS + nR
        out["s_n"][i] = nN / tot
        out["location"][i] = (nN + nR) / tot
        # relocation threshold: the a whose South-born mass below equals the relocated mass
        south = mS + mR
        cum = np.concatenate([[0.0], np.cumsum(south)])
        out["a_R"][i] = np.interp(nR, cum, edges) if nR > 0 else 0.0
        out["n_w"][i] = tot
        out["B"][i], out["B_star"][i] = B, Bs
        out["w"][i] = math.log((1 - s) / Bs) / (sig - 1)

    B, Bs, xN, xS = markets(B, Bs)
    record(0, B, Bs)
    for i in range(1, nsteps + 1):
        if relocation:
            violations += _relocate_step(p, phi, B, Bs, s / B, (1 - s) / Bs, Jc, mS, mR, dt / gamma_r)
        if entry_exit:
            for which in ("N", "S"):
                BL, BO = (B, Bs) if which == "N" else (Bs, B)
                prod = Jc * BL >= f
                V = (g * (np.maximum(Jc * BL - f, 0) + np.maximum(phi * Jc * BO - f, 0))).sum()
                born = mN.sum() if which == "N" else (mS + mR).sum()
                share = g[prod].sum()
                draws = max(0.0, (delta * born / share if share > 0 else 0.0) + (V - p.f_I) / gamma_e)
                add = np.where(prod, g * draws * dt, 0.0)
                if which == "N":
                    mN = mN * (1 - delta * dt) + add
                else:
                    mS = mS * (1 - delta * dt) + add
            mR = mR * (1 - delta * dt)
        B, Bs, xN, xS = markets(B, Bs)
        record(i, B, Bs)
        for j, st in enumerate(snap_steps):
            if st == i:
                snaps[j] = moved_share()
    return Transition(
        np.linspace(0, nsteps * dt, nsteps + 1),
        out["s_n"],
        out["location"],
        out["a_R"],
        out["n_w"],
        out["B"],
        out["B_star"],
        out["w"],
        snaps,
        a_mid,
        tuple(snap_times),
        violations,
    )


def welfare_gap_pv(with_relocation: Transition, without: Transition, discount: float) -> float:
    """Present value at rate ``discount`` of the small nation's welfare with relocation minus without, along two
    transitions on the same time grid (trapezoid rule)."""
    if not (isinstance(discount, (int, float)) and math.isfinite(discount) and discount > 0):
        raise RelocationParameterError(f"discount (discount rate) must be a finite number > 0, got {discount!r}")
    if with_relocation.t.shape != without.t.shape or not np.array_equal(with_relocation.t, without.t):
        raise RelocationParameterError("the two transitions must share their time grid (same T and dt)")
    gap = with_relocation.welfare_south - without.welfare_south
    w = np.exp(-discount * with_relocation.t)
    return float(np.sum(0.5 * (gap[1:] * w[1:] + gap[:-1] * w[:-1]) * np.diff(with_relocation.t)))


def transition_runs(p: Params, *, slow_death_factor: float = 5.0, **kw) -> dict:
    """The four runs of the general-case page, all from autarky to ``p.phi``: ``both`` margins slow, ``norel``
    (relocation forbidden), ``slow_death`` (death rate divided by ``slow_death_factor``) and ``reloc_only`` (entry
    and exit switched off: the frozen-stock polar case). ``kw`` goes to :func:`simulate_transition`."""
    if not (isinstance(slow_death_factor, (int, float)) and math.isfinite(slow_death_factor) and slow_death_factor > 0):
        raise RelocationParameterError(f"slow_death_factor must be a finite number > 0, got {slow_death_factor!r}")
    delta = kw.pop("delta", 0.1)
    return {
        "both": simulate_transition(p, delta=delta, **kw),
        "norel": simulate_transition(p, delta=delta, relocation=False, **kw),
        "slow_death": simulate_transition(p, delta=delta / slow_death_factor, **kw),
        "reloc_only": simulate_transition(p, delta=delta, entry_exit=False, **kw),
    }
