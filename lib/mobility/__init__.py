"""Mobility: the library behind the book *Migration and Internationalization*.

Chapters: :mod:`mobility.models.review`, :mod:`mobility.models.mnc`, :mod:`mobility.models.relocation`,
:mod:`mobility.models.gravity`.
Infrastructure: :mod:`mobility.publish.results` (numbers into pages), :mod:`mobility.publish.display` (figures),
:mod:`mobility.run.variants` (papermill variants), :mod:`mobility.publish.scorecard` (published vs ours),
:mod:`mobility.core.paths` (where things are).
"""

__version__ = "0.1.0"
