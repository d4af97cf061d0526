"""Sweeps that scale: batched vs per-point on one core, then 1, 2, 4, ... workers (a script that prints ratios).

    .venv/bin/python benchmarks/bench_scaling.py             # the issue-17 figures on this machine
    .venv/bin/python benchmarks/bench_scaling.py --quick     # seconds: checks that the script runs
    .venv/bin/python benchmarks/bench_scaling.py --max-workers 16 --out scaling.json

Part 1, one core, the same run: the 10,000-point GE surface (Wang 2014, gamma x tau12, 100 x 100) and a 10,000-point
relocation surface (Baldwin & Okubo, sigma x phi), each as a whole sweep on one worker process (`sweeps.run`:
chunks, storage, the table) with the per-point path (`method="scalar"`, what the sweeps did before) and the batched
path (`method="batch"`), side by side; prints the ratio and the largest difference between the two tables.

Part 2, scaling: for 1, 2, 4, ... up to `os.cpu_count()` (or --max-workers) single-threaded Dask workers on a
LocalCluster, the GE surface, the relocation surface and a PPML Monte Carlo, each sized to about --chunks-per-worker
chunks of ~1 s per worker at the largest count (the chunking does not depend on the worker count). Workers are
warmed up (imports, one small solve) before timing, and each measurement is the fastest of --repeat runs (3; on a
shared machine other jobs only ever slow a run down, so the fastest is the closest to the code's own time; every
run's table is compared). Prints throughput, speed-up and parallel efficiency
(throughput / (workers x throughput on one worker)), and whether each table has the same bytes at every count.
The machine is printed first, with its load average before and after: on a shared machine the efficiency is
bounded by the idle cores.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time

for _k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_k, "1")
os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")

import numpy as np  # noqa: E402

from mobility.run import executors, recipes, sweeps  # noqa: E402


def machine() -> dict:
    model = platform.processor() or platform.machine()
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(next(x for x in open("/proc/meminfo", encoding="utf-8") if x.startswith("MemTotal")).split()[1])
        mem = f"{kb / 2**20:.0f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory": mem,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "load": os.getloadavg()[0],
    }


def _warm():
    """Imports and one small computation of each workload in a worker (timed apart from the sweeps)."""
    import polars  # noqa: F401 - what a worker formats large tables with (mobility.run.sweeps._csv)

    from mobility.models.mnc import TABLE3, batch
    from mobility.models.relocation import grid

    batch.summaries(batch.solve_batch([TABLE3, TABLE3.replace(gamma=30.0)]))
    grid.evaluate(3.0, 4.0, 0.6, 0.3, 1.0, np.nan)
    try:
        from mobility.models.gravity import synthetic, tables

        tables.run_spec(synthetic.simulate_panel(synthetic.SimulationParams(n_countries=30, seed=1)), "table2.col3")
    except ImportError:
        pass  # no PPML here: the Monte Carlo is skipped
    return os.getpid()


def ge(n_gamma: int, n_tau: int = 100, method: str = "batch", name: str = "ge"):
    return recipes.mnc_grid(
        {"gamma": np.linspace(20.0, 45.0, n_gamma).tolist(), "tau12": np.linspace(1.0, 1.5, n_tau).tolist()},
        name=name,
        method=method,
    )


def relocation(n_sigma: int, n_phi: int = 100, method: str = "batch", name: str = "reloc"):
    return recipes.relocation_grid(
        {"sigma": np.linspace(1.5, 4.5, n_sigma).tolist(), "phi": np.linspace(0.0, 1.0, n_phi).tolist()},
        name=name,
        method=method,
    )


def montecarlo(reps: int, name: str = "mc"):
    return recipes.gravity_montecarlo(reps, simulation={"n_countries": 60}, name=name)


def _timed_run(sweep, ex):
    t0 = time.perf_counter()
    res = sweeps.run(sweep, ex, force=True, progress=False)
    dt = time.perf_counter() - t0
    if not res.ok:
        raise RuntimeError(f"{sweep.name}: " + "; ".join(str(f) for f in res.failed))
    return dt, res


def _max_rel_diff(a_csv, b_csv) -> float:
    import pandas as pd

    a, b = pd.read_csv(a_csv), pd.read_csv(b_csv)
    if list(a.columns) != list(b.columns) or len(a) != len(b):
        return float("inf")
    for c in a.columns:
        if not pd.api.types.is_numeric_dtype(a[c]) and not a[c].equals(b[c]):
            return float("inf")  # a phase differs
    worst = 0.0
    for c in a.columns:
        if c in ("evaluations", "residual_norm") or not pd.api.types.is_numeric_dtype(a[c]):
            continue  # the solvers' bookkeeping differs by design
        x, y = a[c].to_numpy(float), b[c].to_numpy(float)
        fin = np.isfinite(x) & np.isfinite(y)
        if (np.isfinite(x) != np.isfinite(y)).any():
            return float("inf")
        if fin.any():
            worst = max(worst, float(np.max(np.abs(x[fin] - y[fin]) / np.maximum(np.abs(x[fin]), 1e-12))))
    return worst


def single_core(quick: bool, base, surfaces=("GE surface", "relocation surface")) -> dict:
    """Part 1: per-point vs batched, one worker process each, in the same run. Wall time, and CPU time (the worker's
    and this process's: on a shared machine the CPU time is the measure of the work, the wall time also of the
    load)."""
    n = 20 if quick else 100
    out = {}
    for label, make in [w for w in (("GE surface", ge), ("relocation surface", relocation)) if w[0] in surfaces]:
        times, cpus, csvs = {}, {}, {}
        for method in ("scalar", "batch"):
            os.environ["MOBILITY_BUILD_DIR"] = str(base / "single" / method)
            sweep = make(n, 100 if not quick else 20, method=method, name=f"single-{method}")
            with executors.worker_environment(), executors.process_pool(1) as ex:
                sweeps.run(make(2, 2, method=method, name=f"warm-{method}"), ex, force=True, progress=False)
                ex.submit(_warm).result()  # the imports of the large-table path too
                worker0, main0 = ex.submit(time.process_time).result(), time.process_time()
                times[method], res = _timed_run(sweep, ex)
                cpus[method] = ex.submit(time.process_time).result() - worker0 + time.process_time() - main0
            csvs[method] = res.csv
            print(
                f"  {label}, {method:6s}: {sweep.n_rows} points in {len(sweep.chunks)} chunks: "
                f"{times[method]:.2f} s wall, {cpus[method]:.2f} s CPU ({sweep.n_rows / times[method]:.0f} points/s); "
                f"load {os.getloadavg()[0]:.2f}",
                flush=True,
            )
        diff = _max_rel_diff(csvs["scalar"], csvs["batch"])
        ratio, cpu_ratio = times["scalar"] / times["batch"], cpus["scalar"] / cpus["batch"]
        print(
            f"  {label}: batched {ratio:.1f}x faster than per-point in wall time, {cpu_ratio:.1f}x in CPU time; "
            f"largest relative difference between the two tables {diff:.1e}",
            flush=True,
        )
        out[label] = {
            "points": sweep.n_rows,
            "scalar_s": times["scalar"],
            "batch_s": times["batch"],
            "scalar_cpu_s": cpus["scalar"],
            "batch_cpu_s": cpus["batch"],
            "ratio": ratio,
            "cpu_ratio": cpu_ratio,
            "max_rel_diff": diff,
        }
    return out


def counts(max_workers: int) -> list:
    out, w = [], 1
    while w < max_workers:
        out.append(w)
        w *= 2
    return [*out, max_workers]


def scaling(quick: bool, max_workers: int, per_worker: int, base, repeat: int = 3) -> dict:
    """Part 2: the three workloads on 1, 2, 4, ... workers, each timed as the fastest of ``repeat`` runs."""
    k = per_worker * max_workers  # chunks per workload
    ge_lines = 4 if quick else 50 * k  # 50 lines of 100 points = one ~1 s chunk
    workloads = [
        ("GE surface", lambda: ge(ge_lines), "equilibria"),
        ("relocation surface", lambda: relocation(6 if quick else 250 * k), "points"),
    ]
    try:
        from pyfixest.estimation.api import fepois  # noqa: F401

        workloads.append(("PPML Monte Carlo", lambda: montecarlo(2 if quick else 5 * k), "replications"))
    except ImportError as exc:
        print(f"  (Monte Carlo skipped: {exc})")
    built = [(label, make(), unit) for label, make, unit in workloads]
    for label, sw, _unit in built:
        print(f"  {label}: {sw.n_rows} rows in {len(sw.chunks)} chunks of {len(sw.chunks[0])}", flush=True)
    results: dict = {label: {} for label, _, _ in built}
    tables: dict = {}
    machine_eff = {}
    for w in counts(max_workers):
        machine_eff[w] = machine_efficiency(w)
        print(
            f"  the machine now: {w} busy process(es) run at {machine_eff[w]:.0%} of the speed of one alone "
            f"(load {os.getloadavg()[0]:.2f})",
            flush=True,
        )
    for w in counts(max_workers):
        os.environ["MOBILITY_BUILD_DIR"] = str(base / f"{w}w")
        t0 = time.perf_counter()
        with executors.executor(f"local:{w}") as ex:
            start = time.perf_counter() - t0
            t0 = time.perf_counter()
            ex.client.run(_warm)
            warm = time.perf_counter() - t0
            print(
                f"\n{w} worker(s): cluster start {start:.1f} s, warm-up {warm:.1f} s, load {os.getloadavg()[0]:.2f}",
                flush=True,
            )
            for label, sw, unit in built:
                best = None
                for _ in range(repeat):  # the fastest of `repeat` runs: the noise of a shared machine only adds
                    cpu0 = _cpu(ex)
                    dt, res = _timed_run(sw, ex)
                    cpu = _cpu(ex) - cpu0
                    if best is None or dt < best[0]:
                        best = (dt, cpu)
                    data = res.csv.read_bytes()
                    if tables.setdefault((label, w), data) != data:
                        tables[label, w] = b""  # two runs on the same workers differ: reported as not the same
                dt, cpu = best
                n = sw.n_rows if unit != "replications" else len({r["replication"] for c in sw.chunks for r in c})
                results[label][w] = {"seconds": dt, "rate": n / dt, "n": n, "cpu_s": cpu, "load": os.getloadavg()[0]}
                one = results[label][1]
                print(
                    f"  {label}: {n} {unit} in {dt:.2f} s = {n / dt:,.0f}/s; speed-up {n / dt / one['rate']:.2f}x, "
                    f"efficiency {n / dt / one['rate'] / w:.0%}; CPU {cpu:.2f} s (work efficiency "
                    f"{one['cpu_s'] / cpu:.0%}); load {os.getloadavg()[0]:.2f}",
                    flush=True,
                )
    summary = {}
    print(
        "\nparallel efficiency (throughput / (workers x throughput on one worker)); in brackets the work efficiency "
        "(CPU seconds on one worker / CPU seconds on w workers: the overhead of parallelism, whatever the load)"
    )
    print("workload               " + "".join(f"{w:>15d}w" for w in counts(max_workers)) + "   same bytes")
    for label, _, _ in built:
        runs = results[label]
        effs = [runs[w]["rate"] / runs[1]["rate"] / w for w in counts(max_workers)]
        work = [runs[1]["cpu_s"] / runs[w]["cpu_s"] for w in counts(max_workers)]
        same = all(tables[label, w] == tables[label, 1] for w in counts(max_workers))
        print(
            f"{label:22s} " + "".join(f"{e:>8.0%} ({c:>4.0%})" for e, c in zip(effs, work, strict=True)) + f"  {same}"
        )
        summary[label] = {
            "machine_efficiency": machine_eff,
            "efficiency": dict(zip(counts(max_workers), effs, strict=True)),
            "work_efficiency": dict(zip(counts(max_workers), work, strict=True)),
            "same_bytes": same,
            "runs": runs,
        }
    return summary


def _spin(n: int = 3_000_000) -> float:
    """A fixed amount of pure-Python work (no memory traffic); returns its wall seconds."""
    t0 = time.perf_counter()
    x = 0
    for i in range(n):
        x += i * i % 7
    return time.perf_counter() - t0


def machine_efficiency(workers: int) -> float:
    """What the machine gives ``workers`` busy processes at this moment: the wall time of a fixed piece of
    pure-Python work alone over its wall time when ``workers`` copies run at once (1.0: as fast as alone). On a
    shared machine this bounds the parallel efficiency any code can show."""
    with executors.process_pool(workers) as pool:
        list(pool.map(_spin, [100_000] * workers))  # start the processes
        alone = min(pool.submit(_spin).result() for _ in range(2))
        together = max(pool.map(_spin, [3_000_000] * workers))
    return alone / together


def _cpu(ex) -> float:
    """CPU seconds used so far by the cluster's workers and by this process (client and scheduler)."""
    return sum(ex.client.run(time.process_time).values()) + time.process_time()


T0 = time.perf_counter()


def main(argv=None) -> int:
    from mobility.core import paths

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="tiny sizes: checks that the script runs")
    ap.add_argument("--max-workers", type=int, default=os.cpu_count(), help="largest worker count (default: cores)")
    ap.add_argument("--chunks-per-worker", type=int, default=2, help="chunks per worker at the largest count")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each scaling measurement; the fastest counts")
    ap.add_argument("--skip-single", action="store_true", help="only the scaling part")
    ap.add_argument("--single", choices=("ge", "relocation", "both"), default="both", help="surfaces of part 1")
    ap.add_argument("--skip-scaling", action="store_true", help="only the one-core part")
    ap.add_argument("--out", default=None, help="also write the figures as JSON to this file")
    args = ap.parse_args(argv)
    base = paths.build_dir() / "benchmarks" / "scaling"
    m = machine()
    print(
        f"machine: {m['cpu']}, {m['cores']} cores, {m['memory']}; python {m['python']}, numpy {m['numpy']}; "
        f"load average {m['load']:.2f}",
        flush=True,
    )
    report = {"machine": m}
    if not args.skip_single:
        print("\none core, per-point vs batched (whole sweeps on one worker process):", flush=True)
        surfaces = {"ge": ("GE surface",), "relocation": ("relocation surface",)}.get(
            args.single, ("GE surface", "relocation surface")
        )
        report["single_core"] = single_core(args.quick, base, surfaces)
    if not args.skip_scaling:
        print(f"\nscaling, 1..{args.max_workers} workers:", flush=True)
        report["scaling"] = scaling(args.quick, args.max_workers, args.chunks_per_worker, base, args.repeat)
    report["load_after"] = os.getloadavg()[0]
    print(
        f"\nload average after: {report['load_after']:.2f}; {time.perf_counter() - T0:.0f} s in all; "
        f"tables under {base}"
    )
    if args.out:
        with open(args.out, "w", encoding="utf-8") as fh:
            json.dump(report, fh, indent=2, default=str)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
