"""mobility.core.deps: what a notebook depends on."""

from __future__ import annotations

from mobility.core import deps


def test_imports_on_consecutive_lines_are_all_seen():
    text = (
        "from mobility.publish import results, scorecard\n"
        "from mobility.models.gravity import data, tables\n"
        "import mobility.core.paths\n"
    )
    mods = deps.module_closure(text)
    for m in (
        "mobility.publish.results",
        "mobility.publish.scorecard",
        "mobility.models.gravity.data",
        "mobility.models.gravity.tables",
        "mobility.core.paths",
        "mobility.core.io",
    ):
        assert m in mods, m


def test_parenthesised_imports_and_library_closure():
    mods = deps.module_closure("from mobility.models.relocation import (\n    Params,\n    solve,\n)\n")
    assert "mobility.models.relocation" in mods and "mobility" in mods
    assert "mobility.models.gravity" not in mods


def test_data_files_are_found_by_their_path(tmp_path, monkeypatch):
    monkeypatch.setenv("MOBILITY_ROOT", str(tmp_path))
    (tmp_path / "data" / "ch").mkdir(parents=True)
    (tmp_path / "data" / "ch" / "a.csv").write_text("x\n")
    (tmp_path / "data" / "ch" / "b.csv").write_text("y\n")
    d = deps.dependencies("p = data_file('ch/a.csv')")
    assert list(d["data"]) == ["data/ch/a.csv"]
    before = deps.fingerprint("p = data_file('ch/a.csv')")
    (tmp_path / "data" / "ch" / "b.csv").write_text("changed\n")
    assert deps.fingerprint("p = data_file('ch/a.csv')") == before
    (tmp_path / "data" / "ch" / "a.csv").write_text("changed\n")
    assert deps.fingerprint("p = data_file('ch/a.csv')") != before


def test_a_page_depends_on_the_kit_files_it_names_not_the_whole_folder(tmp_path, monkeypatch):
    """Adding an unrelated file to the data kit re-executes nothing; a page that reads no kit file (it imports
    the library, whose paths module knows MOBILITY_DATA_DIR) does not depend on the kit at all."""
    kit = tmp_path / "kit"
    kit.mkdir()
    (kit / "schengen_membership_1995_2019.csv").write_text("alpha3,1995\nBEL,1\n")
    monkeypatch.setenv("MOBILITY_DATA_DIR", str(kit))
    plain = "from mobility.publish import results\nresults.record('review.x.y', 1)\n"
    reader = plain + "f = 'schengen_membership_1995_2019.csv'\n"
    assert "external" not in deps.dependencies(plain)
    assert list(deps.dependencies(reader)["external"]) == ["schengen_membership_1995_2019.csv"]
    before = (deps.fingerprint(plain), deps.fingerprint(reader))
    (kit / "unrelated.csv").write_text("new file in the kit\n")
    assert (deps.fingerprint(plain), deps.fingerprint(reader)) == before
    (kit / "schengen_membership_1995_2019.csv").write_text("alpha3,1995\nBEL,0\n")
    assert deps.fingerprint(reader) != before[1] and deps.fingerprint(plain) == before[0]
    monkeypatch.delenv("MOBILITY_DATA_DIR")
    assert deps.dependencies(reader)["external"] == "synthetic"
