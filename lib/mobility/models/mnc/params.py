"""Parameters of the migration–MNC model of Wang (2014), with the Table 3 calibration as defaults.

Index conventions (as in eqs. (7)–(8) of the paper):

- ``tau12`` is τ^{1,2}: the moving cost of a high-skilled worker *born in country 2 (Canada) working in
  country 1 (USA)*; eq. (7) multiplies s^{i,k} by τ^{i,k} for a worker born in k employed in i. (The wording
  of §3.3, "from i to j", is the transpose; it does not reproduce Table 5.) ``t12``, ``t21`` likewise for
  low-skilled workers.
- ``xi12`` is ξ_1^2: the skill compatibility of firms from country 1 with high-skilled workers from country 2
  (ξ_j^k in eq. (7): firm origin j, worker origin k; ξ_j^j = 1). ``zeta12``, ``zeta21`` likewise for
  low-skilled workers (ζ_j^k in eq. (8)).
- ``lam_h12`` is λ_h^{1,2}: a binding reciprocal-quota share that country 1 imposes on high-skilled workers
  from country 2 (eqs. (54)–(55)); 1 means no quota, 0 a ban.

Moving costs below one are subsidies: τ^{i,k} < 1 means the employer pays less than the migrant receives
(eq. 7: workers receive s, employers pay τ·s), the difference paid within the host country, where the
employers' outlay, moving-cost payments included, is spent. Any τ > 0 is accepted; whether an equilibrium
exists is the solver's answer (:class:`~mobility.models.mnc.solver.EquilibriumError` otherwise). τ ≤ 0 has no meaning
(a migrant who costs nothing or is paid to be employed) and is refused.

Table 3 prints δ = 0.07 while §5.1.1 says 9 %; 0.07 is the value that gives Table 5's autarky cutoff 0.8502,
so it is the default. Table 3 prints L̄² = 0.6744 while §5.1.1 prints 0.6743; we use Table 3.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace

__all__ = ["Params", "REGIMES", "TABLE3"]

#: The four scenarios of Table 5, in the paper's column order.
REGIMES = ("autarky", "migration", "mnc", "migration_mnc")


@dataclass(frozen=True)
class Params:
    """Model parameters (Table 3 of Wang 2014); validated on construction.

    Raises ``ValueError`` naming the parameter and its allowed range for any invalid value.
    """

    # labour endowments (Table 3)
    H1: float = 3.58
    L1: float = 6.42
    H2: float = 0.4367
    L2: float = 0.6744
    # moving costs, tau^{i,k}: born in k, working in i (eq. 7); below 1 a subsidy
    tau12: float = 1.1896
    tau21: float = 1.0984
    t12: float = 1.5585
    t21: float = 1.5835
    # skill compatibilities xi_j^k: firm from j, worker from k (eqs. 7-8)
    xi21: float = 0.9373
    xi12: float = 0.8483
    zeta21: float = 0.7741
    zeta12: float = 0.9027
    # elasticities
    rho: float = 2.0
    gamma: float = 33.0
    Gamma: float = 11.1
    sigma: float = 2.7
    # firms
    delta: float = 0.07
    kappa: float = 1.8
    B: float = 1.0
    alpha: float = 0.7
    f: float = 1.0
    fI: float = 76.0
    fE: float = 325.27
    # binding reciprocal quotas lambda_n^{i,j} (eqs. 54-55): 1 = unconstrained
    lam_h12: float = 1.0
    lam_h21: float = 1.0
    lam_l12: float = 1.0
    lam_l21: float = 1.0

    def __post_init__(self):
        for fld in fields(self):
            value = getattr(self, fld.name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ValueError(f"parameter {fld.name} must be a finite number, got {value!r}")
            object.__setattr__(self, fld.name, float(value))
        _check = _Checker(self)
        for name in ("H1", "L1", "H2", "L2"):
            _check.positive(name, "labour endowment")
        for name in ("tau12", "tau21", "t12", "t21"):
            _check.greater(
                name,
                0.0,
                "moving cost",
                why="the employer of a migrant pays tau times the wage, eq. (7); tau < 1 is a subsidy, "
                "tau <= 0 has no meaning",
            )
        for name in ("xi21", "xi12", "zeta21", "zeta12"):
            _check.open_closed(name, 0.0, 1.0, "skill compatibility")
        for name in ("lam_h12", "lam_h21", "lam_l12", "lam_l21"):
            _check.closed(name, 0.0, 1.0, "quota share")
        _check.greater(
            "rho",
            0.0,
            "elasticity of substitution between skills",
            also_not=1.0,
            why="rho = 1 divides by zero in the CES exponent 1/(1-rho) of eq. (6)",
        )
        _check.greater(
            "gamma",
            1.0,
            "elasticity between native and foreign high-skilled workers",
            why="gamma = 1 divides by zero in eq. (7); below 1 an economy without migrants cannot produce",
        )
        _check.greater(
            "Gamma",
            1.0,
            "elasticity between native and foreign low-skilled workers",
            why="Gamma = 1 divides by zero in eq. (8); below 1 an economy without migrants cannot produce",
        )
        _check.greater("sigma", 1.0, "elasticity of substitution over products")
        _check.greater(
            "kappa",
            self.sigma - 1.0,
            "Pareto shape",
            why=f"kappa must exceed sigma - 1 = {self.sigma - 1.0:g} for average productivity to exist",
        )
        _check.open_open("delta", 0.0, 1.0, "exit rate")
        _check.open_open("alpha", 0.0, 1.0, "CES weight of high-skilled labour")
        for name in ("B", "f", "fI", "fE"):
            _check.positive(name, "cost or scale parameter")

    # -- convenience -------------------------------------------------------------------------------
    def replace(self, **changes) -> Params:
        """A copy with ``changes`` applied (validated); unknown names raise ``ValueError``."""
        unknown = sorted(set(changes) - {f.name for f in fields(self)})
        if unknown:
            raise ValueError(f"unknown parameter(s) {unknown}; known: {sorted(f.name for f in fields(self))}")
        return replace(self, **changes)

    def asdict(self) -> dict:
        return asdict(self)

    @property
    def quotas_binding(self) -> bool:
        return any(getattr(self, n) < 1.0 for n in ("lam_h12", "lam_h21", "lam_l12", "lam_l21"))

    def unconstrained(self) -> Params:
        """The same economy without quotas (all λ = 1): the reference H^E, L^E of eqs. (54)–(55)."""
        return replace(self, lam_h12=1.0, lam_h21=1.0, lam_l12=1.0, lam_l21=1.0)


class _Checker:
    def __init__(self, p):
        self.p = p

    def _fail(self, name, rng, what, why=""):
        value = getattr(self.p, name)
        msg = f"parameter {name} ({what}) = {value!r} is out of range: must be {rng}"
        raise ValueError(msg + (f" ({why})" if why else ""))

    def positive(self, name, what):
        if not getattr(self.p, name) > 0:
            self._fail(name, "> 0", what)

    def greater(self, name, lo, what, also_not=None, why=""):
        v = getattr(self.p, name)
        if not v > lo or (also_not is not None and v == also_not):
            rng = f"> {lo:g}" + (f" and != {also_not:g}" if also_not is not None else "")
            self._fail(name, rng, what, why)

    def open_closed(self, name, lo, hi, what):
        if not lo < getattr(self.p, name) <= hi:
            self._fail(name, f"in ({lo:g}, {hi:g}]", what)

    def open_open(self, name, lo, hi, what):
        if not lo < getattr(self.p, name) < hi:
            self._fail(name, f"in ({lo:g}, {hi:g})", what)

    def closed(self, name, lo, hi, what):
        if not lo <= getattr(self.p, name) <= hi:
            self._fail(name, f"in [{lo:g}, {hi:g}]", what)


#: Table 3 as printed (the defaults of :class:`Params`).
TABLE3 = Params()
