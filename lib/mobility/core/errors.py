"""One root for every error the library raises on purpose.

Every deliberate failure (bad parameters, malformed data, a solver that does not converge, a missing variant)
is a :class:`MobilityError`; its message is one line that names the problem and what to do. The command line
(:mod:`mobility.cli`) turns any ``MobilityError`` into ``error: <message>`` and exit code 2, so no deliberate
failure reaches the user as a traceback. Subclasses keep a standard base too (``ValueError`` for bad input,
``RuntimeError`` for a computation that failed) so ``except ValueError`` in user code keeps working.
"""

from __future__ import annotations

__all__ = ["MobilityError", "InputError", "ComputationError"]


class MobilityError(Exception):
    """Root of every error the library raises on purpose (one-line message naming the problem and the fix)."""


class InputError(MobilityError, ValueError):
    """Bad input: a parameter out of range, a malformed file, an unknown name."""


class ComputationError(MobilityError, RuntimeError):
    """A computation that could not finish: a solver that did not converge, an estimator with nothing to fit."""
