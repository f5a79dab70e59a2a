"""Drawing: image regression against baselines, drawn from small fixed synthetic curves (stand-ins, tests only).

Regenerate the baselines with ``SEMIVIS_UPDATE_BASELINES=1 python -m pytest tests/test_figures_plot.py``.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from matplotlib.testing.compare import compare_images

from semivis.errors import ParameterError
from semivis.figures import FigureData, compute_summary, draw_figure, get_recipe, load_figure_data, save_figure
from semivis.scan.contours import exclusion_rings, projection_lines

BASELINES = Path(__file__).parent / "baseline_images"
TOLERANCE = 2.0  # RMS over 0-255 pixel values


def synthetic_fig3() -> FigureData:
    """Stand-in curves with the look of EPJC 2023 Fig. 3 (NOT physics: fixed analytic shapes)."""
    recipe = get_recipe("epjc2023-fig3")
    m = np.geomspace(1e-2, 3.0, 40)
    eps = np.geomspace(1e-6, 1e-1, 80)
    data = FigureData(recipe.name)
    for stat, scale in (("2.84e11", 1.0), ("1e12", 0.5), ("5e12", 0.25)):
        lo = scale * 3e-6 * (m / 1e-2) ** 1.2
        # a dip ("fluctuation") around 0.5 GeV
        lo = lo * (1 + 3 * np.exp(-(np.log(m / 0.5) ** 2) / 0.05))
        ratio = (eps[:, None] / lo[None, :]) ** 2 * np.where(m[None, :] < 1.5, 1.0, 1e-3)
        data.add(f"na64/{stat}", exclusion_rings(m, eps, ratio))
        data.add(f"na64/{stat}/contour", projection_lines(m, eps, ratio))
    mm = np.geomspace(1e-2, 3.0, 60)
    central = 2e-3 * (mm / 0.1) ** 0.9
    data.add("g2/fnal2021/lower", [np.column_stack([mm, central * 0.8])])
    data.add("g2/fnal2021/upper", [np.column_stack([mm, central * 1.2])])
    data.add("g2/bnl2006/lower", [np.column_stack([mm, central * 0.7])])
    data.add("g2/bnl2006/upper", [np.column_stack([mm, central * 1.3])])
    data.add("relic", [np.column_stack([mm, 1e-5 * (mm / 1e-2) ** 1.3])])
    data.add(
        "constraint/babar_semivisible", [np.array([[0.5, 1e-3], [3.0, 1e-3], [3.0, 1e-1], [0.5, 1e-1], [0.5, 1e-3]])]
    )
    data.add("constraint/lep_ewpo", [np.array([[1e-2, 3e-2], [3.0, 3e-2], [3.0, 1e-1], [1e-2, 1e-1], [1e-2, 3e-2]])])
    data.add("constraint/e137", [np.array([[1e-2, 1e-5], [0.1, 3e-5], [0.3, 1e-4], [0.3, 1e-3], [1e-2, 1e-5]])])
    data.summary = compute_summary(recipe, data)
    return data


def synthetic_fig8b() -> FigureData:
    recipe = get_recipe("epjc2023-fig8b")
    m = np.geomspace(1e-2, 0.5, 30)
    t = np.geomspace(1e-4, 1.0, 60)
    data = FigureData(recipe.name)
    for stat, m_max in (("2.84e11", 0.071), ("1e12", 0.110), ("5e12", 0.195)):
        ratio = np.broadcast_to((m_max / m[None, :]) ** 6, (len(t), len(m))).copy()
        data.add(f"na64/{stat}", exclusion_rings(m, t, ratio))
        data.add(f"na64/{stat}/contour", projection_lines(m, t, ratio))
    data.add("relic", [np.column_stack([m, 1e-2 * (m / 1e-2) ** 0.5])])
    data.summary = compute_summary(recipe, data)
    return data


def _compare(fig_name: str, data: FigureData, tmp_path: Path) -> None:
    fig = draw_figure(get_recipe(data.name), data)
    actual = tmp_path / f"{fig_name}.png"
    save_figure(fig, actual)
    baseline = BASELINES / f"{fig_name}.png"
    if os.environ.get("SEMIVIS_UPDATE_BASELINES") == "1" or not baseline.exists():
        if os.environ.get("SEMIVIS_UPDATE_BASELINES") != "1":
            pytest.fail(f"missing baseline {baseline}; run with SEMIVIS_UPDATE_BASELINES=1")
        baseline.parent.mkdir(parents=True, exist_ok=True)
        baseline.write_bytes(actual.read_bytes())
        return
    result = compare_images(str(baseline), str(actual), tol=TOLERANCE)
    assert result is None, result


@pytest.mark.mpl_image
def test_fig3_image(tmp_path: Path) -> None:
    _compare("epjc2023-fig3-synthetic", synthetic_fig3(), tmp_path)


@pytest.mark.mpl_image
def test_fig8b_image(tmp_path: Path) -> None:
    _compare("epjc2023-fig8b-synthetic", synthetic_fig8b(), tmp_path)


def test_synthetic_summaries() -> None:
    s3 = synthetic_fig3().summary
    # the band (central 2e-3 (m/0.1)^0.9 +- 20 %) leaves the synthetic exclusion at its 1.5 GeV edge
    assert s3["g2_band_excluded_up_to_GeV"] == pytest.approx(1.5, rel=0.15)  # grid step: 16 %
    assert s3["relic_probed_up_to_GeV"] == pytest.approx(1.5, rel=0.15)  # the relic line also exits at the edge
    s8 = synthetic_fig8b().summary["min_allowed_mchi1_GeV"]
    assert s8["2.84e11"] == pytest.approx(0.071, rel=0.02)
    assert s8["1e12"] == pytest.approx(0.110, rel=0.02)
    assert s8["5e12"] == pytest.approx(0.195, rel=0.02)


def test_png_and_pdf_written(tmp_path: Path) -> None:
    data = synthetic_fig8b()
    written = save_figure(draw_figure(get_recipe(data.name), data), tmp_path / "fig")
    assert sorted(p.suffix for p in written) == [".pdf", ".png"]
    assert (tmp_path / "fig.pdf").read_bytes().startswith(b"%PDF")
    with pytest.raises(ParameterError):
        save_figure(draw_figure(get_recipe(data.name), data), tmp_path / "fig.jpg")


def test_data_json_round_trip_and_wrong_figure(tmp_path: Path) -> None:
    data = synthetic_fig3()
    data.write_json(tmp_path / "d.json")
    back = load_figure_data(tmp_path / "d.json")
    assert set(back.curves) == set(data.curves)
    assert back.summary["g2_band_excluded_up_to_GeV"] == pytest.approx(data.summary["g2_band_excluded_up_to_GeV"])
    with pytest.raises(ParameterError):
        draw_figure(get_recipe("epjc2023-fig4a"), back)


def test_improvement_curve_is_separate_in_summary_and_legend() -> None:
    """semivis's "+ resonant annihilation" curve (role improvement) never enters the paper-faithful numbers: with it
    added, the paper keys are unchanged, and its own numbers (computed on it alone) sit under
    improvement/2.84e11+annihilation; it is drawn as a line with its own legend entry and colour."""
    recipe = get_recipe("epjc2023-fig8b")
    data = synthetic_fig8b()  # no improvement curve: its numbers are None, the paper's are computed
    paper = dict(data.summary)
    assert paper.pop("improvement/2.84e11+annihilation")["min_allowed_mchi1_GeV"] == {"2.84e11+annihilation": None}
    m = np.geomspace(1e-2, 0.5, 30)
    t = np.geomspace(1e-4, 1.0, 60)
    ratio = np.broadcast_to((0.109 / m[None, :]) ** 6, (len(t), len(m))).copy()  # stronger than the paper's 0.071
    data.add("na64/2.84e11+annihilation", exclusion_rings(m, t, ratio))
    data.add("na64/2.84e11+annihilation/contour", projection_lines(m, t, ratio))
    summary = compute_summary(recipe, data)
    improved = summary.pop("improvement/2.84e11+annihilation")
    assert summary == paper
    assert set(improved) == {"min_allowed_mchi1_GeV", "relic_excluded_intervals_GeV"}
    assert improved["min_allowed_mchi1_GeV"] == {"2.84e11+annihilation": pytest.approx(0.109, rel=0.02)}
    ax = draw_figure(recipe, data).axes[0]
    legend = ax.get_legend()
    assert legend is not None
    labels = [t.get_text() for t in legend.get_texts()]
    assert "semivis: + resonant annihilation (not in the paper)" in labels
    curve = next(c for c in recipe.na64 if c.role == "improvement")
    assert any(line.get_color() == curve.color and line.get_linestyle() == ":" for line in ax.get_lines())
