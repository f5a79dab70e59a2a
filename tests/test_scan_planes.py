"""semivis.scan planes and ScanSpec: mapping grid points onto models, validation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from semivis.errors import ParameterError
from semivis.scan import PLANES, ScanSpec

FIX = {"alpha_D": 0.1, "ratio": 3.0, "delta": 0.4, "eps": 1e-3, "theta": 0.08, "m_chi1": 0.05}


def test_all_paper_planes_present() -> None:
    assert set(PLANES) == {"mAp-eps", "mAp-alphaD", "mchi1-delta", "mchi1-y", "R-y", "mchi1-tantheta"}
    assert [p.name for p in PLANES.values() if p.per_cell] == ["mchi1-delta"]


def test_mass_points_and_couplings() -> None:
    y = np.array([1e-5, 1e-4])
    p = PLANES["mAp-eps"]
    assert p.mass_points(0.3, y, FIX) == [pytest.approx((0.3, 0.1, 0.14))]
    assert np.array_equal(p.couplings(0.3, y, FIX)["eps"], y)
    p = PLANES["R-y"]
    ((m_ap, m1, _m2),) = p.mass_points(4.0, y, FIX)
    assert (m_ap, m1) == (pytest.approx(0.2), 0.05)
    c = p.couplings(4.0, y, FIX)
    # y = eps^2 alpha_D (m_chi1/m_A')^4 (EPJC 2023, Sect. 6) is recovered
    assert np.allclose(c["eps"] ** 2 * c["alpha_D"] * (m1 / m_ap) ** 4, y, rtol=1e-12)
    p = PLANES["mchi1-tantheta"]
    assert np.allclose(np.tan(p.couplings(0.1, y, FIX)["theta"]), y)
    p = PLANES["mchi1-delta"]
    pts = p.mass_points(0.1, np.array([0.05, 0.4]), FIX)
    assert [round(m2 / m1 - 1, 12) for _, m1, m2 in pts] == [0.05, 0.4]
    assert all(math.isclose(m_ap, 0.3) for m_ap, _, _ in pts)


def test_closed_channel_is_not_open() -> None:
    p = PLANES["R-y"]
    assert not p.is_open((0.1, 0.05, 0.07), "idm")  # R = 2 < 2 + delta
    assert p.is_open((0.2, 0.05, 0.07), "idm")
    assert p.is_open((0.11, 0.05, 0.05), "invisible")


@pytest.mark.parametrize(
    ("kwargs", "option"),
    [
        ({"model": "sterile", "plane": "mAp-eps"}, "--model"),
        ({"model": "idm", "plane": "nope"}, "--plane"),
        ({"model": "idm", "plane": "mchi1-tantheta"}, "--model"),
        ({"model": "i2dm", "plane": "mAp-eps"}, "--theta"),
        ({"model": "idm", "plane": "mAp-alphaD"}, "--eps"),
        ({"model": "idm", "plane": "R-y"}, "--mchi1"),
        ({"model": "idm", "plane": "mAp-eps", "fixed": {"alpha_D": -1.0}}, "--alphaD"),
        ({"model": "idm", "plane": "mAp-eps", "fixed": {"eps": 1e-3}}, "--eps"),
        ({"model": "idm", "plane": "mAp-eps", "y_range": (1e-3, 2.0)}, "--y"),
        ({"model": "idm", "plane": "mAp-eps", "eot": (-1.0,)}, "--eot"),
        ({"model": "idm", "plane": "mAp-eps", "seed": -3}, "--seed"),
        ({"model": "idm", "plane": "mAp-eps", "selection": "s3"}, "--selection"),
        ({"model": "idm", "plane": "mAp-eps", "selection": "combined", "n_obs": (0,)}, "--n-obs"),
        ({"model": "idm", "plane": "mAp-eps", "nx": 1}, "--nx"),
    ],
)
def test_spec_validation_names_option(kwargs: dict[str, object], option: str) -> None:
    kwargs = {"nx": 3, "ny": 3, **kwargs}
    with pytest.raises(ParameterError) as err:
        ScanSpec.from_ranges(**kwargs)  # type: ignore[arg-type]
    assert err.value.name == option


def test_spec_json_roundtrip_is_stable() -> None:
    a = ScanSpec.from_ranges("i2dm", "mchi1-tantheta", nx=3, ny=4, fixed={"eps": 1e-3})
    b = ScanSpec(**{**a.to_dict(), "x": tuple(a.x), "y": tuple(a.y)})  # type: ignore[arg-type]
    assert a.to_json() == b.to_json()
