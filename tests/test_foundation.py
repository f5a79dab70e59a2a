"""Package-level checks: constants, errors, validation helpers, package data."""

from __future__ import annotations

import math

import numpy as np
import pytest

from semivis import constants as c
from semivis._validation import check_range
from semivis.data import gstar_table, hadronic_R
from semivis.errors import ParameterError


def test_hbar_c_consistent_with_hbar_and_c() -> None:
    # hbar c = hbar * c with c = 299792458 m/s exact
    assert c.hbar_GeV_s * 299792458.0 == pytest.approx(c.hbar_c_GeV_m, rel=1e-9)


def test_gev2_to_pb_is_hbar_c_squared() -> None:
    hbar_c_cm = c.hbar_c_GeV_m * 100.0
    assert c.GeV2_to_cm2 == pytest.approx(hbar_c_cm**2, rel=1e-8)
    assert c.GeV2_to_pb == pytest.approx(c.GeV2_to_cm2 / 1e-36, rel=1e-12)


def test_parameter_error_names_parameter_value_and_range() -> None:
    with pytest.raises(ParameterError, match=r"eps = 2\.0 is out of range: allowed 0\.0 < eps < 1\.0"):
        check_range("eps", [1e-3, 2.0], 0.0, 1.0)


@pytest.mark.parametrize("bad", [math.nan, math.inf, "abc"])
def test_non_finite_input_is_rejected(bad: object) -> None:
    with pytest.raises(ParameterError, match="eps"):
        check_range("eps", bad, 0.0, 1.0)  # type: ignore[arg-type]


def test_hadronic_r_known_values() -> None:
    # zero below the two-pion threshold; rho/omega region R ~ 10-20; phi peak R ~ 45 (PDG compilation)
    assert float(hadronic_R(0.2)) == 0.0
    assert 8.0 < float(hadronic_R(0.775)) < 20.0
    assert 35.0 < float(hadronic_R(1.02)) < 60.0
    # between resonances above 2 GeV R ~ 2 (three light colours, N_c sum Q^2 = 2)
    assert float(hadronic_R(2.5)) == pytest.approx(2.2, abs=0.5)


def test_gstar_limits() -> None:
    temperature, gs, grho = gstar_table()
    assert np.all(np.diff(temperature) > 0)
    # today's photons + 3 neutrinos: g_*s = 3.91, g_*rho = 3.38
    assert gs[0] == pytest.approx(3.91, abs=0.03)
    assert grho[0] == pytest.approx(3.38, abs=0.02)
    # far above the electroweak scale: the free SM gas has 106.75, interactions lower it by ~2 %
    assert grho[-1] == pytest.approx(106.75, rel=0.03)
    assert grho[-1] < 106.75
