"""Timings of the relocation chapter (Baldwin & Okubo). Targets (issue 4): the chapter executes in <= 30 s, the
transition simulation in <= 10 s. Not a test: prints timings and their ratio to the target.

    .venv/bin/python benchmarks/bench_relocation.py            # library timings + every page, full and quick
    .venv/bin/python benchmarks/bench_relocation.py --no-pages # library timings only

Pages are executed with papermill in their own folder (as Jupyter Book does), writing results and figures to a
temporary directory; the sensitivity page needs the variants run first (`python -m mobility variants run
relocation-grid`), otherwise it is reported as skipped.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from mobility.models import relocation as rl

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["model", "results", "general", "variants"]


def best_of(fn, repeat=3):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times), float(np.median(times))


def line(name, seconds, target=None):
    ratio = f"{seconds / target:6.2f} of {target:g} s" if target else ""
    print(f"{name:58s} {seconds:9.3f} s  {ratio}")


RUNNER = """
import sys, jupytext, papermill as pm
nb = jupytext.read(sys.argv[1], fmt="md:myst")
pm.execute_notebook(nb, sys.argv[2], parameters=dict(quick=sys.argv[3] == "1"), kernel_name="python3",
                    language="python", progress_bar=False)
"""


def run_page(page: str, quick: bool, out: Path) -> float | None:
    out.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, MOBILITY_OUTPUT_DIR=str(out))
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", RUNNER, f"{page}.md", str(out / f"{page}.ipynb"), "1" if quick else "0"],
        cwd=ROOT / "book" / "relocation",
        env=env,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        print(f"  {page}: failed ({proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else 'no stderr'})")
        return None
    return time.perf_counter() - t0


def main():
    print(f"python {platform.python_version()} on {platform.machine()} ({os.cpu_count()} cpus)")
    p = rl.Params(phi=0.5)
    kw = dict(gamma_r=2.0, gamma_e=2.0, delta=0.1, T=300.0, dt=0.1, cells=400)
    best, med = best_of(lambda: rl.simulate_transition(p, **kw))
    line("transition simulation (T=300, dt=0.1, 400 cells), best", best, 10.0)
    line("transition simulation, median", med, 10.0)
    best, _ = best_of(
        lambda: [
            rl.simulate_transition(p, **(kw | extra))
            for extra in ({}, {"relocation": False}, {"delta": 0.02}, {"entry_exit": False})
        ],
        repeat=1,
    )
    line("the general-case page's four runs", best, 10.0)
    best, _ = best_of(lambda: rl.check_results(rl.Params()))
    line("check_results (Results 1-7 at one parameter set)", best)
    best, _ = best_of(
        lambda: rl.result5_scan(
            [1.1, 1.2, 1.35, 1.5, 1.75, 2.0, 2.5, 3.0, 4.0, 5.0],
            [0.15, 0.3, 0.6, 1.0, 1.5, 2.5, 4.0, 6.0, 8.0, 12.0, 16.0],
        ),
        repeat=1,
    )
    line("Result 5 scan (10 x 11 grid)", best)
    best, _ = best_of(lambda: rl.frozen(rl.Params(), 0.5), repeat=200)
    line("one frozen-stock equilibrium (root of eq. 18)", best)
    if "--no-pages" in sys.argv:
        return
    with tempfile.TemporaryDirectory() as tmp:
        for quick in (False, True):
            total, ok = 0.0, True
            for page in PAGES:
                t = run_page(page, quick, Path(tmp) / ("q" if quick else "f"))
                if t is None:
                    ok = False
                    continue
                total += t
                line(f"page {page} ({'quick' if quick else 'full'}), incl. kernel start", t)
            line(
                f"chapter, {'quick' if quick else 'full'}{'' if ok else ' (incomplete)'}",
                total,
                60.0 if quick else 30.0,
            )


if __name__ == "__main__":
    main()
