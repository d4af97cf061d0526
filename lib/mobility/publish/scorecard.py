"""Published numbers beside ours: ``data/targets/<chapter>.csv`` joined with ``_build/results/*.json``.

A targets file has the columns

``key, source, published, tolerance, note, status, where``

- ``key``: the results key (``mnc.table5.autarky.cutoff_usa``);
- ``source``: where the number is printed (``Table 5, row "Local firm cutoff", column Autarky``);
- ``published``: the number as printed (a string target, e.g. a verdict, is compared exactly);
- ``tolerance``: the absolute difference we claim (usually half a unit of the printed precision);
- ``note``: why ours may differ, or, for a target that cannot be reproduced, the reason;
- ``status``: empty (we claim to reproduce it); ``not reproducible`` (the number cannot be computed as the paper
  did, e.g. a variable missing from the data; ``note`` gives the reason; our closest number, if any, is shown); or
  ``known miss`` (we compute the same quantity and it lands outside the tolerance; ``note`` says why; the scorecard
  shows it as *outside tolerance*, and the scorecard test fails if it ever comes within tolerance, so the status
  is kept true);
- ``where``: the book page (and optional ``#anchor``) where the number appears, e.g. ``book/mnc/tables#table-5``.

:func:`evaluate` gives each target a status: ``reproduced``, ``outside tolerance``, ``missing`` or
``not reproducible``; :func:`render` writes the scorecard page.
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass
from pathlib import Path

from mobility.core import paths
from mobility.core.errors import InputError
from mobility.core.io import write_text_atomic
from mobility.publish import results

COLUMNS = ["key", "source", "published", "tolerance", "note", "status", "where"]
NOT_REPRODUCIBLE = "not reproducible"
KNOWN_MISS = "known miss"
STATUSES = ("reproduced", "outside tolerance", "missing", NOT_REPRODUCIBLE)

__all__ = ["Target", "TargetsError", "load_targets", "evaluate", "render", "write_page", "COLUMNS"]


class TargetsError(InputError):
    """A malformed targets file; the message names the file, row and column."""


@dataclass(frozen=True)
class Target:
    chapter: str
    key: str
    source: str
    published: float | str
    tolerance: float | None
    note: str
    status: str
    where: str

    @property
    def numeric(self) -> bool:
        return isinstance(self.published, float)


def _parse_float(text: str):
    try:
        return float(text)
    except ValueError:
        return None


def load_targets(directory: Path | None = None) -> list[Target]:
    """Read and validate every ``*.csv`` in ``data/targets`` (or ``directory``)."""
    directory = Path(directory or paths.data_dir() / "targets")
    out: list[Target] = []
    seen: dict[str, str] = {}
    for path in sorted(directory.glob("*.csv")):
        chapter = path.stem
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise TargetsError(f"{path}: missing column(s) {missing}; expected {COLUMNS}")
            for lineno, row in enumerate(reader, start=2):
                where = f"{path}, line {lineno}"
                key = (row["key"] or "").strip()
                if not results.KEY_RE.match(key):
                    raise TargetsError(f"{where}, column key: {key!r} is not a dotted lower-case results key")
                if not key.startswith(chapter + "."):
                    raise TargetsError(f"{where}, column key: {key!r} should start with '{chapter}.'")
                if key in seen:
                    raise TargetsError(f"{where}, column key: {key!r} already defined at {seen[key]}")
                seen[key] = where
                status = (row["status"] or "").strip()
                if status not in ("", NOT_REPRODUCIBLE, KNOWN_MISS):
                    raise TargetsError(
                        f"{where}, column status: {status!r}; use '', '{NOT_REPRODUCIBLE}' or '{KNOWN_MISS}'"
                    )
                note = (row["note"] or "").strip()
                if status and not note:
                    raise TargetsError(f"{where}, column note: a not-reproducible target needs its reason")
                pub_text = (row["published"] or "").strip()
                if not pub_text:
                    raise TargetsError(f"{where}, column published: empty")
                pub = _parse_float(pub_text)
                tol_text = (row["tolerance"] or "").strip()
                tol = None
                if pub is not None:
                    tol = _parse_float(tol_text)
                    if tol is None or tol < 0 or not math.isfinite(tol):
                        raise TargetsError(
                            f"{where}, column tolerance: {tol_text!r} must be a number >= 0 for a numeric target"
                        )
                elif tol_text:
                    raise TargetsError(
                        f"{where}, column tolerance: a text target ({pub_text!r}) is compared exactly; leave empty"
                    )
                source = (row["source"] or "").strip()
                if not source:
                    raise TargetsError(f"{where}, column source: say where the number is printed")
                out.append(
                    Target(
                        chapter,
                        key,
                        source,
                        pub if pub is not None else pub_text,
                        tol,
                        note,
                        status,
                        (row["where"] or "").strip(),
                    )
                )
    return out


@dataclass(frozen=True)
class Row:
    target: Target
    ours: float | str | bool | None
    difference: float | None
    status: str


def evaluate(targets: list[Target], values: dict) -> list[Row]:
    """Compare each target with the recorded value."""
    rows = []
    for t in targets:
        ours = values.get(t.key)
        diff = None
        if ours is None:
            status = NOT_REPRODUCIBLE if t.status == NOT_REPRODUCIBLE else "missing"
        else:
            if t.numeric and isinstance(ours, (int, float)) and not isinstance(ours, bool):
                diff = float(ours) - t.published
                ok = abs(diff) <= t.tolerance + 1e-12
            else:
                ok = str(ours) == str(t.published)
            status = NOT_REPRODUCIBLE if t.status == NOT_REPRODUCIBLE else ("reproduced" if ok else "outside tolerance")
        rows.append(Row(t, ours, diff, status))
    return rows


def _fmt(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _toc_docs() -> set[str]:
    from mobility.publish.toc import toc_pages

    book_dir = paths.root() / "book"
    try:
        return {p.relative_to(book_dir).with_suffix("").as_posix() for p in toc_pages()}
    except (FileNotFoundError, ValueError):
        return set()


def anchor_defined(rel: str, anchor: str) -> bool:
    """Whether ``book/<rel>.md`` defines the MyST target ``anchor`` (``(anchor)=``, ``:name:`` or ``:label:``)."""
    page = paths.root() / "book" / f"{rel}.md"
    text = page.read_text(encoding="utf-8") if page.is_file() else ""
    return bool(re.search(rf"^\s*(\({re.escape(anchor)}\)=|:(name|label):\s*{re.escape(anchor)}\s*$)", text, re.M))


def _link(where: str, docs: set[str]) -> str:
    """A MyST link from book/replication.md to ``where`` (``book/<page>[#anchor]``); plain text while the page
    is not in the table of contents (a link to a page that is not built would fail the build)."""
    if not where:
        return ""
    doc, _, anchor = where.partition("#")
    rel = doc.removeprefix("book/").removesuffix(".md")
    label = f"{Path(rel).name}{'#' + anchor if anchor else ''}"
    if rel not in docs:
        return label
    if anchor and anchor_defined(rel, anchor):
        return f"{{ref}}`{label} <{anchor}>`"  # MyST targets are Sphinx labels: link with {ref}
    # tests/publish/test_scorecard_targets.py reports an undefined anchor; the link still reaches the page
    return f"[{Path(rel).name}]({rel}.md)"


def render(rows: list[Row], results_note: str = "") -> str:
    """The scorecard page (MyST Markdown)."""
    lines = [
        "# Replication scorecard",
        "",
        "Every number the papers print that this book tries to reproduce, beside the number the build computed.",
        "*Status*: **reproduced** (within the tolerance we claim), **outside tolerance** (a miss we report; the note",
        "says what we know about why),",
        "**missing** (the build did not produce it) or **not reproducible** (the note says why; our closest",
        "number is shown where there is one). The targets live in `data/targets/<chapter>.csv`; this page is",
        "generated by `python -m mobility scorecard` from them and `_build/results/`.",
        "",
    ]
    if results_note:
        lines += [results_note, ""]
    chapters = sorted({r.target.chapter for r in rows})
    docs = _toc_docs()
    lines += [
        "## Summary",
        "",
        "| chapter | reproduced | outside tolerance | missing | not reproducible | total |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for ch in chapters:
        sub = [r for r in rows if r.target.chapter == ch]
        counts = [sum(r.status == s for r in sub) for s in STATUSES]
        lines.append(f"| [{ch}](#scorecard-{ch}) | " + " | ".join(map(str, counts)) + f" | {len(sub)} |")
    for ch in chapters:
        lines += [
            "",
            f"(scorecard-{ch})=",
            f"## {ch}",
            "",
            "| key | source | published | ours | difference | tolerance | status | where | note |",
            "|---|---|---:|---:|---:|---:|---|---|---|",
        ]
        for r in (r for r in rows if r.target.chapter == ch):
            t = r.target
            cells = [
                f"`{t.key}`",
                t.source,
                _fmt(t.published),
                _fmt(r.ours),
                _fmt(r.difference),
                _fmt(t.tolerance),
                f"**{r.status}**",
                _link(t.where, docs),
                t.note,
            ]
            lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def write_page(results_directory: Path | None = None, out: Path | None = None) -> tuple[Path, list[Row], bool]:
    """Regenerate ``book/replication.md``; the file is rewritten only when its content changes.

    Returns the page's path, the evaluated rows and whether the file changed."""
    results_directory = Path(results_directory or paths.results_dir())
    values = results.load_all(results_directory) if results_directory.is_dir() else {}
    rows = evaluate(load_targets(), values)
    note = "" if values else "```{note}\nNo results yet: this page was generated before the chapters ran.\n```"
    out = Path(out or paths.root() / "book" / "replication.md")
    changed = write_text_atomic(out, render(rows, note))
    return out, rows, changed
