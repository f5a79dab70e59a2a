"""The models/ contract (docs/dev/contracts.md): constructors, attributes, broadcasting, validation messages."""

from __future__ import annotations

import math

import numpy as np
import pytest

from semivis import models
from semivis.errors import ParameterError
from semivis.models import CHANNELS, I2DM, IDM, InvisibleDarkPhoton, make_model, sample_chi2_decay


def test_namespace_exports_contract_names() -> None:
    for name in ("IDM", "I2DM", "InvisibleDarkPhoton", "make_model", "sample_chi2_decay", "CHANNELS"):
        assert name in models.__all__
        assert hasattr(models, name)
    assert set(CHANNELS) == {"e+e-", "mu+mu-", "hadrons", "chi1chi1", "chi1chi2", "chi2chi2"}
    assert callable(sample_chi2_decay)


def test_attributes_are_broadcast_float_arrays() -> None:
    m = IDM(np.array([0.1, 0.3, 1.0]), np.array([[1e-4], [1e-3]]), 0.1, ratio=3.0, delta=0.4)
    assert m.kind == "idm"
    for attr in ("m_Ap", "eps", "alpha_D", "m_chi1", "m_chi2", "delta", "theta", "ratio"):
        a = getattr(m, attr)
        assert a.shape == (2, 3)
        assert a.dtype == np.float64
    np.testing.assert_allclose(m.m_chi2, m.m_chi1 * 1.4)
    np.testing.assert_allclose(m.ratio, 3.0)
    assert m.theta[0, 0] == pytest.approx(math.pi / 4)
    for name in ("Gamma_Ap", "Gamma_chi2", "Gamma_chi2_approx", "k_factor", "ctau_chi2_m", "BR_dark"):
        assert getattr(m, name)().shape == (2, 3)
    assert m.chi2_stable().dtype == np.bool_
    assert all(v.shape == (2, 3) for v in m.partial_widths().values())


def test_m_chi1_and_ratio_are_equivalent() -> None:
    a = I2DM(0.6, 1e-3, 0.1, m_chi1=0.2, delta=0.1, theta=0.4)
    b = I2DM(0.6, 1e-3, 0.1, ratio=3.0, delta=0.1, theta=0.4)
    np.testing.assert_allclose(a.Gamma_chi2(), b.Gamma_chi2(), rtol=1e-13)
    np.testing.assert_allclose(a.Gamma_Ap(), b.Gamma_Ap(), rtol=1e-13)


def test_make_model_kinds() -> None:
    common = {"m_Ap": 0.3, "eps": 1e-3, "alpha_D": 0.1, "m_chi1": 0.1}
    assert isinstance(make_model("idm", **common, delta=0.4), IDM)
    assert isinstance(make_model("i2dm", **common, delta=0.4, theta=0.2), I2DM)
    inv = make_model("invisible", **common, delta=None, theta=None)  # None counts as not given
    assert isinstance(inv, InvisibleDarkPhoton)
    assert inv.kind == "invisible"
    assert float(inv.delta) == 0.0


@pytest.mark.parametrize(
    ("kind", "extra", "refused"),
    [
        ("invisible", {"delta": 0.4}, "delta"),  # the invisible model has no chi2: a splitting is meaningless
        ("invisible", {"theta": 0.2}, "theta"),
        ("idm", {"delta": 0.4, "theta": 0.2}, "theta"),  # iDM is the pseudo-Dirac limit, theta = pi/4 fixed
        ("idm", {}, "delta"),  # required, never a silent default
        ("i2dm", {"delta": 0.4}, "theta"),
    ],
)
def test_make_model_refuses_foreign_or_missing_keywords(kind: str, extra: dict[str, float], refused: str) -> None:
    """One validation of a model point: a keyword of another kind is refused (not dropped), and the error names the
    keyword (the CLI re-labels it with the option, semivis.cli._common.relabel)."""
    common = {"m_Ap": 0.3, "eps": 1e-3, "alpha_D": 0.1, "m_chi1": 0.1}
    with pytest.raises(ParameterError, match=rf"^{refused} = "):
        make_model(kind, **common, **extra)


def test_with_couplings_shares_masses_and_changes_couplings() -> None:
    m = I2DM(np.linspace(0.1, 1, 5), 1e-3, 0.1, ratio=3.0, delta=0.4, theta=0.3)
    m2 = m.with_couplings(theta=np.array([[0.1], [0.2]]))
    assert m2.shape == (2, 5)
    np.testing.assert_array_equal(m2.m_Ap[0], m.m_Ap)
    np.testing.assert_allclose(m2.eps, 1e-3)
    assert m2._cache is m._cache
    with pytest.raises(ParameterError, match="theta"):
        IDM(0.3, 1e-3, 0.1, ratio=3.0).with_couplings(theta=0.2)


def test_attributes_are_read_only() -> None:
    m = IDM(0.3, 1e-3, 0.1, ratio=3.0)
    with pytest.raises(ValueError, match="read-only"):
        m.m_Ap[...] = 1.0


def test_benchmark_stable_point() -> None:
    """m_chi1 = 10 MeV, R = 3, delta = 0.1: dm = 1 MeV < 2 m_e, chi2 stable (a result, not an error)."""
    m = IDM(0.03, 1e-4, 0.1, m_chi1=0.01, delta=0.1)
    assert bool(m.chi2_stable())
    assert math.isinf(float(m.ctau_chi2_m()))


@pytest.mark.parametrize(
    ("call", "pattern"),
    [
        (lambda: IDM(-0.3, 1e-3, 0.1, ratio=3.0), r"m_Ap = -0\.3 .*allowed 1e-06 <= m_Ap <= 100\.0"),
        (lambda: IDM(0.0, 1e-3, 0.1, ratio=3.0), r"m_Ap = 0\.0"),
        (lambda: IDM(0.3, 0.0, 0.1, ratio=3.0), r"eps = 0\.0 .*0\.0 < eps < 1\.0"),
        (lambda: IDM(0.3, 1.0, 0.1, ratio=3.0), r"eps = 1\.0"),
        (lambda: IDM(0.3, 1e-3, 0.0, ratio=3.0), r"alpha_D = 0\.0"),
        (lambda: IDM(0.3, 1e-3, -1.0, ratio=3.0), r"alpha_D = -1\.0"),
        (lambda: IDM(0.3, 1e-3, 0.1, ratio=3.0, delta=-0.1), r"delta = -0\.1 .*0\.0 <= delta <= 1"),
        (lambda: IDM(0.3, 1e-3, 0.1, m_chi1=-0.1), r"m_chi1 = -0\.1"),
        (lambda: IDM(0.3, 1e-3, 0.1, ratio=0.0), r"ratio = 0\.0"),
        (lambda: IDM(0.3, 1e-3, 0.1), r"m_chi1/ratio .*exactly one"),
        (lambda: IDM(0.3, 1e-3, 0.1, m_chi1=0.1, ratio=3.0), r"m_chi1/ratio .*exactly one"),
        (lambda: IDM(0.3, 1e-3, 0.1, ratio=2.2, delta=0.4), r"ratio = 2\.2.*kinematically closed"),
        (lambda: IDM(0.2, 1e-3, 0.1, m_chi1=0.1, delta=0.4), r"m_Ap = 0\.2 .*m_chi1 \+ m_chi2.*closed"),
        (lambda: I2DM(0.3, 1e-3, 0.1, ratio=3.0, delta=0.4, theta=-0.1), r"theta = -0\.1 .*pi|theta = -0\.1"),
        (lambda: I2DM(0.3, 1e-3, 0.1, ratio=3.0, delta=0.4, theta=2.0), r"theta = 2\.0"),
        (lambda: I2DM(0.3, 1e-3, 0.1, ratio=3.0, delta=0.4), r"theta"),
        (lambda: InvisibleDarkPhoton(0.3, 1e-3, 0.1, m_chi=0.2), r"m_Ap = 0\.3 .*2 m_chi"),
        (lambda: IDM([0.1, 0.2], 1e-3, 0.1, ratio=[3.0, 3.0, 3.0]), r"shape"),
        (lambda: IDM(math.nan, 1e-3, 0.1, ratio=3.0), r"m_Ap = nan .*finite"),
        (lambda: IDM("heavy", 1e-3, 0.1, ratio=3.0), r"m_Ap"),
        (lambda: make_model("axion", m_Ap=0.3), r"kind = 'axion'"),
        (lambda: make_model("idm", m_Ap=0.3, eps=1e-3, alpha_D=0.1, ratio=3.0, mass=1), r"keywords"),
    ],
)
def test_invalid_input_names_parameter_value_and_range(call, pattern: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ParameterError, match=pattern):
        call()


def test_i2dm_without_open_channel_is_rejected_on_theta() -> None:
    # theta = 0: only chi2 chi2bar couples in the dark sector; closed here, and m_A' < 2 m_e closes e+e-
    with pytest.raises(ParameterError, match=r"theta = 0\.0 .*no open decay channel"):
        I2DM(1e-3, 1e-3, 0.1, ratio=3.0, delta=0.6, theta=0.0)


def test_array_error_reports_first_offending_element() -> None:
    with pytest.raises(ParameterError, match=r"eps = 2\.0"):
        IDM(0.3, [1e-3, 2.0, 3.0], 0.1, ratio=3.0)
