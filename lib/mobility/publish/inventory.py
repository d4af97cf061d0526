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
            body = [ln for ln in m.group(2).splitlines() if ln.strip() and not ln.strip().startswith(":")]
            name = re.search(r":name:\s*(\S+)", m.group(2))
            found[m.group(1)] = (name.group(1) if name else m.group(1), body[0].strip() if body else "")
        for m in _LABEL.finditer(text):
            after = text[m.end() :].lstrip().splitlines()
            found.setdefault(m.group(1), (m.group(1), after[0].lstrip("# ").strip() if after else ""))
        page_deps = deps.dependencies(text, page)
        for key, (label, caption) in found.items():
            cell = next((c for c in cells if re.search(r"""glue\(\s*["']""" + re.escape(key) + "[\"']", c)), "")
            kind = "table" if (label.startswith("tbl") or "table" in label.lower()) else "figure"
            art = Artifact(label, kind, rel, _plain(caption)[:160])
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


def _md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c).replace("|", "\\|").replace("\n", " ") for c in r) + " |" for r in rows]
    return lines


def appendix_text(arts: list[Artifact]) -> str:
    lines = [
        "# Figures, tables and programs",
        "",
        "Generated by `python -m mobility inventory` from the book's sources (not hand-kept): for each figure and",
        "table, the page that shows it, the variant and parameters that made it, the library functions called and",
        "the input files with their SHA-256 (first 12 hex digits; full values in `data/manifest.yml`).",
        "",
    ]
    rows = []
    for a in arts:
        page = a.page.removeprefix("book/").removesuffix(".md")
        rows.append(
            [
                f"{a.kind} `{a.label}`",
                f"[{page}](../{page}.md)",
                a.caption or "—",
                f"`{a.variant}`" if a.variant else "—",
                ", ".join(f"{k}={v}" for k, v in sorted(a.parameters.items())) or "—",
                "<br>".join(f"`{f}`" for f in a.functions) or "—",
                "<br>".join(f"`{k}` {v[:12]}" for k, v in sorted(a.inputs.items())) or "—",
            ]
        )
    lines += _md_table(["artifact", "page", "caption", "variant", "parameters", "functions", "inputs"], rows)
    return "\n".join(lines) + "\n"


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
