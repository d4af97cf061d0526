"""The published-vs-ours tables: the numbers (``compare.table``) and the reader's view of them (``compare.shown``)."""

from __future__ import annotations

from mobility.publish import compare, display


def test_shown_uses_the_published_precision_and_never_prints_negative_zero():
    prefix = "mnc.table5.migration_mnc."
    targets = compare.published(prefix)
    key, target = next((k, t) for k, t in targets.items() if t.numeric and t.printed and "." in t.printed)
    digits = display.decimals(target.printed)
    values = {key: target.published - 10.0 ** -(digits + 4)}  # ours a hair below the paper
    tbl = compare.shown(values, prefix, lambda k: k.rsplit(".", 1)[1].replace("_", " "), item="row")
    assert tbl.header == ["row", "paper", "ours", "difference", "status"]
    row = next(r for r in tbl.rows if r[0] == key.rsplit(".", 1)[1].replace("_", " "))
    paper, ours, diff, status = row[1:]
    assert paper == display.number(target.published, printed=target.printed)  # as printed
    assert len(ours.split(".")[1]) == digits + 1  # one digit more than printed
    assert "×" in diff and "0.0" not in diff  # a hair is shown by its size (−1.0 × 10⁻⁸), never as −0.00000
    assert status == "reproduced"
    missing = next(r for r in tbl.rows if r[0] != row[0])
    assert missing[2:4] == [display.MISSING, display.MISSING] and missing[4] == "missing"
    html = tbl._repr_html_()
    assert 'class="mobility-table"' in html and "-0.0" not in html and "nan" not in html
