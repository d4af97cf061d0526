"""Author–year labels and as-written titles for the book's bibliography (a pybtex style for sphinxcontrib-bibtex).

The text cites author–year (``bibtex_reference_style: author_year``): "Head and Ries (1998)". pybtex's stock styles
label the list ``[HR98]`` (alpha) or ``[1]`` (plain) and lower-case every title but its first letter. This style
labels each entry as the text cites it — ``Head and Ries 1998``, ``Javorcik et al. 2011``, ``OECD 2012a`` — and
prints titles as the .bib writes them, so "US", "OECD" or "Brazil" keep their capitals (the .bib also braces
them, for any other style).

:func:`register` makes the style known to pybtex as ``mobility`` (``bibtex_default_style: mobility`` in
``_config.yml``); :mod:`mobility.publish.sphinxext` calls it when Sphinx loads the extension.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable
from functools import cache

from pybtex.backends.plaintext import Backend as TextBackend
from pybtex.plugin import register_plugin
from pybtex.richtext import Text
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle
from pybtex.style.sorting import BaseSortingStyle
from pybtex.style.template import field, sentence

#: The name ``_config.yml`` uses (``bibtex_default_style``).
STYLE_NAME = "mobility"
_TEXT = TextBackend()


@cache
def _plain(latex: str) -> str:
    """``V{\\'e}zina`` -> ``Vézina``, ``{van Wincoop}`` -> ``van Wincoop``. (``render`` with a backend instance:
    ``render_as`` looks the backend up among the installed entry points on every call, ~0.1 s each.)"""
    return Text.from_latex(latex).render(_TEXT)


def surname(person) -> str:
    """The surname as cited: von part and last names (``van Wincoop``, ``Santos-Silva``, ``Gallardo-Sejas et al.``)."""
    return _plain(" ".join(person.prelast_names + person.last_names))


def author_part(entry) -> str:
    """``Gould``, ``Head and Ries``, ``Javorcik et al.``: the authors (else editors, else institution) as cited."""
    persons = entry.persons.get("author") or entry.persons.get("editor")
    if not persons:
        for name in ("organization", "institution", "publisher", "key"):
            if entry.fields.get(name):
                return _plain(entry.fields[name])
        return entry.key
    names = [surname(p) for p in persons]
    if len(names) == 1:
        return names[0]
    if len(names) == 2:
        return f"{names[0]} and {names[1]}"
    return f"{names[0]} et al."


class AuthorYearLabelStyle(BaseLabelStyle):
    """``Author Year``; equal labels get ``a``, ``b``, ... in the list's (author, year, title) order."""

    def format_label(self, entry) -> str:
        year = entry.fields.get("year", "").strip()
        return f"{author_part(entry)} {year}".strip() if year else f"{author_part(entry)} n.d."

    def format_labels(self, sorted_entries: Iterable) -> Iterable[str]:
        labels = [self.format_label(entry) for entry in sorted_entries]
        count = Counter(labels)
        seen: Counter = Counter()
        for label in labels:
            if count[label] == 1:
                yield label
            else:
                yield label + chr(ord("a") + seen[label])
                seen[label] += 1


def _sort_text(text: str) -> str:
    """Lower case, accents and punctuation dropped: ``Vézina`` sorts with ``Vezina``, ``{UN}`` with ``un``."""
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if c.isalnum() or c == " ").lower()


class AuthorYearSortingStyle(BaseSortingStyle):
    """As an author–year list reads: by first author; then single-author works, two-author works (by co-author) and
    "et al." works; then year, then title. So ``Helpman et al. 2004`` comes before ``Helpman et al. 2008``."""

    def sorting_key(self, entry):
        persons = entry.persons.get("author") or entry.persons.get("editor")
        names = [_sort_text(surname(p)) for p in persons] if persons else [_sort_text(author_part(entry))]
        rank = min(len(names), 3)
        if len(names) == 1 and names[0].endswith(" et al"):  # one braced name "{Gallardo-Sejas et al.}"
            names, rank = [names[0][: -len(" et al")]], 3
        second = names[1] if len(names) == 2 else ""
        title = _sort_text(_plain(entry.fields.get("title", "")))
        return (names[0], rank, second, entry.fields.get("year", ""), title)


class Style(PlainStyle):
    """pybtex's ``plain`` entries, with author–year labels, an author–year order and titles as written."""

    default_label_style = AuthorYearLabelStyle
    default_sorting_style = AuthorYearSortingStyle

    def format_title(self, e, which_field, as_sentence=True):
        title = field(which_field)
        return sentence[title] if as_sentence else title


def register() -> None:
    """Make the style available to pybtex (and so to sphinxcontrib-bibtex) as ``mobility``. Idempotent.

    Also registers pybtex's own plain-text backend under its own name, the class its entry point names: pybtex
    looks up registered plugins first and otherwise scans every installed package's entry points, and
    sphinxcontrib-bibtex asks for that backend once per citation (150 times in a build, ~25 ms each: 3-4 s of the
    Sphinx pass)."""
    register_plugin("pybtex.style.formatting", STYLE_NAME, Style, force=True)
    register_plugin("pybtex.backends", "plaintext", TextBackend, force=True)
