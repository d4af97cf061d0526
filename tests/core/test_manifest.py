"""The data manifest and the README's generated sections are current; manifest errors are clear."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import KIT

from mobility.core import manifest
from mobility.publish import inventory

ROOT = Path(__file__).resolve().parents[2]


def test_manifest_is_current():
    assert manifest.update(check=True), "data/manifest.yml is stale: run `python -m mobility manifest --update`"


def test_every_shipped_file_is_described():
    described = {e.path for e in manifest.load()}
    shipped = {
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "data").rglob("*")
        if p.is_file()
        and p.name != "manifest.yml"
        and "manifest.d" not in p.parts
        and p.relative_to(ROOT / "data").parts[0] != "external"  # the kit `make data` fetched: not shipped
    }
    assert not shipped - described, f"undescribed data files: {sorted(shipped - described)}"


def test_readme_generated_sections_are_current():
    assert inventory.update_readme(check=True, sections=("data", "map")), "README.md is stale: run `make readme`"


def test_malformed_fragment(tmp_path, monkeypatch):
    d = tmp_path / "manifest.d"
    d.mkdir()
    (d / "x.yml").write_text("- path: data/x.csv\n  source: somewhere\n")
    with pytest.raises(manifest.ManifestError, match="x.yml: entry 1 needs non-empty 'path', 'source' and 'licence'"):
        manifest.load_fragments(d)
    (d / "x.yml").write_text("- path: elsewhere/x.csv\n  source: s\n  licence: l\n")
    with pytest.raises(manifest.ManifestError, match="must start with 'data/'"):
        manifest.load_fragments(d)
    (d / "x.yml").write_text("- path: $MOBILITY_DATA_DIR/x.csv\n  source: s\n  licence: l\n")
    with pytest.raises(manifest.ManifestError, match="needs its published sha256"):
        manifest.load_fragments(d)


@pytest.mark.skipif(KIT is None or not KIT.is_dir(), reason="the gravity data kit is not present (make data)")
def test_external_kit_verified_and_corruption_named(tmp_path, monkeypatch):
    external = [e for e in manifest.load() if e.external]
    if not external:
        pytest.skip("no external files described yet")
    monkeypatch.setenv("MOBILITY_DATA_DIR", str(KIT))
    assert manifest.verify_external() == KIT.resolve()
    copy = tmp_path / "kit"
    shutil.copytree(KIT, copy)
    victim = copy / external[0].path.removeprefix(manifest.EXTERNAL)
    data = victim.read_bytes()
    victim.write_bytes(data[:-1] + bytes([data[-1] ^ 0xFF]))  # flip the last byte
    monkeypatch.setenv("MOBILITY_DATA_DIR", str(copy))
    with pytest.raises(manifest.ManifestError, match=f"{victim.name} is corrupt"):
        manifest.verify_external()
    victim.unlink()
    with pytest.raises(FileNotFoundError, match=f"{victim.name} is missing"):
        manifest.verify_external()
