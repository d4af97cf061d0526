"""``python -m mobility``: the command line of the book.

    python -m mobility variants list
    python -m mobility variants run [NAME[/VARIANT] ...] [--set key=value ...] [--jobs N] [--quick] [--force]
                                    [--scheduler local:N | tcp://HOST:PORT]   # run on a Dask cluster
    python -m mobility book build [--jobs N] # what `make book` runs after the variants (N pages at once)
    python -m mobility book pdf [--jobs N]   # what `make pdf` runs: _build/pdf/mobility.pdf (Debian chromium)
    python -m mobility book deps PAGE        # what a page depends on (the cache fingerprint's inputs)
    python -m mobility scorecard             # regenerate book/replication.md from _build/results
    python -m mobility smoke [--jobs N]      # every variant and page with quick parameters
    python -m mobility manifest [--check]    # regenerate data/manifest.yml from data/manifest.d/
    python -m mobility readme [--check]      # README's generated data and figure/table sections
    python -m mobility inventory             # appendix + README tables incl. measured runtimes
    python -m mobility sweeps {mnc,relocation,gravity} ...   # chunked parameter sweeps (mobility.run.sweeps)
    python -m mobility gravity {specs,estimate} ...          # the gravity specifications on your own panel
    python -m mobility data fetch [--from DIR]               # the gravity data kit into data/external (make data)

Bad input (unknown variant, unknown or mistyped parameter, malformed YAML) prints one ``error:`` line and exits
with code 2, writing nothing. A notebook that fails while running exits with code 1. Ctrl-C prints one
``interrupted:`` line and exits with code 130; what had finished is kept, so the same command goes on from there.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2 (argparse's default prints usage too)
        print(f"error: {message} (see `{self.prog} --help`)", file=sys.stderr)
        raise SystemExit(2)


def _jobs(text: str) -> int:
    """``--jobs``: a whole number of processes, at least 1 (argparse reports anything else in one line)."""
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"--jobs must be a whole number >= 1, got {text!r}")
    return n


def _variants_list(args) -> int:
    from mobility.run import variants

    for name, spec in variants.load_specs().items():
        print(f"{name}: {spec.notebook.relative_to(spec.path.parents[1])} — {spec.description}")
        for v, params in spec.variants.items():
            print(f"    {v}: {json.dumps(params, sort_keys=True)}")
    return 0


def _variants_run(args) -> int:
    from mobility.core import paths
    from mobility.run import executors, variants

    if args.jobs < 1:
        raise variants.VariantsError(f"--jobs must be >= 1, got {args.jobs}")
    jobs = variants.plan(args.names, variants.parse_sets(args.set), quick=args.quick)
    try:  # the cache key does not depend on the executor; workers must see the build directory
        with executors.executor(
            args.scheduler, args.jobs, shared_dir=paths.build_dir() if args.scheduler else None
        ) as ex:
            summary = variants.run(jobs, executor=ex, jobs_n=args.jobs, force=args.force, progress=not args.no_progress)
    except executors.ExecutorError as exc:
        raise variants.VariantsError(str(exc)) from None
    print(f"variants: {len(summary['ran'])} ran, {len(summary['cached'])} up to date, {len(summary['failed'])} failed")
    for _label, msg in summary["failed"]:
        print(f"error: {msg}", file=sys.stderr)
    return 1 if summary["failed"] else 0


def _book_build(args) -> int:
    from mobility.publish import build as book

    return book.build(quick=args.quick, jobs=args.jobs)


def _book_pdf(args) -> int:
    from mobility.publish import build as book

    return book.pdf(quick=args.quick, jobs=args.jobs)


def _book_deps(args) -> int:
    from mobility.core import deps

    page = Path(args.page)
    print(json.dumps(deps.dependencies(page.read_text(encoding="utf-8"), page), indent=2, sort_keys=True))
    return 0


def _scorecard(args) -> int:
    from mobility.publish import scorecard

    out, rows, _ = scorecard.write_page()
    counts = {s: sum(r.status == s for r in rows) for s in scorecard.STATUSES}
    print(f"{out}: " + ", ".join(f"{n} {s}" for s, n in counts.items()))
    return 0


def _manifest(args) -> int:
    from mobility.core import manifest

    if args.check:
        if not manifest.update(check=True):
            print(
                "error: data/manifest.yml is out of date: run `python -m mobility manifest --update`",
                file=sys.stderr,
            )
            return 1
        print("data/manifest.yml is up to date")
        return 0
    manifest.update()
    print("data/manifest.yml regenerated")
    return 0


def _inventory(args) -> int:
    from mobility.publish import inventory

    arts = inventory.collect()
    inventory.write_appendix(arts)
    inventory.update_readme(arts)
    print(f"inventory: {len(arts)} figures/tables -> {inventory.APPENDIX}.md and README.md")
    return 0


def _readme(args) -> int:
    from mobility.publish import inventory

    sections = ("data", "map")
    if args.check:
        if not inventory.update_readme(check=True, sections=sections):
            print("error: README.md's generated sections are out of date: run `make readme`", file=sys.stderr)
            return 1
        return 0
    inventory.update_readme(sections=sections)
    print("README.md: data availability and figure/table map regenerated")
    return 0


def _smoke(args) -> int:
    """Every variant and every page with quick=True, into _build/smoke (the same run the tests do)."""
    import os

    from mobility.core import paths
    from mobility.publish import build as book
    from mobility.run import variants

    os.environ.setdefault("MOBILITY_BUILD_DIR", str(paths.build_dir() / "smoke"))
    summary = variants.run(variants.plan(None, quick=True), jobs_n=args.jobs, progress=True)
    for _, msg in summary["failed"]:
        print(f"error: {msg}", file=sys.stderr)
    code = book.build(quick=True, jobs=args.jobs)
    return 1 if summary["failed"] or code else 0


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m mobility", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    pv = sub.add_parser("variants", help="papermill variants of the book's notebooks")
    sv = pv.add_subparsers(dest="action", required=True, parser_class=_Parser)
    sv.add_parser("list", help="list variants files and their variants").set_defaults(func=_variants_list)
    pr = sv.add_parser("run", help="run variants (all by default)")
    pr.add_argument("names", nargs="*", metavar="NAME[/VARIANT]")
    pr.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a notebook parameter for every selected variant (value parsed as YAML)",
    )
    pr.add_argument("--jobs", type=int, default=1, help="run N variants at once (process pool)")
    pr.add_argument(
        "--scheduler",
        metavar="tcp://HOST:PORT|local:N",
        default=None,
        help="run on a Dask cluster: a running scheduler's address, or local:N to start N local workers",
    )
    pr.add_argument("--quick", action="store_true", help="pass quick=True (small grids; seconds per notebook)")
    pr.add_argument("--force", action="store_true", help="re-run even when the cache key is unchanged")
    pr.add_argument("--no-progress", action="store_true", help="no progress bar")
    pr.set_defaults(func=_variants_run)

    pb = sub.add_parser("book", help="build the HTML book")
    sb = pb.add_subparsers(dest="action", required=True, parser_class=_Parser)
    pbb = sb.add_parser("build", help="scorecard + jupyter-book build (cache mode, -W)")
    pbb.add_argument("--quick", action="store_true", help="run every page with quick = True (what the tests do)")
    pbb.add_argument("--jobs", type=_jobs, default=1, help="execute N pages at once before the Sphinx pass")
    pbb.set_defaults(func=_book_build)
    pbp = sb.add_parser("pdf", help="print the single-page build to _build/pdf/mobility.pdf (Debian chromium)")
    pbp.add_argument("--quick", action="store_true", help="quick pages (what the tests print)")
    pbp.add_argument("--jobs", type=_jobs, default=1, help="execute N uncached pages at once first")
    pbp.set_defaults(func=_book_pdf)
    pd = sb.add_parser("deps", help="print what a page depends on")
    pd.add_argument("page")
    pd.set_defaults(func=_book_deps)

    sub.add_parser("scorecard", help="regenerate book/replication.md").set_defaults(func=_scorecard)
    pm = sub.add_parser("manifest", help="regenerate data/manifest.yml (checksums) from data/manifest.d/")
    pm.add_argument("--update", action="store_true", help="(default) rewrite data/manifest.yml")
    pm.add_argument("--check", action="store_true", help="exit 1 if data/manifest.yml is out of date")
    pm.set_defaults(func=_manifest)
    sub.add_parser(
        "inventory", help="regenerate the appendix and the README's tables (incl. measured runtimes)"
    ).set_defaults(func=_inventory)
    prd = sub.add_parser("readme", help="regenerate the README's data and figure/table sections")
    prd.add_argument("--check", action="store_true")
    prd.set_defaults(func=_readme)
    ps = sub.add_parser("smoke", help="every variant and page with quick=True")
    ps.add_argument("--jobs", type=_jobs, default=1)
    ps.set_defaults(func=_smoke)

    from mobility.cli import data as data_cli
    from mobility.cli import gravity as gravity_cli
    from mobility.cli import sweeps as sweeps_cli

    data_cli.add_parser(sub)  # python -m mobility data fetch ...
    gravity_cli.add_parser(sub)  # python -m mobility gravity ...
    sweeps_cli.add_parser(sub)  # python -m mobility sweeps ...
    return p


def main(argv: list[str] | None = None) -> int:
    from mobility.core.errors import MobilityError

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except MobilityError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # chunks, variants and pages are stored whole (atomically) or not at all
        print(
            "interrupted: what had finished is kept (sweep chunks, variants, executed pages); run the same command "
            "again to go on from there",
            file=sys.stderr,
        )
        return 130
