"""The relic overlay is drawn wherever the relic target is defined, not dropped whole."""

from __future__ import annotations

import numpy as np

from semivis.figures import build
from semivis.figures.registry import get_recipe


def test_relic_line_of_2021_fig4_starts_at_one_mev_chi1() -> None:
    # x axis starts at m_A' = 2 MeV, i.e. m_chi1 = 0.67 MeV < 1 MeV where the relic solver refuses
    recipe = get_recipe("epjc2021-fig4")
    overlay = next(o for o in recipe.overlays if o.kind == "relic")
    lines = build._relic_line(recipe, overlay, 12)
    assert len(lines) == 1
    line = lines[0]
    ratio = recipe.fixed["ratio"]
    assert line[0, 0] / ratio >= 1e-3
    assert line[-1, 0] == recipe.x.lim[1]
    # the thermal target rises with the mediator mass (eps^2 ~ m^4/(alpha_D m_chi^2) scaling away from resonances)
    assert np.all(line[:, 1] > 0)
    assert line[-1, 1] > 10 * line[0, 1]
