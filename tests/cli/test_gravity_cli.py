"""The `python -m mobility gravity` subcommand on a small user panel."""

import json

import pytest

from mobility.cli import gravity as cli
from mobility.models.gravity import synthetic


def _run(argv):
    import argparse

    p = argparse.ArgumentParser()
    cli.add_parser(p.add_subparsers(dest="cmd"))
    args = p.parse_args(argv)
    return args.func(args)


@pytest.fixture(scope="module")
def panel_csv(tmp_path_factory):
    p = synthetic.simulate_panel(synthetic.SimulationParams(n_countries=40))
    cols = ["origin", "destination", "year", "stock", "visa", "rta", "schengen", "gdp_diff"]
    f = tmp_path_factory.mktemp("panel") / "panel.csv"
    p[cols].to_csv(f, index=False)
    return f


def test_estimate_prints_and_writes_json(panel_csv, tmp_path, capsys):
    out = tmp_path / "res.json"
    assert _run(["gravity", "estimate", "--panel", str(panel_csv), "--spec", "table2.col3", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Visa" in printed and "Observations" in printed
    doc = json.loads(out.read_text())
    assert doc["spec"] == "table2.col3" and set(doc["coef"]) == {"visa", "rta", "schengen", "gdp_diff"}
    assert doc["nobs"] + doc["n_separation"] + doc["n_singleton"] + doc["n_missing"] == doc["n_input"]


def test_missing_and_mistyped_columns_listed(panel_csv, tmp_path, capsys):
    import pandas as pd

    df = pd.read_csv(panel_csv).drop(columns=["rta"]).assign(schengen="yes")
    bad = tmp_path / "bad.csv"
    df.to_csv(bad, index=False)
    assert _run(["gravity", "estimate", "--panel", str(bad), "--spec", "table2.col3"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "missing columns ['rta']" in err and "non-numeric columns ['schengen']" in err


def test_unknown_spec_and_missing_file(panel_csv, capsys):
    assert _run(["gravity", "estimate", "--panel", str(panel_csv), "--spec", "table99"]) == 2
    assert "--spec must be one of" in capsys.readouterr().err
    assert _run(["gravity", "estimate", "--panel", "/nonexistent.csv", "--spec", "table2.col3"]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_specs_lists_every_spec(capsys):
    assert _run(["gravity", "specs"]) == 0
    out = capsys.readouterr().out
    assert "table2.col3: ppml of stock on visa, rta, schengen, gdp_diff" in out and "table12.col2: 2sls" in out
