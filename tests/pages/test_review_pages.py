"""The review chapter's pages: every glued number is recorded, reruns are byte-identical, and the page that shows
Tables 1-2 explains why the catalogue cannot reproduce them.

The pages are executed here directly (papermill, quick=True, output redirected to a temporary directory; about
ten seconds), so a missing glue key is found without the whole-book build.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from mobility.core import paths
from mobility.publish import results, scorecard

BOOK = paths.root() / "book"
PAGES = ["argument", "evidence", "trade", "conclusions"]
GLUE_TEXT_RE = re.compile(r"\{glue:text\}`([^`:]+)(?::[^`]*)?`")
GLUE_FIG_RE = re.compile(r"```\{glue:figure\}\s+(\S+)")


def _execute(page: str, out: Path) -> None:
    import jupytext
    import papermill as pm

    nb = jupytext.read(BOOK / "review" / f"{page}.md", fmt="md:myst")
    env = {"MOBILITY_OUTPUT_DIR": str(out)}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    cwd = os.getcwd()
    try:
        os.chdir(BOOK / "review")  # Jupyter Book executes a page in its folder
        pm.execute_notebook(
            nb,
            str(out / f"{page}.ipynb"),
            parameters={"quick": True},
            kernel_name="python3",
            language="python",
            progress_bar=False,
        )
    finally:
        os.chdir(cwd)
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    out = tmp_path_factory.mktemp("review-pages")
    for page in PAGES:
        _execute(page, out)
    return out


def test_every_glued_number_is_recorded(executed):
    values = results.load_all(executed / "results")
    for page in PAGES:
        text = (BOOK / "review" / f"{page}.md").read_text(encoding="utf-8")
        recorded = results.load_page(f"review/{page}", executed / "results")
        missing = [k for k in GLUE_TEXT_RE.findall(text) if k not in recorded]
        assert not missing, f"book/review/{page}.md glues keys its code never records: {missing}"
        for fig in GLUE_FIG_RE.findall(text):
            if fig.startswith("tbl-"):  # a glued table, not a figure file
                continue
            assert (executed / "figures" / f"{fig.removeprefix('fig-')}.png").is_file(), fig
    for t in scorecard.load_targets():
        if t.chapter == "review" and not t.status:
            assert t.key in values, f"claimed-reproduced target {t.key} is not recorded"


def test_rerun_is_byte_identical(executed, tmp_path):
    _execute("evidence", tmp_path)
    for rel in ("results/review-evidence.json", "figures/review-forest.png", "figures/review-years.svg"):
        assert (tmp_path / rel).read_bytes() == (executed / rel).read_bytes(), rel


def test_table_page_explains_the_difference():
    """Each Table 1-2 target points at an anchor on the evidence page, and the text there says why the
    catalogue's number differs (the targets' notes say the same)."""
    text = (BOOK / "review" / "evidence.md").read_text(encoding="utf-8")
    targets = [t for t in scorecard.load_targets() if t.chapter == "review" and not t.key.startswith("review.trade.")]
    for t in targets:
        doc, _, anchor = t.where.partition("#")
        assert doc == "book/review/evidence" and scorecard.anchor_defined("review/evidence", anchor), t.where
        section = text[text.index(f"({anchor})=") :]
        section = section[: section.index("\n## ")] if "\n## " in section else section
        assert "catalogue" in section and ("cannot" in section or "not reproducible" in section.lower()), anchor
        if t.status:
            assert "review" in t.note and ("catalogue" in t.note or "names" in t.note), t.key


def test_trade_page_states_its_mode_and_preregistration(executed):
    """The trade page says whether it ran on the kit, cites the commit that fixed its targets before the
    estimates, and records every compared target; its figure and tables are real images/tables, never text."""
    import subprocess

    text = (BOOK / "review" / "trade.md").read_text(encoding="utf-8")
    recorded = results.load_page("review/trade", executed / "results")
    assert recorded["review.trade.mode"] in ("real", "simulated")
    assert recorded["review.trade.mode_sentence"].startswith(
        "Everything below" if recorded["review.trade.mode"] == "real" else "The data kit is not available"
    )
    cited = re.search(r"commit `([0-9a-f]{7,40})`", text)
    assert cited, "the trade page must cite the commit that pre-registered its targets"
    log = subprocess.run(
        ["git", "-C", str(paths.root()), "show", "--name-only", "--format=%H", cited.group(1)],
        capture_output=True,
        text=True,
    )
    if log.returncode == 0:  # a checkout with history: the cited commit touched only the targets
        assert log.stdout.split()[1:] == ["data/targets/review.csv"], log.stdout
    for t in scorecard.load_targets():
        if t.key.startswith("review.trade."):
            assert t.key in recorded and scorecard.anchor_defined("review/trade", t.where.partition("#")[2])
    nb = (executed / "trade.ipynb").read_text(encoding="utf-8")
    assert "<Figure size" not in nb
