"""Notebook kernels started fresh vs forked from a warm process (``mobility.run.kernels``), side by side in one run.

Executes the same figure variant (Figure 4 of the GE chapter, 40 points) ``--repeat`` times with each kind of kernel,
the way the variants runner does (papermill, ``ForkingKernelManager``), alternating the two, and prints the median
wall time per notebook, the CPU time of all of them (a forked kernel's CPU is counted through the warm process,
including its imports, once it has exited) and their ratios; then checks that both wrote byte-identical figures and
results. Not a test: prints, and exits 1 only if the outputs differ or nothing was forked.

    .venv/bin/python benchmarks/bench_kernels.py [--repeat 4]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "variants" / "notebooks" / "mnc_sensitivity.md"


def children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def digest(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            h.update(p.relative_to(folder).as_posix().encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=4)
    args = ap.parse_args()

    import jupytext
    import papermill as pm

    from mobility.core.io import environ
    from mobility.run import executors, kernels

    nb = jupytext.read(NOTEBOOK)
    out = Path(tempfile.mkdtemp(prefix="bench-kernels-"))
    wall: dict[str, list[float]] = {"fresh": [], "forked": []}
    digests: dict[str, set] = {"fresh": set(), "forked": set()}

    def run(kind: str, k: int) -> None:
        target = out / f"{kind}-{k}"
        with environ({"MOBILITY_OUTPUT_DIR": target, "MOBILITY_PAGE": "variants/bench/kernels"}):
            t0 = time.perf_counter()
            pm.execute_notebook(
                nb,
                str(out / f"{kind}-{k}.ipynb"),
                parameters={"n": 40},
                kernel_name="python3",
                kernel_manager_class="mobility.run.kernels.ForkingKernelManager",
                cwd=str(NOTEBOOK.parent),
                progress_bar=False,
            )
            wall[kind].append(time.perf_counter() - t0)
        digests[kind].add(digest(target))

    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    with executors.worker_environment():  # what the book's kernels run with (one BLAS thread, the hash seed)
        run("fresh", -1)  # warm-up: the first papermill run imports more in this process
        wall["fresh"].clear()
        digests["fresh"].clear()
        cpu0 = children_cpu()
        for k in range(args.repeat):
            run("fresh", k)
        cpu_fresh = children_cpu() - cpu0
        cpu0 = children_cpu()
        before = kernels.forked_count()
        with kernels.zygote() as z:
            ready = z is not None and z.ready()
            for k in range(args.repeat):
                run("forked", k)
        forked = kernels.forked_count() - before
        cpu_forked = children_cpu() - cpu0  # the warm process (imports included) and the kernels it forked

    med = {k: statistics.median(v) for k, v in wall.items()}
    print(f"notebook: {NOTEBOOK.relative_to(ROOT)} (n=40), {args.repeat} runs each")
    print(f"  fresh kernels : median {med['fresh']:.2f} s wall per notebook, {cpu_fresh:.1f} s CPU in all")
    print(
        f"  forked kernels: median {med['forked']:.2f} s wall per notebook, {cpu_forked:.1f} s CPU in all "
        f"(warm process included; {forked} of {args.repeat} forked, warm process ready: {ready})"
    )
    print(f"  ratio fresh/forked: {med['fresh'] / med['forked']:.2f}x wall, {cpu_fresh / cpu_forked:.2f}x CPU")
    same = len(digests["fresh"] | digests["forked"]) == 1
    print(f"  figures and results byte-identical across all {2 * args.repeat} runs: {same}")
    return 0 if same and forked == args.repeat else 1


if __name__ == "__main__":
    sys.exit(main())
