"""Chunked sweeps: the same CSV bytes locally and on a LocalCluster (127.0.0.1), failed chunks reported with their
parameters and retried once, reruns that run only the missing chunks, input validation and the CLI."""

from __future__ import annotations

import argparse
import itertools
import json
from pathlib import Path

import pytest

from mobility.cli import sweeps as sweeps_cli
from mobility.run import executors, recipes, sweeps


@pytest.fixture(scope="module")
def cluster_executor():
    """A concurrent.futures executor on two single-threaded worker processes listening on 127.0.0.1."""
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
        ) as lc,
        distributed.Client(lc, set_as_default=False) as client,
    ):
        client.wait_for_workers(2, timeout=30)
        expected = executors.expected_identity()  # read once: others may edit the library during the tests
        executors.check_workers(client, expected)
        yield executors.CheckedExecutor(client, expected)


@pytest.fixture
def build(tmp_path, monkeypatch):
    def use(label):
        monkeypatch.setenv("MOBILITY_BUILD_DIR", str(tmp_path / label))
        return tmp_path / label

    use("_build")
    return use


def small_sweeps():
    return [
        recipes.mnc_grid({"gamma": [25.0, 33.0, 41.0], "tau12": [1.15, 1.25]}, chunk_size=4, name="ge"),
        recipes.relocation_grid({"sigma": [2.5, 3.0], "phi": [0.1, 0.4, 0.7]}, chunk_size=4, name="reloc"),
        recipes.gravity_montecarlo(2, simulation={"n_countries": 30}, chunk_size=1, name="mc"),
    ]


def test_local_and_cluster_give_identical_csv_bytes(build, cluster_executor):
    tables = {}
    for label, ex in (("local", None), ("cluster", cluster_executor)):
        build(label)
        for s in small_sweeps():
            res = sweeps.run(s, ex, progress=False)
            assert res.ok and res.ran == list(range(len(s.chunks))), res.failed
            tables[label, s.name] = res.csv.read_bytes()
    for name in ("ge", "reloc", "mc"):
        assert tables["local", name] == tables["cluster", name], name
    ge = sweeps.load("ge")
    assert list(ge["point"]) == list(range(6)) and list(ge.columns[:3]) == ["point", "gamma", "tau12"]
    assert (ge["residual_norm"] <= 1e-10).all()
    # continuation inside a chunk reaches the same equilibrium as a cold solve, to the solver's tolerance
    from mobility.models import mnc

    cold = mnc.solve(mnc.TABLE3.replace(gamma=41.0, tau12=1.25)).summary()["real_wage_low_canada"]
    assert ge["real_wage_low_canada"].iloc[5] == pytest.approx(cold, rel=1e-8)
    mc = sweeps.load("mc")
    assert list(mc["regressor"][:4]) == ["visa", "rta", "schengen", "gdp_diff"] and len(mc) == 8
    assert list(mc["rep"].unique()) == [0, 1] and list(mc["seed"].unique()) == [20230224, 20230225]
    # chunk by chunk = the chapter's Monte Carlo in one go
    from mobility.models.gravity import montecarlo, synthetic

    whole = montecarlo.run(synthetic.SimulationParams(n_countries=30), 2)
    assert mc["coef"].tolist() == pytest.approx(whole["coef"].tolist(), rel=1e-9)


def test_snake_order_moves_one_step_in_one_parameter():
    grid = {"a": [0.0, 1.0, 2.0], "b": [0.0, 1.0], "c": [0.0, 1.0, 2.0, 3.0]}
    pts = sweeps.snake(grid)
    assert sorted(p["point"] for p in pts) == list(range(24))
    for p, q in itertools.pairwise(pts):
        steps = [abs(p[k] - q[k]) for k in grid]
        assert sorted(steps) == [0.0, 0.0, 1.0], (p, q)


# -- failures, retries, reruns ------------------------------------------------------------------------------
def flaky_chunk(rows, marker_dir, fail_always=(), fail_once=()):
    """Test chunk function: logs each call; raises for ``fail_always`` rows until ``healed`` exists, and for
    ``fail_once`` rows on the first call only."""
    marker = Path(marker_dir)
    xs = [r["x"] for r in rows]
    calls = sorted(marker.glob(f"call-{xs[0]}-*"))
    (marker / f"call-{xs[0]}-{len(calls)}").touch()
    if any(x in fail_always for x in xs) and not (marker / "healed").exists():
        raise ValueError(f"boom at x={xs}")
    if any(x in fail_once for x in xs) and not calls:
        raise RuntimeError("transient failure")
    return [{"x": x, "square": x * x} for x in xs]


def calls(marker, first_x):
    return len(list(marker.glob(f"call-{first_x}-*")))


def flaky_sweep(marker):
    rows = [{"x": x} for x in range(6)]
    return sweeps.Sweep(
        "flaky",
        flaky_chunk,
        sweeps.chunked(rows, 2),
        {"marker_dir": str(marker), "fail_always": [2], "fail_once": [4]},
    )


@pytest.mark.parametrize("where", ["cluster", "local"])
def test_failed_chunk_is_reported_retried_once_and_rerun_alone(where, build, tmp_path, cluster_executor):
    out = build(f"_build-{where}")
    marker = tmp_path / f"markers-{where}"
    marker.mkdir()
    ex = cluster_executor if where == "cluster" else None
    res = sweeps.run(flaky_sweep(marker), ex, progress=False)
    assert res.ran == [0, 2] and sorted(res.retried) == [1, 2] and res.table is None
    assert [(f.index, f.attempts) for f in res.failed] == [(1, 2)]
    assert str(res.failed[0]) == "chunk 1 (x=2..3 (2 rows)) failed 2 times: ValueError: boom at x=[2, 3]"
    assert (calls(marker, 0), calls(marker, 2), calls(marker, 4)) == (1, 2, 2)
    assert not (out / "sweeps" / "flaky" / "table.csv").exists()
    # rerun: only the missing chunk runs
    (marker / "healed").touch()
    again = sweeps.run(flaky_sweep(marker), ex, progress=False)
    assert again.ok and again.ran == [1] and again.cached == [0, 2]
    assert (calls(marker, 0), calls(marker, 2), calls(marker, 4)) == (1, 3, 2)
    assert again.csv.read_text() == "x,square\n" + "".join(f"{x},{x * x}\n" for x in range(6))
    assert not [p for p in (out / "sweeps" / "flaky").rglob("*") if p.name.startswith(".")]  # no temp files


def dying_chunk(rows, marker_dir, die_always=(), die_once=()):
    """Test chunk function: its worker process is killed (SIGKILL, as the out-of-memory killer does) for
    ``die_always`` rows until ``healed`` exists, and for ``die_once`` rows on the first call only."""
    import os
    import signal

    marker = Path(marker_dir)
    xs = [r["x"] for r in rows]
    n = calls(marker, xs[0])
    (marker / f"call-{xs[0]}-{n}").touch()
    if (
        any(x in die_always for x in xs)
        and not (marker / "healed").exists()
        or any(x in die_once for x in xs)
        and not n
    ):
        os.kill(os.getpid(), signal.SIGKILL)
    return [{"x": x, "square": x * x} for x in xs]


def dying_sweep(marker, **options):
    return sweeps.Sweep(
        "dying", dying_chunk, sweeps.chunked([{"x": x} for x in range(8)], 2), {"marker_dir": str(marker), **options}
    )


def run_dying(build, tmp_path, jobs, **options):
    """The dying sweep on ``jobs`` local workers: (build folder, marker folder, result)."""
    out = build(f"_build-{jobs}")
    marker = tmp_path / "markers"
    marker.mkdir()
    with executors.executor(None, jobs) as ex:
        return out, marker, sweeps.run(dying_sweep(marker, **options), ex, progress=False)


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_dead_worker_costs_a_retry_in_a_fresh_pool_not_the_sweep(build, tmp_path, jobs):
    out, marker, res = run_dying(build, tmp_path, jobs, die_once=[2])
    assert res.ok and sorted(res.ran) == [0, 1, 2, 3] and 1 in res.retried and calls(marker, 2) == 2
    assert (out / "sweeps" / "dying" / "table.csv").read_text() == "x,square\n" + "".join(
        f"{x},{x * x}\n" for x in range(8)
    )


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_chunk_that_kills_its_worker_is_the_one_reported(build, tmp_path, jobs):
    out, marker, res = run_dying(build, tmp_path, jobs, die_always=[4])
    # twice with the others (once, then its retry), then alone in a fresh pool: three deaths, and only its own
    assert [(f.index, f.attempts) for f in res.failed] == [(2, 3)] and calls(marker, 4) == 3
    assert str(res.failed[0]) == f"chunk 2 (x=4..5 (2 rows)) failed 3 times: {sweeps.DEAD_WORKER}"
    assert sorted(res.ran) == [0, 1, 3] and res.table is None
    assert not (out / "sweeps" / "dying" / "table.csv").exists()
    (marker / "healed").touch()
    again = sweeps.run(dying_sweep(marker, die_always=[4]), progress=False)
    assert again.ok and again.ran == [2] and again.cached == [0, 1, 3]


def test_a_script_without_the_main_guard_gets_one_line_per_worker_and_per_chunk(build, tmp_path):
    import os
    import subprocess
    import sys

    script = tmp_path / "unguarded.py"
    script.write_text(
        "from mobility.run import sweeps\n"
        "def chunk(rows):\n"
        "    return rows\n"
        "s = sweeps.Sweep('unguarded', chunk, (({'x': 0},), ({'x': 1},)))\n"
        "res = sweeps.run(s, progress=False)\n"
        "print('\\n'.join(map(str, res.failed)))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(sweeps.__file__).resolve().parents[2])}
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    said = set(proc.stderr.splitlines())
    assert said == {"error: sweep 'unguarded' started while a worker process imported the script: " + sweeps.GUARD}, (
        proc.stderr
    )
    assert proc.stdout.splitlines() == [
        f"chunk {i} (x={i} (1 rows)) failed 3 times: {sweeps.DEAD_WORKER}" for i in (0, 1)
    ]


def test_rerun_runs_only_missing_chunks_and_keeps_bytes(build):
    s = recipes.relocation_grid({"s_E": [0.55, 0.6, 0.7], "phi": [0.2, 0.5]}, chunk_size=2, name="re")
    first = sweeps.run(s, progress=False)
    csv = first.csv.read_bytes()
    chunk_files = sorted((first.path / "chunks").glob("*.json"))
    assert len(chunk_files) == 3
    chunk_files[1].unlink()
    second = sweeps.run(s, progress=False)
    assert second.ran == [1] and second.cached == [0, 2] and second.csv.read_bytes() == csv
    assert sweeps.run(s, progress=False).ran == []
    assert sweeps.run(s, force=True, progress=False).ran == [0, 1, 2]
    # a changed grid keeps the chunks it shares with the old one and drops the others
    s2 = recipes.relocation_grid({"s_E": [0.55, 0.6, 0.8], "phi": [0.2, 0.5]}, chunk_size=2, name="re")
    third = sweeps.run(s2, progress=False)
    assert third.ran == [2] and third.cached == [0, 1] and len(list((third.path / "chunks").glob("*.json"))) == 3
    meta = json.loads((third.path / "sweep.json").read_text())
    assert meta["chunks"] == 3 and meta["rows"] == 6


@pytest.mark.parametrize(
    "make, match",
    [
        (
            lambda: recipes.mnc_grid({"gama": [30.0]}),
            "grid parameter 'gama' is not a mobility.models.mnc.Params parameter",
        ),
        (lambda: recipes.mnc_grid({"gamma": [0.5, 30.0]}), r"parameter gamma .* must be > 1"),
        (lambda: recipes.mnc_grid({"gamma": []}), "grid parameter 'gamma': needs at least one finite value"),
        (lambda: recipes.mnc_grid({"gamma": [30.0]}, regime="trade"), "regime 'trade' unknown"),
        (lambda: recipes.mnc_grid({"gamma": [30.0]}, chunk_size=0), "chunk_size must be an integer >= 1"),
        (lambda: recipes.relocation_grid({"rho": [1.0]}), r"beta = rho/\(sigma-1\) must be > 1"),
        (
            lambda: recipes.relocation_grid({"phi": [0.5]}, fixed={"tau": 1.0}),
            r"fixed parameter\(s\) \['tau'\] unknown",
        ),
        (lambda: recipes.gravity_montecarlo(0), r"replications must be an integer in \[1, 100000\]"),
        (lambda: recipes.gravity_montecarlo(3, spec="table12.col2"), "spec must be a PPML specification"),
        (
            lambda: recipes.gravity_montecarlo(3, simulation={"n_countries": 5}),
            r"n_countries must be in \[30, 400\]",
        ),
        (lambda: sweeps.Sweep("Bad Name", flaky_chunk, (({"x": 1},),)), "sweep name 'Bad Name'"),
        (lambda: sweeps.Sweep("ok", lambda rows: rows, (({"x": 1},),)), "fn must be a module-level function"),
    ],
)
def test_bad_input_raises_value_error_naming_it(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_load_missing_says_what_to_do(build):
    with pytest.raises(FileNotFoundError, match="no finished sweep 'nothing'"):
        sweeps.load("nothing")


# -- CLI ----------------------------------------------------------------------------------------------------
def run_cli(*argv):
    parser = argparse.ArgumentParser(prog="python -m mobility")
    sweeps_cli.add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(list(argv))
    return args.func(args)


def test_parse_grid():
    assert sweeps_cli.parse_grid(["gamma=20:40:3", "tau12=1.1,1.2"]) == {
        "gamma": [20.0, 30.0, 40.0],
        "tau12": [1.1, 1.2],
    }
    for bad in (["gamma=20:40"], ["gamma"], ["gamma=a,b"], ["gamma=1:2:0"], ["gamma=1,2", "gamma=3"], []):
        with pytest.raises(ValueError, match="--grid|at least one --grid"):
            sweeps_cli.parse_grid(bad)


def test_cli_runs_and_reports(build, capsys):
    out = build("_build")
    assert run_cli("sweeps", "relocation", "--grid", "phi=0.1:0.9:5", "--fixed", "s_E=0.7", "--no-progress") == 0
    printed = capsys.readouterr().out
    assert "sweep relocation-phi: 1 chunks ran" in printed and "(5 rows)" in printed
    assert (out / "sweeps" / "relocation-phi" / "table.csv").is_file()
    assert run_cli("sweeps", "relocation", "--grid", "phi=0.1:0.9:5", "--fixed", "s_E=0.7", "--no-progress") == 0
    assert "0 chunks ran, 1 already stored" in capsys.readouterr().out


def test_cli_interrupted_says_so_in_one_line_and_the_rerun_goes_on(build, tmp_path):
    """Ctrl-C (SIGINT to the command): exit 130, one ``interrupted:`` line and no traceback; the chunks that had
    finished are kept and no table is written; the same command then computes only the rest."""
    import os
    import signal
    import subprocess
    import sys
    import time

    out = build("_build-interrupt")
    cmd = [sys.executable, "-m", "mobility", "sweeps", "gravity", "--replications", "40", "--countries", "30"]
    cmd += ["--chunk-size", "2", "--name", "stopped", "--no-progress"]
    env = {**os.environ, "PYTHONPATH": str(Path(sweeps.__file__).resolve().parents[2])}
    chunks = out / "sweeps" / "stopped" / "chunks"
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.monotonic() + 120
    while len(list(chunks.glob("*.json"))) < 2 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert err.splitlines() == [
        "interrupted: what had finished is kept (sweep chunks, variants, executed pages); run the same command again "
        "to go on from there"
    ]
    done = len(list(chunks.glob("*.json")))
    assert 2 <= done < 20 and not (out / "sweeps" / "stopped" / "table.csv").exists()
    assert not [p for p in chunks.iterdir() if p.name.startswith(".")]  # no temporary file left
    again = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    assert again.returncode == 0, again.stderr
    assert f"{20 - done} chunks ran, {done} already stored" in again.stdout
    assert len(sweeps.load("stopped")) == 160


@pytest.mark.parametrize(
    "argv, match",
    [
        (["mnc", "--grid", "gamma=0.5:2:3"], "parameter gamma"),
        (["mnc", "--grid", "gamma=20:40"], "--grid 'gamma=20:40'"),
        (["relocation", "--grid", "phi=0.1,0.2", "--fixed", "s_E=high"], "--fixed 's_E=high'"),
        (["gravity", "--replications", "0"], "replications must be"),
        (
            ["relocation", "--grid", "phi=0.5", "--scheduler", "local:x"],
            "--scheduler 'local:x' is not understood",
        ),
    ],
)
def test_cli_bad_input_exit_2(build, capsys, argv, match):
    assert run_cli("sweeps", *argv, "--no-progress") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and match in err[0]
    assert not (build("_build") / "sweeps").exists()


# -- chunking and formatting --------------------------------------------------------------------------------
def test_chunks_are_sized_from_the_grid_and_the_modelled_cost_not_the_workers():
    assert sweeps.chunk_size(10_000, 1e-4, line=100) == 10_000  # ~1 s of work, whole lines of the fastest axis
    assert sweeps.chunk_size(10_000, 2e-4, line=100) == 5_000
    assert sweeps.chunk_size(10_000, 3e-4, line=100) == 2_500  # 4 equal chunks rather than 3 + a remainder
    assert sweeps.chunk_size(7, 1e-4) == 7 and sweeps.chunk_size(200, 0.19) == 5
    assert sweeps.chunk_size(100_000, 4e-5, line=100) == 25_000  # 1 / 4e-5 rounds below 25,000 in floats
    s = recipes.mnc_grid({"gamma": [20 + 0.25 * g for g in range(80)], "tau12": [1.1 + 0.005 * k for k in range(100)]})
    assert [len(c) for c in s.chunks] == [4000, 4000]
    with pytest.raises(ValueError, match="method 'fast' unknown"):
        recipes.relocation_grid({"phi": [0.5]}, method="fast")


@pytest.mark.parametrize("n", [500, 7_000])  # the pure-Python path and polars' (>= POLARS_CELLS cells)
def test_worker_side_csv_is_what_pandas_writes(n):
    pd = pytest.importorskip("pandas")
    np = pytest.importorskip("numpy")
    rng = np.random.default_rng(1)
    assert (n * 8 >= sweeps.POLARS_CELLS) == (n > 500)
    df = pd.DataFrame(
        {
            "point": np.arange(n),
            "a": rng.normal(size=n) * 10.0 ** rng.integers(-30, 30, n),
            "b": np.where(rng.random(n) < 0.2, np.nan, rng.random(n)),
            "c": np.where(rng.random(n) < 0.1, np.inf, -1.0),
            "phase": rng.choice(["XX", "DD", "full"], n),
            "k": rng.integers(-5, 5, n),
            "neg0": np.full(n, -0.0),
            "none": np.full(n, np.nan),
            "flag": rng.random(n) < 0.5,
        }
    )
    header, body = sweeps._csv(df)
    assert header + "\n" + body == df.to_csv(index=False, lineterminator="\n")
    odd = pd.DataFrame({"s": ["a,b", 'say "x"']})  # needs quoting: pandas writes it
    assert "\n".join(sweeps._csv(odd)) == odd.to_csv(index=False, lineterminator="\n")


def test_polars_floats_are_repr_text():
    """The fast path writes every float as repr does: random bit patterns (every exponent), decimals of every
    magnitude, and the boundaries where repr switches to exponent notation."""
    np = pytest.importorskip("numpy")
    rng = np.random.default_rng(7)
    x = np.concatenate(
        [
            rng.integers(0, 2**63 - 1, size=200_000, dtype=np.int64).view(np.float64),
            rng.random(200_000) * 10.0 ** rng.integers(-12, 20, 200_000),
            np.arange(-2000, 2000) * 0.125,
            [0.0, -0.0, np.inf, -np.inf, 5e-324, 1.7976931348623157e308, 1e22, 123456789012345678.0],
        ]
    )
    x = np.concatenate([x, -x, 10.0 ** np.arange(-8, 18), np.nextafter(10.0 ** np.arange(-8, 18), 0.0)])
    body = sweeps._csv_polars([x, np.arange(x.size)])
    expected = "".join(f"{'' if v != v else repr(v)},{i}\n" for i, v in enumerate(x.tolist()))
    assert body == expected


def test_batched_and_per_point_tables_agree(build):
    grid = {"gamma": [25.0, 33.0], "tau12": [1.15, 1.25, 1.35]}
    a = sweeps.run(recipes.mnc_grid(grid, method="batch", name="ge-b"), progress=False).table
    b = sweeps.run(recipes.mnc_grid(grid, method="scalar", name="ge-s"), progress=False).table
    assert list(a.columns) == list(b.columns) and len(a) == len(b) == 6
    for col in a.columns.drop(["residual_norm", "evaluations"]):
        assert a[col].to_numpy() == pytest.approx(b[col].to_numpy(), rel=1e-9, abs=1e-12, nan_ok=True), col
    r = recipes.relocation_grid({"sigma": [2.5, 3.0], "phi": [0.0, 0.4, 0.9]}, method="batch", name="re-b")
    s = recipes.relocation_grid({"sigma": [2.5, 3.0], "phi": [0.0, 0.4, 0.9]}, method="scalar", name="re-s")
    ra, rb = sweeps.run(r, progress=False).table, sweeps.run(s, progress=False).table
    assert (ra["frozen_phase"] == rb["frozen_phase"]).all()
    assert ra["frozen_a_x"].to_numpy() == pytest.approx(rb["frozen_a_x"].to_numpy(), rel=1e-12, abs=1e-14)


class _Recording:
    """An executor that runs tasks in this process and records their arguments."""

    def __init__(self):
        self.args = []

    def submit(self, fn, /, *args, **kwargs):
        import concurrent.futures as cf

        self.args.append(args)
        fut = cf.Future()
        fut.set_result(fn(*args, **kwargs))
        return fut


def test_chunks_travel_as_one_opaque_argument(build):
    """Dask's submit walks every list, tuple and dict among a task's arguments (2.6 s of the main process for
    100,000 rows, the serial part of a 2-worker sweep); the rows go as a ``_Rows`` it does not walk, and the table
    is the same as with the rows given directly."""
    sw = recipes.relocation_grid({"sigma": [2.5, 3.0], "phi": [0.1, 0.4, 0.7]}, chunk_size=4, name="opaque")
    ex = _Recording()
    res = sweeps.run(sw, ex, force=True, progress=False)
    assert res.ok and len(ex.args) == len(sw.chunks)
    for args in ex.args:
        assert not any(isinstance(a, (list, tuple, dict)) and len(a) > 1 for a in args[1:2]), args
        assert isinstance(args[1], sweeps._Rows)
    direct = [sweeps._call(sw.fn, c, sw.options, tuple(sw.sort_by))["body"] for c in sw.chunks]
    assert res.csv.read_text().split("\n", 1)[1] == "".join(direct)


def test_reading_chunks_back_keeps_every_float(recwarn):
    """The sort path of ``_assemble`` reads the chunks' CSV back and writes it again: every float (Python's shortest
    repr, as the chunks write them) comes back with the same bits, so the same text, and without pandas' warning
    for the deprecated ``float_precision``."""
    import numpy as np

    rng = np.random.default_rng(7)
    x = np.concatenate([rng.standard_normal(20_000) * 10.0 ** rng.integers(-30, 30, 20_000), rng.random(20_000)])
    x[::1000] = np.nextafter(x[::1000], np.inf)  # last-bit neighbours, the values a lax parser rounds
    rows = [f"{i},{float(v)!r}\n" for i, v in enumerate(x)]
    half = len(rows) // 2
    parts = [  # out of order, so the table is read back and sorted
        {"header": "k,x", "body": "".join(rows[half:]), "n": len(rows) - half, "first": (half,), "last": (len(rows),)},
        {"header": "k,x", "body": "".join(rows[:half]), "n": half, "first": (0,), "last": (half - 1,)},
    ]
    assert sweeps._assemble(parts, sort_by=["k"]) == "k,x\n" + "".join(rows)
    assert not [w for w in recwarn if "float_precision" in str(w.message)]
