"""The relic overlay is drawn wherever the relic target is defined, not dropped whole."""

from __future__ import annotations

import math

import numpy as np
import pytest

from semivis.cosmo import relic_line, relic_omega_h2
from semivis.errors import ParameterError
from semivis.figures import build
from semivis.figures.registry import get_recipe
from semivis.planes import PLANES, y_from_eps


def test_relic_line_of_2021_fig4_starts_at_one_mev_chi1() -> None:
    # x axis starts at m_A' = 2 MeV, i.e. m_chi1 = 0.67 MeV < 1 MeV where the relic solver refuses
    recipe = get_recipe("epjc2021-fig4")
    overlay = next(o for o in recipe.overlays if o.kind == "relic")
    lines = build._relic_lines(recipe, overlay, 12)
    assert len(lines) == 1
    line = lines[0]
    ratio = recipe.fixed["ratio"]
    assert line[0, 0] / ratio >= 1e-3
    assert line[-1, 0] == recipe.x.lim[1]
    # the thermal target rises with the mediator mass (eps^2 ~ m^4/(alpha_D m_chi^2) scaling away from resonances)
    assert np.all(line[:, 1] > 0)
    assert line[-1, 1] > 10 * line[0, 1]


# one benchmark point, m_chi1 = 0.1 GeV, R = 3 (m_A' = 0.3 GeV), Delta = 0.1, alpha_D = 0.1, seen from each plane
POINT = {"m_chi1": 0.1, "ratio": 3.0, "delta": 0.1, "alpha_D": 0.1}
X_OF = {"mAp-eps": 0.3, "mAp-alphaD": 0.3, "mchi1-delta": 0.1, "mchi1-y": 0.1, "R-y": 3.0, "mchi1-tantheta": 0.1}


@pytest.mark.slow
@pytest.mark.parametrize("plane", sorted(PLANES))
def test_relic_line_on_a_plane_object_in_every_plane(plane: str) -> None:
    """relic_line(plane, x, kind=, fixed=) solves for the plane's y; put back, it gives Omega h^2 = 0.120, and the
    eps and y planes agree through y = eps^2 alpha_D (m_chi1/m_A')^4."""
    p = PLANES[plane]
    kind = "i2dm" if plane == "mchi1-tantheta" else "idm"
    fixed: dict[str, float] = {k: v for k, v in {**POINT, "eps": 4e-4}.items() if k in p.fixed and k != p.y}
    if plane == "mchi1-tantheta":
        fixed["delta"] = 0.05
    value = float(relic_line(p, [X_OF[plane]], kind=kind, fixed=fixed)[0])
    args = {"eps": 4e-4, "alpha_D": 0.1, "delta": fixed.get("delta", 0.1)}
    theta = None
    if p.y == "eps":
        args["eps"] = value
    elif p.y == "y":
        args["eps"] = math.sqrt(value / (0.1 / 3.0**4))
        eps_plane = relic_line(PLANES["mAp-eps"], [0.3], kind="idm", fixed={"alpha_D": 0.1, "ratio": 3.0, "delta": 0.1})
        assert value == pytest.approx(float(y_from_eps(eps_plane[0], 0.1, 0.1, 0.3)), rel=3e-3)
    elif p.y == "tan_theta":
        theta = math.atan(value)
    else:
        args[p.y] = value
    omega = relic_omega_h2(kind, 0.1, args["delta"], 0.3, args["eps"], args["alpha_D"], theta)
    assert omega == pytest.approx(0.12, rel=3e-3)


def test_relic_line_refuses_or_masks_below_one_mev() -> None:
    p, fixed = PLANES["mchi1-y"], {"alpha_D": 0.1, "ratio": 3.0, "delta": 0.1}
    with pytest.raises(ParameterError, match="m_chi1"):
        relic_line(p, [5e-4], kind="idm", fixed=fixed)
    out = relic_line(p, [5e-4], kind="idm", fixed=fixed, on_failure="mask")
    assert bool(np.ma.getmaskarray(out)[0])
    with pytest.raises(ParameterError, match="alpha_D"):
        relic_line(p, [0.1], kind="idm", fixed={"ratio": 3.0, "delta": 0.1})
