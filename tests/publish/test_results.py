"""mobility.publish.results: keys, values, determinism; mobility.publish.display: deterministic files."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import numpy as np
import pytest

from mobility.publish import display, results


@pytest.fixture
def outdir(tmp_path, monkeypatch):
    monkeypatch.setenv("MOBILITY_OUTPUT_DIR", str(tmp_path))
    monkeypatch.delenv("MOBILITY_PAGE", raising=False)
    results._state.update(page=None, values={})
    yield tmp_path
    results._state.update(page=None, values={})


def test_record_writes_sorted_canonical_json(outdir):
    results.set_page("demo/page")
    results.record("demo.b.x", np.float64(0.1) + np.float64(0.2))
    results.record("demo.a.n", np.int64(3))
    results.record("demo.a.flag", np.bool_(True))
    results.record("demo.a.word", "holds")
    assert not (outdir / "results" / "demo-page.json").exists()  # written once, when the page has run
    results.flush()
    text = (outdir / "results" / "demo-page.json").read_text()
    assert text == (
        '{\n  "demo.a.flag": true,\n  "demo.a.n": 3,\n  "demo.a.word": "holds",\n  "demo.b.x": 0.30000000000000004\n}\n'
    )
    assert results.load_page("demo/page", outdir / "results")["demo.a.n"] == 3


def test_record_is_byte_identical_across_processes(tmp_path):
    code = (
        "import numpy as np; from mobility.publish import results; results.set_page('demo/det');"
        "rng = np.random.default_rng(7); x = rng.normal(size=50);"
        "[results.record(f'demo.det.v{i}', v) for i, v in enumerate(x)];"
        "results.record('demo.det.mean', x.mean())"
    )
    outs = []
    for run in ("a", "b"):
        env = {"MOBILITY_OUTPUT_DIR": str(tmp_path / run), "PATH": "/usr/bin:/bin"}
        subprocess.run([sys.executable, "-c", code], env=env, check=True)
        outs.append((tmp_path / run / "results" / "demo-det.json").read_bytes())
    assert outs[0] == outs[1]
    assert len(outs[0]) > 100


@pytest.mark.parametrize("key", ["Mnc.table", "mnc", "mnc..x", "mnc.table 5", ""])
def test_bad_keys_rejected(outdir, key):
    results.set_page("demo/page")
    with pytest.raises(ValueError, match="dotted lower-case"):
        results.record(key, 1.0)


def test_non_finite_and_bad_types_rejected(outdir):
    results.set_page("demo/page")
    with pytest.raises(ValueError, match="finite"):
        results.record("demo.x.nan", float("nan"))
    with pytest.raises(TypeError, match="cannot record a list"):
        results.record("demo.x.list", [1, 2])


def test_record_needs_a_page(outdir):
    with pytest.raises(RuntimeError, match="set_page"):
        results.record("demo.x.y", 1.0)


def test_duplicate_key_across_pages_is_an_error(tmp_path):
    (tmp_path / "a.json").write_text('{"demo.k.v": 1}')
    (tmp_path / "b.json").write_text('{"demo.k.v": 2}')
    with pytest.raises(ValueError, match="recorded by both"):
        results.load_all(tmp_path)


def test_figures_are_deterministic(tmp_path):
    blobs = []
    for run in ("a", "b"):
        fig, ax = display.figure()
        ax.plot(np.linspace(0, 1, 20), np.linspace(0, 1, 20) ** 2, label="x²")
        ax.legend()
        png = display.save(fig, "demo", tmp_path / run, close=True)
        blobs.append((png.read_bytes(), png.with_suffix(".svg").read_bytes()))
    assert blobs[0] == blobs[1]
    assert b"<dc:date>" not in blobs[0][1]


def test_figure_rejects_unknown_size():
    with pytest.raises(ValueError, match="unknown"):
        display.figure("huge")


def test_results_file_is_written_once_and_not_by_a_failed_page(tmp_path, outdir):
    """A page's results file appears, complete, when its process ends (a kernel's too); a page with a failed or
    interrupted cell leaves none, and the previous file of that page is removed when the page starts."""
    code = (
        "from mobility.publish import results; results.set_page('demo/once');"
        "results.record('demo.once.a', 1); import os, sys;"
        "p = os.path.join(os.environ['MOBILITY_OUTPUT_DIR'], 'results', 'demo-once.json');"
        "sys.stdout.write(str(os.path.exists(p)))"
    )
    env = {"MOBILITY_OUTPUT_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    env.update({k: v for k, v in os.environ.items() if k == "PYTHONPATH"})
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True)
    assert out.stdout == "False"  # not while the page runs
    assert (tmp_path / "results" / "demo-once.json").read_text() == '{\n  "demo.once.a": 1\n}\n'

    stale = outdir / "results" / "demo-failed.json"
    stale.parent.mkdir(parents=True, exist_ok=True)
    stale.write_text('{"demo.failed.old": 1}\n')
    results.set_page("demo/failed")
    assert not stale.exists()
    results.record("demo.failed.a", 1)
    results._after_cell(type("Result", (), {"success": False})())  # what IPython reports for a failed cell
    results._at_exit()
    assert not stale.exists()


@pytest.mark.parametrize("mid_cell", [False, True])
def test_a_kernel_stopped_by_sigterm_between_cells_still_writes_its_results(tmp_path, mid_cell):
    """jupyter_client sends SIGTERM to a kernel still alive 2.5 s after its shutdown request, and SIGTERM's default
    action skips atexit: the GE explorer page's results file was missing from some builds. Between cells the file is
    written; during a cell (``_before_cell`` without ``_after_cell``) the page counts as failed and writes nothing."""
    code = (
        "import os, signal; from mobility.publish import results; results.set_page('demo/term');"
        "results.record('demo.term.a', 2);"
        + ("results._before_cell(None);" if mid_cell else "")
        + "os.kill(os.getpid(), signal.SIGTERM)"
    )
    env = {"MOBILITY_OUTPUT_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    env.update({k: v for k, v in os.environ.items() if k == "PYTHONPATH"})
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert proc.returncode == -signal.SIGTERM  # it still ends as SIGTERM ends it
    target = tmp_path / "results" / "demo-term.json"
    if mid_cell:
        assert not target.exists()
    else:
        assert target.read_text() == '{\n  "demo.term.a": 2\n}\n'
