"""Executors: --scheduler parsing, fast failure on an unreachable scheduler, worker version/hash-seed/filesystem
checks on a LocalCluster (127.0.0.1 only), and the variants runner giving the same outputs on a cluster as on the
local process pool."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
from conftest import VARIANT_BODY, write_notebook

from mobility import cli
from mobility.run import executors


@pytest.fixture(scope="module")
def cluster():
    """Two single-threaded worker processes on 127.0.0.1, no dashboard; a client connected to them; and what the
    workers must report, read once (so that others editing the library meanwhile do not make the tests flaky)."""
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
        ) as lc,
        distributed.Client(lc, set_as_default=False) as client,
    ):
        client.wait_for_workers(2, timeout=30)
        expected = executors.expected_identity()
        executors.check_workers(client, expected)
        yield client, expected


def _workers(client):
    return sorted(client.scheduler_info(n_workers=-1)["workers"])


@pytest.mark.parametrize(
    "value, expected",
    [
        (None, ("pool", None)),
        ("local:2", ("local", 2)),
        ("tcp://127.0.0.1:8786", ("remote", "tcp://127.0.0.1:8786")),
        ("tls://scheduler.example.org:8786", ("remote", "tls://scheduler.example.org:8786")),
    ],
)
def test_parse_scheduler(value, expected):
    assert executors.parse_scheduler(value) == expected


@pytest.mark.parametrize(
    "value, match",
    [
        ("local:0", "1 <= N <= 64"),
        ("local:two", "is not understood"),
        ("127.0.0.1:8786", "is not understood"),
        ("http://127.0.0.1:8786", "is not understood"),
    ],
)
def test_parse_scheduler_rejects(value, match):
    with pytest.raises(executors.ExecutorError, match=match):
        executors.parse_scheduler(value)


@pytest.mark.parametrize("jobs", [0, -1, 1.5, True])
def test_bad_jobs(jobs):
    with pytest.raises(executors.ExecutorError, match="--jobs must be an integer >= 1"):
        with executors.executor(None, jobs):
            pass


@pytest.mark.parametrize("seed, expected", [("6640", "6640"), ("0", "0"), ("1", "other"), (None, "other")])
def test_hash_seed_is_measured_not_read_from_the_environment(seed, expected):
    """What the interpreter started with counts; setting PYTHONHASHSEED later (as LocalCluster does) does not."""
    code = (
        "import os; os.environ['PYTHONHASHSEED'] = '6640'; "
        "from mobility.run import executors; print(executors.hash_seed())"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONHASHSEED"}
    if seed is not None:
        env["PYTHONHASHSEED"] = seed
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == expected


def test_unreachable_scheduler_fails_fast():
    t0 = time.monotonic()
    with pytest.raises(executors.ExecutorError, match=r"no Dask scheduler answered at tcp://127\.0\.0\.1:1 within"):
        with executors.executor("tcp://127.0.0.1:1"):
            pass
    assert time.monotonic() - t0 < executors.CONNECT_TIMEOUT + 4


def test_cli_unreachable_scheduler_is_one_line_exit_2(capsys):
    assert cli.main(["variants", "run", "--scheduler", "tcp://127.0.0.1:1", "--no-progress"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no Dask scheduler answered at tcp://127.0.0.1:1" in err[0]


def test_identity_and_hash_seed_of_workers(cluster):
    client, expected = cluster
    got = executors.check_workers(client, expected)
    assert sorted(got) == _workers(client) and len(got) == 2
    for ident in got.values():
        assert ident["version"] == executors.identity()["version"]
        assert ident["source"] == expected["source"]
        assert ident["environment"] == executors.WORKER_ENV
    assert all(a.startswith("tcp://127.0.0.1:") for a in got)


def _patch_worker(client, worker, attr, value):
    """Replace ``mobility.run.executors.<attr>`` (or ``mobility.__version__``) in one worker process; return an undo.
    The original stays in the worker (``_saved``), so nothing unpicklable travels back."""

    def patch(attr=attr, value=value):
        import mobility
        import mobility.run.executors as ex

        target = mobility if attr == "__version__" else ex
        saved = ex.__dict__.setdefault("_saved", {})
        saved.setdefault(attr, getattr(target, attr))
        setattr(target, attr, value)

    def restore(attr=attr):
        import mobility
        import mobility.run.executors as ex

        target = mobility if attr == "__version__" else ex
        setattr(target, attr, ex.__dict__["_saved"].pop(attr))

    client.run(patch, workers=[worker])
    return lambda: client.run(restore, workers=[worker])


def test_version_mismatch_is_detected_and_named(cluster):
    client, expected = cluster
    bad = _workers(client)[1]
    undo = _patch_worker(client, bad, "__version__", "0.0.0-old")
    try:
        with pytest.raises(executors.WorkerMismatchError) as err:
            executors.check_workers(client, expected)
    finally:
        undo()
    msg = str(err.value)
    assert f"worker {bad} differs: version '0.0.0-old'" in msg
    assert _workers(client)[0] not in msg
    executors.check_workers(client, expected)  # healthy again


def test_source_mismatch_is_detected(cluster):
    client, expected = cluster
    bad = _workers(client)[0]
    undo = _patch_worker(client, bad, "source_hash", lambda: "deadbeef")
    try:
        with pytest.raises(executors.WorkerMismatchError, match=f"worker {bad} differs: source 'deadbeef'"):
            executors.check_workers(client, expected)
    finally:
        undo()


def test_worker_without_mobility_is_named(cluster):
    client, expected = cluster
    bad = _workers(client)[0]

    def broken():
        raise ModuleNotFoundError("No module named 'mobility'")

    undo = _patch_worker(client, bad, "identity", broken)
    try:
        with pytest.raises(executors.WorkerMismatchError, match=f"worker {bad} cannot run mobility"):
            executors.check_workers(client, expected)
    finally:
        undo()


def test_random_hash_seed_worker_is_rejected(cluster):
    client, expected = cluster
    bad = _workers(client)[1]
    undo = _patch_worker(client, bad, "hash_seed", lambda: "random")
    try:
        with pytest.raises(executors.WorkerMismatchError, match="'PYTHONHASHSEED': 'random'.*PYTHONHASHSEED=6640"):
            executors.check_workers(client, expected)
    finally:
        undo()


def test_late_worker_mismatch_is_caught_by_the_task(cluster):
    """A worker that was fine at connect time (or joined later) and differs now: its task names it."""
    client, expected = cluster
    ex = executors.CheckedExecutor(client, expected)
    assert ex.submit(pow, 3, 2).result(timeout=30) == 9
    bad = _workers(client)[0]
    undo = _patch_worker(client, bad, "__version__", "9.9.9")
    try:
        pinned = client.get_executor(pure=False, workers=[bad])  # what submit() sends, on the patched worker
        fut = pinned.submit(executors._checked_call, expected, pow, 2, 5)
        with pytest.raises(executors.WorkerMismatchError, match=f"worker {bad} differs: version '9.9.9'"):
            fut.result(timeout=30)
    finally:
        undo()


def test_shared_filesystem_check(cluster, tmp_path, monkeypatch):
    client, expected = cluster
    monkeypatch.setenv("MOBILITY_BUILD_DIR", str(tmp_path / "elsewhere"))  # the workers keep their own
    with pytest.raises(executors.ExecutorError, match="writes to .*, the client to .*elsewhere"):
        executors.check_shared_filesystem(client, tmp_path / "elsewhere")
    assert not list((tmp_path / "elsewhere").glob(".executor-probe-*"))  # the probe is cleaned up


def test_executor_connects_to_a_running_scheduler(cluster):
    client, _ = cluster
    # check=False: the per-connection and per-task checks are tested above against the expectation read once
    with executors.executor(client.scheduler.address, check=False) as ex:
        assert ex.submit(pow, 2, 3).result(timeout=30) == 8
    assert client.status == "running"  # an external scheduler and its workers are left running


def test_local_cluster_executor_runs_and_shuts_down():
    with executors.executor("local:1") as ex:
        client = ex.client
        assert [a.startswith("tcp://127.0.0.1:") for a in _workers(client)] == [True]
        assert ex.submit(pow, 2, 10).result(timeout=30) == 1024
    assert client.status == "closed"


def test_variants_on_cluster_match_local_pool(tmp_path, monkeypatch, capsys):
    """The same variants through `--jobs 2` (process pool) and `--scheduler local:2` (LocalCluster): identical
    results, parameters, cache key and figure bytes, the same error for a failing variant and no partial output;
    then the cache is shared whatever the executor."""
    write_notebook(tmp_path / "variants" / "notebooks" / "demo.md", VARIANT_BODY)
    (tmp_path / "variants" / "demo.yml").write_text(
        "notebook: variants/notebooks/demo.md\nvariants:\n  one: {scale: 1.5}\n  bad: {scale: -1.0}\n"
    )
    monkeypatch.setenv("MOBILITY_ROOT", str(tmp_path))
    outs, errors = {}, {}
    for label, opts in (("pool", ["--jobs", "2"]), ("dask", ["--scheduler", "local:2"])):
        build = tmp_path / f"_build-{label}"
        monkeypatch.setenv("MOBILITY_BUILD_DIR", str(build))
        assert cli.main(["variants", "run", "demo", "--no-progress", *opts]) == 1
        captured = capsys.readouterr()
        assert "1 ran, 0 up to date, 1 failed" in captured.out
        errors[label] = captured.err.replace(str(build), "BUILD")
        outs[label] = build / "variants" / "demo" / "one"
        assert sorted(p.name for p in (build / "variants" / "demo").iterdir()) == ["one"]  # nothing partial
    assert errors["pool"] == errors["dask"]
    assert "variant demo/bad failed in cell 3: ValueError: scale must be >= 0" in errors["dask"]
    for rel in (
        "results/variants-demo-one.json",
        "params.json",
        "cachekey",
        "figures/line.png",
        "figures/line.svg",
    ):
        assert (outs["pool"] / rel).read_bytes() == (outs["dask"] / rel).read_bytes(), rel
    assert json.loads((outs["dask"] / "results" / "variants-demo-one.json").read_text()) == {"demo.variant.value": 3.0}
    # the cache key does not depend on the executor: the cluster's output is current for a local run
    assert cli.main(["variants", "run", "demo/one", "--no-progress"]) == 0
    assert "0 ran, 1 up to date" in capsys.readouterr().out


def _threads_env():
    import os

    return {k: os.environ.get(k) for k in executors.THREAD_ENV}


def test_processes_started_for_work_are_single_threaded_but_not_checked_for_it():
    """Pools, workers and kernels get one rayon/numba/polars thread (pyfixest would otherwise start one per core in
    every worker); :func:`check_workers` does not require it of external workers, since it changes no digit."""
    with executors.worker_environment(), executors.process_pool(1) as pool:
        assert pool.submit(_threads_env).result() == executors.THREAD_ENV
    assert not set(executors.THREAD_ENV) & set(executors.expected_identity()["environment"])


@pytest.mark.slow
def test_rayon_threads_change_no_digit_of_a_monte_carlo(tmp_path):
    """The claim behind :data:`THREAD_ENV`: a PPML Monte Carlo chunk has the same bytes with 1 and 2 rayon and
    numba threads."""
    pytest.importorskip("pyfixest")
    import os
    import subprocess
    import sys

    code = (
        "from mobility.run import recipes, sweeps\n"
        "sw = recipes.gravity_montecarlo(3, simulation={'n_countries': 30}, chunk_size=3, name='t')\n"
        "print(sweeps._call(sw.fn, sw.chunks[0], sw.options, tuple(sw.sort_by))['body'])\n"
    )
    out = []
    for n in ("1", "2"):
        env = {**os.environ, **executors.WORKER_ENV, "RAYON_NUM_THREADS": n, "NUMBA_NUM_THREADS": n}
        env["MOBILITY_BUILD_DIR"] = str(tmp_path / n)
        out.append(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True))
    assert out[0].stdout and out[0].stdout == out[1].stdout


def test_two_local_clusters_at_once_need_no_fixed_port():
    """Each cluster's scheduler serves HTTP on a free port: a second cluster (or a user's own on 8787) starts without
    distributed's "Port 8787 is already in use" warning."""
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with executors.local_cluster(1) as one, executors.local_cluster(1) as two:
            ports = [c.scheduler.http_server.port for c in (one, two)]
    assert not [str(w.message) for w in caught if "already in use" in str(w.message)]
    assert 8787 not in ports and ports[0] != ports[1]
