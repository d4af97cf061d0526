"""What a page or figure notebook depends on, and a fingerprint of it.

Jupyter-cache re-executes a notebook only when its code cells change. A page of this book also depends on the
library it imports, the data files it reads and the variant outputs it shows; this module finds those statically
and hashes them, so that the book build (via :mod:`mobility.publish.sphinxext`) and the variants runner
re-execute exactly
the notebooks whose inputs changed:

- **library**: the ``mobility`` modules the notebook imports, closed over the library's own imports (editing
  ``mobility/relocation.py`` re-executes the relocation pages only);
- **shipped data**: every file under ``data/`` whose path relative to ``data/`` (``"review/studies.csv"``) appears in
  the notebook or in one of those modules, plus ``data/targets/<chapter>.csv`` for a page in ``book/<chapter>/``;
- **external data**: the name, size and SHA-256 of each external file of ``data/manifest.yml`` whose name appears in
  the notebook or in one of those modules (the files the page reads, not the whole ``MOBILITY_DATA_DIR`` folder),
  or the marker ``synthetic`` when ``MOBILITY_DATA_DIR`` is unset (a change of data mode re-executes the page);
- **variant outputs**: for each ``variants/<name>.yml`` whose name the notebook mentions in quotes, the bytes of
  that variant's results and figures under ``_build/variants/<name>/``.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import re
from functools import cache
from pathlib import Path

from mobility.core import paths

__all__ = ["dependencies", "fingerprint", "module_closure"]

# ``from mobility.x import a, b`` (names on one line, or in parentheses over several) and ``import mobility.x``
_IMPORT_RE = re.compile(
    r"^[ \t]*(?:from[ \t]+(mobility(?:\.\w+)*)[ \t]+import[ \t]+(\([^)]*\)|[\w \t,]+)"
    r"|import[ \t]+(mobility(?:\.\w+)*))",
    re.M,
)


def _lib_dir() -> Path:
    return Path(__file__).resolve().parents[1]  # the mobility package


def _module_file(module: str) -> Path | None:
    parts = module.split(".")[1:]
    base = _lib_dir().joinpath(*parts)
    if base.with_suffix(".py").is_file():
        return base.with_suffix(".py")
    if (base / "__init__.py").is_file():
        return base / "__init__.py"
    return None


def _imports_in_text(text: str) -> set[str]:
    """``mobility`` modules named by import statements in notebook/source text."""
    found = set()
    for m in _IMPORT_RE.finditer(text):
        if m.group(3):
            found.add(m.group(3))
        else:
            pkg = m.group(1)
            found.add(pkg)
            for name in re.split(r"[\s,()]+", m.group(2)):
                if name and _module_file(f"{pkg}.{name}"):
                    found.add(f"{pkg}.{name}")
    return {mod for mod in found if _module_file(mod)}


@cache
def _module_imports(module: str) -> frozenset[str]:
    """Library modules imported by ``module`` (absolute and relative imports)."""
    path = _module_file(module)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_pkg = path.name == "__init__.py"
    package = module if is_pkg else module.rpartition(".")[0]
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.split(".")[0] == "mobility")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            if mod.split(".")[0] != "mobility":
                continue
            out.add(mod)
            out.update(f"{mod}.{a.name}" for a in node.names)
    # a package's parent packages are imported too
    return frozenset(m for m in out if _module_file(m))


def module_closure(text: str) -> list[str]:
    """Sorted library modules a notebook depends on (its imports, closed over the library's imports)."""
    todo = list(_imports_in_text(text))
    seen: set[str] = set()
    while todo:
        mod = todo.pop()
        if mod in seen:
            continue
        seen.add(mod)
        parts = mod.split(".")
        todo.extend(".".join(parts[:i]) for i in range(1, len(parts)))  # parent packages run first
        todo.extend(_module_imports(mod))
    return sorted(seen)


def external_names() -> list[str]:
    """The external data files (``$MOBILITY_DATA_DIR/...``) that ``data/manifest.yml`` describes, by name."""
    from mobility.core import manifest

    target = paths.data_dir() / "manifest.yml"
    try:
        stamp = target.stat().st_mtime_ns
    except OSError:
        return []
    if _EXTERNAL_NAMES.get("stamp") != (target, stamp):
        try:
            names = [e.path.removeprefix(manifest.EXTERNAL) for e in manifest.load() if e.external]
        except manifest.ManifestError:
            names = []
        _EXTERNAL_NAMES.update(stamp=(target, stamp), names=names)
    return list(_EXTERNAL_NAMES["names"])


_EXTERNAL_NAMES: dict = {}
_DIGESTS: dict = {}


def _file_digest(f: Path) -> str:
    """``size:sha256`` of a (large) data file, remembered while its size and mtime stay the same."""
    try:
        st = f.stat()
    except OSError:
        return "missing"
    key = (str(f), st.st_size, st.st_mtime_ns)
    if key not in _DIGESTS:
        _DIGESTS[key] = f"{st.st_size}:{paths.sha256(f)}"
    return _DIGESTS[key]


def _digest_files(files: list[Path], root: Path) -> dict[str, str]:
    return {f.relative_to(root).as_posix(): paths.sha256(f) for f in sorted(files)}


def dependencies(text: str, source: Path | None = None) -> dict:
    """The inputs of a notebook whose source text is ``text`` (at ``source``), each with its SHA-256."""
    root = paths.root()
    modules = module_closure(text)
    mod_files = sorted({_module_file(m) for m in modules})
    texts = [text] + [f.read_text(encoding="utf-8") for f in mod_files]
    joined = "\n".join(texts)
    data_root = paths.data_dir()
    data_files = []
    if data_root.is_dir():
        for f in sorted(data_root.rglob("*")):
            if f.is_file() and f.relative_to(data_root).as_posix() in joined:
                data_files.append(f)
    if source is not None:
        try:
            rel = Path(source).resolve().relative_to(root / "book")
            if len(rel.parts) > 1:
                t = data_root / "targets" / f"{rel.parts[0]}.csv"
                if t.is_file() and t not in data_files:
                    data_files.append(t)
        except ValueError:
            pass
    deps: dict = {
        "library": _digest_files(mod_files, _lib_dir().parent),
        "data": _digest_files(data_files, root),
    }
    used = [name for name in external_names() if name in joined]
    if used:  # the kit files the notebook or its modules name, not the whole folder
        ext = os.environ.get("MOBILITY_DATA_DIR")
        if ext and Path(ext).is_dir():
            deps["external"] = {name: _file_digest(Path(ext) / name) for name in used}
        else:
            deps["external"] = "synthetic"
    variants_dir = root / "variants"
    outputs = {}
    for spec in sorted(variants_dir.glob("*.yml")):
        name = spec.stem
        if re.search(r"""["']""" + re.escape(name) + r"""["']""", text):
            out = paths.build_dir() / "variants" / name
            files = (
                [
                    f
                    for f in out.rglob("*")
                    if f.is_file()
                    and f.parent.name in ("results", "figures")
                    and not any(p.startswith(".") for p in f.relative_to(out).parts)
                ]
                if out.is_dir()
                else []
            )
            outputs[name] = _digest_files(files, out) if files else "absent"
    if outputs:
        deps["variant_outputs"] = outputs
    return deps


def fingerprint(text: str, source: Path | None = None) -> str:
    """A short hash of :func:`dependencies` (changes iff an input changes)."""
    blob = json.dumps(dependencies(text, source), sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:16]
