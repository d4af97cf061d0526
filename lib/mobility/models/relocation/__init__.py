"""The relocation model of Baldwin & Okubo: heterogeneous firms and footloose capital (seed 003)."""

from .model import *  # noqa: F403
from .model import __all__  # noqa: F401
