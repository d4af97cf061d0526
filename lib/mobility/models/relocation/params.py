"""Parameters of the relocation model of Baldwin & Okubo, validated on construction, and the model's errors.

Units and notation (ours, chosen so that the paper's inline formulas hold exactly):

- world expenditure on manufactures is 1 (the paper's normalisation), North spends ``s_E``;
- ``f = sigma*delta*F`` and ``f_i = sigma*delta*F_I`` are the beachhead and innovation costs expressed in units
  of ``a**(1-sigma) B`` (``delta`` is the Poisson death rate): the cut-off condition is ``a_D**(1-sigma) B = f``;
- ``beta = rho/(sigma-1) > 1`` is the paper's regularity condition (eq. 6) and
  ``alpha = rho + 1 - sigma = (sigma-1)(beta-1) > 0`` the exponent of the a_R equations (17), (20);
- the autarky cut-off ``a_A = ((beta-1) f_i/f)**(1/rho)`` must not exceed the Pareto scale ``a0 = 1``.

Every check raises :class:`RelocationParameterError` (an :class:`~mobility.core.errors.InputError`, hence a
:class:`ValueError` and a :class:`~mobility.core.errors.MobilityError`) whose message names the parameter and its
allowed range.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, fields, replace

import numpy as np

from mobility.core.errors import ComputationError, InputError

__all__ = [
    "Params",
    "RelocationParameterError",
    "RelocationSolveError",
    "check_phi",
    "check_share",
    "check_positive",
    "check_count",
    "f_i_setting",
]


class RelocationParameterError(InputError):
    """A parameter of the relocation model outside its allowed range; the message names both."""


class RelocationSolveError(ComputationError):
    """A solver of the relocation model failed; carries the residual."""

    def __init__(self, message: str, residual: float):
        super().__init__(f"{message} (residual {residual:.3e})")
        self.residual = residual


def _real(value):
    return value.real if isinstance(value, complex) else value


def _finite_number(name: str, value, what: str) -> float:
    v = _real(value)
    if isinstance(v, bool) or not isinstance(v, (numbers.Real, np.floating)) or not math.isfinite(v):
        raise RelocationParameterError(f"{name} ({what}) must be a finite number, got {value!r}")
    return float(v)


def check_phi(phi, *, below_one: bool = False, name: str = "phi"):
    """Validate a trade freeness ``phi`` in [0, 1] (or [0, 1) with ``below_one``); complex values (complex-step
    derivatives) are checked on their real part. Returns ``phi`` unchanged."""
    v = _finite_number(name, phi, "freeness of trade")
    if below_one and not 0 <= v < 1:
        raise RelocationParameterError(f"{name} (freeness of trade) must be in [0, 1) here, got {phi!r}")
    if not 0 <= v <= 1:
        raise RelocationParameterError(f"{name} (freeness of trade) must be in [0, 1], got {phi!r}")
    return phi


def check_share(s_E, name: str = "s_E") -> float:
    """Validate the North's expenditure share: in (1/2, 1) (the North is the larger market)."""
    v = _finite_number(name, s_E, "North's expenditure share")
    if not 0.5 < v < 1:
        raise RelocationParameterError(
            f"{name} (North's expenditure share) must be in (1/2, 1) (North is the larger market), got {s_E!r}"
        )
    return v


def check_positive(name: str, value, what: str) -> float:
    """Validate a finite, strictly positive number."""
    v = _finite_number(name, value, what)
    if not v > 0:
        raise RelocationParameterError(f"{name} ({what}) must be > 0, got {value!r}")
    return v


def check_count(name: str, value, lo: int, what: str) -> int:
    """Validate an integer >= ``lo`` (a grid size, a number of cells)."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Integral, np.integer)) or value < lo:
        raise RelocationParameterError(f"{name} ({what}) must be an integer >= {lo}, got {value!r}")
    return int(value)


def f_i_setting(value) -> float | None:
    """The ``f_i`` setting of a figure notebook: ``0`` means the normalised innovation cost f/(beta-1) (autarky
    cut-off 1, :attr:`Params.f_I`) and becomes ``None``; a positive number is the innovation cost itself.

    Anything else (a negative number, NaN, inf, a string) raises :class:`RelocationParameterError` naming
    ``f_i`` and its allowed values; :class:`Params` then checks the upper bound f/(beta-1).
    """
    v = _finite_number("f_i", value, "innovation cost")
    if v == 0:
        return None
    if v < 0:
        raise RelocationParameterError(
            f"f_i (innovation cost) must be 0 (the normalisation f_i = f/(beta-1)) or > 0, got {value!r}"
        )
    return float(v)


@dataclass(frozen=True)
class Params:
    """Parameters of the model, validated on construction.

    Attributes
    ----------
    sigma : float
        Elasticity of substitution, > 1.
    rho : float
        Pareto shape of G[a] = a**rho on [0, 1], > 0, with beta = rho/(sigma-1) > 1 (eq. 6).
    s_E : float
        North's expenditure share, in (1/2, 1).
    phi : float
        Freeness of trade, in [0, 1] (eq. 2: phi = tau**(1-sigma)).
    f, f_i : float
        Beachhead and innovation costs (> 0, in units of a**(1-sigma) B), with (beta-1) f_i/f <= 1 so that the
        autarky cut-off does not exceed the Pareto scale a0 = 1. ``f_i=None`` (default) means
        f_i = f/(beta-1) for whatever beta (:attr:`f_I`): the autarky cut-off is 1, the normalisation behind
        the paper's sigma = rho = 2 example.

    Raises
    ------
    RelocationParameterError
        Naming the parameter and its allowed range.
    """

    sigma: float = 3.0
    rho: float = 4.0
    s_E: float = 0.6
    phi: float = 0.3
    f: float = 1.0
    f_i: float | None = None

    def __post_init__(self):
        for name in ("sigma", "rho", "s_E", "phi", "f", "f_i"):
            v = getattr(self, name)
            if name == "f_i" and v is None:
                continue
            _finite_number(name, v, "model parameter")
        if not self.sigma > 1:
            raise RelocationParameterError(f"sigma (elasticity of substitution) must be > 1, got {self.sigma}")
        if not self.rho > 0:
            raise RelocationParameterError(f"rho (Pareto shape) must be > 0, got {self.rho}")
        if not self.beta > 1:
            raise RelocationParameterError(
                f"beta = rho/(sigma-1) must be > 1 (regularity condition), got {self.beta:.6g} "
                f"(rho={self.rho}, sigma={self.sigma}); raise rho above sigma-1 = {self.sigma - 1:.6g}"
            )
        check_share(self.s_E)
        check_phi(self.phi)
        check_positive("f", self.f, "beachhead cost")
        if self.f_i is not None:
            check_positive("f_i", self.f_i, "innovation cost")
        if (self.beta - 1) * self.f_I / self.f > 1 + 1e-12:
            raise RelocationParameterError(
                f"f_i (innovation cost) must be in (0, f/(beta-1)] = (0, {self.f / (self.beta - 1):.6g}] so that "
                f"the autarky cut-off ((beta-1) f_i/f)**(1/rho) is at most the Pareto scale a0 = 1; "
                f"got f_i={self.f_i}"
            )

    @property
    def f_I(self) -> float:
        """The innovation cost in use: ``f_i``, or f/(beta-1) when ``f_i`` is None (autarky cut-off = 1)."""
        return self.f / (self.beta - 1) if self.f_i is None else self.f_i

    @property
    def beta(self) -> float:
        """beta = rho/(sigma-1) (the paper's 'collection of parameters', eq. 6)."""
        return self.rho / (self.sigma - 1)

    @property
    def alpha(self) -> float:
        """alpha = rho + 1 - sigma = (sigma-1)(beta-1) > 0, the exponent of the a_R equations (17), (20)."""
        return self.rho + 1 - self.sigma

    def replace(self, **changes) -> Params:
        """A copy with ``changes`` applied (validated again); unknown names raise
        :class:`RelocationParameterError`."""
        known = [f.name for f in fields(self)]
        unknown = sorted(set(changes) - set(known))
        if unknown:
            raise RelocationParameterError(f"unknown parameter(s) {unknown}; known: {known}")
        return replace(self, **changes)
