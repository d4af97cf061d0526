"""Mobility: the library behind the book *Migration and Internationalization*.

Chapters: :mod:`mobility.review`, :mod:`mobility.mnc`, :mod:`mobility.relocation`, :mod:`mobility.gravity`.
Infrastructure: :mod:`mobility.results` (numbers into pages), :mod:`mobility.plotting` (figures),
:mod:`mobility.variants` (papermill variants), :mod:`mobility.scorecard` (published vs ours),
:mod:`mobility.paths` (where things are).
"""

__version__ = "0.1.0"
