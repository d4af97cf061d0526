"""``python -m mobility data fetch``: the gravity data kit into ``data/external/`` (what ``make data`` runs).

    python -m mobility data fetch                  # download from the public sources (pinned commits)
    python -m mobility data fetch --from DIR       # copy from a local copy of the kit instead
    python -m mobility data fetch --to DIR         # somewhere other than data/external

Every file is checked against ``data/manifest.yml``; each one that fails gets one ``error:`` line saying what to do,
and the command exits 1 (2 for a bad option, such as a ``--from`` folder that does not exist).
"""

from __future__ import annotations

import sys
from pathlib import Path

__all__ = ["add_parser", "fetch_command"]


def fetch_command(args) -> int:
    from mobility.core import fetch

    target = Path(args.to) if args.to else fetch.default_target()
    summary = fetch.fetch(
        target, source=Path(args.source) if args.source else None, progress=False if args.no_progress else None
    )
    n = len(summary["ok"]) + len(summary["fetched"]) + len(summary["failed"])
    for _name, msg in summary["failed"]:
        print(f"error: {msg}", file=sys.stderr)
    if summary["failed"]:
        print(f"error: {len(summary['failed'])} of {n} kit files failed; the others are in {target}", file=sys.stderr)
        return 1
    print(
        f"data: {n} kit files verified in {target} ({len(summary['fetched'])} new); `make` now uses them "
        f"(MOBILITY_DATA_DIR={target})"
    )
    return 0


def add_parser(sub) -> None:
    p = sub.add_parser("data", help="get the gravity data kit (make data)")
    sd = p.add_subparsers(dest="action", required=True, parser_class=type(p))
    pf = sd.add_parser("fetch", help="download (or copy with --from) every kit file, verified against the manifest")
    pf.add_argument("--from", dest="source", metavar="DIR", help="copy from a local copy of the kit")
    pf.add_argument("--to", metavar="DIR", help="where to put the files (default data/external)")
    pf.add_argument("--no-progress", action="store_true", help="no progress bars")
    pf.set_defaults(func=fetch_command)
