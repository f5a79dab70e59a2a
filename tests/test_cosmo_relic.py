"""Freeze-out solver and relic targets (physics checks; a few seconds each)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy.integrate import ODEintWarning

import semivis.cosmo.boltzmann as boltz
from semivis.constants import M_Planck_GeV
from semivis.cosmo import (
    DarkSectorPoint,
    relic_line,
    relic_omega_h2,
    relic_target,
    solve_griest_seckel,
    solve_relic,
)
from semivis.cosmo.rates import sigma_v_thermal
from semivis.cosmo.thermo import OMEGA_H2_PER_GEV_Y, gstar_rho, gstar_s, gstar_sqrt_eff
from semivis.errors import ConvergenceError, ParameterError
from semivis.planes import PLANES


def test_omega_scales_inversely_with_sigma_v() -> None:
    # Omega ~ x_f/<sigma v> with <sigma v> ~ eps^2 alpha_D: quadrupling eps^2 alpha_D lowers Omega by ~4,
    # up to the logarithmic shift of x_f (ln 4 / x_f ~ 7 %).
    om = {}
    for eps, aD in ((1e-4, 0.01), (2e-4, 0.01), (1e-4, 0.04)):
        p = DarkSectorPoint("idm", m1=0.1, m2=0.1001, m_Ap=0.3, eps=eps, alpha_D=aD)
        om[(eps, aD)] = solve_griest_seckel(p).omega_h2
    r_eps = om[(1e-4, 0.01)] / om[(2e-4, 0.01)]
    r_aD = om[(1e-4, 0.01)] / om[(1e-4, 0.04)]
    assert 3.5 < r_eps < 4.0
    assert r_aD == pytest.approx(r_eps, rel=2e-3)  # only the A' width in the propagator differs


def _gondolo_gelmini_approx(m: float, M: float, eps: float, aD: float, width: float) -> float:
    """Textbook s-wave freeze-out for a Dirac fermion (g = 4, dn/dt = -<sigma v>/2 (n^2 - n_eq^2)).

    x_f from Kolb & Turner Eq. 5.43 (c = 1/2 matching), Y_inf^-1 = Int_{x_f}^inf lambda(x)/x^2 dx
    (Gondolo & Gelmini 1991, Eq. 6.3 ff.).
    """
    g = 4.0

    def sv(x: float) -> float:
        return 0.5 * float(sigma_v_thermal(np.array([x]), m, m, m, M, width, eps, aD)[0])

    x_f = 20.0
    for _ in range(30):
        T = m / x_f
        gs = float(gstar_rho(T))
        arg = 0.038 * g / math.sqrt(gs) * M_Planck_GeV * m * sv(x_f) / math.sqrt(x_f)
        x_f = math.log(arg)

    xs = np.geomspace(x_f, 3000.0, 4001)
    sv_all = 0.5 * sigma_v_thermal(xs, m, m, m, M, width, eps, aD)
    lam = math.sqrt(math.pi / 45) * M_Planck_GeV * m * gstar_sqrt_eff(m / xs) * sv_all / xs**2
    integral = float(np.trapezoid(lam, xs))
    return OMEGA_H2_PER_GEV_Y * m / integral


@pytest.mark.parametrize(("m", "eps"), [(0.2, 1e-3), (0.03, 1e-4)])
def test_dirac_limit_matches_textbook_freeze_out(m: float, eps: float) -> None:
    # R = 10: far from the A' pole (the thermal tail reaches it only at kinetic energy 8 m)
    aD = 0.1
    p = DarkSectorPoint("idm", m1=m, m2=m * (1 + 1e-6), m_Ap=10 * m, eps=eps, alpha_D=aD)
    om = solve_relic(p).omega_h2
    ref = _gondolo_gelmini_approx(m, 10 * m, eps, aD, p.Gamma_Ap())
    print(f"Dirac limit m={m}: solver {om:.5g}, textbook {ref:.5g}, ratio {om / ref:.4f}")
    assert om == pytest.approx(ref, rel=0.04)


def test_coupled_equals_griest_seckel_when_conversions_are_fast() -> None:
    p = DarkSectorPoint("idm", m1=0.1, m2=0.14, m_Ap=0.3, eps=1e-2, alpha_D=0.1)
    assert solve_relic(p).omega_h2 == pytest.approx(solve_griest_seckel(p).omega_h2, rel=1e-3)


def test_result_insensitive_to_chi2chi2_conversion_estimate() -> None:
    base = {"kind": "idm", "m1": 0.01, "m2": 0.011, "m_Ap": 0.03, "eps": 3.7e-5, "alpha_D": 0.1}
    om = [solve_relic(DarkSectorPoint(**base, conversion_scale=s)).omega_h2 for s in (0.1, 1.0, 10.0)]  # type: ignore[arg-type]
    assert om[0] == pytest.approx(om[1], rel=0.01)
    assert om[2] == pytest.approx(om[1], rel=0.01)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("m1", "delta", "y_ref"),
    [(0.01, 0.1, 1.7e-12), (0.1, 0.1, 2e-10), (0.01, 0.4, 1.2e-10), (0.1, 0.4, 2.5e-8)],
)
def test_idm_benchmarks_physics_md(m1: float, delta: float, y_ref: float) -> None:
    # physics.md section 6 (independent calculation, orders of magnitude): R = 3, alpha_D = 0.1
    t = relic_target("idm", m_chi1=m1, ratio=3.0, delta=delta, alpha_D=0.1)
    assert float(t.y[0]) == pytest.approx(y_ref, rel=0.3)
    assert float(t.omega_h2[0]) == pytest.approx(0.12, rel=2e-3)


def test_i2dm_more_mixing_less_relic() -> None:
    om = [relic_omega_h2("i2dm", 0.1, 0.05, 0.3, 1e-3, 0.1, th) for th in (3e-3, 1e-2, 3e-2)]
    assert om[0] > om[1] > om[2] > 0


def test_solver_failure_raises_convergence_error(monkeypatch: pytest.MonkeyPatch) -> None:
    class Failed:
        status = -1
        message = "step size too small"
        y = np.array([[np.nan]])
        t = np.array([1.0])

    def failed_lsoda(*a: object, **k: object) -> tuple[np.ndarray, dict[str, str]]:
        warnings.warn("Excess work done on this call (perhaps wrong Dfun type).", ODEintWarning, stacklevel=2)
        return np.full((3, 1), np.nan), {"message": "Excess work done"}

    p = DarkSectorPoint("idm", m1=0.1, m2=0.11, m_Ap=0.3, eps=1e-3, alpha_D=0.1)
    monkeypatch.setattr(boltz, "solve_ivp", lambda *a, **k: Failed())
    with pytest.raises(ConvergenceError, match=r"m_chi1=0\.1 GeV.*step size too small"):
        solve_relic(p, solver="reference")
    monkeypatch.setattr(boltz, "odeint", failed_lsoda)
    with pytest.raises(ConvergenceError, match=r"m_chi1=0\.1 GeV.*Excess work done"):
        solve_relic(p)


@pytest.mark.parametrize("solver", ["fast", "reference"])
def test_overflow_in_solver_becomes_convergence_error(monkeypatch: pytest.MonkeyPatch, solver: str) -> None:
    def boom(*a: object, **k: object) -> None:
        raise FloatingPointError("overflow encountered")

    monkeypatch.setattr(boltz, "solve_ivp", boom)
    monkeypatch.setattr(boltz, "odeint", boom)
    with pytest.raises(ConvergenceError, match="FloatingPointError"):
        solve_relic(DarkSectorPoint("idm", m1=0.1, m2=0.11, m_Ap=0.3, eps=1e-3, alpha_D=0.1), solver=solver)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "point",
    [
        # iDM small splitting (Griest-Seckel regime), large splitting (coupled), closed A' -> chi chi (R < 2 + delta,
        # Gamma_A' ~ eps^2: the cache must not reuse the width), i2DM small theta (coupled, all channels)
        {"kind": "idm", "m1": 0.1, "m2": 0.11, "m_Ap": 0.3, "eps": 4e-4, "alpha_D": 0.1},
        {"kind": "idm", "m1": 0.01, "m2": 0.014, "m_Ap": 0.03, "eps": 1e-4, "alpha_D": 0.1},
        {"kind": "idm", "m1": 0.1, "m2": 0.11, "m_Ap": 0.205, "eps": 1e-3, "alpha_D": 0.1},
        {"kind": "i2dm", "m1": 0.1, "m2": 0.105, "m_Ap": 0.3, "eps": 1e-3, "alpha_D": 0.1, "theta": 3e-3},
    ],
)
def test_fast_path_equals_reference(point: dict[str, float | str]) -> None:
    # the fast path (cached, eps-rescaled tables; numba + LSODA) against the slow reference solve, including
    # eps values reached through the table cache (first call at eps, then at 1.7 eps and 0.6 eps)
    for scale in (1.0, 1.7, 0.6):
        p = DarkSectorPoint(**{**point, "eps": float(point["eps"]) * scale})  # type: ignore[arg-type]
        fast, ref = solve_relic(p), solve_relic(p, solver="reference")
        assert math.isfinite(fast.omega_h2)
        assert fast.omega_h2 == pytest.approx(ref.omega_h2, rel=1e-3)
        assert fast.method == ref.method
    p = DarkSectorPoint(**point)  # type: ignore[arg-type]
    gs_fast, gs_ref = solve_griest_seckel(p), solve_griest_seckel(p, solver="reference")
    assert gs_fast.omega_h2 == pytest.approx(gs_ref.omega_h2, rel=1e-3)


def test_unknown_solver_is_parameter_error() -> None:
    with pytest.raises(ParameterError, match="solver"):
        solve_relic(DarkSectorPoint("idm", m1=0.1, m2=0.11, m_Ap=0.3, eps=1e-3, alpha_D=0.1), solver="euler")  # type: ignore[arg-type]


def test_no_solution_raises_or_masks() -> None:
    # eps = 1e-7 is far too weak for any splitting: over-abundant everywhere
    with pytest.raises(ConvergenceError, match="no delta"):
        relic_line(PLANES["mchi1-delta"], [0.1], kind="idm", fixed={"eps": 1e-7, "alpha_D": 0.1, "ratio": 3.0})
    out = relic_line(
        PLANES["mchi1-delta"], [0.1], kind="idm", fixed={"eps": 1e-7, "alpha_D": 0.1, "ratio": 3.0}, on_failure="mask"
    )
    assert isinstance(out, np.ma.MaskedArray)
    assert bool(np.ma.getmaskarray(out)[0])


def test_bad_input_is_parameter_error() -> None:
    with pytest.raises(ParameterError, match="m_chi1"):
        relic_target("idm", m_chi1=-0.1, ratio=3.0, delta=0.1, alpha_D=0.1)
    with pytest.raises(ParameterError, match="theta"):
        relic_target("i2dm", m_chi1=0.1, ratio=3.0, delta=0.1, alpha_D=0.1)
    with pytest.raises(ParameterError, match="model"):
        relic_line(PLANES["mchi1-y"], [0.1], kind="xdm", fixed={"alpha_D": 0.1, "ratio": 3.0, "delta": 0.1})


def test_omega_finite_at_extreme_points() -> None:
    for kw in (
        {"m1": 1e-3, "m2": 1.001e-3, "m_Ap": 2.5e-3, "eps": 1e-2, "alpha_D": 1.0},
        {"m1": 3.0, "m2": 4.0, "m_Ap": 9.0, "eps": 1e-6, "alpha_D": 0.01},
    ):
        try:
            om = solve_relic(DarkSectorPoint("idm", **kw)).omega_h2
        except ConvergenceError:
            continue
        assert math.isfinite(om)
        assert om > 0
    assert float(gstar_s(1e-7)) > 0


@pytest.mark.slow
def test_other_planes_are_consistent() -> None:
    # (m_A', alpha_D) with eps from a function of m_A'; (R, y); (m_chi1, tan theta) for i2DM: each returned
    # coupling reproduces Omega h^2 = 0.120 when put back into the solver
    fixed = {"eps": lambda m: 4e-4 * m / 0.3, "ratio": 3.0, "delta": 0.1}
    aD = relic_line(PLANES["mAp-alphaD"], [0.3], kind="idm", fixed=fixed)
    assert relic_omega_h2("idm", 0.1, 0.1, 0.3, 4e-4, float(aD[0])) == pytest.approx(0.12, rel=3e-3)
    y_r = relic_line(PLANES["R-y"], [3.0], kind="idm", fixed={"m_chi1": 0.1, "alpha_D": 0.1, "delta": 0.1})
    y_m = relic_line(PLANES["mchi1-y"], [0.1], kind="idm", fixed={"alpha_D": 0.1, "ratio": 3.0, "delta": 0.1})
    assert float(y_r[0]) == pytest.approx(float(y_m[0]), rel=1e-9)
    tt = relic_line(
        PLANES["mchi1-tantheta"], [0.1], kind="i2dm", fixed={"eps": 1e-3, "alpha_D": 0.1, "ratio": 3.0, "delta": 0.05}
    )
    th = math.atan(float(tt[0]))
    assert relic_omega_h2("i2dm", 0.1, 0.05, 0.3, 1e-3, 0.1, th) == pytest.approx(0.12, rel=3e-3)


def test_relic_target_never_returns_a_bracketed_jump_of_omega() -> None:
    """i2DM, theta = 1e-6, m_chi1 = 1 GeV, R = 3, alpha_D = 1: chi1 is out of equilibrium at the solver's start, so
    Omega h^2(eps) jumps from 0.21 to 0.107 across eps ~ 0.1. The Brent fallback converged onto the jump and returned
    omega_h2 = 0.107 as a target; a bracketed root must have |ln(Omega h^2/0.120)| <= RELIC_OMEGA_RTOL."""
    with pytest.raises(ConvergenceError, match=r"jumps across 0\.120"):
        relic_target("i2dm", m_chi1=1.0, ratio=3.0, delta=0.05623413251903491, alpha_D=1.0, theta=1e-6)


@pytest.mark.parametrize(("alpha_D", "theta", "name"), [(9e-9, None, "alpha_D"), (1.0, 9e-8, "theta")])
def test_relic_target_range_of_alpha_D_and_theta(alpha_D: float, theta: float | None, name: str) -> None:
    kind = "idm" if theta is None else "i2dm"
    with pytest.raises(ParameterError) as err:
        relic_target(kind, m_chi1=1.0, ratio=3.0, delta=0.1, alpha_D=alpha_D, theta=theta)
    assert err.value.name == name


def test_chi1_out_of_equilibrium_at_the_start_is_flagged() -> None:
    """i2DM, theta = 1e-6: chi1 -> chi2 conversions (~ sin^2 theta) are ~0.01 per Hubble time where the coupled
    equations start, so chi1 froze out earlier and the result depends on the start (Omega h^2 halves when the start
    moves by one grid node): flagged, and refused on request. At theta = 1e-3 they are > 10 per Hubble time."""
    d = 0.05623413251903491
    far = solve_relic(DarkSectorPoint("i2dm", m1=1.0, m2=1.0 + d, m_Ap=3.0, eps=0.1, alpha_D=1.0, theta=1e-6))
    assert far.method == "coupled"
    assert far.start_conversions < 0.1
    assert not far.start_in_equilibrium
    near = solve_relic(DarkSectorPoint("i2dm", m1=1.0, m2=1.0 + d, m_Ap=3.0, eps=4e-3, alpha_D=1.0, theta=1e-3))
    assert near.start_in_equilibrium
    with pytest.raises(ConvergenceError, match="only a lower bound"):
        relic_omega_h2("i2dm", 1.0, d, 3.0, 0.1, 1.0, 1e-6, require_equilibrium_start=True)
    assert relic_omega_h2("i2dm", 1.0, d, 3.0, 0.1, 1.0, 1e-6) == far.omega_h2


def test_fast_solver_survives_a_long_last_step_with_a_stable_chi2() -> None:
    """i2DM, m_chi1 = 10 MeV, delta = 0.1 (chi2 -> chi1 e+e- closed: chi2 stable, q = ln[Y2/(r Y1)] grows as delta x):
    LSODA stepped beyond x_end = 2000 and returned NaN there ('non-finite solution' for `semivis relic --model i2dm
    --mchi1 0.01 --delta 0.1 --alphaD 1 --theta 0.01`). The failed run is repeated with tcrit = x_end; it agrees
    with the reference (Radau) path."""
    boltz._TABLE_CACHE.clear()
    p = DarkSectorPoint("i2dm", m1=0.01, m2=0.011, m_Ap=0.03, eps=1e-4, alpha_D=1.0, theta=0.01)
    fast = solve_relic(p).omega_h2
    assert math.isfinite(fast)
    assert fast == pytest.approx(solve_relic(p, solver="reference").omega_h2, rel=1e-3)
