"""``python -m mobility gravity ...``: run the paper's specifications on your own panel.

    python -m mobility gravity specs
    python -m mobility gravity estimate --panel FILE.csv --spec table2.col3 [--out FILE.json] [--vcov hetero]

The panel is a CSV with one row per origin, destination and year; the columns a specification needs are listed by
``gravity specs`` and documented in ``--help``. Fixed-effect identifiers are built from ``origin``,
``destination`` and ``year``. Missing or non-numeric columns give one ``error:`` line listing them (exit 2).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

__all__ = ["add_parser", "estimate_command", "specs_command"]


def _columns_help() -> str:
    from mobility.models.gravity import tables

    return "panel columns:\n" + "\n".join(f"  {k:<18} {v}" for k, v in tables.PANEL_COLUMNS.items())


def specs_command(args) -> int:
    from mobility.models.gravity import tables

    for name in tables.spec_names():
        s = tables.SPECS[name]
        extra = f"; sample: {s.sample} non-missing" if s.sample else ""
        print(f"{name}: {s.estimator} of {s.depvar} on {', '.join(s.regressors)} | {' + '.join(s.fe)}{extra}")
    return 0


def estimate_command(args) -> int:
    import pandas as pd

    from mobility.models.gravity import estimate as est
    from mobility.models.gravity import tables

    path = Path(args.panel)
    if not path.is_file():
        print(f"error: panel file {path} does not exist", file=sys.stderr)
        return 2
    if args.spec not in tables.SPECS:
        print(f"error: --spec must be one of {tables.spec_names()}, got {args.spec!r}", file=sys.stderr)
        return 2
    try:
        panel = pd.read_csv(path)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        print(f"error: {path}: cannot be read as CSV ({exc})", file=sys.stderr)
        return 2
    try:
        tables.validate_panel(panel, tables.SPECS[args.spec], source=str(path))
        fit = tables.run_spec(panel, args.spec, drop_unavailable=args.drop_unavailable, vcov=args.vcov)
    except (ValueError, KeyError) as exc:
        print(f"error: {exc}".replace("\n", " "), file=sys.stderr)
        return 2
    except est.ConvergenceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(tables.to_frame({args.spec: fit}).to_string())
    out = Path(args.out) if args.out else path.with_name(f"{path.stem}.{args.spec}.json")
    doc = {"spec": args.spec, "panel": str(path), **fit.to_dict()}
    doc["extra"] = {k: v for k, v in fit.extra.items() if k in ("dropped_unavailable", "collinear", "first_stage_f")}
    out.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {out}")
    return 0


class _Parser(argparse.ArgumentParser):
    """A parser whose epilog is computed when its help is printed: the gravity tables import pyfixest (seconds of
    start-up), which no other ``python -m mobility`` command should pay for."""

    def __init__(self, *args, lazy_epilog=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._lazy_epilog = lazy_epilog

    def format_help(self):
        if self._lazy_epilog is not None and self.epilog is None:
            self.epilog = self._lazy_epilog()
        return super().format_help()


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``gravity`` (with ``specs`` and ``estimate``) on the ``python -m mobility`` subparsers."""
    pg = subparsers.add_parser("gravity", help="the paper's gravity specifications on your own panel")
    sg = pg.add_subparsers(dest="gravity_command", required=True, parser_class=_Parser)
    sg.add_parser("specs", help="list the specifications and the columns they need").set_defaults(func=specs_command)
    pe = sg.add_parser(
        "estimate",
        help="estimate one specification on a panel CSV, print the table, write JSON",
        lazy_epilog=_columns_help,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    pe.add_argument("--panel", required=True, help="CSV with one row per origin, destination, year")
    pe.add_argument("--spec", required=True, help="e.g. table2.col3 (see `gravity specs`)")
    pe.add_argument("--out", help="JSON output (default: <panel>.<spec>.json beside the panel)")
    pe.add_argument("--vcov", default="hetero", help="hetero (default) or cluster:<var>[+<var>]")
    pe.add_argument(
        "--drop-unavailable",
        action="store_true",
        help="drop Visa/Religion terms the panel lacks (a 'Visa-free' column) instead of failing",
    )
    pe.set_defaults(func=estimate_command)
    return pg
