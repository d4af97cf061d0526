"""The literature review as data: the catalogue of studies cited by Hatzigeorgiou and Lodefalk's review of the
migration–internationalization nexus, its Tables 1–2, and summaries of both.

- :func:`load_studies` reads and validates ``data/review/studies.csv`` (one row per cited work); a malformed
  file raises :class:`CatalogueError` naming the file, line and column.
- :func:`load_summary_tables` reads the transcribed Tables 1 (macro level) and 2 (sub-national level) of the
  review: average, max, min, median elasticity and number of studies by direction of migration (immigration,
  emigration) and trade flow (exports, imports).
- :func:`counts` tabulates the catalogue by level, outcome, method, role or decade; :func:`table_cells` gives,
  for each cell of Tables 1–2, what the catalogue itself can say (how many of the cell's studies the review names,
  and summary statistics of the elasticities it states for them — none, at the macro and sub-national levels).
- :func:`pool` combines estimates with standard errors by inverse-variance fixed effects and DerSimonian–Laird
  random effects; :func:`pool_stated` applies it to the estimates the review states, which come without standard
  errors (so it reports that pooling is impossible and gives the equal-weight mean and median instead).
- :func:`table_comparison` sets a printed table beside the catalogue's cells; :func:`load_stated_numbers` reads
  the numbers the review states in its prose (counts of studies, summary elasticities).
- For the pages: :func:`table_values` (the numbers recorded for Tables 1-2), :func:`stated_value`, and the display
  forms :func:`comparison_for_display`, :func:`counts_for_display`, :func:`catalogue_for_display`.
- :mod:`mobility.models.review.trade`: the review's question on data (the migration-trade elasticity estimated on
  the data kit; import it as ``from mobility.models.review import trade``).
- Figures: :func:`plot_factors` (the review's Figure 3, :data:`FIGURE3`), :func:`plot_studies_by_year` and
  :func:`plot_forest` (the firm-level estimates of section 3.4).

The review prints no equations; "section 3.4" etc. below refer to its sections.
"""

from mobility.models.review.catalogue import (
    BY,
    DIRECTIONS,
    FLOWS,
    LEVELS,
    METHODS,
    MULTI,
    OUTCOMES,
    QUALIFIERS,
    ROLES,
    SINGLE,
    STATED_COLUMNS,
    STATISTICS,
    STUDY_COLUMNS,
    SUMMARY_COLUMNS,
    TABLE_LEVEL,
    CatalogueError,
    Study,
    load_stated_numbers,
    load_studies,
    load_summary_tables,
    studies_frame,
)
from mobility.models.review.figures import (
    FIGURE3,
    FIGURE3_OUTCOME,
    YEAR_GROUPS,
    plot_factors,
    plot_forest,
    plot_studies_by_year,
    year_groups,
)
from mobility.models.review.pooling import Pooled, StatedPool, firm_estimates, pool, pool_stated
from mobility.models.review.summary import (
    COUNT_ROWS,
    catalogue_for_display,
    comparison_for_display,
    counts,
    counts_for_display,
    stated_value,
    table_cells,
    table_comparison,
    table_values,
)

__all__ = [
    "FLOWS",
    "MULTI",
    "QUALIFIERS",
    "SINGLE",
    "STATED_COLUMNS",
    "FIGURE3_OUTCOME",
    "CatalogueError",
    "Study",
    "STUDY_COLUMNS",
    "SUMMARY_COLUMNS",
    "ROLES",
    "LEVELS",
    "OUTCOMES",
    "DIRECTIONS",
    "METHODS",
    "BY",
    "TABLE_LEVEL",
    "STATISTICS",
    "load_studies",
    "studies_frame",
    "load_summary_tables",
    "counts",
    "table_cells",
    "Pooled",
    "pool",
    "StatedPool",
    "pool_stated",
    "firm_estimates",
    "table_comparison",
    "FIGURE3",
    "plot_factors",
    "YEAR_GROUPS",
    "year_groups",
    "plot_studies_by_year",
    "plot_forest",
    "load_stated_numbers",
    "COUNT_ROWS",
    "stated_value",
    "table_values",
    "comparison_for_display",
    "counts_for_display",
    "catalogue_for_display",
]
