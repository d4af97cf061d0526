"""Complex-step derivatives and grid evaluation for the relocation model.

Scalar formulas of the model are written with arithmetic and ``**`` only, so they also accept a complex ``phi``:
the sign of any derivative is computed by complex-step differentiation (:func:`dphi`), exact to rounding with no
cancellation (finite differences in float64 gave spurious sign flips at large beta).
"""

from __future__ import annotations

import numpy as np

from .params import check_phi

__all__ = ["dphi", "sweep"]

_H = 1e-30  # complex-step size


def _re(z):
    return z.real if isinstance(z, complex) else z


def _min(x, y):
    return x if _re(x) <= _re(y) else y


def _im(z):
    return z.imag if isinstance(z, complex) else 0.0


def dphi(fun, phi: float) -> float:
    """d fun/d phi at a real phi in [0, 1] by complex step: Im fun(phi + i h)/h, h = 1e-30 (no subtractive
    cancellation). ``fun`` must accept a complex phi (the model's scalar functions do)."""
    check_phi(phi)
    return _im(fun(complex(phi, _H))) / _H


def dphi_array(fun, phi) -> np.ndarray:
    """Vectorised complex step: ``fun`` maps a complex numpy array of phi to an array (closed forms only)."""
    phi = np.asarray(phi, dtype=float)
    return np.imag(fun(phi + 1j * _H)) / _H


def sweep(fun, phis) -> np.ndarray:
    """Evaluate a scalar function of phi over a grid (fun may return a tuple; then one column each)."""
    return np.array([fun(float(x)) for x in phis], dtype=float)


def interior_grid(lo: float, hi: float, n: int = 41) -> np.ndarray:
    """``n`` equally spaced interior points of (lo, hi)."""
    return np.linspace(lo, hi, n + 2)[1:-1]
