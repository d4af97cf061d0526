"""mobility.publish.scorecard: target parsing errors and evaluation."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from mobility.publish import scorecard

HEADER = "key,source,published,tolerance,note,status,where\n"


def write(tmp_path, body, name="demo.csv"):
    d = tmp_path / "targets"
    d.mkdir(exist_ok=True)
    (d / name).write_text(HEADER + body)
    return d


def test_evaluate_statuses(tmp_path, monkeypatch):
    monkeypatch.setenv("MOBILITY_ROOT", str(tmp_path))
    (tmp_path / "book" / "demo").mkdir(parents=True)
    (tmp_path / "book" / "demo" / "page.md").write_text("# p")
    (tmp_path / "book" / "intro.md").write_text("# i")
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/intro\nchapters:\n  - file: book/demo/page\n")
    d = write(
        tmp_path,
        (
            "demo.t.a,Table 1,0.85,0.00005,,,\n"
            "demo.t.b,Table 1,1.0,0.05,,,\n"
            "demo.t.c,Table 1,2.0,0.1,,,\n"
            "demo.t.d,Table 2,0.19,0.0005,Visa not in the data,not reproducible,\n"
            "demo.t.e,Result 1,holds,,,,book/demo/page#result-1\n"
        ),
    )
    rows = scorecard.evaluate(scorecard.load_targets(d), {"demo.t.a": 0.85002, "demo.t.b": 1.2, "demo.t.e": "holds"})
    status = {r.target.key: r.status for r in rows}
    assert status == {
        "demo.t.a": "reproduced",
        "demo.t.b": "outside tolerance",
        "demo.t.c": "missing",
        "demo.t.d": "not reproducible",
        "demo.t.e": "reproduced",
    }
    text = scorecard.render(rows)
    assert "| [demo](#scorecard-demo) | 5 |" in text  # chapter, targets, badges with counts and percentages
    assert '<span class="sc-badge sc-reproduced">2 reproduced (40 %)</span>' in text
    assert "{doc}`demo/page`" in text  # anchor not defined in the page: link to the page


@pytest.mark.parametrize(
    "body, match",
    [
        ("Demo.t.a,T,1,0.1,,,\n", "line 2, column key"),
        ("other.t.a,T,1,0.1,,,\n", "should start with 'demo.'"),
        ("demo.t.a,T,1,,,,\n", "column tolerance"),
        ("demo.t.a,T,1,-1,,,\n", "column tolerance"),
        ("demo.t.a,T,1,0.1,,maybe,\n", "column status"),
        ("demo.t.a,T,1,0.1,,not reproducible,\n", "needs its reason"),
        ("demo.t.a,,1,0.1,,,\n", "column source"),
        ("demo.t.a,T,1,0.1,,,\ndemo.t.a,T,1,0.1,,,\n", "line 3, column key: 'demo.t.a' already defined"),
    ],
)
def test_malformed_targets(tmp_path, body, match):
    d = write(tmp_path, body)
    with pytest.raises(scorecard.TargetsError, match=match):
        scorecard.load_targets(d)


def test_missing_column(tmp_path):
    d = tmp_path / "targets"
    d.mkdir()
    (d / "demo.csv").write_text("key,source,published\n")
    with pytest.raises(scorecard.TargetsError, match="missing column"):
        scorecard.load_targets(d)


#: Greek names and subscripted symbols typed as plain text (``phi_P``, ``s_E``, ``(B/cutoff)^kappa``); the quantities
#: and notes of the scorecard are MyST, so a symbol belongs in ``$...$``. Code names in backticks are allowed.
_PSEUDO_MATH = re.compile(
    r"\^|\b[A-Za-z]_[A-Za-z0-9]+\b|\b(?:phi|sigma|rho|beta|kappa|chi|gamma|alpha|delta|a-bar|(?:tau|xi|zeta)\d+)\b"
)


def test_targets_text_has_no_pseudo_math():
    """The scorecard shows each target's quantity and note: symbols are typeset, never ``phi_P`` or ``x^kappa``."""
    root = Path(__file__).resolve().parents[2] / "data" / "targets"
    bad = []
    for path in sorted(root.glob("*.csv")):
        for row in csv.DictReader(path.open(encoding="utf-8")):
            for column in ("source", "note"):
                text = re.sub(r"\$[^$]*\$|`[^`]*`", "", row.get(column) or "")
                if _PSEUDO_MATH.search(text):
                    bad.append(f"{path.name}: {row['key']} ({column}): {text[:80]}")
    assert not bad, "\n".join(bad)
