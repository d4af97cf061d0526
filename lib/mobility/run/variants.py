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
import contextlib
import fcntl
import hashlib
import json
import math
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
    bounds: dict = field(hash=False, default_factory=dict)


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
    for i, line in enumerate(cells[0].source.splitlines(), start=1):
        if line.count("=") > 1:  # papermill warns "Unable to parse line" and cannot list the parameter
            raise VariantsError(
                f"{path}: parameters cell line {i}: one '=' per line (papermill cannot parse "
                f"{line.strip()!r}); take the '=' out of the comment"
            )
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


class SetValue(str):
    """A ``--set`` value as typed on the command line: converted with the declared type of its parameter (the
    type of the notebook's default), so ``1e5`` is a float for a float parameter and ``no`` a string for a string
    parameter (YAML would read them as a string and a boolean)."""


def _convert(key: str, raw: SetValue, default, where: str):
    text = str(raw).strip()
    bad = f"{where}: parameter {key!r} must be {_type_name(default)} (default {default!r}), got {text!r}"
    if isinstance(default, bool):
        if text.lower() in ("true", "false"):
            return text.lower() == "true"
        raise VariantsError(bad + " (use true or false)")
    if isinstance(default, int):
        try:
            return int(text)
        except ValueError:
            raise VariantsError(bad) from None
    if isinstance(default, float):
        try:
            return float(text)
        except ValueError:
            raise VariantsError(bad) from None
    if isinstance(default, str):
        quoted = len(text) >= 2 and text[0] == text[-1] and text[0] in "'\""
        return text[1:-1] if quoted else text
    try:  # lists, mappings, None: YAML
        return yaml.load(text, Loader=_StrictLoader) if text else ""
    except yaml.YAMLError:
        raise VariantsError(f"{where}: --set {key}={text}: value is not valid YAML") from None


_BOUND_RE = re.compile(r"^\s*(>=|<=|>|<)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$")
_OPS = {">": float.__gt__, ">=": float.__ge__, "<": float.__lt__, "<=": float.__le__}


def parse_bounds(bounds, where: str) -> dict[str, list[tuple[str, float]]]:
    """``{name: "> 1"}`` or ``{name: ">= 0, < 1"}`` -> ``{name: [(op, number), ...]}``."""
    if bounds is None:
        return {}
    if not isinstance(bounds, dict):
        raise VariantsError(f"{where}: 'bounds' must map parameter names to conditions such as '> 1' or '>= 0, < 1'")
    out = {}
    for key, cond in bounds.items():
        parts = str(cond).split(",") if isinstance(cond, str) else [None]
        parsed = [_BOUND_RE.match(c) if c is not None else None for c in parts]
        if not all(parsed):
            raise VariantsError(f"{where}: bounds of {key!r}: {cond!r} is not a condition such as '> 1' or '>= 0, < 1'")
        out[key] = [(m.group(1), float(m.group(2))) for m in parsed]
    return out


def _check_bounds(key: str, value, bounds: dict, where: str) -> None:
    conds = bounds.get(key)
    if not conds or isinstance(value, bool) or not isinstance(value, (int, float)):
        return
    for op, limit in conds:
        if not _OPS[op](float(value), limit):
            allowed = ", ".join(f"{op} {limit:g}" for op, limit in conds)
            raise VariantsError(f"{where}: parameter {key!r} = {value!r} is out of range (must be {allowed})")


def check_parameters(params: dict, defaults: dict, where: str, bounds: dict | None = None) -> dict:
    """Validate ``params`` against the notebook defaults (type; finite numbers) and ``bounds``
    (:func:`parse_bounds`); return them with ints widened to floats where needed and ``--set`` strings
    (:class:`SetValue`) converted to the parameter's type."""
    out = {}
    for key, value in params.items():
        if key not in defaults:
            raise VariantsError(f"{where}: unknown parameter {key!r}; the notebook's parameters are {sorted(defaults)}")
        default = defaults[key]
        if isinstance(value, SetValue):
            value = _convert(key, value, default, where)
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
        if isinstance(value, float) and not math.isfinite(value):
            raise VariantsError(f"{where}: parameter {key!r} must be a finite number, got {value!r}")
        _check_bounds(key, value, bounds or {}, where)
        out[key] = value
    return out


class _StrictLoader(yaml.SafeLoader):
    """YAML's safe loader, refusing a mapping that repeats a key (PyYAML keeps the last one silently)."""


def _mapping_without_duplicates(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if isinstance(key, (str, int, float, bool)) and key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key) if isinstance(key, (str, int, float, bool)) else None
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates)


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
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_StrictLoader)
    except yaml.YAMLError as exc:
        raise _yaml_error(path, exc) from None
    if not isinstance(doc, dict):
        raise VariantsError(f"{path}: must be a mapping with keys 'notebook' and 'variants'")
    unknown = set(doc) - {"notebook", "description", "variants", "bounds"}
    if unknown:
        raise VariantsError(
            f"{path}: unknown key(s) {sorted(unknown)}; allowed: notebook, description, variants, bounds"
        )
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
    bounds = parse_bounds(doc.get("bounds"), str(path))
    for key in bounds:
        if key not in defaults:
            raise VariantsError(f"{path}: bounds name {key!r}, which is not a parameter of {nb}")
    checked = {}
    for vname, params in variants.items():
        if not isinstance(vname, str) or not NAME_RE.match(vname):
            raise VariantsError(f"{path}: variant name {vname!r} must be lower-case letters, digits, '-' or '_'")
        if params is None:
            params = {}
        if not isinstance(params, dict):
            raise VariantsError(f"{path}: variant {vname!r} must map parameter names to values")
        checked[vname] = check_parameters(params, defaults, f"{path}: variant {vname!r}", bounds)
    return Spec(name, path, notebook, str(doc.get("description", "")), checked, defaults, bounds)


def load_specs(directory: Path | None = None) -> dict[str, Spec]:
    directory = Path(directory or paths.root() / "variants")
    return {p.stem: load_spec(p) for p in sorted(directory.glob("*.yml"))}


def parse_sets(items: list[str]) -> dict:
    """``["k=v", ...]`` -> ``{k: SetValue(v)}``; :func:`plan` converts each value with its parameter's type."""
    out = {}
    for item in items or []:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key.isidentifier():
            raise VariantsError(f"--set {item!r}: expected name=value, e.g. --set gamma=1.5")
        if key in out:
            raise VariantsError(f"--set {key} is given twice ({key}={out[key]} and {item})")
        out[key] = SetValue(raw)
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
        extra = check_parameters(sets or {}, spec.defaults, f"--set for {spec.name}", spec.bounds)
        varied = {**spec.defaults, **spec.variants[v], **extra}.get("parameter")
        if isinstance(varied, str) and varied in extra:
            raise VariantsError(
                f"--set {varied}={extra[varied]!r} has no effect on variant {spec.name}/{v}, whose grid varies "
                f"{varied} (from lo to hi): set lo and hi instead, or leave {spec.name}/{v} out"
            )
        params = {**spec.variants[v], **extra}
        if quick:
            params["quick"] = True
        canon = json.dumps(params, sort_keys=True)
        jobs.append(Job(spec.name, v, str(spec.notebook), canon, cache_key(spec.notebook, params)))
    return jobs


def is_current(job: Job) -> bool:
    f = job.out / "cachekey"
    return f.is_file() and f.read_text().strip() == job.key


@contextlib.contextmanager
def _variant_lock(job: Job):
    """Concurrent runs of one variant (two terminals, two CI jobs on one checkout) take turns: each holds
    ``_build/variants/.locks/<name>--<variant>.lock`` (an advisory ``flock``) while it runs and swaps its output
    into place."""
    lock = job.out.parents[1] / ".locks" / f"{job.name}--{job.variant}.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    job.out.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _remove_stale(parent: Path, variant: str) -> None:
    """Temporary and retired folders that a killed run of ``variant`` left (called under its lock)."""
    for pattern in (f".{variant}.tmp-*", f".{variant}.old-*"):
        for p in parent.glob(pattern):
            shutil.rmtree(p, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux ``renameat2(RENAME_EXCHANGE)``); False where that is not available."""
    import ctypes

    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def execute(job: Job) -> str:
    """Run one job atomically; return ``"ran"``. Raises :class:`VariantFailed` (a one-line message) when the
    notebook raises, its kernel dies or does not start."""
    import papermill as pm

    parent = job.out.parent
    label = f"{job.name}/{job.variant}"
    with _variant_lock(job):
        _remove_stale(parent, job.variant)
        tmp = Path(tempfile.mkdtemp(dir=parent, prefix=f".{job.variant}.tmp-"))
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes it 0700; the output is an ordinary folder
        notebook = Path(job.notebook)
        try:
            nb = _read_notebook(notebook)
            t0 = time.perf_counter()
            report = paths.build_dir() / "reports" / "variants" / f"{job.name}-{job.variant}.ipynb"
            try:
                with environ({"MOBILITY_OUTPUT_DIR": tmp, "MOBILITY_PAGE": f"variants/{job.name}/{job.variant}"}):
                    pm.execute_notebook(
                        nb,
                        str(tmp / "notebook.ipynb"),
                        parameters=job.params,
                        kernel_name="python3",
                        kernel_manager_class="mobility.run.kernels.ForkingKernelManager",
                        language="python",
                        cwd=str(notebook.parent),
                        progress_bar=False,
                        log_output=False,
                    )
            except pm.PapermillExecutionError as exc:
                _keep_report(tmp, report)
                raise VariantFailed(
                    f"variant {label} failed in cell {exc.exec_count}: {exc.ename}: {exc.evalue} "
                    f"(executed notebook: {report})"
                ) from None
            except Exception as exc:  # the kernel died (DeadKernelError), did not start in time, ...
                _keep_report(tmp, report)
                where = f" (executed notebook so far: {report})" if report.is_file() else ""
                raise VariantFailed(f"variant {label} failed: {_one_line(exc)}{where}") from None
            (tmp / "params.json").write_text(json.dumps(job.params, sort_keys=True, indent=2) + "\n")
            (tmp / "timing.json").write_text(json.dumps({"seconds": round(time.perf_counter() - t0, 2)}) + "\n")
            (tmp / "cachekey").write_text(job.key + "\n")
            if job.out.exists() and _exchange(tmp, job.out):  # readers never see the folder missing
                shutil.rmtree(tmp, ignore_errors=True)  # tmp now holds the previous output
            elif job.out.exists():
                trash = Path(tempfile.mkdtemp(dir=parent, prefix=f".{job.variant}.old-"))
                os.replace(job.out, trash / "old")
                os.replace(tmp, job.out)
                shutil.rmtree(trash, ignore_errors=True)
            else:
                os.replace(tmp, job.out)
            return "ran"
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise


def _keep_report(tmp: Path, report: Path) -> None:
    report.parent.mkdir(parents=True, exist_ok=True)
    if (tmp / "notebook.ipynb").is_file():
        shutil.copyfile(tmp / "notebook.ipynb", report)
    else:
        report.unlink(missing_ok=True)


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
    todo = longest_first(todo)
    bar = tqdm(total=len(todo), desc="variants", unit="nb", disable=not progress)
    own = None
    stack = contextlib.ExitStack()
    try:
        if executor is None or isinstance(executor, ProcessPoolExecutor):
            # kernels on this machine fork from one warm process (mobility.run.kernels); a pool's workers, started
            # at its first submit, find it in their environment
            from mobility.run import kernels

            stack.enter_context(kernels.zygote(kernels=len(todo)))
        if executor is None and jobs_n > 1 and len(todo) > 1:
            from mobility.run import executors

            executor = own = executors.process_pool(jobs_n)
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
        stack.close()
    return summary


def _last_seconds(job: Job) -> float | None:
    try:
        return float(json.loads((job.out / "timing.json").read_text(encoding="utf-8"))["seconds"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def longest_first(jobs: list, seconds=None) -> list:
    """The order in which to submit ``jobs``: those never timed first, in their given order (the variants files
    list their longest variant first), then the others from the longest last run down. ``seconds(job)`` gives a
    job's last measured seconds or ``None`` (default: a variant's ``timing.json``); the book's pages use the same
    rule (:func:`mobility.publish.build.execute_pages`). On 2 workers the Monte Carlo's bootstrap variant (~590 s),
    submitted fourth, once finished ~190 s after everything else."""
    timed = [((seconds or _last_seconds)(j), k, j) for k, j in enumerate(jobs)]
    return [j for s, _, j in timed if s is None] + [
        j for s, _, j in sorted((t for t in timed if t[0] is not None), key=lambda t: (-t[0], t[1]))
    ]


def _collect(summary, job, call):
    """Run ``call`` (one variant); every failure is one line in the summary, and the other variants go on."""
    label = f"{job.name}/{job.variant}"
    try:
        call()
        summary["ran"].append(label)
    except VariantFailed as exc:
        summary["failed"].append((label, str(exc)))
    except Exception as exc:  # a worker that died (BrokenProcessPool), a lost Dask worker, ...
        summary["failed"].append((label, f"variant {label} failed: {_one_line(exc)}"))


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
