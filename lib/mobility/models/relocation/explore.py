"""One point of the relocation model for the interactive explorer: everything the reader sees at a trade freeness φ
and a market size s_E, from the entry-stage equilibrium (relocation followed by entry and exit, Section 3.2.1).

Welfare is eq. (25) (reconstructed) for each nation: W = ln(Δ)/(σ − 1) with Δ = s_E/B in the North and
Δ* = (1 − s_E)/B* in the South (:func:`welfare_south`; the North's is the same formula by symmetry), up to the
constants the paper drops. Productivity is the average unit input ā of eqs. (23)–(24) (lower is more productive);
it is undefined (NaN) in a nation where no firm produces.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from .params import Params
from .static import entry, phi_partition, phi_sustain
from .welfare import productivity_entry, welfare_south

__all__ = ["point", "grid"]


def point(p: Params, phi: float) -> dict:
    """The explorer's quantities at ``phi`` for parameters ``p`` (``p.phi`` is ignored)."""
    e = entry(p, phi)
    prod_n, prod_s = productivity_entry(p, phi)
    return {
        "phi": float(phi),
        "s_E": p.s_E,
        "sigma": p.sigma,
        "rho": p.rho,
        "phi_p": phi_partition(p),
        "phi_s": phi_sustain(p),
        "a_D": e.a_D,
        "a_X": e.a_X,
        "a_R": e.a_R,
        "phase": e.phase,
        "location_north": float(e.location),
        "productivity_north": float(prod_n),
        "productivity_south": float(prod_s),
        "welfare_north": math.log(p.s_E / e.B) / (p.sigma - 1),
        "welfare_south": float(welfare_south(p, e.B_star)),
    }


def grid(phis, s_Es, base: Params | None = None) -> list[dict]:
    """:func:`point` on every (s_E, φ) of the two grids (s_E outer, φ inner), other parameters from ``base``."""
    base = base or Params()
    out = []
    for s in s_Es:
        p = dataclasses.replace(base, s_E=float(s))
        out += [point(p, float(phi)) for phi in np.asarray(phis, dtype=float)]
    return out
