"""The variants runner: errors (exit 2, nothing written), atomicity, cache skip and re-run, --set, --jobs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import VARIANT_BODY, write_notebook

from mobility.run import variants


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """A throwaway repository root with one figure notebook and one variants file."""
    monkeypatch.setenv("MOBILITY_ROOT", str(tmp_path))
    monkeypatch.setenv("MOBILITY_BUILD_DIR", str(tmp_path / "_build"))
    write_notebook(tmp_path / "variants" / "notebooks" / "demo.md", VARIANT_BODY)
    (tmp_path / "variants" / "demo.yml").write_text(
        "notebook: variants/notebooks/demo.md\ndescription: a demo\nvariants:\n  one: {scale: 1.0}\n  two: {scale: 2}\n"
    )
    return tmp_path


def cli(repo, *args):
    env = {"MOBILITY_ROOT": str(repo), "MOBILITY_BUILD_DIR": str(repo / "_build"), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "mobility", *args], capture_output=True, text=True, env=env)


def out_dir(repo, name="demo", variant="one") -> Path:
    return repo / "_build" / "variants" / name / variant


def test_run_writes_outputs_and_skips_when_current(repo):
    jobs = variants.plan(["demo"])
    first = variants.run(jobs, progress=False)
    assert sorted(first["ran"]) == ["demo/one", "demo/two"] and not first["failed"]
    out = out_dir(repo, variant="two")
    assert json.loads((out / "results" / "variants-demo-two.json").read_text()) == {"demo.variant.value": 4.0}
    assert (out / "figures" / "line.png").is_file() and (out / "figures" / "line.svg").is_file()
    assert json.loads((out / "params.json").read_text()) == {"scale": 2.0}
    assert variants.output("demo", "two").results == {"demo.variant.value": 4.0}
    again = variants.run(variants.plan(["demo"]), progress=False)
    assert again["ran"] == [] and sorted(again["cached"]) == ["demo/one", "demo/two"]
    forced = variants.run(variants.plan(["demo/one"]), force=True, progress=False)
    assert forced["ran"] == ["demo/one"]


def test_changed_notebook_or_parameters_rerun(repo):
    variants.run(variants.plan(["demo/one"]), progress=False)
    assert variants.run(variants.plan(["demo/one"], {"scale": 3.0}), progress=False)["ran"] == ["demo/one"]
    assert variants.output("demo", "one").results["demo.variant.value"] == 6.0
    nb = repo / "variants" / "notebooks" / "demo.md"
    nb.write_text(nb.read_text().replace("2.0 * scale", "3.0 * scale"))
    assert variants.run(variants.plan(["demo/one"]), progress=False)["ran"] == ["demo/one"]


def test_results_are_byte_identical_across_runs(repo):
    variants.run(variants.plan(["demo/one"]), progress=False)
    f = out_dir(repo) / "results" / "variants-demo-one.json"
    first = f.read_bytes()
    png = (out_dir(repo) / "figures" / "line.png").read_bytes()
    variants.run(variants.plan(["demo/one"]), force=True, progress=False)
    assert f.read_bytes() == first
    assert (out_dir(repo) / "figures" / "line.png").read_bytes() == png


def test_failing_variant_leaves_no_output(repo):
    summary = variants.run(variants.plan(["demo/one"], {"scale": -1.0}), progress=False)
    assert summary["ran"] == [] and len(summary["failed"]) == 1
    assert "scale must be >= 0" in summary["failed"][0][1]
    parent = repo / "_build" / "variants" / "demo"
    assert not out_dir(repo).exists()
    assert [p.name for p in parent.iterdir()] == []  # no temporary directory left behind
    assert (repo / "_build" / "reports" / "variants" / "demo-one.ipynb").is_file()


def test_failed_rerun_keeps_previous_good_output(repo):
    variants.run(variants.plan(["demo/one"]), progress=False)
    key = (out_dir(repo) / "cachekey").read_text()
    variants.run(variants.plan(["demo/one"], {"scale": -1.0}), progress=False)
    assert (out_dir(repo) / "cachekey").read_text() == key  # the cache is not poisoned
    assert variants.run(variants.plan(["demo/one"]), progress=False)["cached"] == ["demo/one"]


def test_parallel_jobs(repo):
    summary = variants.run(variants.plan(["demo"]), jobs_n=2, progress=False)
    assert sorted(summary["ran"]) == ["demo/one", "demo/two"]


@pytest.mark.parametrize(
    "args, match",
    [
        (["variants", "run", "nope"], "unknown variants file 'nope'"),
        (["variants", "run", "demo/three"], "unknown variant 'three' of 'demo'"),
        (["variants", "run", "demo", "--set", "gamma=2"], "unknown parameter 'gamma'"),
        (["variants", "run", "demo", "--set", "scale=high"], "parameter 'scale' must be float"),
        (["variants", "run", "demo", "--set", "scale"], "expected name=value"),
        (["variants", "run", "demo", "--jobs", "0"], "--jobs must be >= 1"),
    ],
)
def test_cli_bad_input_exit_2_nothing_written(repo, args, match):
    proc = cli(repo, *args)
    assert proc.returncode == 2, proc.stderr
    assert match in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not (repo / "_build" / "variants").exists()


def test_malformed_yaml_names_file_and_line(repo):
    (repo / "variants" / "broken.yml").write_text("notebook: variants/notebooks/demo.md\nvariants:\n  a: {scale: [1\n")
    proc = cli(repo, "variants", "run", "demo")
    assert proc.returncode == 2
    assert "broken.yml:" in proc.stderr and "malformed YAML" in proc.stderr
    line = proc.stderr.split("broken.yml:")[1].split(":")[0]
    assert line.isdigit()


@pytest.mark.parametrize(
    "yml, match",
    [
        ("notebook: variants/notebooks/demo.md\nvariants:\n  a: {gamma: 1}\n", "unknown parameter 'gamma'"),
        ("notebook: variants/notebooks/demo.md\nvariants:\n  a: {scale: 'x'}\n", "must be float"),
        ("notebook: variants/notebooks/missing.md\nvariants:\n  a: {}\n", "does not exist"),
        ("notebook: variants/notebooks/demo.md\nvariants: {}\n", "non-empty mapping"),
        ("notebook: variants/notebooks/demo.md\nvariant:\n  a: {}\n", "unknown key"),
        ("notebook: variants/notebooks/demo.md\nvariants:\n  Bad Name: {}\n", "variant name"),
    ],
)
def test_bad_variants_files(repo, yml, match):
    (repo / "variants" / "bad.yml").write_text(yml)
    with pytest.raises(variants.VariantsError, match=match):
        variants.load_specs()


def test_list(repo):
    proc = cli(repo, "variants", "list")
    assert proc.returncode == 0
    assert "demo: variants/notebooks/demo.md" in proc.stdout and 'one: {"scale": 1.0}' in proc.stdout


def test_output_missing_says_what_to_do(repo):
    with pytest.raises(FileNotFoundError, match="make figures"):
        variants.output("demo", "one")


def test_parameters_cell_must_be_literals(tmp_path):
    nb = write_notebook(tmp_path / "x.md", "pass")
    nb.write_text(nb.read_text().replace("scale = 1.0", "scale = compute()"))
    with pytest.raises(variants.VariantsError, match="must be a literal"):
        variants.notebook_parameters(nb)


def test_longest_variants_are_submitted_first(tmp_path, monkeypatch):
    """Never-timed variants keep the plan order and go first; timed ones follow from the longest last run down."""
    monkeypatch.setenv("MOBILITY_BUILD_DIR", str(tmp_path))
    jobs = [variants.Job("f", v, "nb.md", "{}", v) for v in ("a", "b", "c", "d", "e")]
    for v, secs in (("b", 5.0), ("c", 50.0), ("e", 20.0)):
        (tmp_path / "variants" / "f" / v).mkdir(parents=True)
        (tmp_path / "variants" / "f" / v / "timing.json").write_text(json.dumps({"seconds": secs}))
    assert [j.variant for j in variants.longest_first(jobs)] == ["a", "d", "c", "e", "b"]
