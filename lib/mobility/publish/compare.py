"""The one published-vs-ours builder: the paper's numbers (``data/targets/*.csv``) beside ours.

Every chapter's "beside the paper" table is :func:`table`; the status of each row is the scorecard's
(:func:`mobility.publish.scorecard.evaluate`), so a page and the scorecard can never disagree.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from mobility.publish import scorecard

__all__ = ["published", "table"]


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
