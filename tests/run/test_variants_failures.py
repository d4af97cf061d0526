"""Failure paths of the variants runner (issue 15): a dead or slow kernel is one line and the others still run;
out-of-range, non-finite or no-op `--set` values exit 2; `--set` values take the parameter's declared type;
duplicate YAML keys are refused; concurrent runs of one variant take turns; a killed run's temporaries are cleaned;
outputs have ordinary permissions."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import VARIANT_BODY, write_notebook

from mobility.run import variants

ROOT = Path(__file__).resolve().parents[2]
CRASH_BODY = """import os
from mobility.publish import results
if scale > 5:
    os.abort()  # SIGABRT: the kernel dies, as a Rust panic inside an estimator would
results.record("demo.variant.value", 2.0 * scale)
"""


@pytest.fixture
def repo(tmp_path, monkeypatch):
    monkeypatch.setenv("MOBILITY_ROOT", str(tmp_path))
    monkeypatch.setenv("MOBILITY_BUILD_DIR", str(tmp_path / "_build"))
    write_notebook(tmp_path / "variants" / "notebooks" / "demo.md", VARIANT_BODY)
    (tmp_path / "variants" / "demo.yml").write_text(
        "notebook: variants/notebooks/demo.md\ndescription: a demo\n"
        "bounds: {scale: '>= 0, < 100'}\n"
        "variants:\n  one: {scale: 1.0}\n  two: {scale: 2}\n"
    )
    return tmp_path


def cli(repo, *args):
    env = {"MOBILITY_ROOT": str(repo), "MOBILITY_BUILD_DIR": str(repo / "_build"), "PATH": "/usr/bin:/bin"}
    env.update({k: os.environ[k] for k in ("PYTHONPATH",) if k in os.environ})
    return subprocess.run([sys.executable, "-m", "mobility", *args], capture_output=True, text=True, env=env)


def test_dead_kernel_is_one_line_and_the_other_variants_run(repo):
    write_notebook(repo / "variants" / "notebooks" / "crash.md", CRASH_BODY)
    (repo / "variants" / "crash.yml").write_text(
        "notebook: variants/notebooks/crash.md\nvariants:\n  a: {scale: 1.0}\n  boom: {scale: 9.0}\n  c: {scale: 2.0}\n"
    )
    r = cli(repo, "variants", "run", "crash", "--no-progress")
    assert r.returncode == 1, r.stderr
    assert "Traceback" not in r.stderr and "Traceback" not in r.stdout
    errors = [line for line in r.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "crash/boom" in errors[0] and "DeadKernelError" in errors[0], r.stderr
    assert "2 ran, 0 up to date, 1 failed" in r.stdout
    assert (repo / "_build" / "variants" / "crash" / "c" / "cachekey").is_file()
    assert not (repo / "_build" / "variants" / "crash" / "boom").exists()


def test_kernel_start_timeout_is_one_line(repo, monkeypatch):
    import papermill

    def no_kernel(*args, **kwargs):
        raise RuntimeError("Kernel didn't respond in 60 seconds\nmore detail")

    monkeypatch.setattr(papermill, "execute_notebook", no_kernel)
    summary = variants.run(variants.plan(["demo"]), progress=False)
    assert summary["ran"] == [] and len(summary["failed"]) == 2
    msg = dict(summary["failed"])["demo/one"]
    assert "RuntimeError: Kernel didn't respond in 60 seconds" in msg and "\n" not in msg


@pytest.mark.parametrize(
    "value, message",
    [
        ("nan", "must be a finite number"),
        ("inf", "must be a finite number"),
        ("-5.0", "out of range (must be >= 0, < 100)"),
        ("1e3", "out of range"),
        ("abc", "must be float"),
    ],
)
def test_bad_set_values_exit_2_with_one_line(repo, value, message):
    r = cli(repo, "variants", "run", "demo/one", "--set", f"scale={value}")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and message in r.stderr, r.stderr
    assert not (repo / "_build" / "variants").exists()


def test_set_values_take_the_declared_type(repo):
    write_notebook(repo / "variants" / "notebooks" / "typed.md", "pass").write_text(
        (repo / "variants" / "notebooks" / "typed.md")
        .read_text()
        .replace("scale = 1.0", 'scale = 1.0\nlabel = "x"\ncount = 3\nflag = False\nitems = [1]')
    )
    (repo / "variants" / "typed.yml").write_text("notebook: variants/notebooks/typed.md\nvariants:\n  a: {}\n")
    sets = variants.parse_sets(["scale=1e5", "label=no", "count=7", "flag=true", "items=[1, 2]"])
    (job,) = variants.plan(["typed/a"], sets)
    assert job.params == {"scale": 100000.0, "label": "no", "count": 7, "flag": True, "items": [1, 2]}
    for bad in ("count=1e5", "flag=no", "items=3"):
        with pytest.raises(variants.VariantsError):
            variants.plan(["typed/a"], variants.parse_sets([bad]))


def test_setting_the_parameter_a_grid_varies_is_refused(repo):
    write_notebook(repo / "variants" / "notebooks" / "grid.md", "pass").write_text(
        (repo / "variants" / "notebooks" / "grid.md")
        .read_text()
        .replace("scale = 1.0", 'scale = 1.0\nrho = 4.0\nparameter = "scale"\nlo = 0.0\nhi = 1.0')
    )
    (repo / "variants" / "grid.yml").write_text(
        "notebook: variants/notebooks/grid.md\nvariants:\n  rho: {parameter: rho, lo: 2.0, hi: 5.0}\n  s: {}\n"
    )
    r = cli(repo, "variants", "run", "grid/rho", "--set", "rho=1.5")
    assert r.returncode == 2 and "whose grid varies rho" in r.stderr and r.stderr.count("\n") == 1
    assert variants.plan(["grid/s"], variants.parse_sets(["rho=1.5"]))[0].params["rho"] == 1.5
    with pytest.raises(variants.VariantsError, match="whose grid varies scale"):
        variants.plan(["grid/s"], variants.parse_sets(["scale=2.0"]))


def test_duplicate_yaml_keys_are_refused(repo):
    (repo / "variants" / "demo.yml").write_text(
        "notebook: variants/notebooks/demo.md\nvariants:\n  one: {scale: 1.0}\n  one: {scale: 3.0}\n"
    )
    r = cli(repo, "variants", "list")
    assert r.returncode == 2 and "duplicate key 'one'" in r.stderr and "demo.yml:4" in r.stderr, r.stderr
    (repo / "variants" / "demo.yml").write_text(
        "notebook: variants/notebooks/demo.md\nvariants:\n  one: {scale: 1.0, scale: 2.0}\n"
    )
    with pytest.raises(variants.VariantsError, match="duplicate key 'scale'"):
        variants.load_specs()


def test_papermill_parsable_parameters_cell(repo):
    nb = repo / "variants" / "notebooks" / "demo.md"
    nb.write_text(nb.read_text().replace("scale = 1.0", "scale = 1.0  # e.g. scale = 2"))
    with pytest.raises(variants.VariantsError, match="one '=' per line"):
        variants.load_specs()


def test_every_shipped_variants_notebook_loads():
    """The book's own variants files: no duplicate keys, parameters cells papermill parses without warnings."""
    assert variants.load_specs(ROOT / "variants")


@pytest.mark.parametrize(
    "target, bad",
    [
        ("relocation-grid/s-e", "f_i=-5.0"),
        ("gravity-montecarlo/baseline", "n_reps=0"),
        ("gravity-montecarlo/baseline", "n_countries=10"),
        ("gravity-montecarlo/poisson", "overdispersion=-1.0"),
        ("mnc-sensitivity/fig4-gamma", "n=1"),
        ("mnc-counterfactuals/fig8-9-all", "n=100000"),
    ],
)
def test_shipped_variants_refuse_out_of_range_values_before_running(target, bad):
    """Every variants file the book ships declares bounds, and `--set` outside them is refused up front."""
    specs = variants.load_specs(ROOT / "variants")
    assert all(spec.bounds for spec in specs.values()), [n for n, s in specs.items() if not s.bounds]
    with pytest.raises(variants.VariantsError, match="out of range"):
        variants.plan([target], variants.parse_sets([bad]), specs=specs)


def test_stale_temporaries_are_removed_and_outputs_have_normal_permissions(repo):
    parent = repo / "_build" / "variants" / "demo"
    stale = parent / ".one.tmp-abc123"
    (stale / "figures").mkdir(parents=True)
    (stale / "figures" / "partial.png").write_bytes(b"x")
    (parent / ".one.old-xyz" / "old").mkdir(parents=True)
    (parent / ".two.tmp-keep").mkdir()  # another variant's: not this run's business
    old = os.umask(0o022)
    try:
        assert variants.run(variants.plan(["demo/one"]), progress=False)["ran"] == ["demo/one"]
    finally:
        os.umask(old)
    assert sorted(p.name for p in parent.iterdir()) == [".two.tmp-keep", "one"]
    assert stat.S_IMODE((parent / "one").stat().st_mode) == 0o755


STRESS = textwrap.dedent("""
    import sys, json, papermill
    from pathlib import Path
    from mobility.run import variants

    def stub(nb, out, parameters=None, **kw):  # a notebook that runs in no time: figures and results only
        out = Path(out)
        (out.parent / "figures").mkdir(exist_ok=True)
        (out.parent / "figures" / "line.png").write_bytes(b"png")
        out.write_text("{}")

    papermill.execute_notebook = stub
    (job,) = variants.plan(["demo/one"])
    errors = 0
    for _ in range(int(sys.argv[1])):
        try:
            variants.execute(job)
        except Exception as exc:
            errors += 1
            print(type(exc).__name__, exc, file=sys.stderr)
        if not (job.out / "cachekey").is_file():
            errors += 1
            print("output missing", file=sys.stderr)
    print(errors)
""")


def test_concurrent_runs_of_one_variant_take_turns(repo):
    env = {**os.environ, "MOBILITY_ROOT": str(repo), "MOBILITY_BUILD_DIR": str(repo / "_build")}
    variants.run(variants.plan(["demo/one"]), progress=False)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", STRESS, "150"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    outs = [p.communicate(timeout=600) for p in procs]
    assert [int(o.strip().splitlines()[-1]) for o, _ in outs] == [0, 0, 0, 0], [e[-500:] for _, e in outs]
    parent = repo / "_build" / "variants" / "demo"
    assert sorted(p.name for p in parent.iterdir()) == ["one"]  # no orphaned .old-* or .tmp-*
    assert (parent / "one" / "figures" / "line.png").is_file()
