"""semivis.scan end to end on the analytic stand-in evaluator: results, cache, resume, atomic writes."""

from __future__ import annotations

import hashlib
import json
import signal
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import xarray as xr
from numpy.typing import NDArray
from scipy.interpolate import RegularGridInterpolator

from semivis import __version__
from semivis._io import to_jsonable
from semivis.detector import load_card
from semivis.detector.cards import CARDS_PACKAGE_DIR
from semivis.errors import ParameterError
from semivis.planes import PLANES
from semivis.scan import (
    SampleCache,
    ScanSpec,
    SignalEvaluator,
    contours,
    default_cache_dir,
    load_result,
    provenance,
    run_scan,
)
from semivis.scan.contours import dataset_ratio, projection_lines
from semivis.scan.evaluators import KERNEL_MIN_COUPLINGS, clear_kernel_memo
from semivis.scan.result import write_result
from semivis.scan.runner import ScanInterrupted, run_scans, scan_key
from semivis.scan.spec import DEFAULT_AP_PER_PRIMARY
from semivis.signal.events import production_seed
from semivis.stats import multibin_table
from semivis.testing import ToyEvaluator

EOTS = (2.84e11, 1e12, 5e12)


def small_spec(**kw: object) -> ScanSpec:
    args: dict[str, object] = {"nx": 6, "ny": 24, "n_events": 300, "x_range": (0.005, 0.8), "eot": EOTS}
    args.update(kw)
    return ScanSpec.from_ranges("idm", "mAp-eps", **args)  # type: ignore[arg-type]


def test_result_structure_and_provenance(tmp_path: Path) -> None:
    spec = small_spec()
    out = tmp_path / "scan.nc"
    ds = run_scan(spec, evaluator=ToyEvaluator(), cache_dir=tmp_path / "cache", out=out)
    assert ds["n_sig"].dims == ("eot", "eps", "m_Ap")
    assert np.all(np.isfinite(ds["n_sig"].values))
    xr.testing.assert_identical(ds, load_result(out))
    prov = provenance(ds)
    for key in ("model", "card", "selection", "eot", "seed", "semivis_version", "fixed_parameters", "n_events"):
        assert key in prov
    assert prov["fixed_parameters"] == {"alpha_D": 0.1, "ratio": 3.0, "delta": 0.4}
    assert ds.attrs["seed"] == spec.seed
    # N_sig scales with EOT; projections exclude more
    n = ds["n_sig"].values
    assert np.allclose(n[2], n[0] * EOTS[2] / EOTS[0], rtol=1e-12)
    ex = ds["excluded"].values
    assert ex[0].sum() < ex[1].sum() < ex[2].sum()
    assert np.all(ex[2] >= ex[0])
    # s_up is exact CLs with n_obs = 0: ln 10
    assert np.allclose(ds["s_up"].values, np.log(10.0))
    # no checkpoint left over, no temporary files
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "scan.nc"]


def test_contours_lie_on_the_limit(tmp_path: Path) -> None:
    spec = small_spec(nx=10, ny=40)
    ds = run_scan(spec, evaluator=ToyEvaluator(), cache_dir=tmp_path)
    lines = contours(ds)
    assert set(lines) == set(EOTS)
    for k, eot in enumerate(EOTS):
        assert lines[eot], eot
        z = np.log10(np.maximum(ds["n_sig"].values[k] / ds["s_up"].values, 1e-300))  # the contoured field
        interp = RegularGridInterpolator((np.log10(spec.y), np.log10(spec.x)), z)
        for seg in lines[eot]:
            vals = interp(np.column_stack([np.log10(seg[:, 1]), np.log10(seg[:, 0])]))
            assert np.max(np.abs(vals)) < 1e-8
        # the stored contours are the one contour routine on the Dataset (what the figures draw)
        stored, fig = lines[eot], projection_lines(*dataset_ratio(ds, eot))
        assert len(stored) == len(fig)
        assert all(np.array_equal(a, b) for a, b in zip(stored, fig, strict=True))


def test_contours_handle_islands_and_multiple_crossings() -> None:
    x = np.geomspace(0.01, 1.0, 60)
    y = np.geomspace(1e-6, 1e-2, 80)
    lx, ly = np.meshgrid(np.log10(x), np.log10(y))
    # two excluded islands at the same masses plus a band: several crossings per column
    z = np.maximum(
        1.0 - ((lx + 1.5) ** 2 + (ly + 5) ** 2) / 0.1,
        1.0 - ((lx + 1.5) ** 2 + (ly + 3) ** 2) / 0.1,
    )
    lines = projection_lines(x, y, 10.0**z)  # N_sig/s_up = 10^z: the contour z = 0
    assert len(lines) == 2
    for seg in lines:
        assert np.allclose(seg[0], seg[-1])  # islands are closed
    column = np.isclose(np.log10(x), -1.5, atol=0.05)
    crossings = np.sum(np.diff(np.sign(z[:, column][:, 0])) != 0)
    assert crossings == 4


@pytest.mark.parametrize(
    ("model", "plane", "fixed"),
    [
        ("idm", "mAp-alphaD", {"eps": 1e-3}),
        ("idm", "mchi1-delta", {"eps": 1e-3}),
        ("idm", "mchi1-y", {}),
        ("invisible", "R-y", {"m_chi1": 0.02}),
        ("i2dm", "mchi1-tantheta", {"eps": 1e-3}),
        ("i2dm", "mAp-eps", {"theta": 0.08}),
    ],
)
def test_every_plane_runs(tmp_path: Path, model: str, plane: str, fixed: dict[str, float]) -> None:
    spec = ScanSpec.from_ranges(model, plane, nx=3, ny=5, n_events=100, fixed=fixed)
    info: dict[str, object] = {}
    ds = run_scan(spec, evaluator=ToyEvaluator(), cache_dir=tmp_path, info=info)
    p = PLANES[plane]
    assert ds["n_sig"].dims == ("eot", p.y, p.x)
    assert np.all(np.isfinite(ds["n_sig"].values))
    assert np.all(ds["n_sig"].values >= 0)
    n_open = sum(
        p.is_open(pt, model) for i, xv in enumerate(spec.x) for pt in p.mass_points(xv, spec.y, spec.fixed_at(i), model)
    )
    assert info["samples_built"] == n_open  # one sample per column, per cell for the delta plane


def test_s1_s2_selection_uses_split_dependent_limit(tmp_path: Path) -> None:
    spec = small_spec(selection="s1+s2", n_obs=(1, 0), eot=None)
    ds = run_scan(spec, evaluator=ToyEvaluator(), cache_dir=tmp_path)
    n1, n2 = ds["n_sig_bin"].values[0]
    tot = n1 + n2
    table = multibin_table([1, 0], [0.19, 0.53], [0.07, 0.17])
    frac = np.divide(n1, tot, out=np.full_like(tot, 0.5), where=tot > 0)
    assert np.allclose(ds["s_up"].values, table(frac))
    assert ds["s_up"].values.max() > ds["s_up"].values.min()
    assert list(ds["bin"].values) == ["s1", "s2"]


def test_cache_reuse_and_corruption(tmp_path: Path) -> None:
    spec = small_spec()
    cache = tmp_path / "cache"
    info1: dict[str, int] = {}
    ds1 = run_scan(spec, evaluator=ToyEvaluator(), cache_dir=cache, info=info1)
    assert info1["samples_built"] == 6
    info2: dict[str, int] = {}
    ds2 = run_scan(spec, evaluator=ToyEvaluator(), cache_dir=cache, info=info2)
    assert (info2["samples_built"], info2["cache_hits"]) == (0, 6)
    xr.testing.assert_identical(ds1, ds2)
    npz = sorted((cache / "samples").rglob("*.npz"))
    jsons = sorted((cache / "samples").rglob("*.json"))
    npz[0].write_bytes(npz[0].read_bytes()[:100])  # truncated
    data = bytearray(npz[1].read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte
    npz[1].write_bytes(bytes(data))
    jsons[2].write_text("{not json")
    info3: dict[str, int] = {}
    ds3 = run_scan(spec, evaluator=ToyEvaluator(), cache_dir=cache, info=info3)
    assert (info3["cache_rejected"], info3["samples_built"], info3["cache_hits"]) == (3, 3, 3)
    xr.testing.assert_identical(ds1, ds3)


def test_cache_location(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("SEMIVIS_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "semivis"
    monkeypatch.setenv("SEMIVIS_CACHE_DIR", str(tmp_path / "mine"))
    assert default_cache_dir() == tmp_path / "mine"
    assert SampleCache().root == tmp_path / "mine"


def test_interrupted_scan_resumes_and_recomputes_only_missing(tmp_path: Path) -> None:
    spec = small_spec(nx=8)
    out = tmp_path / "scan.nc"
    markers = tmp_path / "markers"
    markers.mkdir()
    with pytest.raises(RuntimeError, match="simulated crash"):
        run_scan(
            spec, evaluator=ToyEvaluator(marker_dir=str(markers), fail_after=3), cache_dir=tmp_path / "c1", out=out
        )
    assert not out.exists()  # nothing visible at the destination after the crash
    partial = [p for p in tmp_path.iterdir() if p.name.startswith("scan.nc.partial-")]
    assert len(partial) == 1
    assert len(list(partial[0].glob("column-*.npy"))) == 3
    info: dict[str, int] = {}
    # fresh cache: anything recomputed must rebuild its sample, so the builds count the recomputed columns
    ds = run_scan(spec, evaluator=ToyEvaluator(marker_dir=str(markers)), cache_dir=tmp_path / "c2", out=out, info=info)
    assert (info["columns_resumed"], info["columns_computed"], info["samples_built"]) == (3, 5, 5)
    assert len(list(markers.glob("*.built"))) == 8
    assert not partial[0].exists()
    reference = run_scan(spec, evaluator=ToyEvaluator(), cache_dir=tmp_path / "c3")
    xr.testing.assert_identical(ds, reference)
    xr.testing.assert_identical(load_result(out), reference)


def test_atomic_write_leaves_no_partial_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ds = run_scan(small_spec(nx=3, ny=5), evaluator=ToyEvaluator(), cache_dir=tmp_path / "c")
    out = tmp_path / "r.nc"
    write_result(ds, out)
    before = out.read_bytes()

    def crash(self: xr.Dataset, path: object, *args: object, **kwargs: object) -> None:
        Path(str(path)).write_bytes(b"\x89HDF partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(xr.Dataset, "to_netcdf", crash)
    with pytest.raises(KeyboardInterrupt):
        write_result(ds, out)
    assert out.read_bytes() == before  # old result intact
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c", "r.nc"]  # temporary file removed
    with pytest.raises(KeyboardInterrupt):
        write_result(ds, tmp_path / "new.nc")
    assert not (tmp_path / "new.nc").exists()


@pytest.mark.slow
def test_real_signal_evaluator_small(tmp_path: Path) -> None:
    """The real semivis.signal chain wired in: a tiny (m_A', eps) scan, then the same from the warm cache."""
    pytest.importorskip("semivis.signal")
    spec = ScanSpec.from_ranges("idm", "mAp-eps", nx=2, ny=6, n_events=200, x_range=(0.03, 0.3))
    info: dict[str, int] = {}
    ds = run_scan(spec, cache_dir=tmp_path, info=info)
    n = ds["n_sig"].values
    assert np.all(np.isfinite(n))
    assert np.all(n >= 0)
    assert n.max() > 0
    assert ds.attrs["card_name"] == "na64-2016-2018"
    assert info["samples_built"] == 2
    info2: dict[str, int] = {}
    xr.testing.assert_identical(run_scan(spec, cache_dir=tmp_path, info=info2), ds)
    assert info2["cache_hits"] == 2


def test_scan_caches_kernels_not_samples_unless_kept(tmp_path: Path) -> None:
    """With the real evaluator a one-mass-point scan caches the lifetime kernels a re-run reads (one per sample for
    every selection of the card), not the samples they came from (~30 MB each at publication resolution); a scan
    that needs a sample again (the exact path: fewer couplings than KERNEL_MIN_COUPLINGS) rebuilds it bit for bit
    from its key, then keeps it. ``keep_samples`` caches them all. N_sig is the same either way."""
    pytest.importorskip("semivis.signal")
    kw: dict[str, Any] = {"nx": 2, "ny": KERNEL_MIN_COUPLINGS, "n_events": 200, "x_range": (0.03, 0.3)}
    kw["processes"] = ("brem",)  # (a union's part with no events has no kernel: its empty sample is kept)
    spec = ScanSpec.from_ranges("idm", "mAp-eps", **kw)
    other = ScanSpec.from_ranges("idm", "mAp-eps", **(kw | {"selection": "box+s1"}))
    few = ScanSpec.from_ranges("idm", "mAp-eps", **(kw | {"ny": 6}))

    def entries(root: Path, section: str) -> int:
        return len(list((root / section).rglob("*.npz")))

    def scan(s: ScanSpec, root: Path, **more: Any) -> tuple[NDArray[np.float64], int, int]:
        info: dict[str, int] = {}
        n = run_scan(s, cache_dir=root, info=info, **more)["n_sig"].values
        return n, info["samples_built"], info["cache_hits"]

    lean, kept = tmp_path / "lean", tmp_path / "kept"
    a = scan(spec, lean)
    clear_kernel_memo()  # the in-memory kernels would answer the second scan without building its samples
    b = scan(spec, kept, keep_samples=True)
    np.testing.assert_array_equal(a[0], b[0])
    assert (a[1:], b[1:]) == ((2, 0), (2, 0))
    assert (entries(lean, "samples"), entries(kept, "samples")) == (0, 2)
    assert entries(lean, "kernels") == entries(kept, "kernels") > 0
    clear_kernel_memo()
    assert scan(spec, lean)[1:] == (0, 2)  # from the kernels on disk
    assert scan(other, lean)[1:] == (0, 2)  # another selection: the same kernels
    c, d = scan(few, lean), scan(few, kept)
    assert (c[1], d[1:]) == (2, (0, 2))  # the exact path rebuilds the lean cache's samples, reads the kept ones
    np.testing.assert_array_equal(c[0], d[0])
    assert entries(lean, "samples") == 2  # and keeps them, as the next exact run reads them


def test_cards_differing_only_in_eot_share_samples(tmp_path: Path) -> None:
    """na64-ls3 is na64-2016-2018 with 5e12 EOT: its scan reuses the cached samples (seeded by mass point, not
    by card) and its N_sig is the 2016-2018 one scaled by the EOT ratio, bit for bit up to that factor."""
    pytest.importorskip("semivis.signal")
    kw = {"nx": 2, "ny": 6, "n_events": 200, "x_range": (0.03, 0.3)}
    a = run_scan(ScanSpec.from_ranges("idm", "mAp-eps", experiment="na64-2016-2018", **kw), cache_dir=tmp_path)
    info: dict[str, int] = {}
    b = run_scan(ScanSpec.from_ranges("idm", "mAp-eps", experiment="na64-ls3", **kw), cache_dir=tmp_path, info=info)
    assert info["samples_built"] == 0
    assert info["cache_hits"] == 2
    assert b.attrs["card_name"] == "na64-ls3"
    np.testing.assert_allclose(b["n_sig"].values, a["n_sig"].values * (5e12 / 2.84e11), rtol=1e-12)


# --------------------------------------------------------------------------------------------------
# mass-dependent fixed eps (eps = eps_(g-2)(m_A')) in a scan
# --------------------------------------------------------------------------------------------------
G2 = "g2:fnal2021:central"


@pytest.mark.parametrize(("plane", "fixed"), [("mAp-alphaD", {}), ("mchi1-delta", {"alpha_D": 0.1})])
def test_rule_scan_equals_one_fixed_eps_per_column(tmp_path: Path, plane: str, fixed: dict[str, float]) -> None:
    """One scan with the rule gives, column by column, what a scan at that column's fixed eps gives (the old
    one-scan-per-column workaround of the figures), and records the rule and its values."""
    spec = ScanSpec.from_ranges("idm", plane, nx=3, ny=6, n_events=200, fixed={**fixed, "eps": G2})
    ds = run_scan(spec, evaluator=ToyEvaluator(), cache_dir=tmp_path)
    eps = spec.fixed_values()["eps"]
    p = PLANES[plane]
    assert np.array_equal(ds["fixed_eps"].values, eps)
    assert ds["fixed_eps"].dims == (p.x,)
    prov = provenance(ds)
    assert prov["fixed_parameters"]["eps"] == G2
    assert prov["fixed_parameters_along_x"] == {"eps": eps}
    assert prov["spec"]["fixed"]["eps"] == G2
    for i, (x, e) in enumerate(zip(spec.x, eps, strict=True)):
        col = ScanSpec(
            "idm", plane, (x, x * 1.5), spec.y, fixed={**fixed, "eps": e}, n_events=200
        )  # column 0 has the same masses, hence the same sample
        ref = run_scan(col, evaluator=ToyEvaluator(), cache_dir=tmp_path)
        assert np.allclose(ds["n_sig"].values[..., i], ref["n_sig"].values[..., 0], rtol=1e-12, atol=0)
    assert ds["n_sig"].values.max() > 0


def test_rule_scan_resumes_only_its_own_checkpoint(tmp_path: Path) -> None:
    spec = ScanSpec.from_ranges("idm", "mAp-alphaD", nx=6, ny=8, n_events=200, fixed={"eps": G2})
    out = tmp_path / "scan.nc"
    markers = tmp_path / "markers"
    markers.mkdir()
    with pytest.raises(RuntimeError, match="simulated crash"):
        run_scan(
            spec, evaluator=ToyEvaluator(marker_dir=str(markers), fail_after=2), cache_dir=tmp_path / "c1", out=out
        )
    partial = [p for p in tmp_path.iterdir() if p.name.startswith("scan.nc.partial-")]
    assert len(partial) == 1
    assert len(list(partial[0].glob("column-*.npy"))) == 2
    # another rule is another scan (another spec hash): at the same --out it must not reuse these columns
    other = ScanSpec(
        **{**spec.to_dict(), "x": spec.x, "y": spec.y, "n_obs": spec.n_obs, "fixed": {"eps": "g2:fnal2021:high"}}
    )
    info_o: dict[str, int] = {}
    run_scan(other, evaluator=ToyEvaluator(), cache_dir=tmp_path / "c0", out=out, info=info_o)
    assert info_o["columns_resumed"] == 0
    assert partial[0].exists()
    # the same rule resumes and gives the same result as an uninterrupted run
    info: dict[str, int] = {}
    ds = run_scan(spec, evaluator=ToyEvaluator(marker_dir=str(markers)), cache_dir=tmp_path / "c2", out=out, info=info)
    assert (info["columns_resumed"], info["columns_computed"], info["samples_built"]) == (2, 4, 4)
    assert not partial[0].exists()
    reference = run_scan(spec, evaluator=ToyEvaluator(), cache_dir=tmp_path / "c3")
    xr.testing.assert_identical(ds, reference)
    xr.testing.assert_identical(load_result(out), reference)
    assert load_result(out).attrs["fixed_parameters"] == '{"delta": 0.4, "eps": "g2:fnal2021:central", "ratio": 3.0}'


def test_signal_evaluator_background_follows_the_card(tmp_path: Path) -> None:
    """A card's per-selection background override reaches the scan (and sigma_b keeps the paper value)."""
    ev = SignalEvaluator()
    assert ev.background("na64-2016-2018", "s1") == pytest.approx((0.19, 0.07))
    text = (CARDS_PACKAGE_DIR / "na64-2016-2018.toml").read_text()
    text = text.replace("background = 0.19 ", "background = 1.75 ").replace("sigma_b = 0.07", "")
    card = tmp_path / "override.toml"
    card.write_text(text)
    assert ev.background(str(card), "s1") == pytest.approx((1.75, 0.07))
    assert ev.background(str(card), "s2") == pytest.approx((0.53, 0.17))


def test_mass_points_beyond_production_range_are_not_excluded(tmp_path: Path) -> None:
    """m_A' = 10 m_chi1 > 3 GeV (the production model's range) gives N_sig = 0 there, not a crash, and the result
    says so: counted in the attributes and provenance, and marked not computed in the ``computed`` mask."""
    pytest.importorskip("semivis.signal")
    spec = ScanSpec.from_ranges(
        "idm",
        "mchi1-y",
        nx=2,
        ny=4,
        n_events=200,
        x_range=(0.05, 0.5),
        fixed={"ratio": 10.0, "delta": 0.1, "alpha_D": 0.1},
    )
    info: dict[str, int] = {}
    ds = run_scan(spec, cache_dir=tmp_path, info=info, executor="processes", workers=2)
    n = ds["n_sig"].values
    assert info["columns_outside_production_range"] == 1
    assert info["cells_outside_production_range"] == info["cells_not_computed"] == 4
    assert n[..., 0].max() > 0
    assert np.all(n[..., 1] == 0)
    assert ds["computed"].values[:, 0].all()
    assert not ds["computed"].values[:, 1].any()
    assert ds.attrs["columns_outside_production_range"] == 1
    assert provenance(ds)["not_computed"]["cells_outside_production_range"] == 4
    assert "3 GeV" in provenance(ds)["not_computed"]["evaluator_range"]


def test_cells_with_unphysical_eps_are_not_excluded(tmp_path: Path) -> None:
    """In the (R, y) plane eps = sqrt(y/alpha_D) R^2 passes 1 at large R and y: those cells get N_sig = 0 (no
    exclusion claimed), are counted, and the physical cells of the same column are unchanged."""
    pytest.importorskip("semivis.signal")
    fixed = {"m_chi1": 0.01, "delta": 0.1, "alpha_D": 0.1}
    kw = {"nx": 2, "ny": 3, "n_events": 200, "x_range": (3.0, 100.0), "fixed": fixed}
    info: dict[str, int] = {}
    ds = run_scan(ScanSpec.from_ranges("idm", "R-y", y_range=(1e-11, 1e-7), **kw), cache_dir=tmp_path, info=info)
    n = ds["n_sig"].values[0]  # (y, x)
    eps = np.sqrt(ds["y"].values[:, None] / 0.1) * ds["R"].values[None, :] ** 2
    assert info["cells_unphysical_eps"] == int(np.count_nonzero(eps >= 1)) > 0
    assert ds.attrs["cells_not_computed"] == info["cells_unphysical_eps"]
    np.testing.assert_array_equal(ds["computed"].values, eps < 1)
    assert np.all(n[eps >= 1] == 0)
    assert np.all(n[eps < 1] > 0)
    ok = run_scan(ScanSpec.from_ranges("idm", "R-y", y_range=(1e-11, 1e-9), **kw), cache_dir=tmp_path)
    np.testing.assert_array_equal(ok["n_sig"].values[0][0], n[0])  # y = 1e-11 row, same in both scans


def test_json_converter_maps_non_finite_to_null() -> None:
    """The one JSON converter (semivis._io.to_jsonable): NaN and +-inf become null, so the JSON is valid."""
    obj = {"a": np.array([1.0, np.nan, np.inf]), "b": (np.float32(-np.inf), np.int64(3)), "c": np.bool_(False)}
    text = json.dumps(to_jsonable(obj), allow_nan=False)  # raises if a NaN/inf slipped through
    assert json.loads(text) == {"a": [1.0, None, None], "b": [None, 3], "c": False}


def test_failure_before_any_column_leaves_no_checkpoint_folder(tmp_path: Path) -> None:
    """A run that fails after set-up but before finishing a column leaves no ``OUT.partial-*`` junk; one that
    finished columns keeps them for the rerun (test_interrupted_scan_resumes_and_recomputes_only_missing)."""
    markers = tmp_path / "markers"
    markers.mkdir()
    out = tmp_path / "scan.nc"
    with pytest.raises(RuntimeError, match="simulated crash"):
        run_scan(small_spec(nx=3), evaluator=ToyEvaluator(marker_dir=str(markers), fail_after=0), out=out)
    assert not out.exists()
    assert not list(tmp_path.glob("scan.nc.partial-*"))


@dataclass(frozen=True)
class _InterruptingToy(ToyEvaluator):
    """Ctrl-C arriving while the third sample is built."""

    name: str = "toy"

    def build_sample(self, *args: Any, **kwargs: Any) -> Any:
        if len(list(Path(self.marker_dir).glob("*.built"))) >= 2:
            raise KeyboardInterrupt
        return super().build_sample(*args, **kwargs)


def test_interruption_keeps_checkpoints_and_the_rerun_says_it_resumes(tmp_path: Path) -> None:
    markers = tmp_path / "markers"
    markers.mkdir()
    out, spec = tmp_path / "scan.nc", small_spec(nx=5)
    with pytest.raises(ScanInterrupted) as stop:
        run_scan(spec, evaluator=_InterruptingToy(marker_dir=str(markers)), cache_dir=tmp_path / "c", out=out)
    assert (stop.value.signum, stop.value.columns_done, stop.value.columns_total) == (signal.SIGINT, 2, 5)
    assert isinstance(stop.value, KeyboardInterrupt)
    assert len(list(tmp_path.glob("scan.nc.partial-*/column-*.npy"))) == 2
    messages: list[str] = []
    ds = run_scan(spec, evaluator=ToyEvaluator(), cache_dir=tmp_path / "c", out=out, notify=messages.append)
    assert len(messages) == 1
    assert messages[0].startswith("resuming: 2 of 5 columns already computed")
    xr.testing.assert_identical(ds, run_scan(spec, evaluator=ToyEvaluator(), cache_dir=tmp_path / "fresh"))


def test_closed_channel_cells_are_counted_results(tmp_path: Path) -> None:
    """(m_chi1, Delta/m_chi1) at R = 3: cells with Delta/m_chi1 >= 1 are closed (m_A' <= m_chi1 + m_chi2), so
    N_sig = 0 there is the physics (no on-shell signal): counted as closed, computed, never excluded."""
    spec = ScanSpec.from_ranges(
        "idm", "mchi1-delta", nx=3, ny=6, n_events=200, x_range=(0.01, 0.1), y_range=(0.2, 3.0), fixed={"eps": 1e-3}
    )
    info: dict[str, Any] = {}
    ds = run_scan(spec, evaluator=ToyEvaluator(), cache_dir=tmp_path, info=info)
    closed = np.broadcast_to(ds["delta"].values[:, None] >= 1.0, (6, 3))
    assert info["cells_channel_closed"] == ds.attrs["cells_channel_closed"] == int(closed.sum()) > 0
    assert ds.attrs["cells_not_computed"] == 0
    assert ds["computed"].values.all()
    assert np.all(ds["n_sig"].values[:, closed] == 0)
    assert np.all(ds["n_sig"].values[:, ~closed] > 0)
    assert not ds["excluded"].values[:, closed].any()


# --------------------------------------------------------------------------------------------------
# the signal-efficiency mode (ScanSpec.efficiency_normalisation, --efficiency-normalisation)


def test_default_efficiency_normalisation_keeps_the_scan_key() -> None:
    """A default spec's scan key is the one semivis computed before the option existed: the spec JSON without the
    field (tests/test_planes.py pins it byte for byte), the evaluator's identity and the card's detector key of
    the card as loaded without an override."""
    spec = small_spec(experiment="na64-2016-2022")
    evaluator = SignalEvaluator().for_spec(spec)
    card_key = evaluator.card_info(spec.experiment)["key"]
    assert card_key == load_card("na64-2016-2022").detector_key()
    assert "efficiency_normalisation" not in spec.to_dict()
    blob = {
        "spec": spec.to_dict(),
        "evaluator": {"name": "signal", "ap_per_primary": DEFAULT_AP_PER_PRIMARY},
        "card": card_key,
        "version": __version__,
    }
    assert scan_key(spec, evaluator, card_key) == hashlib.sha256(json.dumps(blob, sort_keys=True).encode()).hexdigest()
    normalised = small_spec(experiment="na64-2016-2022", efficiency_normalisation="na64-invisible-2016-2022")
    norm_eval = SignalEvaluator().for_spec(normalised)
    norm_key = norm_eval.card_info(normalised.experiment)["key"]
    assert norm_key != card_key  # the mode is card content: no sample is shared with the default mode by mistake
    assert scan_key(normalised, norm_eval, norm_key) != scan_key(spec, evaluator, card_key)


def test_normalised_scan_is_the_default_scan_times_the_factor(tmp_path: Path) -> None:
    """na64-invisible-2016-2022 multiplies the signal efficiency by the card's one global factor k = 0.655 at every
    mass (docs/physics/production.md): N_sig of every cell is k x the first-principles N_sig (same samples: the
    seeds depend on the mass point only), to rounding (one multiplication's order: <= 4 ulp), so s_up is unchanged;
    the result's provenance and attributes name the mode and the factor."""
    pytest.importorskip("semivis.signal")
    kw: dict[str, Any] = {"nx": 2, "ny": 6, "n_events": 200, "x_range": (0.03, 0.3), "experiment": "na64-2016-2022"}
    default = run_scan(ScanSpec.from_ranges("idm", "mAp-eps", **kw), cache_dir=tmp_path)
    mode = "na64-invisible-2016-2022"
    normalised = run_scan(
        ScanSpec.from_ranges("idm", "mAp-eps", efficiency_normalisation=mode, **kw), cache_dir=tmp_path
    )
    k = load_card("na64-2016-2022", mode).efficiency_factor
    assert k == 0.655
    n0, n1 = default["n_sig"].values, normalised["n_sig"].values
    assert n0.max() > 0
    np.testing.assert_allclose(n1, k * n0, rtol=4 * np.finfo(np.float64).eps, atol=0.0)
    np.testing.assert_array_equal(normalised["s_up"].values, default["s_up"].values)
    assert normalised.attrs["efficiency_normalisation"] == mode
    assert default.attrs["efficiency_normalisation"] == "first-principles"
    prov = provenance(normalised)
    assert prov["efficiency_normalisation"] == mode
    assert prov["spec"]["efficiency_normalisation"] == mode
    assert prov["card"]["efficiency_factor"] == k
    assert "NA64's invisible limit 2016-2022" in prov["card"]["efficiency_label"]
    assert provenance(default)["card"]["efficiency_factor"] == 1.0


def test_evaluator_without_a_card_refuses_a_normalisation(tmp_path: Path) -> None:
    """The toy evaluator has no card efficiency: a normalised spec is refused before any work, naming the option,
    rather than returning an unnormalised result that claims the mode."""
    spec = small_spec(efficiency_normalisation="na64-invisible-2016-2022")
    with pytest.raises(ParameterError, match="--efficiency-normalisation"):
        run_scan(spec, evaluator=ToyEvaluator(), cache_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []  # nothing cached, no checkpoint


# --------------------------------------------------------------------------------------------------
# the A' production processes (ScanSpec.processes, --processes)


def test_default_processes_keep_the_scan_and_sample_keys() -> None:
    """Both processes (the default) leave the evaluator's identity, so every sample-cache key and the scan key, as
    they were before the option; brem only is another identity (its samples are never shared with the default's)
    and another scan key."""
    spec = small_spec(experiment="na64-2016-2022")
    evaluator = SignalEvaluator().for_spec(spec)
    thin = {"ap_per_primary": DEFAULT_AP_PER_PRIMARY}
    assert evaluator.identity() == {"name": "signal", **thin}
    card_key = evaluator.card_info(spec.experiment)["key"]
    blob = {"spec": spec.to_dict(), "evaluator": {"name": "signal", **thin}, "card": card_key, "version": __version__}
    assert scan_key(spec, evaluator, card_key) == hashlib.sha256(json.dumps(blob, sort_keys=True).encode()).hexdigest()
    brem = small_spec(experiment="na64-2016-2022", processes=("brem",))
    brem_eval = SignalEvaluator().for_spec(brem)
    assert brem_eval.processes == ("brem",)
    assert brem_eval.identity() == {"name": "signal", "processes": ["brem"], **thin}
    assert scan_key(brem, brem_eval, card_key) != scan_key(spec, evaluator, card_key)


def test_brem_only_spec_builds_samples_without_annihilation() -> None:
    """At m_A' = 0.25 GeV the resonance energy E_res = m_A'^2 / (2 m_e) = 61 GeV lies in NA64's window, so a
    default sample has annihilation A' (process 2, semivis.production.PROCESS_NAMES); the sample of a brem-only
    spec, built through its evaluator, has bremsstrahlung A' only (processes 0, 1), says so in its metadata and
    content key, and has the same mass point and seed."""
    pytest.importorskip("semivis.signal")
    from semivis.production.cascade import PROCESS_NAMES  # noqa: PLC0415

    masses = (0.25, 0.25 / 3.0, 1.4 * 0.25 / 3.0)
    seed = np.random.SeedSequence(7)
    samples = {}
    for procs in (("brem", "annihilation"), ("brem",)):
        spec = small_spec(experiment="na64-2016-2018", processes=procs)
        samples[procs] = SignalEvaluator().for_spec(spec).build_sample(spec.experiment, "idm", masses, 400, seed)
    both, brem = samples[("brem", "annihilation")], samples[("brem",)]
    annihilation = next(k for k, v in PROCESS_NAMES.items() if v == "annihilation")
    assert annihilation in set(both.arrays["ap.process"].tolist())
    assert brem.n_events > 0
    assert annihilation not in set(brem.arrays["ap.process"].tolist())
    assert brem.meta["processes"] == ["brem"]
    assert both.meta["processes"] == ["brem", "annihilation"]
    assert brem.content_key() != both.content_key()


def test_toy_evaluator_stands_in_for_any_processes(tmp_path: Path) -> None:
    """The toy's analytic A' spectrum has no production processes: a brem-only spec (what the figure recipes scan)
    runs on it, and the result's provenance records the spec's processes."""
    ds = run_scan(small_spec(nx=2, ny=4, processes=("brem",)), evaluator=ToyEvaluator(), cache_dir=tmp_path)
    prov = provenance(ds)
    assert prov["processes"] == ["brem"]
    assert prov["spec"]["processes"] == ["brem"]
    assert provenance(run_scan(small_spec(nx=2, ny=4), evaluator=ToyEvaluator(), cache_dir=tmp_path))["processes"] == [
        "brem",
        "annihilation",
    ]


# --------------------------------------------------------------------------------------------------
# shared A' production in per-cell planes (issue 12, deliverable 4)
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _SharingToy(ToyEvaluator):
    """The toy with a shareable "production": a record of the m_A' and stream it was made for, dropped as a
    ``*.production`` marker and checked by every sample built on it."""

    name: str = "toy-sharing"

    def build_production(self, experiment: str, m_Ap: float, n_events: int, seed: np.random.SeedSequence) -> Any:
        if self.marker_dir:
            (Path(self.marker_dir) / f"{m_Ap.hex()}-{uuid.uuid4().hex}.production").touch()
        return (m_Ap, seed.spawn_key)

    def build_sample(
        self,
        experiment: str,
        kind: str,
        masses: tuple[float, float, float],
        n_events: int,
        seed: np.random.SeedSequence,
        *,
        production: Any = None,
    ) -> Any:
        if production is not None:
            assert production == (masses[0], production_seed(int(seed.entropy), masses[0]).spawn_key)  # type: ignore[arg-type]
        return super().build_sample(experiment, kind, masses, n_events, seed)


def test_per_cell_plane_simulates_one_production_per_m_ap(tmp_path: Path) -> None:
    """(m_chi1, Delta/m_chi1): every cell of a column has m_A' = R m_chi1, so the scan asks for ONE production per
    column (on production_seed(seed, m_A')) and builds each open cell's sample on it; the numbers are those of the
    same scan without sharing (the toy's N_sig ignores the production). A plane with one mass point per column
    never asks for a production."""
    spec = ScanSpec.from_ranges(
        "idm", "mchi1-delta", nx=3, ny=8, n_events=200, x_range=(0.01, 0.1), y_range=(0.1, 1.5), fixed={"eps": 1e-3}
    )
    marks = tmp_path / "marks"
    marks.mkdir()
    info: dict[str, int] = {}
    ds = run_scan(spec, evaluator=_SharingToy(marker_dir=str(marks)), cache_dir=tmp_path / "c", info=info)
    assert len(list(marks.glob("*.production"))) == 3
    assert len(list(marks.glob("*.built"))) == info["samples_built"]
    assert info["samples_built"] > 3
    plain = run_scan(spec, evaluator=ToyEvaluator(), cache_dir=tmp_path / "c2")
    np.testing.assert_array_equal(ds["n_sig"].values, plain["n_sig"].values)
    assert "production shared by the cells of one m_Ap" in provenance(ds)["seed_scheme"]
    other = small_spec(nx=2, ny=4)
    run_scan(other, evaluator=_SharingToy(marker_dir=str(marks)), cache_dir=tmp_path / "c3")
    assert len(list(marks.glob("*.production"))) == 3


def test_per_cell_plane_keys_say_production_is_shared() -> None:
    """The scan key of a per-cell plane records the shared production (no checkpoint of the former per-cell
    production is resumed); the key of a plane with one mass point per column is unchanged."""
    spec = ScanSpec.from_ranges("idm", "mchi1-delta", nx=2, ny=3, x_range=(0.01, 0.1), fixed={"eps": 1e-3})
    toy = ToyEvaluator()
    blob = {"spec": spec.to_dict(), "evaluator": toy.identity(), "card": "k", "version": __version__}
    old = hashlib.sha256(json.dumps(blob, sort_keys=True).encode()).hexdigest()
    new = hashlib.sha256(json.dumps({**blob, "production_stream": "per-m_Ap"}, sort_keys=True).encode()).hexdigest()
    assert scan_key(spec, toy, "k") == new != old
    flat = small_spec()
    blob = {"spec": flat.to_dict(), "evaluator": toy.identity(), "card": "k", "version": __version__}
    assert scan_key(flat, toy, "k") == hashlib.sha256(json.dumps(blob, sort_keys=True).encode()).hexdigest()


# --------------------------------------------------------------------------------------------------
# one pass for several selections (issue 12, item 3)
# --------------------------------------------------------------------------------------------------
def test_run_scans_serves_several_selections_from_one_pass(tmp_path: Path) -> None:
    """Three selections (one of them two-bin) and different statistics in one pass: each Dataset is identical to
    its own run_scan (values, s_up, scan key, provenance), and each sample is built once for all of them."""
    specs = [
        small_spec(selection="missing-energy"),
        small_spec(selection="s1+s2", eot=(2.84e11,)),
        small_spec(selection="box+s1", eot=(1e12, 5e12), cl=0.95),
    ]
    info: dict[str, Any] = {}
    together = run_scans(specs, evaluator=ToyEvaluator(), cache_dir=tmp_path / "one", info=info)
    assert info["samples_built"] == len(specs[0].x)
    assert info["cache_hits"] == 0
    assert info["bins"] == ["missing-energy", "s1", "s2", "box+s1"]
    for spec, ds in zip(specs, together, strict=True):
        alone = run_scan(spec, evaluator=ToyEvaluator(), cache_dir=tmp_path / spec.selection)
        xr.testing.assert_identical(ds, alone)
    assert together[0]["n_sig"].values.max() > 0


def test_run_scans_refuses_scans_that_differ_in_n_sig() -> None:
    """Scans differing in anything that changes N_sig (here the grid, the model's fixed parameters) are refused."""
    with pytest.raises(ParameterError, match="x"):
        run_scans([small_spec(), small_spec(nx=3)], evaluator=ToyEvaluator())
    with pytest.raises(ParameterError, match="fixed"):
        run_scans([small_spec(), small_spec(fixed={"alpha_D": 0.5})], evaluator=ToyEvaluator())
    with pytest.raises(ParameterError, match="specs"):
        run_scans([], evaluator=ToyEvaluator())


@pytest.mark.slow
def test_run_scans_with_the_real_evaluator_equals_separate_scans(tmp_path: Path) -> None:
    """The real evaluator: missing-energy and box+s1 from one pass equal the two separate scans bit for bit."""
    kw: dict[str, Any] = {"nx": 2, "ny": 5, "n_events": 150, "x_range": (0.03, 0.3), "processes": ("brem",)}
    specs = [ScanSpec.from_ranges("idm", "mAp-eps", selection=sel, **kw) for sel in ("missing-energy", "box+s1")]
    together = run_scans(specs, cache_dir=tmp_path / "one")
    for spec, ds in zip(specs, together, strict=True):
        xr.testing.assert_identical(ds, run_scan(spec, cache_dir=tmp_path / spec.selection))
    assert together[1]["n_sig"].values.max() > 0
