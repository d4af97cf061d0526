"""`make data` (mobility.core.fetch): downloads from a local HTTP server on 127.0.0.1 (good, corrupt, missing and
interrupted files), copies from a local mirror (--from), and the kit's conversions redone from its originals.

The real download (from the public repositories the kit's README names) needs the internet, which the test machine
does not have: these tests exercise the same code against fixtures served locally."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from mobility.core import fetch, manifest

ROOT = Path(__file__).resolve().parents[2]
KIT = Path(os.environ["MOBILITY_DATA_DIR"]) if os.environ.get("MOBILITY_DATA_DIR") else None
COMMIT = "0" * 40


def sha(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


class Server:
    """Serves ``files`` ({url path: bytes}) on 127.0.0.1, honouring ``Range: bytes=N-``; records the requests."""

    def __init__(self, files: dict[str, bytes]):
        self.files, self.requests = files, []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                outer.requests.append((self.path, self.headers.get("Range")))
                data = outer.files.get(self.path)
                if data is None:
                    self.send_error(404)
                    return
                m = re.match(r"bytes=(\d+)-", self.headers.get("Range") or "")
                start = int(m.group(1)) if m else 0
                self.send_response(206 if m else 200)
                self.send_header("Content-Length", str(len(data) - start))
                self.end_headers()
                self.wfile.write(data[start:])

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


A = b"name,value\na,1\nb,2\n"
B = b"x,y\n1,2\n3,4\n" * 50


def kitfile(name, data, convert="copy", served=None, path=None):
    served = data if served is None else served
    content = gzip.decompress(data) if name.endswith(".gz") else data
    origin = {
        "repo": "owner/repo",
        "commit": COMMIT,
        "path": path or name.removesuffix(".gz"),
        "blob": fetch.blob_id(content if convert == "gzip" else data),
        "convert": convert,
    }
    return fetch.KitFile(name, sha(data), sha(content), origin)


@pytest.fixture
def served():
    b_gz = gzip.compress(B, mtime=0)
    files = [kitfile("a.csv", A), kitfile("b.csv.gz", b_gz, convert="gzip")]
    srv = Server({f"/owner/repo/{COMMIT}/a.csv": A, f"/owner/repo/{COMMIT}/b.csv": B})
    yield srv, files
    srv.close()


def test_download_verify_and_skip_when_present(served, tmp_path):
    srv, files = served
    out = tmp_path / "external"
    s = fetch.fetch(out, base=srv.url, files=files, progress=False, out=open(os.devnull, "w"))
    assert sorted(s["fetched"]) == ["a.csv", "b.csv.gz"] and not s["failed"]
    assert (out / "a.csv").read_bytes() == A and gzip.decompress((out / "b.csv.gz").read_bytes()) == B
    assert (out / fetch.COMPLETE).is_file() and not (out / ".sources").exists()
    n = len(srv.requests)
    again = fetch.fetch(out, base=srv.url, files=files, progress=False, out=open(os.devnull, "w"))
    assert sorted(again["ok"]) == ["a.csv", "b.csv.gz"] and len(srv.requests) == n  # nothing downloaded again


def test_corrupt_and_missing_files_fail_one_line_each(served, tmp_path):
    srv, files = served
    srv.files[f"/owner/repo/{COMMIT}/a.csv"] = A.replace(b"1", b"7")  # not the pinned version
    missing = kitfile("gone.csv", b"x\n")
    s = fetch.fetch(tmp_path / "ext", base=srv.url, files=[*files, missing], progress=False, out=open(os.devnull, "w"))
    assert s["fetched"] == ["b.csv.gz"]
    msgs = dict(s["failed"])
    assert "not the pinned version" in msgs["a.csv"] and "run `make data` again" in msgs["a.csv"]
    assert "HTTP 404" in msgs["gone.csv"]
    assert all("\n" not in m for m in msgs.values())
    assert not (tmp_path / "ext" / "a.csv").exists() and not (tmp_path / "ext" / fetch.COMPLETE).exists()


def test_interrupted_download_resumes_with_a_range_request(served, tmp_path):
    srv, files = served
    out = tmp_path / "ext"
    part = out / ".sources" / files[1].origin["blob"]
    part.parent.mkdir(parents=True)
    part.write_bytes(B[:100])  # what an interrupted run left
    s = fetch.fetch(out, base=srv.url, files=files[1:], progress=False, out=open(os.devnull, "w"))
    assert s["fetched"] == ["b.csv.gz"]
    assert (f"/owner/repo/{COMMIT}/b.csv", "bytes=100-") in srv.requests


def test_from_a_local_mirror(served, tmp_path):
    _, files = served
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "a.csv").write_bytes(A)
    (mirror / "b.csv.gz").write_bytes(b"not a gzip")
    s = fetch.fetch(tmp_path / "ext", source=mirror, files=files, progress=False, out=open(os.devnull, "w"))
    assert s["fetched"] == ["a.csv"]
    assert "does not match data/manifest.yml" in dict(s["failed"])["b.csv.gz"]
    with pytest.raises(fetch.FetchError, match="no such folder"):
        fetch.fetch(tmp_path / "ext", source=tmp_path / "nowhere", files=files, progress=False)


def test_cli_exit_codes_and_messages(tmp_path):
    env = {**os.environ, "MOBILITY_KIT_URL": "http://127.0.0.1:9"}  # nothing listens on port 9
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "mobility",
            "data",
            "fetch",
            "--from",
            str(tmp_path / "nowhere"),
            "--to",
            str(tmp_path / "ext"),
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "no such folder" in bad.stderr
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    r = subprocess.run(
        [sys.executable, "-m", "mobility", "data", "fetch", "--from", str(mirror), "--to", str(tmp_path / "ext")],
        capture_output=True,
        text=True,
        env=env,
    )
    n = len(fetch.kit_files())
    assert r.returncode == 1
    errors = [line for line in r.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == n + 1 and f"{n} of {n} kit files failed" in errors[-1]


def test_every_external_manifest_file_has_an_origin():
    ext = [e for e in manifest.load() if e.external]
    assert ext and all(e.origin for e in ext), [e.path for e in ext if not e.origin]
    for f in fetch.kit_files():
        assert f.convert in ("copy", "gzip", *fetch.CONVERTERS), f.name
        for name in f.origin.get("inputs", []):
            assert name in {g.name for g in fetch.kit_files()}


@pytest.mark.slow
@pytest.mark.skipif(KIT is None or not KIT.is_dir(), reason="the gravity data kit is not present (make data)")
@pytest.mark.parametrize(
    "name",
    [
        "un_desa_ims2019_bilateral_long.csv.gz",
        "un_desa_ims2020_bilateral_long.csv.gz",
        "wb_dta_visa_asylum_by_agreement.csv",
        "wb_dta_pairyear_visa_1958_2023.csv.gz",
    ],
)
def test_conversions_redone_from_the_originals_match_the_kit(name, tmp_path):
    """The kit's reshape, R-data conversion and merges, redone in code from originals that are in the kit itself
    (the wide 2019 file's content, originals/gdiviz_stocks_1a9f949.rda, the DTA files), give the kit's content."""
    files = {f.name: f for f in fetch.kit_files()}
    f = files[name]
    src = None
    if "blob" in f.origin:  # the original is another kit file with the same blob
        same = [g for g in files.values() if g.origin.get("blob") == f.origin["blob"] and g.convert in ("copy", "gzip")]
        data = (KIT / same[0].name).read_bytes()
        src = gzip.decompress(data) if same[0].convert == "gzip" else data
        assert fetch.blob_id(src) == f.origin["blob"]
    inputs = {n: KIT / n for n in f.origin.get("inputs", [])}
    out = fetch.CONVERTERS[f.convert](src, inputs, **f.origin.get("args", {}))
    assert sha(out) == f.content_sha256
