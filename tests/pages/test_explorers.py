"""The explorers as a reader uses them: in a real headless Chromium over the quick build, each control is moved
to several grid positions, the numbers the page shows are read back and checked against the library's own
solution at that grid point to the displayed precision; the no-equilibrium message appears where the solver
finds none; the page loads with no console errors and stays light. Plus the HTML without JavaScript.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mobility.models import relocation as rl
from mobility.models.mnc import Params
from mobility.models.mnc import counterfactuals as cf
from mobility.models.relocation import explore
from mobility.publish import explorer

ALLOWED_CONSOLE = [re.compile(r"^Got invalid theme mode: \. Resetting to auto\.$")]
PAGES = {"ge": "book/mnc/explorer.html", "relocation": "book/relocation/explorer.html"}
MAX_EXTRA_BYTES = 2_000_000  # the budget for the explorer's extra page weight


# ------------------------------------------------------------------------------------------- without a browser
def test_html_reads_without_javascript_and_pins_the_initial_point():
    rows = explorer.relocation_rows(explorer.PHIS[:5] + (explorer.PHI0,), (explorer.S_E0, 0.8))
    html = explorer.relocation(rows)
    assert "<noscript>" in html and "disabled" in html  # controls come alive only with the script
    want = explore.point(rl.Params(s_E=explorer.S_E0), explorer.PHI0)
    cell = re.search(r'data-out="a_D">([^<]+)<', html).group(1)
    assert cell == explorer.fmt(want["a_D"], 4)
    data = json.loads(re.search(r'class="explorer-data">(.*?)</script>', html, re.S).group(1))
    assert len(data["rows"]) == len(rows)


def test_missing_grid_points_are_marked_not_interpolated():
    c = explorer.Control("x", "x", (0.0, 1.0), ("0", "1"), 1)
    o = explorer.Output("y", "y", "", 2)
    html = explorer.render(
        "t", "T", [c], [o], [{"x": 0.0, "y": float("nan"), "exists": False}, {"x": 1.0, "y": 2.0}], missing="none here"
    )
    data = json.loads(re.search(r'class="explorer-data">(.*?)</script>', html, re.S).group(1))
    assert data["rows"] == {"0": None, "1": [2.0]} and data["missing"] == "none here"
    with pytest.raises(ValueError, match="initial point"):
        explorer.render(
            "t", "T", [explorer.Control("x", "x", (0.0, 1.0), ("0", "1"), 1)], [o], [{"x": 0.0, "y": 1.0}], missing="-"
        )


def test_scaled_parameters_and_bad_input():
    p = cf.scaled(2 / 3, 1.0, 0.5)
    base = Params()
    assert p.tau12 - 1 == pytest.approx((base.tau12 - 1) * 2 / 3) and p.t12 == base.t12 and p.lam_l21 == 0.5
    for bad in ({"c_high": -0.1, "c_low": 1.0}, {"c_high": 1.0, "c_low": float("nan")}):
        with pytest.raises(ValueError, match="excess moving cost"):
            cf.scaled(bad["c_high"], bad["c_low"])
    with pytest.raises(ValueError, match="quota share"):
        cf.scaled(1.0, 1.0, 0.0)


# ------------------------------------------------------------------------------------------- in the browser
# The `site` fixture (the quick build served on 127.0.0.1 in Debian's Chromium) is in tests/pages/conftest.py.


def _open(site, key):
    page = site["browser"].new_page(viewport={"width": 1366, "height": 900})
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(site["base"] + PAGES[key], wait_until="load")
    page.wait_for_selector(f"#explorer-{key} [data-control]:not([disabled])")
    return page, errors


def _set(page, key, name, index):
    page.eval_on_selector(
        f'#explorer-{key} [data-control="{name}"]',
        "(el, i) => { el.value = String(i); el.dispatchEvent(new Event('input', {bubbles: true})); }",
        index,
    )


def _shown(page, key, name):
    text = page.inner_text(f'#explorer-{key} [data-out="{name}"]').strip()
    return None if text == "—" else float(text.replace("−", "-"))


def _data(page, key):
    return (
        json.loads(page.inner_text(f"#explorer-{key} script.explorer-data") or "{}")
        if False
        else json.loads(page.eval_on_selector(f"#explorer-{key} script.explorer-data", "el => el.textContent"))
    )


def _close(expected, shown, digits):
    return shown is not None and abs(shown - expected) <= 0.5 * 10**-digits + 1e-12


@pytest.mark.slow
@pytest.mark.browser
def test_ge_explorer_matches_the_library(site):
    page, errors = _open(site, "ge")
    data = _data(page, "ge")
    factors = [float(x.split(" ")[0]) / 100 for x in data["controls"][1]["labels"]]
    digits = {o["name"]: o["digits"] for o in data["outputs"]}
    checked = 0
    for regime_index, regime in enumerate(data["controls"][0]["labels"]):
        if regime != "migration and MNCs":
            continue
        _set(page, "ge", "regime", regime_index)
        for ih, il in [(len(factors) - 1, len(factors) - 1), (len(factors) // 2, 1), (1, len(factors) - 2)]:
            _set(page, "ge", "c_high", ih)
            _set(page, "ge", "c_low", il)
            eq = cf.solve_point(cf.scaled(factors[ih], factors[il], 1.0), "migration_mnc")
            status = page.inner_text("#explorer-ge .explorer-status").strip()
            if eq is None:
                assert status, f"no equilibrium at {factors[ih]}, {factors[il]} but no message"
                continue
            assert not status
            summary = eq.summary()
            for name in ("real_wage_low_canada", "real_wage_high_usa", "gdp_per_capita_canada", "mass_local_usa"):
                assert _close(summary[name], _shown(page, "ge", name), digits[name]), (name, factors[ih], factors[il])
                checked += 1
    assert checked >= 8
    # free mobility with MNCs: the book finds no equilibrium there; the explorer says so and shows no numbers
    _set(page, "ge", "c_high", 0)
    _set(page, "ge", "c_low", 0)
    assert cf.solve_point(cf.scaled(0.0, 0.0, 1.0), "migration_mnc") is None
    assert "no equilibrium" in page.inner_text("#explorer-ge .explorer-status")
    assert _shown(page, "ge", "real_wage_low_canada") is None
    assert not [e for e in errors if not any(p.match(e) for p in ALLOWED_CONSOLE)], errors


@pytest.mark.slow
@pytest.mark.browser
def test_relocation_explorer_matches_the_library(site):
    page, errors = _open(site, "relocation")
    data = _data(page, "relocation")
    phis = [float(x) for x in data["controls"][0]["labels"]]
    s_es = [float(x) for x in data["controls"][1]["labels"]]
    digits = {o["name"]: o["digits"] for o in data["outputs"]}
    for ip, js in [(0, 0), (len(phis) // 2, len(s_es) - 1), (len(phis) - 1, 1), (len(phis) // 3, len(s_es) // 2)]:
        _set(page, "relocation", "phi", ip)
        _set(page, "relocation", "s_E", js)
        want = explore.point(rl.Params(s_E=s_es[js]), phis[ip])
        for name in ("a_D", "a_X", "a_R", "location_north", "welfare_north", "welfare_south"):
            assert _close(want[name], _shown(page, "relocation", name), digits[name]), (name, phis[ip], s_es[js])
        assert page.inner_text('#explorer-relocation [data-out="phase"]').strip().startswith(want["phase"][:2])
        assert page.query_selector("#explorer-relocation .explorer-svg svg") is not None
    assert not [e for e in errors if not any(p.match(e) for p in ALLOWED_CONSOLE)], errors


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("key", sorted(PAGES))
def test_explorer_pages_are_light_and_offline(site, key):
    path = Path(site["html"]) / PAGES[key]
    text = path.read_text(encoding="utf-8")
    start, end = (
        text.index('<div class="mobility-explorer"'),
        text.index("</script>\n</div>", text.index("explorer-data")),
    )
    assert end - start < MAX_EXTRA_BYTES
    assert "explorer.js" in text and (Path(site["html"]) / "_static" / "explorer.js").is_file()
    assert not re.search(r'<script[^>]+src="https?://', text), "a script is loaded from the network"
