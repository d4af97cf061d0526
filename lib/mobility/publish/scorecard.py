"""Published numbers beside ours: ``data/targets/<chapter>.csv`` joined with ``_build/results/*.json``.

A targets file has the columns

``key, source, published, tolerance, note, status, where``

- ``key``: the results key (``mnc.table5.autarky.cutoff_usa``);
- ``source``: where the number is printed (``Table 5, row "Local firm cutoff", column Autarky``);
- ``published``: the number as printed (a string target, e.g. a verdict, is compared exactly);
- ``tolerance``: the absolute difference we claim (usually half a unit of the printed precision);
- ``note``: why ours may differ, or, for a target that cannot be reproduced, the reason;
- ``status``: empty (we claim to reproduce it); ``not reproducible`` (the number cannot be computed as the paper
  did, e.g. a variable missing from the data; ``note`` gives the reason; our closest number, if any, is shown);
  ``known miss`` (we compute the same quantity and it lands outside the tolerance; ``note`` says why; the scorecard
  shows it as *outside tolerance*, and the scorecard test fails if it ever comes within tolerance, so the status
  is kept true); or ``contradicted`` (a claim of the paper that the model refutes: ``published`` is the paper's
  claim, ours the model's verdict, ``note`` the evidence; shown as *contradicted*, and the scorecard test fails if
  ours ever agrees with the claim);
- ``where``: the book page (and optional ``#anchor``) where the number appears, e.g. ``book/mnc/tables#table-5``.

:func:`evaluate` gives each target a status: ``reproduced``, ``outside tolerance``, ``contradicted``,
``not reproducible`` or ``missing``; :func:`claims` counts the claims (text targets) checked, confirmed and
contradicted; :func:`render` writes the scorecard page: a summary in book order, then one collapsible compact table
per chapter, every number in :mod:`mobility.publish.display`'s one format.
"""

from __future__ import annotations

import csv
import html as _html
import math
import re
from dataclasses import dataclass
from pathlib import Path

from mobility.core import paths
from mobility.core.errors import InputError
from mobility.core.io import write_text_atomic
from mobility.publish import display, results

COLUMNS = ["key", "source", "published", "tolerance", "note", "status", "where"]
NOT_REPRODUCIBLE = "not reproducible"
KNOWN_MISS = "known miss"
CONTRADICTED = "contradicted"
#: Statuses a targets file may give (empty: we claim to reproduce it).
DECLARED = ("", NOT_REPRODUCIBLE, KNOWN_MISS, CONTRADICTED)

__all__ = [
    "Target",
    "TargetsError",
    "load_targets",
    "evaluate",
    "render",
    "write_page",
    "COLUMNS",
    "STATUSES",
    "CONTRADICTED",
    "NOT_REPRODUCIBLE",
    "KNOWN_MISS",
    "claims",
    "badge",
    "chapters",
]


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
    printed: str = ""  #: ``published`` exactly as written in the file (keeps the printed precision: "0.190")
    tolerance_text: str = ""

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
                if status not in DECLARED:
                    raise TargetsError(
                        f"{where}, column status: {status!r}; use '', '{NOT_REPRODUCIBLE}', '{KNOWN_MISS}' or "
                        f"'{CONTRADICTED}'"
                    )
                note = (row["note"] or "").strip()
                if status and not note:
                    what = "the evidence" if status == CONTRADICTED else "its reason"
                    raise TargetsError(f"{where}, column note: a '{status}' target needs {what}")
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
                        pub_text,
                        tol_text,
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
    """Compare each target with the recorded value.

    A target marked ``contradicted`` is *contradicted* while ours differs from the paper's claim and *reproduced*
    (a stale mark, which the scorecard test reports) when it agrees."""
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
            if t.status == NOT_REPRODUCIBLE:
                status = NOT_REPRODUCIBLE
            elif ok:
                status = "reproduced"
            else:
                status = CONTRADICTED if t.status == CONTRADICTED else "outside tolerance"
        rows.append(Row(t, ours, diff, status))
    return rows


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


#: Evaluated statuses, in the order the summary lists them.
STATUSES = ("reproduced", "outside tolerance", CONTRADICTED, NOT_REPRODUCIBLE, "missing")
#: CSS class of each status's badge (book/_static/mobility.css colours them).
BADGE_CLASS = {
    "reproduced": "sc-reproduced",
    "outside tolerance": "sc-outside",
    CONTRADICTED: "sc-contradicted",
    NOT_REPRODUCIBLE: "sc-notrepro",
    "missing": "sc-missing",
}


def badge(status: str, text: str | None = None) -> str:
    """The coloured status badge (inline HTML) used on the scorecard and beside the paper's tables."""
    return f'<span class="sc-badge {BADGE_CLASS.get(status, "sc-missing")}">{_html.escape(text or status)}</span>'


def claims(rows: list[Row]) -> dict[str, int]:
    """Claims (text targets: verdicts, signs) ``checked``, ``confirmed`` and ``contradicted``.

    A claim is checked when the build computed our verdict and the target is not marked *not reproducible*."""
    text = [r for r in rows if not r.target.numeric]
    checked = [r for r in text if r.status in ("reproduced", "outside tolerance", CONTRADICTED)]
    return {
        "claims": len(text),
        "checked": len(checked),
        "confirmed": sum(r.status == "reproduced" for r in checked),
        "contradicted": sum(r.status == CONTRADICTED for r in checked),
    }


def chapters() -> list[tuple[str, str]]:
    """``[(chapter, title)]`` in book order: the chapter folders of ``_toc.yml``'s parts, titled by the part caption."""
    import yaml

    try:
        doc = yaml.safe_load((paths.root() / "_toc.yml").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    out: list[tuple[str, str]] = []
    for part in doc.get("parts", []) or []:
        for ch in part.get("chapters", []) or []:
            bits = str(ch.get("file", "")).split("/")
            if len(bits) == 3 and bits[0] == "book" and bits[1] not in [c for c, _ in out]:
                out.append((bits[1], part.get("caption") or bits[1]))
    return out


def _heading(rel: str, anchor: str) -> str:
    """The heading that follows the target ``(anchor)=`` in ``book/<rel>.md`` (the link text Sphinx will show)."""
    page = paths.root() / "book" / f"{rel}.md"
    text = page.read_text(encoding="utf-8") if page.is_file() else ""
    m = re.search(rf"^\s*\({re.escape(anchor)}\)=\s*\n+#+\s+(.+)$", text, re.M)
    return m.group(1).strip() if m else ""


def _group_link(where: str, docs: set[str]) -> tuple[str, str]:
    """``(MyST link, heading text)`` for a group of targets printed at ``where`` (``book/<page>[#anchor]``)."""
    if not where:
        return "Elsewhere", ""
    doc, _, anchor = where.partition("#")
    rel = doc.removeprefix("book/").removesuffix(".md")
    if rel not in docs:
        return f"`{where}`", ""
    if anchor and anchor_defined(rel, anchor):
        heading = _heading(rel, anchor)
        if heading:  # the link text is the section's title ("Table 2")
            return f"{{ref}}`{anchor}`", heading
        # a label before a paragraph or a plain table has no title Sphinx could show: name the section it is in
        section = _section_before(rel, anchor)
        return f"{{ref}}`{_cell(section or rel).replace('<', '').replace('`', '')} <{anchor}>`", ""
    return f"{{doc}}`{rel}`", ""


def _section_before(rel: str, anchor: str) -> str:
    """The last heading above ``(anchor)=`` in ``book/<rel>.md`` ('' if none)."""
    page = paths.root() / "book" / f"{rel}.md"
    text = page.read_text(encoding="utf-8") if page.is_file() else ""
    head = text.split(f"({anchor})=", 1)[0]
    titles = re.findall(r"^#+\s+(.+)$", head, re.M)
    return titles[-1].strip() if titles else ""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _row(r: Row, heading: str) -> str:
    t = r.target
    quantity = t.source
    if heading and re.match(rf"{re.escape(heading)}\s*[,:;]", quantity, re.I):
        quantity = quantity[len(heading) :].lstrip(" ,:;") or quantity
    if t.numeric:
        printed = t.printed or repr(t.published)
        published = display.number(t.published, printed=printed)
        ours = display.number(r.ours, printed=printed, extra=1) if not isinstance(r.ours, str) else r.ours
        diff = display.number(r.difference, printed=printed, extra=1, signed=True)
    else:
        published, ours, diff = str(t.published), display.number(r.ours), display.MISSING
    details = [f"Key `{t.key}`."]
    if t.tolerance == 0:
        details.append("Compared exactly.")
    elif t.tolerance is not None:
        details.append(f"Tolerance ±{display.number(t.tolerance, printed=t.tolerance_text or None)}.")
    if t.note:
        details.append(t.note)
    note = f'<details class="sc-note"><summary>note</summary>{" ".join(details)}</details>' if details else ""
    return "| " + " | ".join(_cell(c) for c in (quantity, published, ours, diff, badge(r.status), note)) + " |"


def _counts(rows: list[Row]) -> str:
    total = len(rows)
    parts = []
    for s in STATUSES:
        n = sum(r.status == s for r in rows)
        if n:
            parts.append(badge(s, f"{n} {s} ({100 * n / total:.0f} %)"))
    return " ".join(parts)


def render(rows: list[Row], results_note: str = "") -> str:
    """The scorecard page (MyST Markdown): a summary in book order, then one collapsible table per chapter."""
    lines = [
        "# Replication scorecard",
        "",
        "Every number the papers print that this book tries to reproduce, and every claim it checks, beside what",
        "the build computed. Status: " + ", ".join(badge(s) for s in STATUSES[:-1]) + " or " + badge("missing") + ".",
        "*Reproduced*: within the tolerance we claim (usually half a unit of the printed precision).",
        "*Outside tolerance*: a miss we report rather than hide. *Contradicted*: a claim of the paper that the",
        "model refutes; the note gives the evidence. *Not reproducible*: the number cannot be computed as the",
        "paper did (the note says why; our closest number is shown where there is one). *Missing*: the build did",
        "not produce it. Ours is shown to one more digit than the paper prints; open a row's *note* for the",
        "tolerance and the reasoning. Generated from `data/targets/<chapter>.csv` and the build's results.",
        "",
    ]
    if results_note:
        lines += [results_note, ""]
    docs = _toc_docs()
    order = [c for c, _ in chapters()]
    titles = dict(chapters())
    present = sorted({r.target.chapter for r in rows}, key=lambda c: (order.index(c) if c in order else len(order), c))
    lines += ["## Summary", "", "| chapter | targets | status | claims checked |", "|---|---:|---|---|"]
    for ch in present:
        sub = [r for r in rows if r.target.chapter == ch]
        c = claims(sub)
        claim_text = (
            f"{c['checked']} of {c['claims']}: {c['confirmed']} confirmed, {c['contradicted']} contradicted"
            if c["claims"]
            else display.MISSING
        )
        lines.append(f"| [{_cell(titles.get(ch, ch))}](#scorecard-{ch}) | {len(sub)} | {_counts(sub)} | {claim_text} |")
    for ch in present:
        sub = [r for r in rows if r.target.chapter == ch]
        lines += ["", f"(scorecard-{ch})=", f"## {titles.get(ch, ch)}", ""]
        groups: dict[str, list[Row]] = {}
        for r in sub:
            groups.setdefault(r.target.where, []).append(r)
        lines += [
            f":::{{dropdown}} {len(sub)} targets in {len(groups)} places: {_counts(sub)}",
            ":open:",
            ":class-container: sc-chapter",
            "",
        ]
        for where, grp in groups.items():
            link, heading = _group_link(where, docs)
            lines += [
                f"**{link}** · {len(grp)} target{'s' if len(grp) != 1 else ''}",
                "",
                "| quantity | published | ours | difference | status | note |",
                "|---|---:|---:|---:|---|---|",
            ]
            lines += [_row(r, heading) for r in grp]
            lines.append("")
        lines += [":::", ""]
    return "\n".join(lines).rstrip() + "\n"


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
