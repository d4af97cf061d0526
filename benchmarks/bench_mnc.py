"""Timings of the migration–MNC solver (Wang 2014): one equilibrium cold and warm-started, and the sweeps
behind the figures. Targets (issue 3): ≤ 100 ms cold, ≤ 20 ms warm. Not a test: prints timings and ratios.

    .venv/bin/python benchmarks/bench_mnc.py
"""

from __future__ import annotations

import platform
import time

import numpy as np

from mobility.models.mnc import REGIMES, Params, experiments, solve, us_autarky


def best_of(fn, repeat=20):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), float(np.median(times)), out


def main():
    P = Params()
    print(f"python {platform.python_version()} on {platform.machine()} ({platform.processor() or 'cpu'})")
    print(f"{'solve':45s} {'best ms':>9s} {'median ms':>10s} {'evals':>6s} {'residual':>10s}")
    for regime in REGIMES:
        us_autarky.cache_clear()
        best, med, eq = best_of(lambda r=regime: solve(P, r))
        print(
            f"{'cold, ' + regime:45s} {1e3 * best:9.2f} {1e3 * med:10.2f} {eq.iterations:6d} {eq.residual_norm:10.1e}"
        )
    base = solve(P)
    near = P.replace(gamma=P.gamma * 1.01, tau12=P.tau12 * 1.005)
    cold_best, cold_med, cold = best_of(lambda: solve(near))
    warm_best, warm_med, warm = best_of(lambda: solve(near, guess=base))
    print(
        f"{'cold, migration_mnc, perturbed point':45s} {1e3 * cold_best:9.2f} {1e3 * cold_med:10.2f} "
        f"{cold.iterations:6d} {cold.residual_norm:10.1e}"
    )
    print(
        f"{'warm (from benchmark), perturbed point':45s} {1e3 * warm_best:9.2f} {1e3 * warm_med:10.2f} "
        f"{warm.iterations:6d} {warm.residual_norm:10.1e}"
    )
    quota = P.replace(lam_h12=0.5, lam_h21=0.5)
    best, med, eq = best_of(lambda: solve(quota), repeat=10)
    print(
        f"{'cold, binding quotas (incl. reference solve)':45s} {1e3 * best:9.2f} {1e3 * med:10.2f} "
        f"{eq.iterations:6d} {eq.residual_norm:10.1e}"
    )
    print(
        f"targets: cold <= 100 ms ({'met' if cold_med <= 0.1 else 'MISSED'}), "
        f"warm <= 20 ms ({'met' if warm_med <= 0.02 else 'MISSED'}); warm/cold = {warm_med / cold_med:.2f}"
    )
    print()
    print(f"{'sweep (40 points, library only)':45s} {'seconds':>9s}")
    sweeps = {
        "Figure 4: gamma 10..60": lambda: experiments.sensitivity("gamma", np.linspace(10, 60, 40), P),
        "Figure 8: moving costs, all, c 0.5..1.5": lambda: experiments.moving_cost_cut(
            "all", np.linspace(0.5, 1.5, 40), P
        ),
        "Figure 12: quotas, all, 0.05..1": lambda: experiments.quota_sweep("all", np.linspace(0.05, 1, 40), P),
        "no-MNC family, 321 members": lambda: experiments.family(np.linspace(-8, 8, 321), P),
    }
    for name, fn in sweeps.items():
        t0 = time.perf_counter()
        fn()
        print(f"{name:45s} {time.perf_counter() - t0:9.3f}")


if __name__ == "__main__":
    main()
