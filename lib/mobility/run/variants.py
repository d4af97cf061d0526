"""Parameterised variants of MyST notebooks, run through papermill.

A variants file ``variants/<name>.yml``::

    notebook: variants/notebooks/mnc_sensitivity.md
    description: Figures 4-7 of Wang (2014)
    variants:
      fig4-gamma: {parameter: gamma, lo: 0.5, hi: 3.0}

:func:`run` executes each selected variant with its parameters (plus ``--set`` overrides and ``quick``) and writes
``_build/variants/<name>/<variant>/`` = ``notebook.ipynb``, ``params.json``, ``cachekey``, ``timing.json``,
``figures/``, ``results/``. Outputs are built in a temporary directory and renamed into place, so a failed or
interrupted run
leaves no partial output (its executed notebook is kept under ``_build/reports/variants/`` for debugging). A variant
whose cache key (notebook text, parameters, library modules and data files it depends on) is unchanged is skipped.

User errors (unknown variant, unknown parameter, wrong type, malformed YAML) raise :class:`VariantsError` before
anything is written; the CLI turns them into a one-line message and exit code 2.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from mobility.core import deps, paths
from mobility.core.errors import ComputationError, InputError
from mobility.core.io import environ

__all__ = [
    "VariantsError",
    "VariantFailed",
    "Spec",
    "load_specs",
    "notebook_parameters",
    "plan",
    "run",
    "output",
    "VariantOutput",
]

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_\-]*$")


class VariantsError(InputError):
    """Bad input: the message is one line naming the file/variant/parameter and what to do."""


class VariantFailed(ComputationError):
    """A variant's notebook raised while executing."""


@dataclass(frozen=True)
class Spec:
    name: str
    path: Path
    notebook: Path
    description: str
    variants: dict = field(hash=False)
    defaults: dict = field(hash=False)


def _read_notebook(path: Path):
    import jupytext

    return jupytext.read(path, fmt="md:myst")


def notebook_parameters(path: Path) -> dict:
    """The defaults assigned in the notebook's ``parameters``-tagged cell (literals only)."""
    path = Path(path)
    if not path.is_file():
        raise VariantsError(f"notebook {path} does not exist")
    nb = _read_notebook(path)
    cells = [c for c in nb.cells if c.cell_type == "code" and "parameters" in c.metadata.get("tags", [])]
    if len(cells) != 1:
        raise VariantsError(f"{path}: needs exactly one code cell tagged 'parameters' (found {len(cells)})")
    out = {}
    try:
        tree = ast.parse(cells[0].source)
    except SyntaxError as exc:
        raise VariantsError(f"{path}: parameters cell does not parse: {exc.msg}") from None
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            target, value = node.targets[0].id, node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            target, value = node.target.id, node.value
        else:
            raise VariantsError(f"{path}: parameters cell line {node.lineno}: only `name = literal` assignments")
        try:
            out[target] = ast.literal_eval(value)
        except ValueError:
            raise VariantsError(f"{path}: parameter {target!r} must be a literal (number, string, list, ...)") from None
    return out


def _type_name(v) -> str:
    return type(v).__name__


def check_parameters(params: dict, defaults: dict, where: str) -> dict:
    """Validate ``params`` against the notebook defaults; return them with ints widened to floats where needed."""
    out = {}
    for key, value in params.items():
        if key not in defaults:
            raise VariantsError(f"{where}: unknown parameter {key!r}; the notebook's parameters are {sorted(defaults)}")
        default = defaults[key]
        ok = True
        if default is None or value is None:
            ok = True
        elif isinstance(default, bool):
            ok = isinstance(value, bool)
        elif isinstance(default, int):
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif isinstance(default, float):
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            value = float(value) if ok else value
        elif isinstance(default, str):
            ok = isinstance(value, str)
        elif isinstance(default, (list, tuple)):
            ok = isinstance(value, (list, tuple))
            value = list(value) if ok else value
        elif isinstance(default, dict):
            ok = isinstance(value, dict)
        if not ok:
            raise VariantsError(
                f"{where}: parameter {key!r} must be {_type_name(default)} (default {default!r}), "
                f"got {_type_name(value)} {value!r}"
            )
        out[key] = value
    return out


def _yaml_error(path: Path, exc: yaml.YAMLError) -> VariantsError:
    mark = getattr(exc, "problem_mark", None)
    line = f":{mark.line + 1}" if mark is not None else ""
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return VariantsError(f"{path}{line}: malformed YAML: {problem}")


def load_spec(path: Path) -> Spec:
    path = Path(path)
    name = path.stem
    if not NAME_RE.match(name):
        raise VariantsError(f"{path}: variants file name must be lower-case letters, digits, '-' or '_'")
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise _yaml_error(path, exc) from None
    if not isinstance(doc, dict):
        raise VariantsError(f"{path}: must be a mapping with keys 'notebook' and 'variants'")
    unknown = set(doc) - {"notebook", "description", "variants"}
    if unknown:
        raise VariantsError(f"{path}: unknown key(s) {sorted(unknown)}; allowed: notebook, description, variants")
    nb = doc.get("notebook")
    if not isinstance(nb, str):
        raise VariantsError(f"{path}: 'notebook' must be the path of a MyST notebook relative to the repository")
    notebook = paths.root() / nb
    if not notebook.is_file():
        raise VariantsError(f"{path}: notebook {nb!r} does not exist")
    variants = doc.get("variants")
    if not isinstance(variants, dict) or not variants:
        raise VariantsError(f"{path}: 'variants' must be a non-empty mapping of variant name -> parameters")
    defaults = notebook_parameters(notebook)
    if "quick" not in defaults:
        raise VariantsError(f"{notebook}: the parameters cell must define `quick = False`")
    checked = {}
    for vname, params in variants.items():
        if not isinstance(vname, str) or not NAME_RE.match(vname):
            raise VariantsError(f"{path}: variant name {vname!r} must be lower-case letters, digits, '-' or '_'")
        if params is None:
            params = {}
        if not isinstance(params, dict):
            raise VariantsError(f"{path}: variant {vname!r} must map parameter names to values")
        checked[vname] = check_parameters(params, defaults, f"{path}: variant {vname!r}")
    return Spec(name, path, notebook, str(doc.get("description", "")), checked, defaults)


def load_specs(directory: Path | None = None) -> dict[str, Spec]:
    directory = Path(directory or paths.root() / "variants")
    return {p.stem: load_spec(p) for p in sorted(directory.glob("*.yml"))}


def parse_sets(items: list[str]) -> dict:
    """``["k=v", ...]`` → dict, values parsed as YAML scalars (``0.5`` float, ``true`` bool, ``[1, 2]`` list)."""
    out = {}
    for item in items or []:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key.isidentifier():
            raise VariantsError(f"--set {item!r}: expected name=value, e.g. --set gamma=1.5")
        try:
            out[key] = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError:
            raise VariantsError(f"--set {item!r}: value is not valid YAML") from None
    return out


@dataclass(frozen=True)
class Job:
    name: str
    variant: str
    notebook: str
    params_json: str  # canonical JSON of the final parameters
    key: str

    @property
    def params(self) -> dict:
        return json.loads(self.params_json)

    @property
    def out(self) -> Path:
        return paths.build_dir() / "variants" / self.name / self.variant


def cache_key(notebook: Path, params: dict) -> str:
    text = notebook.read_text(encoding="utf-8")
    blob = json.dumps(
        {"notebook": text, "params": params, "deps": deps.dependencies(text, notebook)}, sort_keys=True
    ).encode()
    return hashlib.sha256(blob).hexdigest()


def plan(
    names: list[str] | None = None,
    sets: dict | None = None,
    quick: bool = False,
    specs: dict[str, Spec] | None = None,
) -> list[Job]:
    """The jobs for the selected variants files (all by default); ``NAME`` or ``NAME/VARIANT`` select."""
    specs = load_specs() if specs is None else specs
    selected: list[tuple[Spec, str]] = []
    for sel in names or sorted(specs):
        name, _, variant = sel.partition("/")
        if name not in specs:
            raise VariantsError(f"unknown variants file {name!r}; available: {', '.join(sorted(specs)) or 'none'}")
        spec = specs[name]
        if variant and variant not in spec.variants:
            raise VariantsError(f"unknown variant {variant!r} of {name!r}; available: {', '.join(spec.variants)}")
        selected += [(spec, v) for v in ([variant] if variant else spec.variants)]
    jobs = []
    for spec, v in selected:
        extra = check_parameters(sets or {}, spec.defaults, f"--set for {spec.name}")
        params = {**spec.variants[v], **extra}
        if quick:
            params["quick"] = True
        canon = json.dumps(params, sort_keys=True)
        jobs.append(Job(spec.name, v, str(spec.notebook), canon, cache_key(spec.notebook, params)))
    return jobs


def is_current(job: Job) -> bool:
    f = job.out / "cachekey"
    return f.is_file() and f.read_text().strip() == job.key


def execute(job: Job) -> str:
    """Run one job atomically; return ``"ran"``. Raises :class:`VariantFailed` on a notebook error."""
    import papermill as pm

    parent = job.out.parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=parent, prefix=f".{job.variant}.tmp-"))
    notebook = Path(job.notebook)
    try:
        nb = _read_notebook(notebook)
        t0 = time.perf_counter()
        try:
            with environ({"MOBILITY_OUTPUT_DIR": tmp, "MOBILITY_PAGE": f"variants/{job.name}/{job.variant}"}):
                pm.execute_notebook(
                    nb,
                    str(tmp / "notebook.ipynb"),
                    parameters=job.params,
                    kernel_name="python3",
                    language="python",
                    cwd=str(notebook.parent),
                    progress_bar=False,
                    log_output=False,
                )
        except pm.PapermillExecutionError as exc:
            report = paths.build_dir() / "reports" / "variants" / f"{job.name}-{job.variant}.ipynb"
            report.parent.mkdir(parents=True, exist_ok=True)
            if (tmp / "notebook.ipynb").is_file():
                shutil.copyfile(tmp / "notebook.ipynb", report)
            raise VariantFailed(
                f"variant {job.name}/{job.variant} failed in cell {exc.exec_count}: {exc.ename}: {exc.evalue} "
                f"(executed notebook: {report})"
            ) from None
        (tmp / "params.json").write_text(json.dumps(job.params, sort_keys=True, indent=2) + "\n")
        (tmp / "timing.json").write_text(json.dumps({"seconds": round(time.perf_counter() - t0, 2)}) + "\n")
        (tmp / "cachekey").write_text(job.key + "\n")
        trash = None
        if job.out.exists():
            trash = Path(tempfile.mkdtemp(dir=parent, prefix=f".{job.variant}.old-"))
            os.replace(job.out, trash / "old")
        os.replace(tmp, job.out)
        if trash:
            shutil.rmtree(trash, ignore_errors=True)
        return "ran"
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def run(
    jobs: list[Job],
    executor: Executor | None = None,
    jobs_n: int = 1,
    force: bool = False,
    progress: bool = True,
) -> dict[str, list]:
    """Run ``jobs``; return ``{"ran": [...], "cached": [...], "failed": [(label, message), ...]}``.

    Current variants are skipped unless ``force``. With ``jobs_n > 1`` (or an ``executor``) variants run in
    parallel; a failing variant does not stop the others.
    """
    from tqdm import tqdm

    summary: dict[str, list] = {"ran": [], "cached": [], "failed": []}
    todo = []
    for job in jobs:
        label = f"{job.name}/{job.variant}"
        if not force and is_current(job):
            summary["cached"].append(label)
        else:
            todo.append(job)
    if not todo:
        return summary
    bar = tqdm(total=len(todo), desc="variants", unit="nb", disable=not progress)
    own = None
    if executor is None and jobs_n > 1 and len(todo) > 1:
        import multiprocessing as mp

        executor = own = ProcessPoolExecutor(max_workers=jobs_n, mp_context=mp.get_context("spawn"))
    try:
        if executor is None:
            for job in todo:
                _collect(summary, job, lambda j=job: execute(j))
                bar.update()
        else:
            futures = {executor.submit(execute, job): job for job in todo}
            for fut in as_completed(futures):
                _collect(summary, futures[fut], fut.result)
                bar.update()
    finally:
        bar.close()
        if own is not None:
            own.shutdown(cancel_futures=True)
    return summary


def _collect(summary, job, call):
    label = f"{job.name}/{job.variant}"
    try:
        call()
        summary["ran"].append(label)
    except VariantFailed as exc:
        summary["failed"].append((label, str(exc)))


@dataclass(frozen=True)
class VariantOutput:
    """A finished variant's outputs, for pages that show them."""

    name: str
    variant: str
    path: Path

    @property
    def results(self) -> dict:
        merged = {}
        for f in sorted((self.path / "results").glob("*.json")):
            merged.update(json.loads(f.read_text()))
        return merged

    @property
    def params(self) -> dict:
        return json.loads((self.path / "params.json").read_text())

    def figure(self, stem: str, ext: str = "png") -> Path:
        f = self.path / "figures" / f"{stem}.{ext}"
        if not f.is_file():
            have = sorted(p.stem for p in (self.path / "figures").glob("*.png"))
            raise FileNotFoundError(f"variant {self.name}/{self.variant} has no figure {stem!r}; it has {have}")
        return f

    def image(self, stem: str):
        from IPython.display import Image

        return Image(filename=str(self.figure(stem)))


def output(name: str, variant: str) -> VariantOutput:
    """The outputs of ``variants/<name>.yml`` variant ``variant`` (run ``make figures`` first)."""
    path = paths.build_dir() / "variants" / name / variant
    if not (path / "cachekey").is_file():
        raise FileNotFoundError(
            f"no output for variant {name}/{variant} under {path}: run `make figures` "
            f"(or `python -m mobility variants run {name}`) first"
        )
    return VariantOutput(name, variant, path)
