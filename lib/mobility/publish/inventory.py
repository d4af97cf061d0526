"""Figures, tables and programs: the replication-package inventory, generated from the sources.

For every figure and table the book shows (a ``{glue:figure}``/``{glue}`` directive or a ``(tbl-...)=`` /
``(fig-...)=`` label in a page of ``_toc.yml``) this finds: the page; the variant that made it (when the gluing
cell calls ``variants.output("<name>", "<variant>")``) and its parameters; the ``mobility`` functions called to make
it; the input files with their SHA-256. It writes

- ``book/appendix/programs.md`` — the appendix "Figures, tables and programs" (generated, not committed);
- the README's generated sections (data availability, figure/table map, runtime), between
  ``<!-- BEGIN generated:NAME -->`` and ``<!-- END generated:NAME -->`` markers.

Runtimes come from measured runs: jupyter-cache's record of each page's execution time and the ``timing.json``
the variants runner writes beside each variant's outputs.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from mobility.core import deps, manifest, paths
from mobility.core.io import write_text_atomic
from mobility.publish import toc
from mobility.run import variants

__all__ = ["Artifact", "collect", "write_appendix", "update_readme", "APPENDIX"]

APPENDIX = "book/appendix/programs"

_GLUE_DIRECTIVE = re.compile(r"```\{glue(?::figure)?\}\s+(\S+)\s*\n(.*?)```", re.S)
_LABEL = re.compile(r"^\(((?:fig|tbl)-[\w\-]+)\)=\s*$", re.M)
#: A section that is a table: a label followed by a heading "Table ..." (``(gravity-table-2)=`` / ``## Table 2``).
_TABLE_SECTION = re.compile(r"^\(([\w\-]+)\)=\s*\n+#+\s+(Table\b.*?)\s*$", re.M)
_GLUE_ROLE = re.compile(r"\{glue(?::\w+)?\}`([^`]*)`")
_GLUE_CALL = re.compile(r"""glue\(\s*["']([^"']+)["']""")
_OUTPUT_CALL = re.compile(r"""output\(\s*["']([^"']+)["']\s*,\s*["']([^"']+)["']""")


@dataclass
class Artifact:
    label: str
    kind: str
    page: str
    caption: str
    variant: str = ""
    parameters: dict = field(default_factory=dict)
    functions: list = field(default_factory=list)
    inputs: dict = field(default_factory=dict)
    #: the whole caption as written (MyST: math, roles); :attr:`caption` is its plain, shortened form
    caption_full: str = ""
    #: a numbered figure (``{numref}`` names it "Fig. 5.4") or a labelled section (``{ref}`` names it "Table 5")
    numbered: bool = True


def _aliases(code: str) -> dict[str, str]:
    """Local names bound to ``mobility`` modules/objects by import statements."""
    out = {}
    for m in re.finditer(r"^[ \t]*from[ \t]+(mobility(?:\.\w+)*)[ \t]+import[ \t]+(\([^)]*\)|[\w \t,]+)", code, re.M):
        for part in m.group(2).replace("(", " ").replace(")", " ").split(","):
            bits = part.split()
            if bits:
                out[bits[-1]] = f"{m.group(1)}.{bits[0]}"
    for m in re.finditer(r"^\s*import\s+(mobility(?:\.\w+)*)(?:\s+as\s+(\w+))?", code, re.M):
        out[m.group(2) or m.group(1)] = m.group(1)
    return out


def _calls(code: str, aliases: dict[str, str]) -> list[str]:
    found = set()
    for m in re.finditer(r"\b([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\s*\(", code):
        head, _, rest = m.group(1).partition(".")
        if head in aliases:
            full = aliases[head] + (f".{rest}" if rest else "")
            if not full.startswith(("mobility.publish.results", "mobility.publish.display", "mobility.run.variants")):
                found.add(full)
    return sorted(found)


def _plain(text: str) -> str:
    """A caption without MyST roles: glued numbers belong to their page, so they become '…' here."""
    text = re.sub(r"\{glue(?::\w+)?\}`[^`]*`", "…", text)
    return re.sub(r"\{[\w:\-]+\}`([^`<]*?)(?:\s*<[^`]*>)?`", r"\1", text)


def _code_cells(path: Path) -> list[str]:
    import jupytext

    return [c.source for c in jupytext.read(path, fmt="md:myst").cells if c.cell_type == "code"]


def collect() -> list[Artifact]:
    """Every figure and table shown by the pages in ``_toc.yml``."""
    root = paths.root()
    specs = variants.load_specs()
    arts: list[Artifact] = []
    for page in toc.toc_pages():
        text = page.read_text(encoding="utf-8")
        rel = page.relative_to(root).as_posix()
        cells = _code_cells(page) if toc.executable(page) else []
        allcode = "\n".join(cells)
        aliases = _aliases(allcode)
        found: dict[str, str] = {}
        for m in _GLUE_DIRECTIVE.finditer(text):
            body = [ln for ln in m.group(2).splitlines() if not ln.strip().startswith(":")]
            paragraph = " ".join(ln.strip() for ln in "\n".join(body).strip().split("\n\n")[0].splitlines())
            name = re.search(r":name:\s*(\S+)", m.group(2))
            found[m.group(1)] = (name.group(1) if name else m.group(1), paragraph, True)
        for m in _LABEL.finditer(text):
            after = text[m.end() :].lstrip().splitlines()
            found.setdefault(m.group(1), (m.group(1), after[0].lstrip("# ").strip() if after else "", False))
        sections: dict[str, str] = {}
        for m in _TABLE_SECTION.finditer(text):
            found.setdefault(m.group(1), (m.group(1), m.group(2), False))
            nxt = re.search(r"^#+\s", text[m.end() :], re.M)
            span = text[m.end() : m.end() + nxt.start()] if nxt else text[m.end() :]
            sections[m.group(1)] = "\n".join(re.findall(r"```\{code-cell\}[^\n]*\n(.*?)```", span, re.S))
        page_deps = deps.dependencies(text, page)
        for key, (label, caption, numbered) in found.items():
            cell = next((c for c in cells if re.search(r"""glue\(\s*["']""" + re.escape(key) + "[\"']", c)), "")
            kind = "table" if (label.startswith("tbl") or "table" in label.lower()) else "figure"
            art = Artifact(label, kind, rel, _plain(caption)[:160], caption_full=caption, numbered=numbered)
            out = _OUTPUT_CALL.search(cell) or (_OUTPUT_CALL.search(allcode) if not cell else None)
            inputs = dict(page_deps["data"])
            if out and out.group(1) in specs:
                spec = specs[out.group(1)]
                art.variant = f"{out.group(1)}/{out.group(2)}"
                art.parameters = spec.variants.get(out.group(2), {})
                nb_code = "\n".join(_code_cells(spec.notebook))
                art.functions = _calls(nb_code, _aliases(nb_code))
                inputs.update(deps.dependencies(spec.notebook.read_text(encoding="utf-8"), spec.notebook)["data"])
            else:
                art.functions = _calls(cell, aliases) or _calls(allcode, aliases)
            ext = page_deps.get("external")
            if isinstance(ext, dict):
                inputs.update({f"$MOBILITY_DATA_DIR/{k}": v.split(":", 1)[1] for k, v in ext.items()})
            art.inputs = inputs
            arts.append(art)
    return arts


def _runtimes() -> list[tuple[str, float]]:
    """Measured execution seconds of each page (jupyter-cache) and variant (timing.json)."""
    out = []
    cache_dir = paths.build_dir() / ".jupyter_cache"
    if cache_dir.is_dir():
        from jupyter_cache import get_cache

        root = paths.root()
        for rec in get_cache(str(cache_dir)).list_cache_records():
            secs = (rec.data or {}).get("execution_seconds")
            if secs is not None:
                try:
                    uri = Path(rec.uri).resolve().relative_to(root).as_posix()
                except ValueError:
                    uri = rec.uri
                out.append((f"page {uri}", float(secs)))
    for f in sorted((paths.build_dir() / "variants").glob("*/*/timing.json")):
        out.append((f"variant {f.parent.parent.name}/{f.parent.name}", json.loads(f.read_text())["seconds"]))
    latest: dict[str, float] = {}
    for name, secs in out:
        latest[name] = secs
    return sorted(latest.items())


def recorded_runtimes() -> dict[str, float]:
    """The runtimes the README records (its generated runtime table, from the last measured run), e.g.
    ``{"page book/gravity/estimates.md": 84.4, "variant gravity-montecarlo/baseline": 199.1}``: where a fresh clone
    has measured nothing yet, they order the work longest first (:func:`mobility.publish.build.execute_pages`)."""
    try:
        text = (paths.root() / "README.md").read_text(encoding="utf-8")
    except OSError:
        return {}
    m = re.search(r"<!-- BEGIN generated:runtime -->\n(.*?)<!-- END generated:runtime -->", text, re.S)
    out = {}
    for line in (m.group(1) if m else "").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 2:
            try:
                out[cells[0]] = float(cells[1])
            except ValueError:
                continue
    return out


def _md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c).replace("|", "\\|").replace("\n", " ") for c in r) + " |" for r in rows]
    return lines


def _caption(text: str, values: dict) -> str:
    """A caption for the appendix, whole: math and roles kept; a glued number is the page's recorded value (the
    glue itself belongs to its page), formatted as the page formats it, or "…" before the page has run."""
    from mobility.publish import display

    def number(m):
        key, _, spec = m.group(1).partition(":")
        key = key.split("::")[-1]
        if key not in values:
            return "…"
        value = values[key]
        try:
            return format(value, spec) if spec and not isinstance(value, str) else display.number(value)
        except (TypeError, ValueError):
            return display.number(value)

    return _GLUE_ROLE.sub(number, text).replace("|", "\\|")


def _short(function: str) -> str:
    return function.removeprefix("mobility.models.").removeprefix("mobility.")


def appendix_text(arts: list[Artifact], values: dict | None = None) -> str:
    """The appendix page: per chapter and page, each figure and table by its number (``Fig. 5.4``, ``Table 5``),
    its whole caption, the variant and parameters that made it and the library functions it calls; the page's
    inputs with their checksums once per page."""
    from mobility.publish import scorecard

    if values is None:
        from mobility.publish import results

        try:
            values = results.load_all()
        except (FileNotFoundError, ValueError):
            values = {}
    titles = dict(scorecard.chapters())
    lines = [
        "# Figures, tables and programs",
        "",
        "Generated by `python -m mobility inventory` from the book's sources (not hand-kept): for each figure and",
        "table, the page that shows it, the variant and parameters that made it and the library functions it calls",
        "(in the package `mobility`); for each page, the input files with their SHA-256 (first 12 hex digits; full",
        "values in `data/manifest.yml`).",
        "",
    ]
    chapter = None
    pages: dict[str, list[Artifact]] = {}
    for a in arts:
        pages.setdefault(a.page, []).append(a)
    for page, group in pages.items():
        rel = page.removeprefix("book/").removesuffix(".md")
        ch = rel.split("/")[0]
        if ch != chapter:
            chapter = ch
            lines += [f"## {titles.get(ch, ch)}", ""]
        lines += [f"### {{doc}}`../{rel}`", ""]
        inputs = sorted({k: v for a in group for k, v in a.inputs.items()}.items())
        if inputs:
            lines += ["Inputs: " + "; ".join(f"`{k}` ({v[:12]})" for k, v in inputs) + ".", ""]
        rows = []
        for a in group:
            # a glued figure is numbered ("Fig. 5.4"); any other label is linked by its own title ("Table 5")
            title = re.sub(r"[`<>$]", "", _plain(a.caption_full or a.caption) or a.label)
            short = re.match(r"(Table\s+[A-Z]?\d+)\b", title)
            title = short.group(1) if short else title
            name = f"{{numref}}`{a.label}`" if a.numbered else f"{{ref}}`{title} <{a.label}>`"
            variant = "—"
            if a.variant:
                params = ", ".join(f"{k} = {v}" for k, v in sorted(a.parameters.items()))
                variant = f"`{a.variant}`" + (f" ({params})" if params else "")
            rows.append(
                [
                    name,
                    _caption(a.caption_full or a.caption, values) or "—",
                    variant,
                    ", ".join(f"`{_short(f)}`" for f in a.functions) or "—",
                ]
            )
        lines += _md_table(["", "caption", "variant", "functions"], rows)
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def write_appendix(arts: list[Artifact] | None = None) -> bool:
    return write_text_atomic(paths.root() / f"{APPENDIX}.md", appendix_text(collect() if arts is None else arts))


def _readme_sections(arts: list[Artifact]) -> dict[str, str]:
    data_rows = []
    for e in manifest.load():
        data_rows.append([f"`{e.path}`", e.chapter, e.source, e.licence, f"`{(e.sha256 or '')[:16]}`", e.note or ""])
    data = "\n".join(_md_table(["file", "chapter", "source", "licence", "sha256 (first 16)", "note"], data_rows))
    amap = "\n".join(
        _md_table(
            ["figure / table", "page", "variant", "functions"],
            [
                [
                    f"{a.kind} `{a.label}` — {a.caption[:70]}",
                    f"`{a.page}`",
                    f"`{a.variant}`" if a.variant else "—",
                    ", ".join(f"`{f}`" for f in a.functions) or "—",
                ]
                for a in arts
            ],
        )
    )
    rt = _runtimes()
    runtime = (
        "\n".join(_md_table(["notebook", "seconds (last measured run)"], [[n, f"{s:.1f}"] for n, s in rt]))
        if rt
        else "_No measured runs yet: run `make book` then `make inventory`._"
    )
    return {"data": data, "map": amap, "runtime": runtime}


def update_readme(
    arts: list[Artifact] | None = None, check: bool = False, sections: tuple = ("data", "map", "runtime")
) -> bool:
    """Rewrite the README's generated sections; with ``check``, report whether they are current."""
    readme = paths.root() / "README.md"
    text = readme.read_text(encoding="utf-8")
    new = text
    for name, body in _readme_sections(collect() if arts is None else arts).items():
        if name not in sections:
            continue
        pat = re.compile(rf"(<!-- BEGIN generated:{name} -->\n).*?(<!-- END generated:{name} -->)", re.S)
        if not pat.search(new):
            raise ValueError(f"README.md lacks the markers for the generated section {name!r}")
        new = pat.sub(lambda m, b=body: m.group(1) + b + "\n" + m.group(2), new)
    if check:
        return new == text
    write_text_atomic(readme, new)
    return True
