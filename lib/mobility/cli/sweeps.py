"""``python -m mobility sweeps``: chunked sweeps on the local machine or a Dask cluster.

    python -m mobility sweeps mnc --grid gamma=20:40:100 --grid tau12=1:1.5:100 [--regime migration_mnc]
    python -m mobility sweeps relocation --grid sigma=2.5,3,3.5 --grid phi=0.01:0.99:99
    python -m mobility sweeps gravity --replications 1000 [--spec table2.col3] [--countries 60]

Common options: ``--scheduler tcp://HOST:PORT`` or ``local:N`` (Dask), ``--jobs N`` (local process pool),
``--chunk-size N`` (default: about a second of work per chunk), ``--name NAME``, ``--force``, ``--no-progress``;
``--method batch|scalar`` for the model grids (all points of a chunk at once, or one at a time). The table goes to
``_build/sweeps/<name>/table.csv``; rerunning runs only the chunks that are missing. Bad input prints one
``error:`` line and exits with code 2; a chunk that fails twice is reported with its parameters and exits 1.
"""

from __future__ import annotations

import sys

__all__ = ["add_parser", "parse_grid", "parse_fixed"]


def parse_grid(items: list[str]) -> dict:
    """``["gamma=20:40:5", "tau12=1.1,1.2"]`` → ``{"gamma": [20, 25, ..., 40], "tau12": [1.1, 1.2]}``.

    ``LO:HI:N`` is N evenly spaced values from LO to HI inclusive; ``A,B,C`` lists values."""
    import numpy as np

    grid = {}
    for item in items or []:
        name, sep, spec = item.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier() or not spec.strip():
            raise ValueError(f"--grid {item!r}: expected NAME=LO:HI:N or NAME=V1,V2,..., e.g. --grid gamma=20:40:50")
        if name in grid:
            raise ValueError(f"--grid {item!r}: parameter {name!r} given twice")
        try:
            if ":" in spec:
                lo, hi, n = spec.split(":")
                n = int(n)
                if not 1 <= n <= 100_000:
                    raise ValueError
                grid[name] = np.linspace(float(lo), float(hi), n).tolist()
            else:
                grid[name] = [float(v) for v in spec.split(",")]
        except ValueError:
            raise ValueError(
                f"--grid {item!r}: LO and HI must be numbers and N an integer in [1, 100000] "
                "(NAME=LO:HI:N), or values separated by commas"
            ) from None
    if not grid:
        raise ValueError("give at least one --grid NAME=LO:HI:N")
    return grid


def parse_fixed(items: list[str]) -> dict:
    """``["delta=0.09"]`` → ``{"delta": 0.09}`` (numbers only)."""
    out = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        try:
            if not sep or not name.strip().isidentifier():
                raise ValueError
            out[name.strip()] = float(value)
        except ValueError:
            raise ValueError(f"--fixed {item!r}: expected NAME=NUMBER, e.g. --fixed delta=0.09") from None
    return out


def _build(args):
    from mobility.run import recipes

    common = {"chunk_size": args.chunk_size, "name": args.name}
    common = {k: v for k, v in common.items() if v is not None}
    if args.model == "mnc":
        return recipes.mnc_grid(
            parse_grid(args.grid),
            fixed=parse_fixed(args.fixed),
            regime=args.regime,
            anchor=args.anchor,
            method=args.method,
            **common,
        )
    if args.model == "relocation":
        return recipes.relocation_grid(
            parse_grid(args.grid), fixed=parse_fixed(args.fixed), method=args.method, **common
        )
    simulation = {"n_countries": args.countries}
    if args.seed is not None:
        simulation["seed"] = args.seed
    return recipes.gravity_montecarlo(args.replications, spec=args.spec, simulation=simulation, **common)


def _run(args) -> int:
    from mobility.run import executors, sweeps

    try:
        sweep = _build(args)
        with executors.executor(args.scheduler, args.jobs) as ex:
            res = sweeps.run(sweep, ex, force=args.force, progress=not args.no_progress)
    except ValueError as exc:  # includes executors.ExecutorError
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(
        f"sweep {sweep.name}: {len(res.ran)} chunks ran, {len(res.cached)} already stored, "
        f"{len(res.retried)} retried, {len(res.failed)} failed"
    )
    for failure in res.failed:
        print(f"error: {failure}", file=sys.stderr)
    if res.failed:
        print(
            f"error: no table written; rerun the same command to run only the {len(res.failed)} missing chunk(s)",
            file=sys.stderr,
        )
        return 1
    print(f"{res.csv} ({res.rows} rows)")
    return 0


def _common(p) -> None:
    p.add_argument(
        "--scheduler",
        metavar="tcp://HOST:PORT|local:N",
        default=None,
        help="run on a Dask cluster: a running scheduler's address, or local:N to start N local workers",
    )
    p.add_argument("--jobs", type=int, default=1, help="local process pool of N workers (without --scheduler)")
    p.add_argument(
        "--chunk-size",
        type=int,
        default=None,
        help="rows per chunk (part of the result: keep it fixed; default about a second of work per chunk)",
    )
    p.add_argument("--name", default=None, help="output folder under _build/sweeps/ (default from the grid)")
    p.add_argument("--force", action="store_true", help="recompute every chunk")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=_run)


def _method(p) -> None:
    p.add_argument(
        "--method",
        choices=("batch", "scalar"),
        default="batch",
        help="batch: all points of a chunk at once (default); scalar: one point at a time (the reference path)",
    )


def add_parser(subparsers) -> None:
    """Register ``sweeps`` on the ``python -m mobility`` sub-command parsers."""
    ps = subparsers.add_parser(
        "sweeps",
        help="chunked sweeps and Monte Carlo, locally or on a Dask cluster",
        description=__doc__.split("\n\n")[0],
    )
    sub = ps.add_subparsers(dest="model", required=True, parser_class=type(ps))
    pm = sub.add_parser("mnc", help="equilibria of Wang (2014)'s GE model over a parameter grid")
    pm.add_argument("--grid", action="append", default=[], metavar="NAME=LO:HI:N", help="a grid axis (repeat)")
    pm.add_argument("--fixed", action="append", default=[], metavar="NAME=VALUE", help="override a Table 3 value")
    pm.add_argument("--regime", default="migration_mnc", help="autarky, migration, mnc or migration_mnc")
    pm.add_argument("--anchor", type=float, default=None, help="u22 for the regimes without MNCs")
    _method(pm)
    _common(pm)
    pr = sub.add_parser("relocation", help="the relocation model of Baldwin & Okubo over a parameter grid")
    pr.add_argument("--grid", action="append", default=[], metavar="NAME=LO:HI:N", help="a grid axis (repeat)")
    pr.add_argument("--fixed", action="append", default=[], metavar="NAME=VALUE", help="fix another parameter")
    _method(pr)
    _common(pr)
    pg = sub.add_parser("gravity", help="Monte Carlo of a PPML specification on simulated panels")
    pg.add_argument("--replications", type=int, default=200)
    pg.add_argument("--spec", default="table2.col3", help="a PPML specification of mobility.models.gravity.tables")
    pg.add_argument("--countries", type=int, default=60, help="countries in each simulated world (30-400)")
    pg.add_argument("--seed", type=int, default=None, help="seed of replication 0 (replication r uses seed + r)")
    _common(pg)
