"""Gravity estimates of visa provisions in trade agreements (Levelu, Mayda & Orefice 2023, WB PRWP 10324).

- :mod:`.data`: the pair-year panel, real (from the data kit named by ``MOBILITY_DATA_DIR``) or synthetic (a
  structural simulation of the paper's eqs. 1-6 with known true coefficients);
- :mod:`.estimate`: PPML / 2SLS wrappers around pyfixest with separation, convergence and small-sample choices made
  explicit;
- :mod:`.tables`: the paper's specifications (Tables 2-6, 9-12) and their assembly.
"""
