"""``python -m mobility gravity ...``: the paper's specifications, or your own, on your own panel.

    python -m mobility gravity specs
    python -m mobility gravity estimate --panel FILE.csv --spec table2.col3
    python -m mobility gravity estimate --panel FILE.csv --formula "stock ~ visa + rta | orig_year + dest_year + pair"
    python -m mobility gravity estimate --panel FILE.csv --depvar stock --regressors visa,rta --fe orig_year,pair

The panel is a CSV with one row per origin, destination and year. The fixed effects ``orig_year``, ``dest_year`` and
``pair`` are built from ``origin``, ``destination`` and ``year``; a panel that already has columns with those names
is refused unless ``--use-panel-fe`` says to use them as they are. Any other column may be named as a fixed effect.
Every data problem is one ``error:`` line naming the file, row and column (exit 2); an empty cell is a missing value
(the row is dropped and counted), while text such as ``n/a`` in a numeric column is an error. Rows with a missing or
non-finite (``nan``, ``inf``) value in a used column are dropped and reported. Results go to ``--out`` (default
``_build/gravity/<panel>.<spec>.json``; missing folders are created).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import warnings
from pathlib import Path

from mobility.core.errors import InputError

__all__ = ["add_parser", "estimate_command", "specs_command", "PanelError", "read_panel"]


class PanelError(InputError):
    """A user's panel cannot be used; the message names the file, and where it applies the row and column."""


def _columns_help() -> str:
    from mobility.models.gravity import tables

    return "panel columns of the paper's specifications:\n" + "\n".join(
        f"  {k:<18} {v}" for k, v in tables.PANEL_COLUMNS.items()
    )


def specs_command(args) -> int:
    from mobility.models.gravity import tables

    for name in tables.spec_names():
        s = tables.SPECS[name]
        extra = f"; sample: {s.sample} non-missing" if s.sample else ""
        print(f"{name}: {s.estimator} of {s.depvar} on {', '.join(s.regressors)} | {' + '.join(s.fe)}{extra}")
    return 0


def read_panel(path: Path, numeric: list[str]) -> tuple:
    """Read ``path`` as text and parse the ``numeric`` columns; returns ``(frame, dropped_rows)``.

    An empty cell is missing; a cell that is not a number (``n/a``, ``yes``) raises :class:`PanelError` naming its
    row (1-based, counting the header) and column. ``dropped_rows`` lists the file rows with a missing or non-finite
    value in a numeric column (they are removed).
    """
    import numpy as np
    import pandas as pd

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError:
        raise PanelError(f"{path}: the file is empty (expected a header row and data rows)") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise PanelError(f"{path}: cannot be read as CSV ({str(exc).strip()})") from None
    if df.empty:
        raise PanelError(f"{path}: has a header but no data rows")
    missing = [c for c in numeric if c not in df.columns]
    if missing:
        raise PanelError(f"{path}: missing column(s) {missing}; the file has {list(df.columns)}")
    bad_rows = np.zeros(len(df), bool)
    for c in dict.fromkeys(numeric):
        text = df[c].str.strip()
        num = pd.to_numeric(text.where(text != ""), errors="coerce")
        bad = num.isna() & (text != "")
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise PanelError(
                f"{path}: row {i + 2}, column {c!r}: {df[c].iloc[i]!r} is not a number "
                "(leave the cell empty for a missing value)"
            )
        df[c] = num.astype(float)
        bad_rows |= ~np.isfinite(df[c].to_numpy())
    dropped = [int(i) + 2 for i in np.flatnonzero(bad_rows)]
    return df[~bad_rows].reset_index(drop=True), dropped


def _spec_from_args(args):
    from mobility.models.gravity import tables

    given = [x for x in (args.spec, args.formula, args.regressors) if x]
    if len(given) != 1:
        raise PanelError("give exactly one of --spec, --formula or --regressors (with --depvar)")
    if args.spec:
        if args.spec not in tables.SPECS:
            raise PanelError(f"--spec must be one of {tables.spec_names()}, got {args.spec!r}")
        if args.fe or args.depvar:
            raise PanelError("--fe and --depvar go with --regressors, not with --spec")
        return tables.SPECS[args.spec]
    try:
        if args.formula:
            if args.fe or args.depvar:
                raise PanelError("--fe and --depvar go with --regressors; a formula names them itself")
            return tables.parse_formula(args.formula)
        if not args.depvar:
            raise PanelError("--regressors needs --depvar (the outcome column)")
        return tables.custom_spec(args.depvar, _split(args.regressors), _split(args.fe or ""))
    except ValueError as exc:
        raise PanelError(str(exc)) from None


def _split(text: str) -> list[str]:
    return [x.strip() for x in text.split(",") if x.strip()]


def _check_outcome(frame, spec, path: Path) -> None:
    import numpy as np

    y = frame[spec.depvar].to_numpy() if spec.depvar in frame.columns else None
    if y is not None and (y < 0).any():
        i = int(np.flatnonzero(y < 0)[0])
        raise PanelError(
            f"{path}: row {int(frame['_row'].iloc[i])}, column {spec.depvar!r}: negative outcome "
            f"{y[i]:g} (PPML needs a non-negative outcome)"
        )


def estimate_command(args) -> int:
    import pandas as pd

    from mobility.models.gravity import estimate as est
    from mobility.models.gravity import tables

    path = Path(args.panel)
    if not path.is_file():
        print(f"error: panel file {path} does not exist", file=sys.stderr)
        return 2
    try:
        spec = _spec_from_args(args)
        cluster = []
        if args.vcov != "hetero":
            if not args.vcov.startswith("cluster:") or not args.vcov.split(":", 1)[1]:
                raise PanelError(f"--vcov must be 'hetero' or 'cluster:<column>[+<column>]', got {args.vcov!r}")
            cluster = args.vcov.split(":", 1)[1].split("+")
        optional = list(spec.regressors) if args.drop_unavailable else []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            header = list(pd.read_csv(path, nrows=0, dtype=str).columns)
    except pd.errors.EmptyDataError:
        print(f"error: {path}: the file is empty (expected a header row and data rows)", file=sys.stderr)
        return 2
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        print(f"error: {path}: cannot be read as CSV ({str(exc).strip()})", file=sys.stderr)
        return 2
    except PanelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        reserved = [c for c in tables.DERIVED_FE if c in header]
        if reserved and not args.use_panel_fe:
            raise PanelError(
                f"{path}: the panel already has column(s) {reserved}, which this command builds from "
                "origin, destination and year; rename them, or pass --use-panel-fe to use yours as they are"
            )
        unknown_cluster = [c for c in cluster if c not in header and c not in tables.DERIVED_FE]
        if unknown_cluster:
            raise PanelError(
                f"{path}: --vcov clusters on {unknown_cluster[0]}, which is not a column of the panel "
                f"(columns: {', '.join(header)})"
            )
        dropped_cols = [
            r for r in optional if r not in header and (spec.table == "custom" or r in tables.UNAVAILABLE_IN_KIT)
        ]
        numeric = [spec.depvar, *[r for r in spec.regressors if r not in dropped_cols]]
        if spec.sample:
            numeric.append(spec.sample)
        frame, bad_rows = read_panel(path, numeric)
        frame["_row"] = range(2, len(frame) + 2)
        _check_outcome(frame, spec, path)
        tables.validate_panel(
            frame,
            spec
            if not dropped_cols
            else tables.Spec(
                spec.table,
                spec.column,
                spec.depvar,
                tuple(r for r in spec.regressors if r not in dropped_cols),
                spec.fe,
                spec.estimator,
                spec.sample,
                spec.note,
            ),
            source=str(path),
        )
        fit = tables.run_spec(frame, spec, drop_unavailable=args.drop_unavailable, vcov=args.vcov, ssc=args.ssc)
    except (PanelError, est.EstimationError) as exc:
        print(f"error: {exc}".replace("\n", " "), file=sys.stderr)
        return 2
    except (ValueError, KeyError) as exc:
        msg = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"error: {path}: {msg}".replace("\n", " "), file=sys.stderr)
        return 2
    except est.ConvergenceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    label = spec.name if spec.table != "custom" else "custom"
    print(tables.to_frame({label: fit}).to_string())
    if bad_rows:
        shown = ", ".join(map(str, bad_rows[:5])) + (", ..." if len(bad_rows) > 5 else "")
        print(f"note: {len(bad_rows):,} row(s) with a missing or non-finite value were dropped (file rows {shown})")
    if fit.extra.get("dropped_unavailable"):
        print(f"note: regressors not in the panel, dropped (--drop-unavailable): {fit.extra['dropped_unavailable']}")
    if fit.extra.get("collinear"):
        print(f"note: collinear with the fixed effects or other regressors, not estimated: {fit.extra['collinear']}")
    out = Path(args.out) if args.out else Path("_build") / "gravity" / f"{path.stem}.{label}.json"
    doc = {
        "spec": label,
        "formula": _formula(spec, fit),
        "panel": str(path),
        **fit.to_dict(),
        "n_dropped_nonfinite": len(bad_rows),
    }
    doc["extra"] = {
        k: v for k, v in fit.extra.items() if k in ("dropped_unavailable", "collinear", "first_stage_f", "ssc")
    }
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(doc, indent=2, sort_keys=True, default=_jsonable) + "\n", encoding="utf-8")
    except OSError as exc:
        print(f"error: cannot write {out}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"wrote {out}")
    return 0


def _formula(spec, fit) -> str:

    regs = " + ".join(r for r in spec.regressors if r not in fit.extra.get("dropped_unavailable", []))
    return f"{spec.depvar} ~ {regs}" + (f" | {' + '.join(spec.fe)}" if spec.fe else "")


def _jsonable(x):
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if hasattr(x, "to_dict"):
        return x.to_dict()
    return str(x)


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
    pg = subparsers.add_parser("gravity", help="gravity specifications (the paper's or your own) on your own panel")
    sg = pg.add_subparsers(dest="gravity_command", required=True, parser_class=_Parser)
    sg.add_parser("specs", help="list the paper's specifications and the columns they need").set_defaults(
        func=specs_command
    )
    pe = sg.add_parser(
        "estimate",
        help="estimate one specification on a panel CSV, print the table, write JSON",
        lazy_epilog=_columns_help,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    pe.add_argument("--panel", required=True, help="CSV with one row per origin, destination, year")
    pe.add_argument("--spec", help="one of the paper's specifications, e.g. table2.col3 (see `gravity specs`)")
    pe.add_argument("--formula", help="your own PPML: 'outcome ~ x1 + x2 | fe1 + fe2' (fixed effects optional)")
    pe.add_argument("--depvar", help="with --regressors: the outcome column")
    pe.add_argument("--regressors", help="with --depvar: comma-separated regressor columns")
    pe.add_argument(
        "--fe", help="with --regressors: comma-separated fixed effects (orig_year, dest_year, pair, or any column)"
    )
    pe.add_argument(
        "--use-panel-fe",
        action="store_true",
        help="use the panel's own orig_year/dest_year/pair columns instead of refusing them",
    )
    pe.add_argument("--out", help="JSON output (default: _build/gravity/<panel>.<spec>.json)")
    pe.add_argument("--vcov", default="hetero", help="hetero (default) or cluster:<column>[+<column>]")
    pe.add_argument(
        "--ssc",
        default="chapter",
        choices=("chapter", "stata"),
        help="small-sample factor: chapter (N/(N-K), fixed effects counted; default) or stata "
        "(ppml/ppmlhdfe: N/(N-1) robust, G/(G-1) clustered)",
    )
    pe.add_argument(
        "--drop-unavailable",
        action="store_true",
        help="drop regressors the panel lacks (Visa, Religion; any, for your own specification) "
        "instead of failing; the output says which",
    )
    pe.set_defaults(func=estimate_command)
    return pg
