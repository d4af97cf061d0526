"""Interactive explorers: a grid of model solutions computed at build time, embedded in the page as JSON, with
controls that pick a grid point and a table that shows its numbers (``book/_static/explorer.js``).

The numbers shown are the library's solutions at grid points, never interpolations: each control moves along the
grid's own values. The HTML is complete without JavaScript (it shows the initial point, the calibrated economy)
and prints as such in the PDF; the script only swaps numbers when a control moves. No CDN, no kernel: the
script is a static file of the book.
"""

from __future__ import annotations

import html
import json
import math
from dataclasses import dataclass, field

from mobility.publish import display

__all__ = [
    "Control",
    "Output",
    "render",
    "fmt",
    "ge",
    "ge_table",
    "ge_figure",
    "relocation",
    "relocation_rows",
    "relocation_figure",
    "html_output",
    "FACTORS",
    "QUOTAS",
    "REGIMES",
    "PHIS",
    "S_ES",
    "PHI0",
    "S_E0",
]

#: The GE explorer's grid: moving-cost factors c (excess cost τ − 1 times c: 1 = Table 3, 2/3 = a cut by a
#: third, 0 = free mobility), quota shares λ (1 = no quota), and the regimes.
FACTORS = tuple(round(k / 6, 12) for k in range(10))  # 0, 1/6, ..., 3/2
QUOTAS = (1.0, 0.75, 0.5)
REGIMES = {"migration_mnc": "migration and MNCs", "migration": "migration only", "mnc": "MNCs only"}


@dataclass(frozen=True)
class Control:
    """A control over one grid column: ``values`` in grid order, ``labels`` how each value is shown."""

    name: str
    label: str
    values: tuple
    labels: tuple
    initial: int
    kind: str = "range"  # "range" (a slider over the grid values) or "select"


@dataclass(frozen=True)
class Output:
    """One number shown for the selected grid point: the column ``name`` with ``digits`` decimals."""

    name: str
    label: str
    unit: str = ""
    digits: int = 3
    group: str = ""


@dataclass(frozen=True)
class Explorer:
    key: str
    controls: tuple
    outputs: tuple
    rows: list = field(default_factory=list)


def fmt(value, digits: int) -> str:
    """The explorer's number format (the same rule as the script's): fixed ``digits`` decimals, "—" for missing,
    words for strings."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    if isinstance(value, str):
        return value
    text = f"{float(value):.{digits}f}"
    return "0." + "0" * digits if digits and text.strip("-0.") == "" else text.replace("-", "−")


def render(
    key: str,
    title: str,
    controls: list[Control],
    outputs: list[Output],
    rows: list[dict],
    *,
    missing: str,
    extra: dict | None = None,
) -> str:
    """The explorer's HTML: controls, a status line, the output table, and the grid as JSON.

    ``rows`` hold every control column and every output column; the row whose control values are the controls'
    initial values is pre-rendered, so the page reads correctly without JavaScript. ``missing`` is the message
    shown where a row has ``exists`` False (no solution at that grid point)."""
    index = {c.name: {v: i for i, v in enumerate(c.values)} for c in controls}
    table = {}
    for r in rows:
        k = ",".join(str(index[c.name][r[c.name]]) for c in controls)
        table[k] = [None if isinstance(v := r.get(o.name), float) and not math.isfinite(v) else v for o in outputs]
        if r.get("exists") is False:
            table[k] = None
    first = ",".join(str(c.initial) for c in controls)
    if first not in table:
        raise ValueError(f"explorer {key}: the initial point {first} is not in the grid")
    data = {
        "controls": [{"name": c.name, "labels": list(c.labels)} for c in controls],
        "outputs": [{"name": o.name, "digits": o.digits} for o in outputs],
        "rows": table,
        "missing": missing,
        **(extra or {}),
    }
    e = html.escape
    parts = [
        f'<div class="mobility-explorer" id="explorer-{e(key)}" data-explorer="{e(key)}">',
        f'<p class="explorer-title"><strong>{e(title)}</strong></p>',
        '<div class="explorer-controls">',
    ]
    for c in controls:
        cid = f"explorer-{key}-{c.name}"
        if c.kind == "select":
            opts = "".join(
                f'<option value="{i}"{" selected" if i == c.initial else ""}>{e(lab)}</option>'
                for i, lab in enumerate(c.labels)
            )
            widget = f'<select id="{cid}" data-control="{e(c.name)}" disabled>{opts}</select>'
        else:
            widget = (
                f'<input type="range" id="{cid}" data-control="{e(c.name)}" min="0" max="{len(c.values) - 1}" '
                f'step="1" value="{c.initial}" disabled>'
            )
        shown = (
            ""
            if c.kind == "select"
            else f'<output for="{cid}" data-value="{e(c.name)}">{e(c.labels[c.initial])}</output>'
        )
        parts.append(f'<label for="{cid}"><span class="explorer-label">{e(c.label)}</span> {widget} {shown}</label>')
    parts.append("</div>")
    parts.append('<p class="explorer-status" role="status" aria-live="polite"></p>')
    parts.append(
        '<noscript><p class="explorer-note">The controls need JavaScript; the table shows the '
        "initial point (the calibrated economy).</p></noscript>"
    )
    parts.append(
        '<table class="explorer-out"><thead><tr><th>quantity</th><th>value</th><th>unit</th></tr></thead><tbody>'
    )
    group = None
    for o, v in zip(outputs, table[first], strict=True):
        if o.group and o.group != group:
            group = o.group
            parts.append(f'<tr class="explorer-group"><th colspan="3">{e(group)}</th></tr>')
        parts.append(
            f'<tr><td>{e(o.label)}</td><td class="explorer-value" data-out="{e(o.name)}">'
            f"{e(fmt(v, o.digits))}</td><td>{e(o.unit)}</td></tr>"
        )
    parts.append("</tbody></table>")
    if "svg" in (extra or {}):
        parts.append('<div class="explorer-svg" aria-hidden="true"></div>')
    payload = json.dumps(data, separators=(",", ":"), allow_nan=False, sort_keys=True).replace("</", "<\\/")
    parts.append(f'<script type="application/json" class="explorer-data">{payload}</script>')
    parts.append("</div>")
    return "\n".join(parts)


def html_output(text: str):
    """The IPython object that puts ``text`` into the page as HTML."""
    from IPython.display import HTML

    return HTML(text)


def ge_table(quick: bool = False):
    """Solve the GE explorer grid through the sweeps (cached under ``_build/sweeps/``); returns the table."""
    from mobility.run import recipes, sweeps

    factors = FACTORS[::3] + (1.0,) if quick else FACTORS
    quotas = QUOTAS[:2] if quick else QUOTAS
    sweep = recipes.mnc_explorer(
        sorted(set(factors)), quotas, tuple(REGIMES), name="mnc-explorer" + ("-quick" if quick else "")
    )
    result = sweeps.run(sweep, progress=False)
    if result.table is None:
        raise RuntimeError(f"the GE explorer grid failed: {'; '.join(map(str, result.failed))}")
    return result.table


def relocation_rows(phis, s_Es):
    """The relocation explorer's grid (closed forms: computed in the page's process)."""
    from mobility.models.relocation import explore

    return explore.grid(phis, s_Es)


def _pct(c: float) -> str:
    return f"{100 * c:.0f} % of Table 3"


def ge(table) -> str:
    """The GE explorer's HTML from :func:`ge_table`'s table (calibrated economy first)."""
    from mobility.models.mnc import counterfactuals as cf

    factors = tuple(sorted(set(table["c_high"])))
    quotas = tuple(sorted(set(table["lam"]), reverse=True))
    regimes = tuple(r for r in REGIMES if r in set(table["regime"]))
    rows = []
    for r in table.to_dict("records"):
        if r["regime"] == "mnc":  # no migration: moving costs and quotas do not matter, the same point everywhere
            rows += [{**r, "c_high": ch, "c_low": cl, "lam": q} for ch in factors for cl in factors for q in quotas]
        else:
            rows.append(r)
    controls = [
        Control("regime", "Regime", regimes, tuple(REGIMES[r] for r in regimes), 0, kind="select"),
        Control(
            "c_high",
            "High-skilled moving costs (excess over 1)",
            factors,
            tuple(_pct(c) for c in factors),
            factors.index(1.0),
        ),
        Control(
            "c_low",
            "Low-skilled moving costs (excess over 1)",
            factors,
            tuple(_pct(c) for c in factors),
            factors.index(1.0),
        ),
        Control(
            "lam",
            "Reciprocal quota on all migrants",
            quotas,
            tuple("no quota" if q == 1 else f"{100 * q:.0f} % of free stocks" for q in quotas),
            0,
        ),
    ]
    groups = {
        "real_wage": "Real wages of natives",
        "migrants": "Migrant stocks",
        "mass": "Firms",
        "gdp": "Real GDP per capita",
    }
    outputs = [
        Output(
            k,
            lab,
            unit,
            1 if k.startswith("gdp") else (4 if k.startswith(("migrants", "mass")) else 3),
            next(g for p, g in groups.items() if k.startswith(p)),
        )
        for k, (lab, unit) in cf.OUTPUTS.items()
    ]
    return render(
        "ge",
        "Migration and multinationals: equilibria on a grid",
        controls,
        outputs,
        rows,
        missing="The solver finds no equilibrium at this grid point (continuation from the neighbouring "
        "point and from the calibrated economy both fail).",
    )


#: The relocation explorer's grid.
PHIS = tuple(round(0.02 * k, 10) for k in range(1, 50))  # 0.02, ..., 0.98
S_ES = tuple(round(0.55 + 0.05 * k, 10) for k in range(9))  # 0.55, ..., 0.95
#: The initial point: the chapter's base case (relocation.Params defaults).
PHI0, S_E0 = 0.3, 0.6


def relocation(rows, phi0: float = PHI0, s_E0: float = S_E0) -> str:
    """The relocation explorer's HTML from :func:`relocation_rows` (initial point: the chapter's base case)."""
    phis = tuple(sorted({r["phi"] for r in rows}))
    s_es = tuple(sorted({r["s_E"] for r in rows}))
    controls = [
        Control("phi", "Freeness of trade φ", phis, tuple(f"{p:.2f}" for p in phis), phis.index(phi0)),
        Control("s_E", "North's expenditure share s_E", s_es, tuple(f"{s:.2f}" for s in s_es), s_es.index(s_E0)),
    ]
    outputs = [
        Output(
            "phase",
            "Phase (XX: a_R < a_X; DD: a_X ≤ a_R < a_D; full: a_R = a_D)",
            "",
            0,
            "Cut-offs and phase",
        ),
        Output("a_D", "Domestic cut-off a_D", "unit input", 4, "Cut-offs and phase"),
        Output("a_X", "Export cut-off a_X", "unit input", 4, "Cut-offs and phase"),
        Output("a_R", "Relocation threshold a_R", "unit input", 4, "Cut-offs and phase"),
        Output("phi_p", "φ_P, where a_R reaches a_X (XX turns DD)", "", 4, "Thresholds at this s_E"),
        Output("phi_s", "φ_S, where a_R reaches a_D (— : not below 1)", "", 4, "Thresholds at this s_E"),
        Output("location_north", "North's share of production locations", "share", 4, "Location"),
        Output("productivity_north", "Average unit input ā, North", "lower = more productive", 4, "Productivity"),
        Output("productivity_south", "Average unit input ā*, South", "lower = more productive", 4, "Productivity"),
        Output("welfare_north", "Welfare W, North (eq. 25)", "log points", 4, "Welfare"),
        Output("welfare_south", "Welfare W*, South (eq. 25)", "log points", 4, "Welfare"),
    ]
    rows = [
        {**r, "phase": {"XX": "XX", "DD": "DD", "full": "full agglomeration"}.get(r["phase"], r["phase"])} for r in rows
    ]
    return render(
        "relocation",
        "Relocation: the entry-stage equilibrium on a grid",
        controls,
        outputs,
        rows,
        missing="No equilibrium at this grid point.",
        extra={"svg": True},
    )


def ge_figure(table):
    """The static companion of the GE explorer (for the PDF and readers without JavaScript): the four native real
    wages against the high-skilled moving-cost factor, low-skilled costs and quotas at Table 3, regime with MNCs."""
    from mobility.models.mnc import counterfactuals as cf

    sel = table[(table["regime"] == "migration_mnc") & (table["c_low"] == 1.0) & (table["lam"] == 1.0)]
    sel = sel.sort_values("c_high")
    fig, ax = display.figure()
    for k in ("real_wage_high_usa", "real_wage_high_canada", "real_wage_low_usa", "real_wage_low_canada"):
        ax.plot(100 * sel["c_high"], sel[k], marker="o", ms=3, label=cf.OUTPUTS[k][0])
    ax.axvline(100.0, color="#777777", lw=1.0)
    ax.annotate("calibrated (Table 3)", (100.0, ax.get_ylim()[1]), ha="left", va="top", fontsize=9)
    ax.set_xlabel("High-skilled excess moving cost τ − 1, % of Table 3")
    ax.set_ylabel("Real wage (US low-skilled autarky = 1)")
    ax.legend(loc="best")
    return fig


def relocation_figure(rows, s_E0: float = S_E0):
    """The static companion of the relocation explorer: cut-offs a_D, a_X, a_R against φ at s_E = ``s_E0``, with
    φ_P and φ_S marked."""
    sel = sorted((r for r in rows if r["s_E"] == s_E0), key=lambda r: r["phi"])
    fig, ax = display.figure()
    phis = [r["phi"] for r in sel]
    for k, lab in (
        ("a_D", "domestic cut-off $a_D$"),
        ("a_X", "export cut-off $a_X$"),
        ("a_R", "relocation threshold $a_R$"),
    ):
        ax.plot(phis, [r[k] for r in sel], label=lab)
    for k, lab in (("phi_p", r"$\phi_P$"), ("phi_s", r"$\phi_S$")):
        v = sel[0][k]
        if math.isfinite(v) and v < 1:
            ax.axvline(v, color="#D55E00", lw=1.0, ls="--")
            ax.annotate(lab, (v, 0.02), xytext=(3, 0), textcoords="offset points", color="#D55E00", fontsize=10)
    ax.set_xlabel(r"Freeness of trade $\phi$")
    ax.set_ylabel("Unit input $a$ (lower = more efficient)")
    ax.set_xlim(0, 1)
    ax.legend(loc="best")
    return fig
