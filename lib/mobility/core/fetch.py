"""``make data``: fetch the gravity data kit from its public sources into ``data/external/``.

Every external file of ``data/manifest.yml`` carries an ``origin``: the public repository, the pinned commit, the
path and the git blob id it was taken from, and how the kit made it from that file (``convert``):

- ``copy``: the file itself; its SHA-256 is the manifest's ``sha256``;
- ``gzip``: the file, gzipped (a gzip's bytes depend on the compressor, so the check is ``content_sha256``, the
  SHA-256 of the decompressed bytes);
- a conversion (R data, XLS or Stata to CSV, a reshape, a merge; :data:`CONVERTERS`) redone here from the original,
  checked the same way: the decompressed CSV must be byte-identical to the kit's (``content_sha256``).

Each download is checked against its git blob id before it is used, is resumed where it stopped (HTTP range
requests into ``data/external/.sources/``), and a file already present and verified is skipped, so an interrupted
``make data`` continues where it stopped. ``--from DIR`` copies the files from a local copy of the kit instead.
When every file is in place and verified, ``data/external/.complete`` is written; the Makefile then points
``MOBILITY_DATA_DIR`` at the folder.

The download location is ``https://raw.githubusercontent.com/REPO/COMMIT/PATH``; ``MOBILITY_KIT_URL`` replaces
its first part (a mirror laid out as ``REPO/COMMIT/PATH``; the tests serve fixtures from 127.0.0.1).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import shutil
import sys
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from mobility.core import manifest, paths
from mobility.core.errors import MobilityError
from mobility.core.io import write_bytes_atomic

__all__ = [
    "FetchError",
    "KitFile",
    "kit_files",
    "content_sha256",
    "blob_id",
    "verify",
    "fetch",
    "CONVERTERS",
    "DEFAULT_URL",
    "default_target",
    "COMPLETE",
]

DEFAULT_URL = "https://raw.githubusercontent.com"
COMPLETE = ".complete"
CHUNK = 1 << 16


class FetchError(MobilityError):
    """A kit file could not be fetched or does not verify; the message says which and what to do."""


@dataclass(frozen=True)
class KitFile:
    name: str  # path inside the kit folder
    sha256: str  # of the kit's file
    content_sha256: str  # of its decompressed content (= sha256 for an uncompressed file)
    origin: dict = field(hash=False)

    @property
    def convert(self) -> str:
        return self.origin.get("convert", "copy")


def default_target() -> Path:
    return paths.root() / "data" / "external"


def kit_files(entries=None) -> list[KitFile]:
    """The external files of ``data/manifest.yml`` (those with an ``origin``), in manifest order."""
    entries = manifest.load() if entries is None else entries
    out = []
    for e in entries:
        if e.external and e.origin:
            out.append(
                KitFile(e.path.removeprefix(manifest.EXTERNAL), e.sha256, e.content_sha256 or e.sha256, e.origin)
            )
    return out


# ------------------------------------------------------------------------------------------------ hashes
def blob_id(data: bytes) -> str:
    """Git's blob id of ``data`` (what the kit's README and the source repository name)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


content_sha256 = manifest.content_sha256


def verify(f: KitFile, path: Path) -> bool:
    """The file at ``path`` is the kit's file: same bytes, or (a gzip or a conversion) the same content."""
    entry = manifest.Entry(manifest.EXTERNAL + f.name, "", "", "", f.sha256, "", f.content_sha256, f.origin)
    return manifest.matches(entry, path)


# ------------------------------------------------------------------------------------------------ download
def _url(origin: dict, base: str) -> str:
    return f"{base.rstrip('/')}/{origin['repo']}/{origin['commit']}/{origin['path']}"


def _download(url: str, part: Path, progress: bool, label: str, attempts: int = 3) -> bytes:
    """The bytes at ``url``, resumed from ``part`` (a previous partial download) with an HTTP range request."""
    part.parent.mkdir(parents=True, exist_ok=True)
    last = None
    for attempt in range(attempts):
        have = part.stat().st_size if part.is_file() else 0
        req = urllib.request.Request(url, headers={"User-Agent": "mobility-data-fetch"})
        if have:
            req.add_header("Range", f"bytes={have}-")
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                if have and resp.status != 206:  # the server ignored the range: start again
                    have = 0
                total = resp.headers.get("Content-Length")
                total = int(total) + have if total is not None else None
                bar = _bar(label, total, have, progress)
                with open(part, "ab" if have else "wb") as fh:
                    for block in iter(lambda: resp.read(CHUNK), b""):
                        fh.write(block)
                        bar.update(len(block))
                bar.close()
            return part.read_bytes()
        except urllib.error.HTTPError as exc:
            if exc.code == 416:  # range not satisfiable: the partial file is complete or wrong; start again
                part.unlink(missing_ok=True)
                last = exc
                continue
            raise FetchError(f"{url} answered HTTP {exc.code} {exc.reason}") from None
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            last = exc
            time.sleep(min(2**attempt, 5) if attempt + 1 < attempts else 0)
    reason = getattr(last, "reason", last)
    raise FetchError(f"could not download {url} ({reason}) after {attempts} attempts")


def _bar(label: str, total, initial: int, progress: bool):
    from tqdm import tqdm

    return tqdm(
        total=total,
        initial=initial,
        desc=label,
        unit="B",
        unit_scale=True,
        leave=False,
        disable=not progress,
        file=sys.stderr,
    )


# ------------------------------------------------------------------------------------------------ conversions
def _csv(df) -> bytes:
    return df.to_csv(index=False).encode("utf-8")


def _gzip(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=9, mtime=0)


def _un2019_long(src: bytes, inputs: dict) -> bytes:
    """UN DESA 2019 wide clean CSV -> long: drop the 5 regional aggregate rows, melt, '..' and '-' as missing."""
    import pandas as pd

    wide = pd.read_csv(io.BytesIO(src), dtype=str, keep_default_na=False)
    wide = wide[~wide["Dest"].isin(["Caribbean", "Melanesia", "Micronesia", "Polynesia", "South America"])]
    long = wide.melt(id_vars=["Year", "Dest"], var_name="origin", value_name="stock")
    long = long.rename(columns={"Year": "year", "Dest": "destination"})
    long["stock"] = pd.to_numeric(long["stock"].replace({"..": None, "-": None}))
    long["year"] = long["year"].astype(int)
    return _csv(long.sort_values(["year", "destination", "origin"], kind="stable"))


def _xls(src: bytes, inputs: dict, member: str | None = None) -> bytes:
    import pandas as pd

    if member:
        import zipfile

        src = zipfile.ZipFile(io.BytesIO(src)).read(member)
    return _csv(pd.read_excel(io.BytesIO(src), engine="xlrd"))


def _rda(src: bytes, inputs: dict, obj: str, int_columns=(), sort=()) -> bytes:
    import tempfile

    import pyreadr

    with tempfile.NamedTemporaryFile(suffix=".rda") as tmp:
        tmp.write(src)
        tmp.flush()
        df = pyreadr.read_r(tmp.name)[obj]
    for c in int_columns:
        df[c] = df[c].astype("int64")
    if sort:
        df = df.sort_values(list(sort), kind="stable")
    return _csv(df)


def _visa_by_agreement(src, inputs: dict) -> bytes:
    """#15: the "Visa and Asylum" rows of the DTA coding (#14) with names and entry into force (#18)."""
    import pandas as pd

    agree = pd.read_stata(inputs["wb_dta_toolkit_data_agree_cluster_u.dta"])
    clusters = pd.read_excel(inputs["wb_dta_toolkit_cluster_list_2024.xlsx"])
    a = agree[agree["Area"] == "Visa and Asylum"][["id_agree", "rta_u", "rta_deep_std", "rta_deep_std_le"]]
    t = clusters[["id_agree", "agreement", "entry_force"]].merge(a, on="id_agree", how="right")
    t = t.sort_values("id_agree", kind="stable")
    t["visa_any"] = (t["rta_u"] > 0).astype("int64")
    t["visa_le"] = (t["rta_deep_std_le"] > 0).astype("float64").where(t["rta_deep_std_le"].notna())
    return _csv(
        t[["id_agree", "agreement", "entry_force", "rta_u", "rta_deep_std", "rta_deep_std_le", "visa_any", "visa_le"]]
    )


def _pairyear_visa(src, inputs: dict) -> bytes:
    """#17: the membership (#16) merged with the agreement Visa coding (#15), collapsed to pair-year."""
    import zipfile

    import pandas as pd

    with zipfile.ZipFile(inputs["wb_dta_toolkit_bilateral_rta_202401.zip"]) as z:
        bil = pd.read_stata(z.open("bilateral_rta_Toolkit_202401.dta"))
    visa = pd.read_csv(inputs["wb_dta_visa_asylum_by_agreement.csv"])[["id_agree", "visa_any", "visa_le"]]
    m = bil[["iso_o", "iso_d", "year", "id_agree"]].merge(visa, on="id_agree", how="left")
    m["uncoded"] = m["visa_any"].isna().astype("int64")
    m["id"] = m["id_agree"].astype("int64").astype(str)
    g = m.sort_values(["iso_o", "iso_d", "year", "id_agree"], kind="stable").groupby(["iso_o", "iso_d", "year"])
    out = pd.DataFrame(
        {
            "n_rta": g["id_agree"].size(),
            "n_rta_uncoded": g["uncoded"].sum(),
            "visa_any": g["visa_any"].max().astype("float64"),
            "visa_le": g["visa_le"].max().astype("float64"),
            "id_agree_list": g["id"].agg(";".join),
        }
    ).reset_index()
    return _csv(out)


#: ``convert`` name -> function(source bytes, {input kit file name: path}) -> the kit file's content
CONVERTERS: dict[str, Callable] = {
    "un2019_long": _un2019_long,
    "xls": _xls,
    "rda": _rda,
    "visa_by_agreement": _visa_by_agreement,
    "pairyear_visa": _pairyear_visa,
}


# ------------------------------------------------------------------------------------------------ fetch
def _make(f: KitFile, target: Path, base: str, progress: bool, label: str) -> None:
    origin = f.origin
    src = None
    if "repo" in origin:
        url = _url(origin, base)
        part = target / ".sources" / origin["blob"]
        done = part.is_file() and blob_id(part.read_bytes()) == origin["blob"]  # fetched for another kit file
        src = part.read_bytes() if done else _download(url, part, progress, label)
        if blob_id(src) != origin["blob"]:
            part.unlink(missing_ok=True)
            raise FetchError(
                f"the file downloaded from {url} is not the pinned version (git blob "
                f"{blob_id(src)[:12]}, expected {origin['blob'][:12]})"
            )
    inputs = {}
    for name in origin.get("inputs", []):
        inputs[name] = target / name
        if not inputs[name].is_file():
            raise FetchError(f"it is made from {name}, which is missing")
    convert = f.convert
    if convert == "copy":
        data = src
    elif convert == "gzip":
        data = _gzip(src)
    else:
        fn = CONVERTERS.get(convert)
        if fn is None:
            raise FetchError(f"data/manifest.yml names an unknown conversion {convert!r}")
        data = fn(src, inputs, **origin.get("args", {}))
        if f.name.endswith(".gz"):
            data = _gzip(data)
    dest = target / f.name
    write_bytes_atomic(dest, data)
    if not verify(f, dest):
        dest.unlink(missing_ok=True)
        raise FetchError("the result differs from the kit's file (SHA-256 and content hash both differ)")


def _in_dependency_order(files: list[KitFile]) -> list[KitFile]:
    """``files`` with each file after the kit files it is made from (``origin.inputs``)."""
    names = {f.name for f in files}
    done: list[KitFile] = []
    todo = list(files)
    while todo:
        ready = [
            f for f in todo if all(i in {d.name for d in done} or i not in names for i in f.origin.get("inputs", []))
        ]
        if not ready:
            raise FetchError(
                "data/manifest.yml: the kit files' inputs form a cycle: " + ", ".join(f.name for f in todo)
            )
        done += ready
        todo = [f for f in todo if f not in ready]
    return done


def fetch(
    target: Path | None = None,
    source: Path | None = None,
    base: str | None = None,
    progress: bool | None = None,
    files: list[KitFile] | None = None,
    out=None,
) -> dict:
    """Fill ``target`` (default ``data/external``) with every kit file; returns ``{"ok": [...], "fetched": [...],
    "failed": [(name, message)]}``. ``source``: copy from a local copy of the kit instead of downloading."""
    out = out or sys.stdout
    target = Path(target or default_target())
    target.mkdir(parents=True, exist_ok=True)
    (target / COMPLETE).unlink(missing_ok=True)
    base = base or os.environ.get("MOBILITY_KIT_URL") or DEFAULT_URL
    progress = sys.stderr.isatty() if progress is None else progress
    files = _in_dependency_order(kit_files() if files is None else files)
    if source is not None and not Path(source).is_dir():
        raise FetchError(f"--from {source}: no such folder (give the folder that holds the kit's files)")
    summary: dict[str, list] = {"ok": [], "fetched": [], "failed": []}
    n = len(files)
    for i, f in enumerate(files, start=1):
        label = f"[{i}/{n}] {f.name}"
        dest = target / f.name
        if verify(f, dest):
            summary["ok"].append(f.name)
            print(f"{label}: present and verified", file=out)
            continue
        try:
            if source is not None:
                src = Path(source) / f.name
                if not src.is_file():
                    raise FetchError(f"not in {source}")
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src, dest)
                if not verify(f, dest):
                    dest.unlink(missing_ok=True)
                    raise FetchError(f"the copy in {source} does not match data/manifest.yml (SHA-256 differs)")
            else:
                _make(f, target, base, progress, label)
        except FetchError as exc:
            what = (
                f"restore {f.name} in {source}, or run `make data` without FROM to download it"
                if source
                else "run `make data` again to resume; if it keeps failing, copy the kit's file into "
                f"{target} by hand (or use `make data FROM=DIR` with a copy of the kit)"
            )
            summary["failed"].append((f.name, f"{f.name}: {exc}; {what}"))
            print(f"{label}: FAILED", file=out)
            continue
        summary["fetched"].append(f.name)
        print(f"{label}: {'copied' if source else 'fetched'} and verified", file=out)
    if not summary["failed"]:
        lines = "".join(f"{f.content_sha256}  {f.name}\n" for f in files)
        (target / COMPLETE).write_text(lines)
        shutil.rmtree(target / ".sources", ignore_errors=True)
    return summary


def same_content(path: Path, name: str | None = None) -> bool:
    """Whether ``path`` holds the kit file ``name`` (default: its file name) as ``make data`` rebuilds it: the
    content hash of ``data/manifest.yml`` matches (the bytes of a gzip may differ from the kit's)."""
    name = name or Path(path).name
    for f in kit_files():
        if f.name == name:
            try:
                return content_sha256(Path(path)) == f.content_sha256
            except (OSError, EOFError, zlib.error):
                return False
    return False
