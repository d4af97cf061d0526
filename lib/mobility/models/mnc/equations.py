"""The equilibrium conditions of Wang (2014), §3–4 and Appendix A.

Notation (countries 1 = USA, 2 = Canada; internally indices 0 and 1):

- ``s[i, k]``, ``u[i, k]``: high-/low-skilled wage of a worker born in k working in i (s^{i,k}, u^{i,k}).
  Workers receive s; employers pay τ^{i,k}·s (eq. 7; the incentive conditions (48)–(51) compare s/P only).
- ``M[i]``: mass of active domestic establishments of country i (not of entrants); ``chi[i]``: share of
  country-i firms that also run an affiliate abroad (eqs. 38–39).
- Fixed, FDI and entry costs f, f^I, f^E are paid in numeraire units (u^{1,1} = 1).

Reading of the paper and corrections (each is listed in the book, page "The model"):

- eq. (10): the exponent on u^{i,k} is −Γ, not −γ (Shephard's lemma on eq. 8).
- eqs. (11)–(12): the case split is "establishment at home (i = j)" vs "affiliate abroad (i ≠ j)", not j = k.
- eq. (43) repeats (42); it should read L^{D,2,2} + L^{D,1,2} = L̄².
- eq. (46): the second term is M_2·χ_2·L_2^{1,j}, not M_1·χ_2·L_2^{1,j}.
- Without migration the CES weights ξ_j^k/Σ_m ξ_j^m are *not* renormalised over the workers present (the
  autarky skill premium 3.1950 of Table 5 needs this): an absent worker type simply drops out of the sum.
- The closing condition with MNCs — national income equals expenditure — is not stated in the paper. With entry
  costs paid at home and fixed costs paid where they are incurred it reduces to M_1·χ_1 = M_2·χ_2 (affiliates'
  operating surplus repatriated in both directions balances).

Everything below is in closed form given wages, masses and MNC shares: because each establishment's average
revenue is pinned by the zero-cutoff-profit and Pareto conditions (r(φ̃) = σ f κ/(κ−σ+1) in numeraire units),
labour demands do not need R_i or P_i.
"""

from __future__ import annotations

__all__ = [
    "cutoff",
    "average_productivity",
    "bilaterality",
    "Economy",
    "MIGRANT_TYPES",
]

#: (skill, i, k): workers born in k working in i, i != k; indices 0 = USA, 1 = Canada.
MIGRANT_TYPES = (("h", 0, 1), ("h", 1, 0), ("l", 0, 1), ("l", 1, 0))


def cutoff(p, chi: float) -> float:
    """Domestic survival cutoff φ̄_i, eq. (37): B·[(f + χ_i f^I)/(δ f^E)·(σ−1)/(1+κ−σ)]^{1/κ}."""
    k, s = p.kappa, p.sigma
    return p.B * ((p.f + chi * p.fI) / (p.delta * p.fE) * (s - 1.0) / (1.0 + k - s)) ** (1.0 / k)


def average_productivity(p, phi_bar: float) -> float:
    """Average (CES-weighted) productivity above a Pareto cutoff: φ̃ = [κ/(κ−σ+1)]^{1/(σ−1)}·φ̄ (Melitz 2003)."""
    return (p.kappa / (p.kappa - p.sigma + 1.0)) ** (1.0 / (p.sigma - 1.0)) * phi_bar


def bilaterality(m_ij: float, m_ji: float) -> float:
    """Bilaterality index, eq. (1): 1 − |m_ij − m_ji|/(m_ij + m_ji)."""
    total = m_ij + m_ji
    if total <= 0:
        return float("nan")
    return 1.0 - abs(m_ij - m_ji) / total


def _matrices(p):
    tau = {(0, 0): 1.0, (1, 1): 1.0, (0, 1): p.tau12, (1, 0): p.tau21}
    t = {(0, 0): 1.0, (1, 1): 1.0, (0, 1): p.t12, (1, 0): p.t21}
    xi = {(0, 0): 1.0, (1, 1): 1.0, (0, 1): p.xi12, (1, 0): p.xi21}
    zeta = {(0, 0): 1.0, (1, 1): 1.0, (0, 1): p.zeta12, (1, 0): p.zeta21}
    return tau, t, xi, zeta


class Economy:
    """All quantities implied by wages ``s``, ``u`` (dicts over (i, k)), masses ``M`` and MNC shares ``chi``.

    ``active`` is the set of migrant types (see :data:`MIGRANT_TYPES`) that exist; ``mnc`` whether
    affiliates exist. Attributes (dicts keyed as noted):

    - ``sbar, ubar, wbar[(j, i)]``: average wages of establishments from j located in i, eqs. (6)–(8);
    - ``H, L[(i, k)]``: aggregate headcount demand in i for workers born in k, eqs. (9)–(14), (44)–(47);
    - ``H_by[(j, i, k)]``, ``L_by``: the same split by firm origin j;
    - ``cut[i]`` domestic cutoff (37), ``cut_f[(j, i)]`` cutoff of j's affiliates in i (33)–(34);
    - ``chi_implied[j]``: (φ̄_j/φ̄^f_j)^κ, eqs. (38)–(39);
    - ``P[i]`` price index (4), ``R[i]`` expenditure = revenue of establishments located in i.
    """

    def __init__(self, p, s, u, M, chi, active, mnc):
        self.p, self.s, self.u, self.M, self.chi = p, s, u, M, chi
        self.active, self.mnc = frozenset(active), mnc
        tau, t, xi, zeta = _matrices(p)
        sig, kap, rho, al = p.sigma, p.kappa, p.rho, p.alpha
        g, G = p.gamma, p.Gamma
        kfac = kap / (kap - sig + 1.0)
        avail = {("h", i, i) for i in (0, 1)} | {("l", i, i) for i in (0, 1)} | self.active
        self.cut = [cutoff(p, chi[i] if mnc else 0.0) for i in (0, 1)]
        self.classes = [(0, 0), (1, 1)] + ([(1, 0), (0, 1)] if mnc else [])  # (origin j, location i)
        self.sbar, self.ubar, self.wbar = {}, {}, {}
        self.H = {(i, k): 0.0 for i in (0, 1) for k in (0, 1)}
        self.L = dict(self.H)
        self.H_by, self.L_by = {}, {}
        for j, i in self.classes:
            wx = xi[j, 0] + xi[j, 1]
            wz = zeta[j, 0] + zeta[j, 1]
            ph = {k: tau[i, k] * s[i, k] for k in (0, 1) if ("h", i, k) in avail}
            pl = {k: t[i, k] * u[i, k] for k in (0, 1) if ("l", i, k) in avail}
            sb = sum(xi[j, k] / wx * ph[k] ** (1.0 - g) for k in ph) ** (1.0 / (1.0 - g))  # eq. (7)
            ub = sum(zeta[j, k] / wz * pl[k] ** (1.0 - G) for k in pl) ** (1.0 / (1.0 - G))  # eq. (8)
            wb = (al**rho * sb ** (1.0 - rho) + (1.0 - al) ** rho * ub ** (1.0 - rho)) ** (1.0 / (1.0 - rho))  # (6)
            self.sbar[j, i], self.ubar[j, i], self.wbar[j, i] = sb, ub, wb
            # revenue of the class: mass times average revenue sigma*f*kappa/(kappa-sigma+1) (ZCP + Pareto)
            if i == j:
                revenue = M[i] * sig * p.f * kfac
            else:
                revenue = M[j] * chi[j] * sig * p.fI * kfac
            composite = (sig - 1.0) / sig * revenue / wb  # units of the labour bundle
            for k in ph:  # eq. (9): Shephard's lemma on (6)-(7), headcounts priced at tau*s
                h = composite * al**rho * (wb / sb) ** rho * xi[j, k] / wx * (sb / ph[k]) ** g
                self.H_by[j, i, k] = h
                self.H[i, k] += h
            for k in pl:  # eq. (10) with the exponent -Gamma (typo -gamma in the paper)
                ll = composite * (1.0 - al) ** rho * (wb / ub) ** rho * zeta[j, k] / wz * (ub / pl[k]) ** G
                self.L_by[j, i, k] = ll
                self.L[i, k] += ll
        # foreign cutoffs from the two zero-cutoff-profit conditions in the host market, eqs. (33)-(34)
        self.cut_f, self.chi_implied = {}, {}
        if mnc:
            for j, i in ((0, 1), (1, 0)):
                cf = self.cut[i] * (self.wbar[j, i] / self.wbar[i, i]) * (p.fI / p.f) ** (1.0 / (sig - 1.0))
                self.cut_f[j, i] = cf
                self.chi_implied[j] = (self.cut[j] / cf) ** kap  # eqs. (38)-(39)
        # price index (4) and expenditure
        self.P, self.R = [0.0, 0.0], [0.0, 0.0]
        markup = sig / (sig - 1.0)
        for i in (0, 1):
            j = 1 - i
            tot = M[i] * (self.wbar[i, i] / average_productivity(p, self.cut[i])) ** (1.0 - sig)
            rev = M[i] * sig * p.f * kfac
            if mnc:
                tot += M[j] * chi[j] * (self.wbar[j, i] / average_productivity(p, self.cut_f[j, i])) ** (1.0 - sig)
                rev += M[j] * chi[j] * sig * p.fI * kfac
            self.P[i] = markup * tot ** (1.0 / (1.0 - sig))
            self.R[i] = rev

    # -- outputs -------------------------------------------------------------------------------------
    def employment(self, i: int) -> float:
        """Workers employed in country i (natives who stay plus immigrants)."""
        return sum(self.H[i, k] + self.L[i, k] for k in (0, 1))

    def labour_outlay(self, i: int) -> float:
        """Employers' wage bill in i including the moving-cost payments: ((σ−1)/σ)·R_i."""
        return (self.p.sigma - 1.0) / self.p.sigma * self.R[i]

    def aggregate_productivity(self, i: int) -> float:
        """Count-weighted CES average productivity of the establishments located in i."""
        p, j = self.p, 1 - i
        num = self.M[i] * average_productivity(p, self.cut[i]) ** (p.sigma - 1.0)
        den = self.M[i]
        if self.mnc:
            mf = self.M[j] * self.chi[j]
            num += mf * average_productivity(p, self.cut_f[j, i]) ** (p.sigma - 1.0)
            den += mf
        return (num / den) ** (1.0 / (p.sigma - 1.0))

    def foreign_mass(self, i: int) -> float:
        """Mass of affiliates located in i (owned by firms from the other country): M_j·χ_j."""
        return self.M[1 - i] * self.chi[1 - i] if self.mnc else 0.0
