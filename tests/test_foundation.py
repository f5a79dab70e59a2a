"""Package-level checks: constants, errors, validation helpers, package data."""

from __future__ import annotations

import ast
import importlib.metadata
import math
import re
import sys
from pathlib import Path

import numpy as np
import pytest

from semivis import constants as c
from semivis._validation import check_range
from semivis.data import gstar_table, hadronic_R
from semivis.errors import ParameterError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


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


def _requirement_names(requirements: list[str]) -> set[str]:
    return {re.match(r"[A-Za-z0-9_.-]+", req).group(0).lower().replace("_", "-") for req in requirements}  # type: ignore[union-attr]


def test_every_third_party_import_is_a_declared_dependency() -> None:
    # issue 10: contourpy was imported but not declared; a clean install must not depend on what happens to be there
    root = Path(__file__).parents[1]
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = _requirement_names(project["dependencies"])
    optional = set().union(*(_requirement_names(reqs) for reqs in project["optional-dependencies"].values()))
    distributions = importlib.metadata.packages_distributions()
    imported: dict[str, set[str]] = {}
    for path in sorted((root / "src" / "semivis").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top != "semivis" and top not in sys.stdlib_module_names:
                    imported.setdefault(top, set()).add(path.name)
    assert "contourpy" in imported
    for module, files in imported.items():
        dists = {d.lower().replace("_", "-") for d in distributions.get(module, [module])}
        assert dists & (declared | optional), f"{module} (imported in {sorted(files)}) is not declared in pyproject"
