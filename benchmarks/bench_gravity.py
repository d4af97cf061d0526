"""Timings and peak memory of the gravity chapter (Levelu, Mayda & Orefice 2023). Not a test: prints them.

Targets (issue 5): building the real panel from the kit <= 20 s; baseline three-way PPML (Table 2, column 3) on the
full panel <= 5 s; peak memory <= 4 GB. Each step runs in a fresh process so that its peak RSS is its own. Last, the
pair-block bootstrap's resample fits, expanded vs frequency-weighted, side by side (a ratio).

    make data && MOBILITY_DATA_DIR=data/external .venv/bin/python benchmarks/bench_gravity.py
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys

STEPS = {
    "build real panel, second release (kit, checksums verified)": """
from mobility.models.gravity import data
from mobility.core import paths
t0 = time.perf_counter(); p = data.build_panel_2020(paths.external_data_dir()); t = time.perf_counter() - t0
extra = f"{len(p):,} rows"
""",
    "Table 2 col 3 PPML with Visa, second release (3 FE, Stata SEs + pair-clustered)": """
from mobility.models.gravity import data, tables
from mobility.core import paths
p = data.build_panel_2020(paths.external_data_dir())
t0 = time.perf_counter()
f = tables.run_spec(p, "table2.col3", ssc="stata", alt_vcov=("cluster:pair",))
t = time.perf_counter() - t0
extra = f"{f.nobs:,} obs, Visa {f.coef['visa']:.3f}"
""",
    "build real panel, first release (kit, checksums verified)": """
from mobility.models.gravity import data
from mobility.core import paths
t0 = time.perf_counter(); p = data.build_real_panel(paths.external_data_dir()); t = time.perf_counter() - t0
extra = f"{len(p):,} rows"
""",
    "Table 2 col 3 PPML, real panel (3 FE)": """
from mobility.models.gravity import data, tables
from mobility.core import paths
p = data.build_real_panel(paths.external_data_dir())
t0 = time.perf_counter(); f = tables.run_spec(p, "table2.col3", drop_unavailable=True); t = time.perf_counter() - t0
extra = f"{f.nobs:,} obs, {f.n_separation:,} dropped for separation"
""",
    "Table 2 col 1 PPML, real panel (2 FE)": """
from mobility.models.gravity import data, tables
from mobility.core import paths
p = data.build_real_panel(paths.external_data_dir())
t0 = time.perf_counter(); f = tables.run_spec(p, "table2.col1", drop_unavailable=True); t = time.perf_counter() - t0
extra = f"{f.nobs:,} obs"
""",
    "simulate synthetic panel (200 countries)": """
from mobility.models.gravity import synthetic
t0 = time.perf_counter(); p = synthetic.simulate_panel(); t = time.perf_counter() - t0
extra = f"{len(p):,} rows"
""",
    "Table 2 col 3 PPML, synthetic panel (3 FE)": """
from mobility.models.gravity import synthetic, tables
p = synthetic.simulate_panel()
t0 = time.perf_counter(); f = tables.run_spec(p, "table2.col3"); t = time.perf_counter() - t0
extra = f"{f.nobs:,} obs"
""",
}

#: the pair-block bootstrap of one replication, two ways side by side in one process (alternating, 3 rounds): each
#: drawn copy of a pair its own rows and pair effect (the expanded resamples, the code before frequency weights), and
#: ``montecarlo.pair_bootstrap`` itself (each drawn pair once, with its frequency weight); the same draws
BOOTSTRAP = """
import time
import numpy as np, pandas as pd
from mobility.models.gravity import estimate, montecarlo, synthetic, tables
s = tables.SPECS["table2.col3"]
regs, fe, seed = list(s.regressors), list(s.fe), (7, 1)
panel = synthetic.simulate_panel(synthetic.SimulationParams(n_countries=40))

def expanded():
    base = panel[[s.depvar, *regs, "orig_year", "dest_year"]].reset_index(drop=True)
    for f in ("orig_year", "dest_year"):
        base[f] = pd.factorize(base[f])[0]
    codes = pd.factorize(panel["pair"], sort=True)[0]
    G = int(codes.max()) + 1
    order, counts = np.argsort(codes, kind="stable"), np.bincount(codes, minlength=G)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    _, start = estimate.ppml_coef(base.assign(pair=codes), s.depvar, regs, fe, fitted=True)
    rng, out = np.random.default_rng(seed), []
    for _ in range(29):
        draw = rng.integers(0, G, G)
        lengths = counts[draw]
        ends = np.cumsum(lengths)
        rows = order[np.repeat(starts[draw], lengths) + np.arange(ends[-1]) - np.repeat(ends - lengths, lengths)]
        sample = base.iloc[rows].reset_index(drop=True).assign(pair=np.repeat(np.arange(G), lengths))
        coef = estimate.ppml_coef(sample, s.depvar, regs, fe, start=start[rows])
        out.append([coef[r] for r in regs])
    return np.array(out)

def weighted():
    return montecarlo.pair_bootstrap(panel, s.depvar, regs, fe, 29, seed).to_numpy()

cpu = {"expanded": [], "weighted": []}
gap = 0.0
for _ in range(3):
    out = {}
    for name, fit in (("expanded", expanded), ("weighted", weighted)):
        t0 = time.process_time()
        out[name] = fit()
        cpu[name].append(time.process_time() - t0)
    gap = max(gap, float(np.max(np.abs(out["expanded"] - out["weighted"]))))
e, w = np.median(cpu["expanded"]), np.median(cpu["weighted"])
print(f"pair bootstrap, 40 countries, 29 resamples (median CPU of 3 rounds, alternating): expanded resamples "
      f"{e:.2f} s, frequency-weighted (pair_bootstrap) {w:.2f} s: {e / w:.2f}x; largest coefficient gap {gap:.1e}")
"""

RUNNER = """
import json, resource, time
{body}
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"seconds": t, "peak_mb": peak_mb, "extra": extra}}))
"""


def main():
    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cpus")
    real = bool(os.environ.get("MOBILITY_DATA_DIR"))
    print(f"{'step':48s} {'seconds':>8s} {'peak MB':>8s}  notes")
    for name, body in STEPS.items():
        if "real" in name and not real:
            print(f"{name:48s} {'skipped':>8s} {'':>8s}  (MOBILITY_DATA_DIR not set)")
            continue
        out = subprocess.run([sys.executable, "-c", RUNNER.format(body=body)], capture_output=True, text=True)
        if out.returncode:
            print(f"{name:48s} FAILED\n{out.stderr[-2000:]}")
            continue
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{name:48s} {r['seconds']:8.2f} {r['peak_mb']:8.0f}  {r['extra']}")
    out = subprocess.run([sys.executable, "-c", BOOTSTRAP], capture_output=True, text=True)
    print(out.stdout.strip() if not out.returncode else f"pair bootstrap FAILED\n{out.stderr[-2000:]}")


if __name__ == "__main__":
    main()
