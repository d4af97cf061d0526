"""The PPML wrapper: against a dummy-variable GLM, separation accounting, non-convergence, errors."""

import numpy as np
import pandas as pd
import pytest
import scipy.linalg
import statsmodels.api as sm

from mobility.models.gravity import estimate as est


def _small_panel(seed=3, n=7, years=(1990, 1995, 2000, 2005)):
    """A small pruned pair-year panel: every pair has positive stocks, no separation, no singletons."""
    rng = np.random.default_rng(seed)
    rows = []
    for o in range(n):
        for d in range(n):
            if o == d:
                continue
            pair_eff = rng.normal(0, 0.5)
            for t, y in enumerate(years):
                rows.append((f"c{o}", f"c{d}", y, pair_eff, t))
    df = pd.DataFrame(rows, columns=["origin", "destination", "year", "pair_eff", "t"])
    df["visa"] = (rng.random(len(df)) < 0.3).astype(float)
    df["rta"] = (rng.random(len(df)) < 0.4).astype(float)
    df["gdp_diff"] = rng.normal(0, 1, len(df))
    mu = np.exp(3 + 0.2 * df.visa + 0.1 * df.rta + 0.05 * df.gdp_diff + df.pair_eff + 0.1 * df.t)
    df["stock"] = rng.poisson(mu).astype(float) + 1.0  # strictly positive: nothing separated
    df["orig_year"] = df.origin + "_" + df.year.astype(str)
    df["dest_year"] = df.destination + "_" + df.year.astype(str)
    df["pair"] = df.origin + "_" + df.destination
    return df


def _glm_dummies(df, regs, fes):
    """Full-rank dummy-variable design: regressors, then FE dummies with dependent columns removed by pivoted QR."""
    dummies = pd.concat([pd.get_dummies(df[f], prefix=f, dtype=float) for f in fes], axis=1)
    X = pd.concat([df[regs].astype(float), dummies], axis=1)
    _, r, piv = scipy.linalg.qr(X.to_numpy(), mode="economic", pivoting=True)
    rank = int((np.abs(np.diag(r)) > 1e-9 * abs(r[0, 0])).sum())
    keep = sorted(piv[:rank])
    assert all(i in keep for i in range(len(regs))), "slopes must be identified"
    return X.iloc[:, keep]


REGS = ["visa", "rta", "gdp_diff"]
FES = ["orig_year", "dest_year", "pair"]


def test_ppml_matches_dummy_variable_glm():
    df = _small_panel()
    fit = est.ppml(df, "stock", REGS, FES, tol=1e-12, fixef_tol=1e-13, maxiter=200)
    assert fit.n_separation == 0 and fit.n_singleton == 0 and fit.nobs == len(df)
    X = _glm_dummies(df, REGS, FES)
    glm = sm.GLM(df["stock"], X, family=sm.families.Poisson()).fit(tol=1e-14, maxiter=200, cov_type="HC0")
    # the chapter's correction: N/(N-K), K = slopes + fixed-effect levels - (number of FE sets - 1) (fixest's count)
    n = len(df)
    k_all = len(REGS) + sum(df[f].nunique() for f in FES) - (len(FES) - 1)
    factor = np.sqrt(n / (n - k_all))
    for r in REGS:
        assert fit.coef[r] == pytest.approx(glm.params[r], abs=1e-8)
        assert fit.se[r] == pytest.approx(glm.bse[r] * factor, abs=1e-6)
        # the alternative kept on the result counts the slopes only
        assert fit.extra["se_slopes_only"][r] == pytest.approx(glm.bse[r] * np.sqrt(n / (n - len(REGS))), abs=1e-6)


def test_separation_dropped_and_counted():
    df = _small_panel(seed=5)
    # (i) an all-zero pair: dropped by the fixed-effect check (4 observations)
    zero_pair = df.pair == "c0_c1"
    df.loc[zero_pair, "stock"] = 0.0
    # (ii) a regressor-separated cell: a dummy that is 1 only on observations with zero stock
    cell = (df.pair == "c2_c3") & (df.year == 2000)
    df.loc[cell, "stock"] = 0.0
    df["sep"] = cell.astype(float)
    fit = est.ppml(df, "stock", ["visa", "rta", "sep"], FES, tol=1e-10)
    assert fit.n_separation == int(zero_pair.sum()) + int(cell.sum())
    assert fit.nobs == len(df) - fit.n_separation - fit.n_singleton
    assert "visa" in fit.coef and np.isfinite(fit.coef["visa"])
    assert fit.n_missing == 0


def test_nonconvergence_raises():
    df = _small_panel()
    with pytest.raises(est.ConvergenceError) as info:
        est.ppml(df, "stock", REGS, FES, maxiter=1, tol=1e-14)
    assert info.value.maxiter == 1
    assert np.isfinite(info.value.deviance)
    assert "did not converge" in str(info.value)


def test_bad_inputs():
    df = _small_panel()
    with pytest.raises(KeyError, match="nonesuch"):
        est.ppml(df, "stock", ["nonesuch"], FES)
    with pytest.raises(ValueError, match="maxiter"):
        est.ppml(df, "stock", REGS, FES, maxiter=0)
    bad = df.assign(stock=-df.stock)
    with pytest.raises(ValueError, match="non-negative"):
        est.ppml(bad, "stock", REGS, FES)
    with pytest.raises(ValueError, match="vcov"):
        est.ppml(df, "stock", REGS, FES, vcov="hc3")


def test_missing_values_counted():
    df = _small_panel()
    df.loc[df.index[:5], "gdp_diff"] = np.nan
    fit = est.ppml(df, "stock", REGS, FES)
    assert fit.n_missing == 5
    assert fit.nobs + fit.n_missing + fit.n_separation + fit.n_singleton == len(df)


def test_leave_one_out_instrument_by_hand():
    df = _small_panel(n=4, years=(1990,))
    df["visa"] = 0.0
    # symmetric visa between c0-c1 and c0-c2
    for a, b in [("c0", "c1"), ("c0", "c2")]:
        df.loc[((df.origin == a) & (df.destination == b)) | ((df.origin == b) & (df.destination == a)), "visa"] = 1.0
    iv = est.leave_one_out_instrument(df)
    row = (df.origin == "c1") & (df.destination == "c2")
    # origin c1: visa partners excluding c2 -> {c0}: 1/3; destination c2: partners excluding c1 -> {c0}: 1/3
    assert iv[row].item() == pytest.approx(1 / 9)
    row = (df.origin == "c0") & (df.destination == "c1")
    # origin c0 excluding c1 -> {c2}: 1/3; destination c1 excluding c0 -> {}: 0
    assert iv[row].item() == pytest.approx(0.0)


def test_pruning_of_all_zero_groups_matches_a_groupby_reference():
    """The fixed point of dropping fixed-effect groups whose outcome is all zero, against the plain pandas
    definition, on panels with many zeros (pruning one effect's groups empties another's)."""
    import numpy as np
    import pandas as pd

    from mobility.models.gravity import estimate

    def reference(frame, depvar, fe):
        frame = frame.copy()
        while True:
            n = len(frame)
            for f in fe:
                frame = frame[frame.groupby(f)[depvar].transform(lambda y: (y > 0).any())]
            if len(frame) == n:
                return frame

    rng = np.random.default_rng(3)
    for trial in range(20):
        n = 400
        frame = pd.DataFrame(
            {
                "y": rng.poisson(0.4, n) * rng.integers(0, 2, n),
                "a": rng.integers(0, 30, n).astype(str),
                "b": rng.integers(0, 25, n),
                "c": rng.integers(0, 60, n),
            }
        )
        keep = estimate._identified_rows(frame.y.to_numpy(float), estimate._codes(frame, "abc"), singletons=False)
        want = reference(frame, "y", ("a", "b", "c"))
        assert frame.index[keep].tolist() == want.index.tolist(), trial


# ppml_coef: the coefficients of ppml without its standard errors, for the bootstrap. Tolerance fixed before the
# comparison was run: 1e-9 absolute (both run IRLS to the same deviance criterion; only the demeaning's starting
# points differ).
COEF_ATOL = 1e-9


def _resamples(df, n, seed):
    """Pair-block resamples of ``df`` as the bootstrap draws them (a pair drawn twice gets two pair ids)."""
    rng = np.random.default_rng(seed)
    pairs = df.pair.unique()
    for _ in range(n):
        draw = rng.choice(pairs, len(pairs))
        yield pd.concat([df[df.pair == p].assign(pair=f"{p}#{k}") for k, p in enumerate(draw)], ignore_index=True)


@pytest.mark.parametrize("n_countries", [30, 40])
def test_ppml_coef_matches_ppml_on_simulated_and_resampled_panels(n_countries):
    from mobility.models.gravity import synthetic, tables

    spec = tables.SPECS["table2.col3"]
    panel = synthetic.simulate_panel(synthetic.SimulationParams(n_countries=n_countries, seed=11))
    assert (panel[spec.depvar] == 0).mean() > 0.3  # zeros, all-zero pairs and separation to set aside
    coef, start = est.ppml_coef(panel, spec.depvar, spec.regressors, spec.fe, fitted=True)
    for sample in [panel, *_resamples(panel, 3, seed=n_countries)]:
        ref = est.ppml(sample, spec.depvar, spec.regressors, spec.fe).coef
        got = est.ppml_coef(sample, spec.depvar, spec.regressors, spec.fe)
        assert got.keys() == ref.keys()
        for k in ref:
            assert got[k] == pytest.approx(ref[k], abs=COEF_ATOL)
    # started from the full sample's fit (as the bootstrap does): the same coefficients
    pos = np.arange(len(panel))[::-1]  # any row order: start is indexed like the rows of the data
    again = est.ppml_coef(panel.iloc[pos], spec.depvar, spec.regressors, spec.fe, start=start[pos])
    for k in coef:
        assert again[k] == pytest.approx(coef[k], abs=COEF_ATOL)


def test_ppml_coef_sets_aside_what_ppml_does():
    df = _small_panel(seed=5)
    df.loc[df.pair == "c0_c1", "stock"] = 0.0  # an all-zero pair
    cell = (df.pair == "c2_c3") & (df.year == 2000)  # a regressor-separated cell
    df.loc[cell, "stock"] = 0.0
    df["sep"] = cell.astype(float)
    df.loc[df.index[:3], "gdp_diff"] = np.nan
    ref = est.ppml(df, "stock", ["visa", "rta", "gdp_diff", "sep"], FES, tol=1e-10)
    got, start = est.ppml_coef(df, "stock", ["visa", "rta", "gdp_diff", "sep"], FES, tol=1e-10, fitted=True)
    assert got.keys() == ref.coef.keys() and "sep" not in got  # zero once the separated cell is set aside
    for k in got:
        assert got[k] == pytest.approx(ref.coef[k], abs=COEF_ATOL)
    assert int(np.isfinite(start.mu).sum()) == ref.nobs  # the same observations used
    assert np.isnan(start.mu[df.index[:3]]).all() and np.isnan(start.mu[(df.pair == "c0_c1").to_numpy()]).all()


def test_ppml_coef_frequency_weights_are_repeated_rows():
    """A row of weight k is k identical rows, each with its own pair effect: the same coefficients (COEF_ATOL),
    including the rules that set rows aside (an all-zero pair, a separated cell, and an origin-year whose one row
    counts twice and so is no singleton)."""
    from mobility.models.gravity import synthetic, tables

    spec = tables.SPECS["table2.col3"]
    panel = synthetic.simulate_panel(synthetic.SimulationParams(n_countries=30, seed=4))
    rng = np.random.default_rng(0)
    pairs = panel.pair.unique()
    times = dict(zip(pairs, rng.integers(1, 4, len(pairs)), strict=True))
    # one origin-year left with a single pair: a singleton unless that pair is drawn more than once
    oy = panel.orig_year.iloc[0]
    lone = panel[(panel.orig_year == oy) & (panel[spec.depvar] > 0)].pair.iloc[0]
    panel = panel[(panel.orig_year != oy) | (panel.pair == lone)]
    times[lone] = 2
    w = panel.pair.map(times).to_numpy()
    expanded = pd.concat(
        [g.assign(pair=f"{p}#{k}") for p, g in panel.groupby("pair", sort=False) for k in range(times[p])],
        ignore_index=True,
    )
    got = est.ppml_coef(panel, spec.depvar, spec.regressors, spec.fe, weights=w)
    want = est.ppml_coef(expanded, spec.depvar, spec.regressors, spec.fe)
    assert got.keys() == want.keys()
    for k in want:
        assert got[k] == pytest.approx(want[k], abs=COEF_ATOL)
    # the lone origin-year row is kept (weight 2), as its two copies are; with weight 1 it is a singleton
    codes = est._codes(panel, spec.fe)
    row = np.flatnonzero((panel.orig_year == oy).to_numpy())
    y = panel[spec.depvar].to_numpy(float)
    assert len(row) == 1 and y[row[0]] > 0
    assert est._identified_rows(y, codes, w=w.astype(float))[row[0]]
    assert not est._identified_rows(y, codes)[row[0]]
    # with every weight 1, exactly the unweighted fit
    assert est.ppml_coef(panel, spec.depvar, spec.regressors, spec.fe, weights=np.ones(len(panel), int)) == (
        est.ppml_coef(panel, spec.depvar, spec.regressors, spec.fe)
    )


@pytest.mark.parametrize(
    "weights",
    [lambda n: np.ones(n - 1, int), lambda n: np.full(n, 1.5), lambda n: np.zeros(n, int), lambda n: -np.ones(n, int)],
)
def test_ppml_coef_bad_weights(weights):
    df = _small_panel()
    with pytest.raises(ValueError, match="weights must hold one positive integer per row of data"):
        est.ppml_coef(df, "stock", REGS, FES, weights=weights(len(df)))


def test_ppml_coef_failures():
    df = _small_panel()
    with pytest.raises(est.ConvergenceError, match="did not converge"):
        est.ppml_coef(df, "stock", REGS, FES, maxiter=1, tol=1e-14)
    with pytest.raises(est.EstimationError, match="nothing left to estimate"):
        est.ppml_coef(df.assign(stock=0.0), "stock", REGS, FES)
    with pytest.raises(ValueError, match="non-negative"):
        est.ppml_coef(df.assign(stock=-df.stock), "stock", REGS, FES)
    with pytest.raises(KeyError, match="nonesuch"):
        est.ppml_coef(df, "stock", ["nonesuch"], FES)
    _, start = est.ppml_coef(df, "stock", REGS, FES, fitted=True)
    with pytest.raises(ValueError, match="one row per row of data"):
        est.ppml_coef(df.iloc[:-1], "stock", REGS, FES, start=start)


@pytest.mark.parametrize(
    "vcov, ssc, pf_vcov",
    [
        ("hetero", "chapter", "hetero"),
        ("cluster:pair", "chapter", {"CRV1": "pair"}),
        ("cluster:orig_year+dest_year", "chapter", {"CRV1": "orig_year+dest_year"}),
        ("hetero", "stata", "hetero"),
        ("cluster:pair", "stata", {"CRV1": "pair"}),
    ],
)
def test_ppml_matches_pyfixest_fepois(vcov, ssc, pf_vcov):
    """Our IRLS and sandwich against ``pyfixest.fepois`` with both of its separation checks, on a simulated panel
    with zeros, all-zero pairs and separation. Tolerances fixed before the comparison was run: 1e-10 absolute on
    coefficients; 1e-7 relative on standard errors (the demeaning stops at fixef_tol = 1e-8, and our loose early
    IRLS steps change the last step's weights, which the sandwich uses, within that precision). Stata's factors
    are pyfixest's without any correction times N/(N-1) (robust) or G/(G-1) (clustered)."""
    import warnings

    import pyfixest as pf

    from mobility.models.gravity import synthetic, tables

    spec = tables.SPECS["table2.col3"]
    panel = synthetic.simulate_panel(synthetic.SimulationParams(n_countries=40, seed=5))
    fit = est.ppml(panel, spec.depvar, spec.regressors, spec.fe, vcov=vcov, ssc=ssc)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = pf.fepois(
            f"{spec.depvar} ~ {' + '.join(spec.regressors)} | {' + '.join(spec.fe)}",
            data=panel,
            vcov=pf_vcov,
            ssc=pf.ssc(**est.SSC) if ssc == "chapter" else pf.ssc(k_adj=False, G_adj=False),
            separation_check=["fe", "ir"],
            iwls_tol=1e-8,
            fixef_tol=1e-8,
        )
    if ssc == "stata":
        g = ref._N if vcov == "hetero" else min(np.atleast_1d(ref._G))
        factor = np.sqrt(g / (g - 1))
    else:
        factor = 1.0
    assert fit.nobs == ref._N and fit.n_separation + fit.n_singleton == len(panel) - ref._N
    assert fit.pseudo_r2 == pytest.approx(ref._pseudo_r2, rel=1e-9)
    for k, v in ref.coef().items():
        assert fit.coef[k] == pytest.approx(v, abs=1e-10)
        assert fit.se[k] == pytest.approx(ref.se()[k] * factor, rel=1e-7)


def test_ppml_without_fixed_effects_matches_pyfixest():
    """No fixed effects: an intercept, named as pyfixest names it (same tolerances as above)."""
    import warnings

    import pyfixest as pf

    df = _small_panel()
    fit = est.ppml(df, "stock", REGS, (), alt_vcov=("cluster:pair",))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = pf.fepois("stock ~ visa + rta + gdp_diff", data=df, vcov="hetero", ssc=pf.ssc(**est.SSC))
    assert list(fit.coef) == list(ref.coef().index) and fit.extra["k_fe"] == 0
    for k, v in ref.coef().items():
        assert fit.coef[k] == pytest.approx(v, abs=1e-10)
        assert fit.se[k] == pytest.approx(ref.se()[k], rel=1e-7)
    ref.vcov({"CRV1": "pair"})
    for k, v in ref.se().items():
        assert fit.extra["se_alt"]["cluster:pair"][k] == pytest.approx(v, rel=1e-7)


def test_regressor_collinear_with_the_fixed_effects_is_dropped():
    """A regressor that is a sum of fixed-effect values (a pair-level distance plus an origin-year shock) is found
    collinear on the first IRLS step, whose demeaning runs at the full tolerance (the later, loose steps would leave
    it a residual of about 1e-4 and give it a meaningless coefficient), by ppml and ppml_coef alike."""
    from mobility.models.gravity import synthetic, tables

    spec = tables.SPECS["table2.col3"]
    panel = synthetic.simulate_panel(synthetic.SimulationParams(n_countries=30, seed=2))
    shock = panel.groupby("orig_year").ngroup().to_numpy() % 7 * 0.3
    panel["collin"] = panel["ln_dist"] + shock
    regs = [*spec.regressors, "collin"]
    fit = est.ppml(panel, spec.depvar, regs, spec.fe)
    base = est.ppml(panel, spec.depvar, spec.regressors, spec.fe)
    assert fit.extra["collinear"] == ["collin"] and "collin" not in fit.coef
    assert est.ppml_coef(panel, spec.depvar, regs, spec.fe).keys() == base.coef.keys()
    for k, v in base.coef.items():
        assert fit.coef[k] == pytest.approx(v, abs=1e-10)
