"""Sweeps on 1 vs 2 Dask workers: throughput and speed-up (a script that prints timings; not a test).

    .venv/bin/python benchmarks/bench_sweeps.py            # 100 x 100 GE surface + 200-replication PPML Monte Carlo
    .venv/bin/python benchmarks/bench_sweeps.py --quick    # a few seconds: checks the script runs

Each workload runs on a LocalCluster (127.0.0.1, single-threaded worker processes) of 1 and then 2 workers, from
scratch (``force``), into ``_build/benchmarks/sweeps/<workers>w/``. Workers are warmed up first (imports and one
small estimate, timed separately), so the figures are steady-state throughput. The script also checks that the
tables of the two runs are byte-identical. On a shared machine the speed-up is bounded by the idle cores: the load
average is printed before and after; the workers' busy time (from Dask's task stream) and CPU time show whether a
slower run came from scheduling overhead (low busy share) or from contention for the cores (busy but little CPU:
other processes got the cores).
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import numpy as np
from distributed import get_task_stream

from mobility.core import paths
from mobility.run import executors, recipes, sweeps


def _warm():
    """Import the chapters' libraries and run one tiny estimate and one equilibrium in this worker."""
    from mobility.models import mnc
    from mobility.models.gravity import synthetic, tables

    mnc.solve(mnc.TABLE3)
    tables.run_spec(synthetic.simulate_panel(synthetic.SimulationParams(n_countries=30, seed=1)), "table2.col3")
    return os.getpid()


def workloads(quick: bool):
    n_ge = 12 if quick else 100
    reps = 6 if quick else 200
    ge = recipes.mnc_grid(
        {"gamma": np.linspace(20.0, 45.0, n_ge).tolist(), "tau12": np.linspace(1.0, 1.5, n_ge).tolist()},
        chunk_size=50,
        name="bench-ge",
    )
    mc = recipes.gravity_montecarlo(
        reps, spec="table2.col3", simulation={"n_countries": 60}, chunk_size=2, name="bench-mc"
    )
    return [
        ("GE equilibria (Wang 2014, gamma x tau12)", ge, "equilibria"),
        ("PPML Monte Carlo (3-way FE, 60 countries)", mc, "replications"),
    ]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    base = paths.build_dir() / "benchmarks" / "sweeps"
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.2f}; python {platform.python_version()}"
    )
    timings: dict = {}
    tables: dict = {}
    for workers in (1, 2):
        os.environ["MOBILITY_BUILD_DIR"] = str(base / f"{workers}w")
        t0 = time.perf_counter()
        with executors.executor(f"local:{workers}") as ex:
            client = ex.client
            t_start = time.perf_counter() - t0
            t0 = time.perf_counter()
            client.run(_warm)
            t_warm = time.perf_counter() - t0
            print(f"\n{workers} worker(s): cluster start {t_start:.1f} s, warm-up {t_warm:.1f} s")
            for label, sweep, unit in workloads(args.quick):
                n = len({r.get("point", r.get("replication")) for c in sweep.chunks for r in c})
                cpu0 = sum(client.run(time.process_time).values())
                t0 = time.perf_counter()
                with get_task_stream(client) as stream:
                    res = sweeps.run(sweep, ex, force=True, progress=False)
                dt = time.perf_counter() - t0
                cpu = sum(client.run(time.process_time).values()) - cpu0
                busy = sum(
                    s["stop"] - s["start"] for t in stream.data for s in t["startstops"] if s["action"] == "compute"
                )
                if not res.ok:
                    for f in res.failed:
                        print(f"  FAILED {f}")
                timings[label, workers] = (n, dt)
                tables[label, workers] = res.csv.read_bytes() if res.ok else None
                print(
                    f"  {label}: {n} {unit} in {len(sweep.chunks)} chunks: {dt:.2f} s, {n / dt:.1f} {unit}/s; "
                    f"workers busy {busy:.1f} s = {busy / (workers * dt):.0%} of {workers} x wall, "
                    f"{1000 * busy / n:.1f} ms each; worker CPU {cpu:.1f} s = {cpu / (workers * dt):.0%} "
                    f"of {workers} x wall"
                )
    print(f"\nload average after: {os.getloadavg()[0]:.2f}")
    print("\nworkload                                      1 worker     2 workers    speed-up  same bytes")
    for label, _, _unit in workloads(args.quick):
        (n, t1), (_, t2) = timings[label, 1], timings[label, 2]
        same = tables[label, 1] is not None and tables[label, 1] == tables[label, 2]
        print(f"{label:45s} {n / t1:7.1f}/s    {n / t2:7.1f}/s    {t1 / t2:6.2f}x   {same}")
    print(f"\ntables under {Path(base)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
