"""The one published-vs-ours builder: the paper's numbers (``data/targets/*.csv``) beside ours.

Every chapter's "beside the paper" table is :func:`table` (numbers, for computing) or :func:`shown` (the same
rows as the reader sees them, in the book's one table style); the status of each row is the scorecard's
(:func:`mobility.publish.scorecard.evaluate`), so a page and the scorecard can never disagree.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from mobility.publish import display, scorecard

__all__ = ["published", "table", "shown"]


def published(prefix: str) -> dict:
    """The targets whose key starts with ``prefix`` (e.g. ``"mnc.table5."``): key → :class:`~scorecard.Target`."""
    return {t.key: t for t in scorecard.load_targets() if t.key.startswith(prefix)}


def table(values: dict, prefix: str, label: Callable[[str], str] | None = None) -> pd.DataFrame:
    """One row per target under ``prefix``: ``item`` (the key without the prefix, or ``label(key)``), ``paper``,
    ``ours``, ``difference``, ``tolerance``, ``status``; ``values`` maps results keys to our numbers."""
    rows = []
    for r in scorecard.evaluate(list(published(prefix).values()), values):
        key = r.target.key
        rows.append(
            {
                "item": label(key) if label else key.removeprefix(prefix),
                "paper": r.target.published,
                "ours": r.ours,
                "difference": r.difference,
                "tolerance": r.target.tolerance,
                "status": r.status,
            }
        )
    return pd.DataFrame(rows, columns=["item", "paper", "ours", "difference", "tolerance", "status"])


def shown(
    values: dict,
    prefix: str,
    label: Callable[[str], str] | str | None = None,
    *,
    item: str = "",
    status: bool = True,
    caption: str = "",
) -> display.Table:
    """:func:`table` as the reader sees it, in the book's one table style (:class:`mobility.publish.display.Table`):
    the paper's number as printed, ours and the difference (ours − paper) to one digit more than printed, as on
    the scorecard (:func:`mobility.publish.display.number`: no ``-0.000``, no ``e`` notation, ``—`` when
    missing), and the status in words. ``label(key)`` names each row; ``label="source"`` names it by the target's
    source text after its first ": " (``"§5.1.1: bilaterality index, high-skilled"`` → "bilaterality index,
    high-skilled"); the default is the key without ``prefix``. ``item`` heads that column."""
    header = [item, "paper", "ours", "difference"] + (["status"] if status else [])
    rows = []
    for r in scorecard.evaluate(list(published(prefix).values()), values):
        t = r.target
        printed = t.printed or repr(t.published)
        if t.numeric:
            cells = [
                display.number(t.published, printed=printed),
                display.number(r.ours, printed=printed, extra=1) if not isinstance(r.ours, str) else r.ours,
                display.number(r.difference, printed=printed, extra=1, signed=True),
            ]
        else:
            cells = [str(t.published), display.number(r.ours), display.MISSING]
        if label == "source":
            name = t.source.split(": ", 1)[-1]
        else:
            name = label(t.key) if callable(label) else t.key.removeprefix(prefix)
        rows.append([name, *cells] + ([r.status] if status else []))
    numeric = [False, True, True, True] + ([False] if status else [])
    return display.Table(header, rows, numeric, caption=caption)
