"""The published numbers: every target in data/targets/ is produced by the (quick) build and within tolerance,
unless marked not reproducible with its reason."""

from __future__ import annotations

import pytest

from mobility.publish import results, scorecard


def test_targets_parse():
    targets = scorecard.load_targets()
    assert targets, "data/targets/ has no targets"


def test_every_target_says_where_it_appears():
    docs = scorecard._toc_docs()
    bad = []
    for t in scorecard.load_targets():
        doc, _, anchor = t.where.partition("#")
        rel = doc.removeprefix("book/").removesuffix(".md")
        if rel not in docs:
            bad.append(f"{t.key}: where={t.where!r} is not a page in _toc.yml")
        elif anchor and not scorecard.anchor_defined(rel, anchor):
            bad.append(f"{t.key}: page book/{rel}.md defines no target ({anchor})= for where={t.where!r}")
    assert not bad, "\n".join(bad[:30])


@pytest.mark.slow
def test_every_target_reproduced_or_explained(quick_build):
    values = results.load_all(quick_build["results"])
    rows = scorecard.evaluate(scorecard.load_targets(), values)
    missing = [r.target.key for r in rows if r.status == "missing"]
    outside = [
        f"{r.target.key}: published {r.target.published}, ours {r.ours}, tolerance {r.target.tolerance}"
        for r in rows
        if r.status == "outside tolerance" and r.target.status != scorecard.KNOWN_MISS
    ]
    stale = [
        f"{r.target.key}: marked '{scorecard.KNOWN_MISS}' but ours {r.ours} is within {r.target.tolerance} of "
        f"{r.target.published}: clear its status"
        for r in rows
        if r.target.status == scorecard.KNOWN_MISS and r.status == "reproduced"
    ]
    stale += [
        f"{r.target.key}: marked '{scorecard.CONTRADICTED}' but ours ({r.ours}) agrees with the paper's claim "
        f"({r.target.published}): the model no longer refutes it; clear its status"
        for r in rows
        if r.target.status == scorecard.CONTRADICTED and r.status == "reproduced"
    ]
    assert not missing, f"{len(missing)} target key(s) missing from the results: {missing}"
    assert not outside, f"{len(outside)} target(s) outside tolerance:\n" + "\n".join(outside)
    assert not stale, "\n".join(stale)


@pytest.mark.slow
def test_scorecard_page_renders(quick_build, tmp_path):
    out, rows, _ = scorecard.write_page(quick_build["results"], tmp_path / "replication.md")
    text = out.read_text()
    assert "# Replication scorecard" in text
    for r in rows:
        assert f"`{r.target.key}`" in text  # in each row's note
    counts = {s: sum(r.status == s for r in rows) for s in scorecard.STATUSES}
    print("scorecard: " + ", ".join(f"{n} {s}" for s, n in counts.items()))
