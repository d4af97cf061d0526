"""Where work runs: executors (local pool or Dask), papermill variants, chunked sweeps, and the recipes that name
the models' grids. Imports core and models only."""
