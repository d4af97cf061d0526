"""The scorecard as a reader gets it: the contradicted status, claims counted, a summary in book order with titles,
percentages and badges, compact per-chapter tables with numbers at the published precision + 1 digit."""

from __future__ import annotations

import pytest

from mobility.publish import scorecard

HEADER = "key,source,published,tolerance,note,status,where\n"
TOC = """format: jb-book
root: book/intro
parts:
  - caption: Second chapter title
    chapters:
      - file: book/beta/page
  - caption: First chapter title
    chapters:
      - file: book/alpha/page
"""


@pytest.fixture
def book(tmp_path, monkeypatch):
    monkeypatch.setenv("MOBILITY_ROOT", str(tmp_path))
    for ch in ("alpha", "beta"):
        (tmp_path / "book" / ch).mkdir(parents=True)
        (tmp_path / "book" / ch / "page.md").write_text(f"# {ch}\n\n({ch}-table-2)=\n## Table 2\n\ntext\n")
    (tmp_path / "book" / "intro.md").write_text("# i")
    (tmp_path / "_toc.yml").write_text(TOC)
    d = tmp_path / "targets"
    d.mkdir()
    (d / "alpha.csv").write_text(
        HEADER
        + (
            'alpha.t.a,"Table 2, row A",0.190,0.0005,,,book/alpha/page#alpha-table-2\n'
            'alpha.t.b,"Table 2, row B",1.5,0.05,,,book/alpha/page#alpha-table-2\n'
            "alpha.c.one,Result 1,holds,,,,book/alpha/page\n"
            "alpha.c.two,Result 2,holds,,opposite sign at every point,contradicted,book/alpha/page\n"
            "alpha.c.three,Result 3,holds,,needs data we lack,not reproducible,book/alpha/page\n"
        )
    )
    (d / "beta.csv").write_text(HEADER + "beta.t.a,Table 1,2.0,0.1,,,book/beta/page#beta-table-2\n")
    return d


def test_contradicted_status_and_claims(book):
    values = {"alpha.t.a": 0.19012, "alpha.t.b": 1.7, "alpha.c.one": "holds", "alpha.c.two": "fails", "beta.t.a": 2.0}
    rows = scorecard.evaluate(scorecard.load_targets(book), values)
    status = {r.target.key: r.status for r in rows}
    assert status == {
        "alpha.t.a": "reproduced",
        "alpha.t.b": "outside tolerance",
        "alpha.c.one": "reproduced",
        "alpha.c.two": "contradicted",
        "alpha.c.three": "not reproducible",
        "beta.t.a": "reproduced",
    }
    alpha = [r for r in rows if r.target.chapter == "alpha"]
    assert scorecard.claims(alpha) == {"claims": 3, "checked": 2, "confirmed": 1, "contradicted": 1}
    # a contradicted mark that the model no longer supports is reproduced (the scorecard test reports it as stale)
    again = scorecard.evaluate(scorecard.load_targets(book), {**values, "alpha.c.two": "holds"})
    assert {r.target.key: r.status for r in again}["alpha.c.two"] == "reproduced"


def test_contradicted_needs_its_evidence(tmp_path):
    d = tmp_path / "targets"
    d.mkdir()
    (d / "demo.csv").write_text(HEADER + "demo.c.a,Result 1,holds,,,contradicted,\n")
    with pytest.raises(scorecard.TargetsError, match="needs the evidence"):
        scorecard.load_targets(d)


def test_page_reads_at_a_glance(book):
    values = {"alpha.t.a": 0.19012, "alpha.t.b": 1.7, "alpha.c.one": "holds", "alpha.c.two": "fails", "beta.t.a": 2.0}
    rows = scorecard.evaluate(scorecard.load_targets(book), values)
    text = scorecard.render(rows)
    # the summary lists the chapters in book order, by title, with percentages and badges
    summary = text[text.index("## Summary") : text.index("(scorecard-")]
    assert summary.index("Second chapter title") < summary.index("First chapter title")
    assert '<span class="sc-badge sc-contradicted">1 contradicted (20 %)</span>' in summary
    assert "2 of 3: 1 confirmed, 1 contradicted" in summary
    # per chapter: link text is the table's heading (a {ref} to its label), not a file anchor
    assert "{ref}`alpha-table-2`" in text and "page#alpha-table-2" not in text
    # published as printed; ours one digit more; the difference signed; no e-notation, no key column
    assert "| row A | 0.190 | 0.1901 | +0.0001 |" in text
    assert "| row B | 1.5 | 1.70 | +0.20 |" in text
    assert "e-0" not in text and "| key |" not in text
    # the note sits behind a toggle, with the key and the tolerance
    assert '<details class="sc-note"><summary>note</summary>Key `alpha.c.two`.' in text
    assert ":::{dropdown}" in text and ":open:" in text
