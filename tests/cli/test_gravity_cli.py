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
    assert err.startswith("error:") and "missing column(s) ['rta']" in err


def test_unknown_spec_and_missing_file(panel_csv, capsys):
    assert _run(["gravity", "estimate", "--panel", str(panel_csv), "--spec", "table99"]) == 2
    assert "--spec must be one of" in capsys.readouterr().err
    assert _run(["gravity", "estimate", "--panel", "/nonexistent.csv", "--spec", "table2.col3"]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_specs_lists_every_spec(capsys):
    assert _run(["gravity", "specs"]) == 0
    out = capsys.readouterr().out
    assert "table2.col3: ppml of stock on visa, rta, schengen, gdp_diff" in out and "table12.col2: 2sls" in out


# ------------------------------------------------------------------------------------------------------------
# every failure path: exit code 2 and one `error:` line naming file, row and column where they apply


def _variant(panel_csv, tmp_path, name, edit):
    import pandas as pd

    df = pd.read_csv(panel_csv)
    df = edit(df)
    f = tmp_path / f"{name}.csv"
    df.to_csv(f, index=False)
    return f


def _set(col, row, value):
    def edit(df):
        df = df.astype({col: object})
        df.loc[row, col] = value
        return df

    return edit


@pytest.mark.parametrize(
    "name, edit, message",
    [
        ("na", _set("stock", 5, "n/a"), "row 7, column 'stock': 'n/a' is not a number"),
        ("text", _set("rta", 0, "yes"), "row 2, column 'rta': 'yes' is not a number"),
        ("negative", _set("stock", 4, -1.0), "row 6, column 'stock': negative outcome -1"),
        ("header", lambda df: df.head(0), "has a header but no data rows"),
        ("zero", lambda df: df.assign(stock=0.0), "nothing left to estimate"),
        ("oneorigin", lambda df: df[df.origin == df.origin.iloc[0]], "nothing left to estimate"),
        ("ownpair", lambda df: df.assign(pair=df.origin), "already has column(s) ['pair']"),
        ("novisa", lambda df: df.drop(columns=["visa"]), "missing column(s) ['visa']"),
    ],
)
def test_data_errors_are_one_line(panel_csv, tmp_path, capsys, name, edit, message):
    f = _variant(panel_csv, tmp_path, name, edit)
    assert (
        _run(["gravity", "estimate", "--panel", str(f), "--spec", "table2.col3", "--out", str(tmp_path / "o.json")])
        == 2
    )
    err = capsys.readouterr().err
    assert err.startswith("error:") and err.count("\n") == 1 and message in err, err
    assert str(f) in err or name in ("zero", "oneorigin")


def test_empty_file_and_unknown_cluster(panel_csv, tmp_path, capsys):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert _run(["gravity", "estimate", "--panel", str(empty), "--spec", "table2.col3"]) == 2
    assert "the file is empty" in capsys.readouterr().err
    assert (
        _run(["gravity", "estimate", "--panel", str(panel_csv), "--spec", "table2.col3", "--vcov", "cluster:foo"]) == 2
    )
    err = capsys.readouterr().err
    assert "--vcov clusters on foo, which is not a column" in err and "'" not in err.split("column")[0]


def test_drop_unavailable_works(panel_csv, tmp_path, capsys):
    f = _variant(panel_csv, tmp_path, "novisa", lambda df: df.drop(columns=["visa"]))
    out = tmp_path / "r.json"
    assert (
        _run(
            ["gravity", "estimate", "--panel", str(f), "--spec", "table2.col3", "--drop-unavailable", "--out", str(out)]
        )
        == 0
    )
    printed = capsys.readouterr().out
    assert "dropped (--drop-unavailable): ['visa']" in printed
    assert json.loads(out.read_text())["extra"]["dropped_unavailable"] == ["visa"]


def test_collinear_regressor_is_reported(panel_csv, tmp_path, capsys):
    f = _variant(panel_csv, tmp_path, "const", lambda df: df.assign(visa=0.0))
    assert (
        _run(["gravity", "estimate", "--panel", str(f), "--spec", "table2.col3", "--out", str(tmp_path / "o.json")])
        == 0
    )
    printed = capsys.readouterr().out
    assert "collinear (dropped)" in printed and "not estimated: ['visa']" in printed


def test_own_fixed_effects_only_with_the_flag(panel_csv, tmp_path, capsys):
    """An undirected ``pair`` column is refused without the flag and used, as it is, with it."""
    f = _variant(
        panel_csv,
        tmp_path,
        "ownpair",
        lambda df: df.assign(pair=["_".join(sorted(p)) for p in zip(df.origin, df.destination, strict=True)]),
    )
    own, built = tmp_path / "own.json", tmp_path / "built.json"
    argv = ["gravity", "estimate", "--spec", "table2.col3"]
    assert _run([*argv, "--panel", str(f), "--use-panel-fe", "--out", str(own)]) == 0
    assert _run([*argv, "--panel", str(panel_csv), "--out", str(built)]) == 0
    assert json.loads(own.read_text())["coef"] != json.loads(built.read_text())["coef"]


def test_nonfinite_outcomes_counted_and_out_folder_created(panel_csv, tmp_path, capsys):
    def edit(df):
        df.loc[[3, 7], "stock"] = [float("nan"), float("inf")]
        return df

    f = _variant(panel_csv, tmp_path, "nonfinite", edit)
    out = tmp_path / "new" / "deeper" / "r.json"
    assert _run(["gravity", "estimate", "--panel", str(f), "--spec", "table2.col3", "--out", str(out)]) == 0
    cap = capsys.readouterr()
    assert "2 row(s) with a missing or non-finite value were dropped (file rows 5, 9)" in cap.out
    assert cap.err == "" and json.loads(out.read_text())["n_dropped_nonfinite"] == 2


def test_own_specification_by_formula_and_by_list(panel_csv, tmp_path, capsys):
    out = tmp_path / "f.json"
    assert (
        _run(
            [
                "gravity",
                "estimate",
                "--panel",
                str(panel_csv),
                "--formula",
                "stock ~ visa + rta + gdp_diff | orig_year + dest_year + pair",
                "--ssc",
                "stata",
                "--vcov",
                "cluster:pair",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    a = json.loads(out.read_text())
    assert (
        a["formula"] == "stock ~ visa + rta + gdp_diff | orig_year + dest_year + pair" and a["extra"]["ssc"] == "stata"
    )
    assert (
        _run(
            [
                "gravity",
                "estimate",
                "--panel",
                str(panel_csv),
                "--depvar",
                "stock",
                "--regressors",
                "visa,rta,gdp_diff",
                "--fe",
                "orig_year,dest_year,pair",
                "--ssc",
                "stata",
                "--vcov",
                "cluster:pair",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert json.loads(out.read_text())["coef"] == a["coef"]
    assert _run(["gravity", "estimate", "--panel", str(panel_csv), "--formula", "stock visa"]) == 2
    assert "has no '~'" in capsys.readouterr().err


def test_default_out_is_under_build(panel_csv, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert _run(["gravity", "estimate", "--panel", str(panel_csv), "--spec", "table2.col2"]) == 0
    assert (tmp_path / "_build" / "gravity" / "panel.table2.col2.json").is_file()


def test_cli_subprocess_no_abort_no_warnings(panel_csv, tmp_path):
    """The nothing-to-estimate case through `python -m mobility` in a fresh process: exit 2 with one line (it used
    to be SIGABRT, exit 134, from a Rust panic inside pyfixest), and nothing else on stderr."""
    import subprocess
    import sys

    f = _variant(panel_csv, tmp_path, "zero", lambda df: df.assign(stock=0.0))
    r = subprocess.run(
        [sys.executable, "-m", "mobility", "gravity", "estimate", "--panel", str(f), "--spec", "table2.col3"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert r.returncode == 2, (r.returncode, r.stderr[-400:])
    assert r.stderr.startswith("error: nothing left to estimate") and r.stderr.count("\n") == 1


def test_every_regressor_collinear_is_one_line_and_exit_2(panel_csv, tmp_path, capsys):
    """A regressor that varies across pairs but not within them, with pair and country-year effects, leaves nothing
    to estimate: one line naming it, exit 2, no output file."""
    f = _variant(
        panel_csv,
        tmp_path,
        "pairconst",
        lambda df: df.assign(pairx=df.origin.str[1:].astype(int) * 0.37 + df.destination.str[1:].astype(int) ** 1.5),
    )
    out = tmp_path / "o.json"
    code = _run(
        [
            "gravity",
            "estimate",
            "--panel",
            str(f),
            "--formula",
            "stock ~ pairx | orig_year + dest_year + pair",
            "--out",
            str(out),
        ]
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "collinear with the fixed effects" in err[0] and "pairx" in err[0]
    assert not out.exists()
