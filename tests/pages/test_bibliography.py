"""The book's one bibliography, ``book/references.bib``: it parses, has no duplicate keys, every entry can be
formatted, and every key any page cites (``{cite}``, ``{cite:p}``, ``{cite:t}``, ... in ``book/**/*.md``) exists.

The Sphinx build also fails on an unknown key (it runs with warnings as errors); this test finds the key, the
page and the line without a build.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pybtex.database import parse_file, parse_string
from pybtex.plugin import find_plugin

from mobility.core import paths

BIB = paths.root() / "book" / "references.bib"
BOOK = paths.root() / "book"

#: ``{cite}`a,b```, ``{cite:p}`a```, ``{cite:t}`a```, ``{cite:ps}``, ``{cite:alp}``, ``{cite:author}``, ...
CITE_RE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]*)`")
ENTRY_KEY_RE = re.compile(r"^\s*@\s*(\w+)\s*[{(]\s*([^,\s]+)\s*,", re.MULTILINE)
#: The four seed papers: other chapters rely on these keys.
SEED_KEYS = [
    "hatzigeorgiou_lodefalk_review",
    "wang2014",
    "levelu_mayda_orefice2023",
    "baldwin_okubo_relocation",
]


def cited_keys(text: str) -> list[str]:
    """The citation keys in a MyST text, in order. Pre/post notes (``{see}key{p. 3}``) are stripped."""
    keys = []
    for match in CITE_RE.finditer(text):
        for part in match.group(1).split(","):
            key = re.sub(r"\{[^}]*\}", "", part).strip()
            if key:
                keys.append(key)
    return keys


def bib_keys(text: str) -> list[str]:
    """Every entry key in a .bib text, in order, duplicates kept (``@comment``/``@string``/``@preamble`` skipped)."""
    return [key for kind, key in ENTRY_KEY_RE.findall(text) if kind.lower() not in ("comment", "string", "preamble")]


def citations(book: Path = BOOK) -> list[tuple[str, int, str]]:
    """``(page, line, key)`` for every citation in ``book/**/*.md``."""
    out = []
    for page in sorted(book.rglob("*.md")):
        if "_build" in page.parts:
            continue
        for lineno, line in enumerate(page.read_text(encoding="utf-8").splitlines(), start=1):
            out.extend((str(page.relative_to(book)), lineno, key) for key in cited_keys(line))
    return out


def test_cite_regex_reads_every_role_and_list():
    text = (
        "as {cite:p}`gould1994, head_ries1998` and {cite:t}`melitz2003`; {cite}`a1` "
        "{cite:ps}`b2` {cite:p}`{see}c3{p. 4}` not `gould1994` nor {glue:text}`x.y:.3f`"
    )
    assert cited_keys(text) == ["gould1994", "head_ries1998", "melitz2003", "a1", "b2", "c3"]


def test_bib_key_regex_finds_duplicates():
    text = "@misc{a1,\n year={1}}\n@Article{ b2 ,\n}\n@comment{x, y}\n@misc{a1,\n}"
    keys = bib_keys(text)
    assert keys == ["a1", "b2", "a1"]
    assert {k for k in keys if keys.count(k) > 1} == {"a1"}


def test_bibliography_parses_without_duplicate_keys():
    text = BIB.read_text(encoding="utf-8")
    keys = bib_keys(text)
    lowered = [k.lower() for k in keys]
    dupes = sorted({k for k in lowered if lowered.count(k) > 1})
    assert not dupes, f"{BIB}: duplicate keys {dupes}"
    data = parse_file(str(BIB))  # raises on malformed entries
    assert sorted(data.entries.keys(), key=str.lower) == sorted(keys, key=str.lower)
    for key in SEED_KEYS:
        assert key in data.entries, f"{BIB}: seed key {key!r} is gone; other chapters cite it"


def test_pybtex_rejects_a_duplicate_key():
    """The parser itself also refuses duplicates (guards the regex above against a format it misses)."""
    from pybtex import errors
    from pybtex.database import BibliographyDataError

    old = errors.strict
    errors.set_strict_mode(True)
    try:
        with pytest.raises(BibliographyDataError):
            parse_string("@misc{k, year={1}}\n@misc{k, year={2}}\n", "bibtex")
    finally:
        errors.set_strict_mode(old)


def test_every_entry_formats():
    """A missing required field (e.g. ``institution`` of a @techreport) would break the bibliography page."""
    data = parse_file(str(BIB))
    style = find_plugin("pybtex.style.formatting", "plain")()
    failures = []
    for key, entry in data.entries.items():
        try:
            style.format_entry(key, entry)
        except Exception as exc:  # noqa: BLE001 - report every entry, then fail
            failures.append(f"{key}: {exc}")
        if not (entry.persons.get("author") or entry.persons.get("editor")):
            failures.append(f"{key}: no author or editor")
    assert not failures, "\n".join(failures)


def test_every_cited_key_exists():
    entries = {k.lower() for k in parse_file(str(BIB)).entries.keys()}
    cites = citations()
    missing = [f"book/{page}:{line}: {key}" for page, line, key in cites if key.lower() not in entries]
    assert not missing, f"citation keys missing from {BIB}:\n" + "\n".join(missing)


def test_missing_key_is_reported_with_page_and_line(tmp_path):
    (tmp_path / "ch").mkdir()
    (tmp_path / "ch" / "p.md").write_text("# T\n\nSee {cite:p}`gould1994,no_such_key_1999`.\n", encoding="utf-8")
    entries = {k.lower() for k in parse_file(str(BIB)).entries.keys()}
    found = [(p, n, k) for p, n, k in citations(tmp_path) if k.lower() not in entries]
    assert found == [("ch/p.md", 3, "no_such_key_1999")]
