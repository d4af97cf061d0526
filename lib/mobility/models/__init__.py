"""The economics: one package per paper, each of the same shape (params, solver or estimator modules, figures).
A model imports only :mod:`mobility.core` and its own package."""
