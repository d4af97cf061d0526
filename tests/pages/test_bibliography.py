"""The book's one bibliography, ``book/references.bib``: it parses, has no duplicate keys, every entry can be
formatted, and every key any page cites (``{cite}``, ``{cite:p}``, ``{cite:t}``, ... in ``book/**/*.md``) exists.
What the reader sees: the four reproduced papers in full, author-year labels (``mobility.publish.bibstyle``) in a
list sorted as an author-year list, proper nouns capitalised, no note about how the book was made; the built page
is checked too (quick build).

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
from mobility.publish import bibstyle

BIB = paths.root() / "book" / "references.bib"
BOOK = paths.root() / "book"

#: ``{cite}`a,b```, ``{cite:p}`a```, ``{cite:t}`a```, ``{cite:ps}``, ``{cite:alp}``, ``{cite:author}``, ...
CITE_RE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]*)`")
ENTRY_KEY_RE = re.compile(r"^\s*@\s*(\w+)\s*[{(]\s*([^,\s]+)\s*,", re.MULTILINE)
#: The four reproduced papers: other chapters rely on these keys.
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
    failures = []
    for style in (find_plugin("pybtex.style.formatting", "plain")(), bibstyle.Style()):
        for key, entry in data.entries.items():
            try:
                style.format_entry(key, entry)
            except Exception as exc:  # noqa: BLE001 - report every entry, then fail
                failures.append(f"{type(style).__module__}: {key}: {exc}")
    for key, entry in data.entries.items():
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


# --- What the reader sees: author-year labels, complete entries for the reproduced papers, no process notes ----------

#: A label as the text cites the work: ``Gould 1994``, ``Head and Ries 1998``, ``Javorcik et al. 2011``, ``OECD 2012a``.
LABEL_RE = re.compile(r"\S.* \d{4}[a-z]?")
#: Words that describe how this book was assembled rather than the work itself.
PROCESS_RE = re.compile(r"\bseeds?\b|known only|this book|extraction|as printed|according to the review", re.IGNORECASE)
#: Fields a reader sees as free text.
NOTE_FIELDS = ("note", "howpublished", "annote", "addendum", "annotation")


def test_no_note_says_how_the_book_was_made():
    data = parse_file(str(BIB))
    bad = [
        f"{key}.{name}: {value}"
        for key, entry in data.entries.items()
        for name, value in entry.fields.items()
        if name.lower() in NOTE_FIELDS and PROCESS_RE.search(value)
    ]
    assert not bad, "notes must describe the work, not how the book was made:\n" + "\n".join(bad)


def test_process_regex_catches_the_old_stub_notes():
    for note in (
        "Known only from its citation in the review (seed 000)",
        "Seed text 003 of this book",
        "Title as printed in seed 001",
        "A meta-analysis, according to the review",
    ):
        assert PROCESS_RE.search(note), note
    assert not PROCESS_RE.search("Working paper, Boston University, draft of April 2014")


def test_reproduced_papers_have_year_title_and_outlet():
    entries = parse_file(str(BIB)).entries
    for key in SEED_KEYS:
        fields = entries[key].fields
        assert re.fullmatch(r"\d{4}", fields.get("year", "")), f"{key}: no year"
        assert fields.get("title"), f"{key}: no title"
        assert fields.get("journal") or fields.get("institution") or fields.get("note"), f"{key}: no outlet"
    for key in ("hatzigeorgiou_lodefalk_review", "baldwin_okubo_relocation"):  # journal articles, with DOIs
        missing = [f for f in ("journal", "volume", "number", "pages", "doi") if not entries[key].fields.get(f)]
        assert not missing, f"{key}: missing {missing}"
    assert entries["levelu_mayda_orefice2023"].fields["number"] == "10324"


def _labels() -> dict[str, str]:
    style = bibstyle.Style()
    return {e.key: e.label for e in style.format_entries(parse_file(str(BIB)).entries.values())}


def test_labels_are_author_year_and_unique():
    labels = _labels()
    bad = [f"{k}: {v!r}" for k, v in labels.items() if not LABEL_RE.fullmatch(v)]
    assert not bad, "labels not author-year:\n" + "\n".join(bad)
    dupes = sorted({v for v in labels.values() if list(labels.values()).count(v) > 1})
    assert not dupes, f"two entries share a label: {dupes}"
    assert labels["head_ries1998"] == "Head and Ries 1998"
    assert labels["javorcik_etal2011"] == "Javorcik et al. 2011"
    assert labels["gallardosejas_etal2006"] == "Gallardo-Sejas et al. 2006"  # the review's "et al.", one braced name
    assert labels["anderson_vanwincoop2003"] == "Anderson and van Wincoop 2003"
    assert labels["vezina2012"] == "Vézina 2012"  # LaTeX accents decoded
    assert {labels["oecd2012"], labels["oecd2012_review"]} == {"OECD 2012a", "OECD 2012b"}


def test_list_is_sorted_as_an_author_year_list():
    keys = [e.key for e in bibstyle.Style().format_entries(parse_file(str(BIB)).entries.values())]
    assert keys.index("anderson1979") < keys.index("anderson2011") < keys.index("anderson_vanwincoop2003")
    assert keys.index("helpman_melitz_yeaple2004") < keys.index("helpman_etal2008")
    assert keys.index("felbermayr_etal2010") < keys.index("felbermayr_grossmann_kohler2015")


def test_titles_keep_proper_nouns_in_any_style():
    """``{US}`` in the .bib: sentence-casing styles (plain) keep it; ours prints titles as written."""
    data = parse_file(str(BIB))
    for name in ("plain", bibstyle.STYLE_NAME):
        bibstyle.register()
        style = find_plugin("pybtex.style.formatting", name)()
        for key, phrase in [
            ("bandyopadhyay_etal2008", "US"),
            ("felbermayr_toubal2012", "OECD"),
            ("muendler_rauch_tocoian2012", "Brazil"),
            ("rauch_trindade2002", "Chinese"),
        ]:
            text = style.format_entry(key, data.entries[key]).text.render_as("text")
            assert re.search(rf"\b{phrase}\b", text), f"{name}: {key}: {text}"


def test_config_and_extension_use_the_style():
    import yaml

    config = yaml.safe_load((paths.root() / "_config.yml").read_text(encoding="utf-8"))
    assert config["sphinx"]["config"]["bibtex_default_style"] == bibstyle.STYLE_NAME
    assert config["sphinx"]["config"]["bibtex_reference_style"] == "author_year"
    assert "bibstyle.register()" in (paths.root() / "lib" / "mobility" / "publish" / "sphinxext.py").read_text()


@pytest.mark.slow
@pytest.mark.build
def test_built_bibliography_shows_author_year_labels_and_capitals(quick_build):
    """The page a reader opens: one author-year label per entry, proper nouns capitalised, DOIs linked, no notes about
    how the book was made."""
    import html as htmllib

    page = quick_build["html"] / "book" / "bibliography.html"
    assert page.is_file(), f"{page} was not written (log {quick_build['log']})"
    source = page.read_text(encoding="utf-8")
    labels = [  # a work the page itself cites has its label wrapped in a back-link: the text is the label
        htmllib.unescape(re.sub(r"<[^>]+>", "", x))
        for x in re.findall(
            r'<span class="label"><span class="fn-bracket">\[</span>(.*?)<span class="fn-bracket">\]</span></span>',
            source,
        )
    ]
    assert len(labels) == len(parse_file(str(BIB)).entries), f"{len(labels)} labels on {page}"
    bad = [label for label in labels if not LABEL_RE.fullmatch(label)]
    assert not bad, f"labels not author-year on {page}: {bad[:10]}"
    for label in ("Hatzigeorgiou and Lodefalk 2021", "Wang 2014", "Levelu et al. 2023", "Baldwin and Okubo 2014"):
        assert label in labels, label
    entries = " ".join(re.findall(r'<div class="citation".*?</div>', source, flags=re.DOTALL))
    text = re.sub(r"\s+", " ", htmllib.unescape(re.sub(r"<[^>]+>", " ", entries)))
    for phrase in (
        "Ethnic Networks and US Exports",
        "Evidence from New OECD Data",
        "Stylized Facts from Brazil",
        "Ethnic Chinese Networks",
    ):
        assert phrase in text, f"{phrase!r} not on {page}"
    assert not PROCESS_RE.search(text), PROCESS_RE.search(text)
    assert 'href="https://doi.org/10.1111/roie.12096"' in source


def test_registering_the_style_makes_the_plain_text_backend_a_lookup(monkeypatch):
    """sphinxcontrib-bibtex asks pybtex for its plain-text backend once per citation; once ``register`` has run, the
    answer is the class pybtex's own entry point names, found without scanning the installed packages' entry points
    (each scan took ~25 ms: 3-4 s of a Sphinx pass)."""
    from importlib.metadata import entry_points

    import pybtex.plugin

    (ep,) = [e for e in entry_points(group="pybtex.backends") if e.name == "plaintext"]
    bibstyle.register()
    monkeypatch.setattr(pybtex.plugin, "entry_points", lambda **kw: pytest.fail(f"scanned the entry points: {kw}"))
    assert pybtex.plugin.find_plugin("pybtex.backends", "plaintext") is ep.load()
    assert find_plugin("pybtex.style.formatting", bibstyle.STYLE_NAME) is bibstyle.Style
