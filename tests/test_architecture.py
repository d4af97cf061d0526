"""The import contract of the library's house (CONTRIBUTING.md, *The house*).

Layers, lowest first: ``core`` → ``models`` → ``run`` → ``publish`` → ``cli``. A module may import its own layer's
package and the layers below it, never a layer above. Within ``models``, each chapter model is independent of the
others. There are no import cycles between modules anywhere (imports inside functions included: a cycle hidden
inside a function is still a cycle). Pages and figure notebooks import only ``mobility.models`` and
``mobility.publish`` (plus ``mobility.run.variants`` to show a variant's output), and define no functions.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LIB = ROOT / "lib" / "mobility"
LAYERS = ["core", "models", "run", "publish", "cli"]
MODELS = ["mnc", "relocation", "gravity", "review"]


def module_name(path: Path) -> str:
    parts = path.relative_to(LIB.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """Every ``mobility`` module ``path`` imports (absolute or relative, at any depth of the file)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    me = module_name(path)
    package = me if path.name == "__init__.py" else me.rsplit(".", 1)[0]
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
            for a in node.names:  # `from mobility.x import y` may import the module mobility.x.y
                sub = f"{mod}.{a.name}"
                out.add(sub if resolve(sub) else mod)
    return {m for m in out if m != me}


def resolve(mod: str) -> bool:
    rel = Path(*mod.split("."))
    return (LIB.parent / rel).with_suffix(".py").is_file() or (LIB.parent / rel / "__init__.py").is_file()


MODULES = {module_name(p): p for p in sorted(LIB.rglob("*.py"))}
GRAPH = {m: {i for i in imports(p) if i in MODULES or resolve(i)} for m, p in MODULES.items()}


def layer(mod: str) -> str | None:
    parts = mod.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


def test_every_module_sits_in_a_layer():
    loose = [m for m in MODULES if m not in ("mobility", "mobility.__main__") and layer(m) is None]
    assert not loose, f"modules outside core/models/run/publish/cli: {loose}"


@pytest.mark.parametrize("mod", sorted(MODULES))
def test_layers_import_only_downward(mod):
    mine = layer(mod)
    if mine is None:
        return
    bad = [i for i in sorted(GRAPH[mod]) if layer(i) and LAYERS.index(layer(i)) > LAYERS.index(mine)]
    assert not bad, f"{mod} ({mine}) imports a higher layer: {bad}"


@pytest.mark.parametrize("model", MODELS)
def test_chapter_models_are_independent(model):
    me = f"mobility.models.{model}"
    bad = {
        m: sorted(i for i in deps if i.startswith("mobility.models.") and not i.startswith(me))
        for m, deps in GRAPH.items()
        if m == me or m.startswith(me + ".")
    }
    bad = {m: v for m, v in bad.items() if v}
    assert not bad, f"{model} imports another chapter model: {bad}"


def test_no_import_cycles():
    index, low, stack, on, cycles, counter = {}, {}, [], set(), [], [0]

    def strong(v):  # Tarjan's strongly connected components
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in GRAPH.get(v, ()):
            if w not in MODULES:
                continue
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in MODULES:
        if v not in index:
            strong(v)
    # a package's __init__ re-exporting its own submodules is not a cycle of behaviour
    cycles = [c for c in cycles if not all(m.startswith(c[0].rsplit(".", 1)[0]) and _is_init_reexport(c) for m in c)]
    assert not cycles, f"import cycles: {cycles}"


def _is_init_reexport(comp: list[str]) -> bool:
    """A cycle made only by a package ``__init__`` importing its submodules and those importing siblings."""
    inits = [m for m in comp if MODULES[m].name == "__init__.py"]
    return (
        len(inits) == 1
        and all(m.startswith(inits[0] + ".") or m == inits[0] for m in comp)
        and all(inits[0] not in GRAPH[m] for m in comp if m != inits[0])
    )


PAGES = sorted((ROOT / "book").rglob("*.md")) + sorted((ROOT / "variants" / "notebooks").glob("*.md"))

#: A ratchet, not an exemption: pages that still break a page rule when the layout moved. Each entry is a strict
#: xfail, so the test fails as soon as the page is fixed until its entry is removed here. Shrink it; never add.
STILL_DEFINE_FUNCTIONS: set[str] = set()
STILL_IMPORT_CORE: set[str] = set()


def ratchet(pages: set[str], why: str):
    return [
        pytest.param(p, marks=pytest.mark.xfail(strict=True, reason=why)) if str(p.relative_to(ROOT)) in pages else p
        for p in PAGES
    ]


def page_code(path: Path) -> str:
    """The Python of a MyST page's code cells (IPython magics and shell escapes dropped)."""
    import jupytext

    nb = jupytext.read(path, fmt="md:myst")
    cells = [c.source for c in nb.cells if c.cell_type == "code"]
    return "\n".join(ln for src in cells for ln in src.splitlines() if not ln.lstrip().startswith(("%", "!")))


@pytest.mark.parametrize(
    "page", ratchet(STILL_IMPORT_CORE, "page not yet thinned"), ids=lambda p: str(p.relative_to(ROOT))
)
def test_pages_import_models_and_publish_only(page):
    allowed = ("mobility.models", "mobility.publish", "mobility.run.variants")
    code = page_code(page)
    found = re.findall(r"^\s*(?:from|import)\s+(mobility(?:\.\w+)*)(?:\s+import\s+([\w, ]+))?", code, re.M)
    bad = []
    for mod, names in found:
        full = [mod] if not names else [f"{mod}.{n.strip().split(' as ')[0]}" for n in names.split(",")]
        bad += [m for m in full if not m.startswith(allowed) and not (m.startswith("mobility.run") and "variants" in m)]
    assert not bad, f"{page.name} imports outside models/publish: {bad}"


@pytest.mark.parametrize(
    "page", ratchet(STILL_DEFINE_FUNCTIONS, "page not yet thinned"), ids=lambda p: str(p.relative_to(ROOT))
)
def test_pages_define_no_functions(page):
    tree = ast.parse(page_code(page))
    defs = [n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
    assert not defs, f"{page.relative_to(ROOT)} defines {defs}: helpers belong in the library"


def test_named_test_files_exist():
    """A docstring, comment or document that points at a test file points at one that exists."""
    sources = [*LIB.rglob("*.py"), *(ROOT / "tests").rglob("*.py"), ROOT / "README.md", ROOT / "CONTRIBUTING.md"]
    missing = set()
    for path in sources:
        for name in re.findall(r"\btests/[\w/]+\.py\b", path.read_text(encoding="utf-8")):
            if not (ROOT / name).is_file():
                missing.add(f"{path.relative_to(ROOT)} names {name}")
    assert not missing, sorted(missing)


def test_no_file_but_ci_points_outside_the_repository():
    """Where the data kit lives is a setting (MOBILITY_DATA_DIR / make data); only .ci/run names ../shared."""
    tracked = [p for p in ROOT.rglob("*") if p.is_file() and ".git" not in p.parts and "_build" not in p.parts]
    tracked = [
        p
        for p in tracked
        if not any(part.startswith(".venv") for part in p.parts)
        and "external" not in p.parts
        and p.suffix in {".py", ".md", ".yml", ".yaml", ".toml", ""}
    ]
    bad = [
        str(p.relative_to(ROOT))
        for p in tracked
        if p.name != "test_architecture.py"
        and p.relative_to(ROOT).as_posix() != ".ci/run"
        and "../shared" in p.read_text(encoding="utf-8", errors="ignore")
    ]
    assert not bad, f"files that refer to ../shared (outside the repository): {bad}"
