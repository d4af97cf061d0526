"""The relocation model of Baldwin & Okubo, *International trade, offshoring and heterogeneous firms* (seed 003).

Heterogeneous firms (Melitz 2003) combined with the footloose-capital model (Martin & Rogers 1995); every
displayed equation of the paper is reconstructed (the seed text lost them). Modules, by job:

- :mod:`.params`: :class:`Params` (validated; ``Params.replace``) and the model's errors;
- :mod:`.static`: the static equilibria, eqs. (3)-(22): autarky, trade without relocation, the partitioning and
  sustain points, relocation with the stock frozen and relocation followed by entry and exit;
- :mod:`.welfare`: productivity (eqs. 10-11, 23-24) and small-nation welfare (eqs. 25-26);
- :mod:`.claims`: Results 1-7 checked, with computed verdicts;
- :mod:`.transition`: the general case (Section 3.3, appendix eqs. 27-28), simulated;
- :mod:`.figures`: the chapter's figures;
- :mod:`.numerics`: complex-step derivatives and grid helpers.

Every public name is re-exported here: ``from mobility.models import relocation as rl; rl.entry(rl.Params())``.
"""

from .claims import (
    CONFIRMED,
    NOT_CONFIRMED,
    NOT_RESOLVED,
    SOUTH_SCAN_GRID,
    check_results,
    footnote11_derivative,
    general_case_summary,
    grid_checks,
    hme_check,
    north_dd_examples,
    north_dd_map_grid,
    north_dd_map_summary,
    north_dd_pattern,
    north_dd_share_map,
    north_dd_switch_curve,
    phase_points,
    result5_scan,
    result7_transition,
    result_verdicts,
    sign_word,
    south_scan_grid,
    south_scan_summary,
    special_case_check,
    thresholds_check,
    variant_grid,
    verdict,
)
from .numerics import dphi, sweep
from .params import (
    Params,
    RelocationParameterError,
    RelocationSolveError,
    check_phi,
    f_i_setting,
)
from .static import (
    Equilibrium,
    Gains,
    autarky,
    deltas,
    entry,
    export_ratio,
    frozen,
    hft,
    hme_derivative,
    initial_gains,
    phi_partition,
    phi_sustain,
    phi_sustain_frozen,
    thresholds_by_root_finding,
)
from .transition import Transition, simulate_transition, transition_runs, welfare_gap_pv
from .welfare import (
    footnote11_dlnwx,
    production_weights,
    productivity,
    productivity_entry,
    productivity_entry_dd_north,
    productivity_entry_dd_north_terms,
    productivity_frozen,
    productivity_hft,
    special_case_derivative,
    weights_hft,
    welfare_ratio,
    welfare_south,
)

__all__ = [
    "Params",
    "RelocationParameterError",
    "RelocationSolveError",
    "check_phi",
    "f_i_setting",
    "Equilibrium",
    "Gains",
    "autarky",
    "hft",
    "hme_derivative",
    "phi_partition",
    "phi_sustain",
    "phi_sustain_frozen",
    "deltas",
    "thresholds_by_root_finding",
    "export_ratio",
    "initial_gains",
    "frozen",
    "entry",
    "productivity",
    "productivity_hft",
    "productivity_frozen",
    "productivity_entry",
    "productivity_entry_dd_north",
    "productivity_entry_dd_north_terms",
    "production_weights",
    "weights_hft",
    "footnote11_dlnwx",
    "special_case_derivative",
    "welfare_south",
    "welfare_ratio",
    "dphi",
    "sweep",
    "CONFIRMED",
    "NOT_CONFIRMED",
    "NOT_RESOLVED",
    "verdict",
    "sign_word",
    "special_case_check",
    "phase_points",
    "check_results",
    "result5_scan",
    "north_dd_pattern",
    "north_dd_share_map",
    "north_dd_switch_curve",
    "result7_transition",
    "result_verdicts",
    "SOUTH_SCAN_GRID",
    "south_scan_grid",
    "south_scan_summary",
    "north_dd_map_grid",
    "north_dd_map_summary",
    "north_dd_examples",
    "footnote11_derivative",
    "hme_check",
    "thresholds_check",
    "variant_grid",
    "grid_checks",
    "Transition",
    "simulate_transition",
    "transition_runs",
    "welfare_gap_pv",
    "general_case_summary",
]
