"""Sample cache and its kernel and figure sections: hermetic in tests, never a reason to fail, umask honoured."""

from __future__ import annotations

import logging
import os
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import platformdirs
import pytest
import xarray as xr

from semivis.errors import ParameterError
from semivis.scan import SampleCache, ScanSpec, cache_key, default_cache_dir, run_scan
from semivis.scan.cache import source_digest
from semivis.testing import ToyEvaluator

UNUSABLE = "running without a sample cache"


def _warnings(caplog: pytest.LogCaptureFixture, text: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and text in r.getMessage()]


def test_tests_never_touch_the_user_cache(session_cache_root: Path) -> None:
    # conftest points the cache at a per-session temporary directory, for this process and its children
    assert default_cache_dir().is_relative_to(session_cache_root)
    assert SampleCache().root.is_relative_to(session_cache_root)
    assert Path(platformdirs.user_cache_dir("semivis", appauthor=False)).is_relative_to(session_cache_root)
    child = subprocess.run(
        [sys.executable, "-c", "from semivis.scan import default_cache_dir; print(default_cache_dir())"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(child.stdout.strip()) == default_cache_dir()


def test_session_cache_is_used_even_without_semivis_cache_dir(
    monkeypatch: pytest.MonkeyPatch, session_cache_root: Path
) -> None:
    monkeypatch.delenv("SEMIVIS_CACHE_DIR")  # the platform default (XDG on Linux) is redirected too
    if sys.platform.startswith("linux"):
        assert default_cache_dir().is_relative_to(session_cache_root)


def _roundtrip(cache: SampleCache, key: str) -> None:
    cache.store(key, {"x": np.arange(3.0)}, {"note": "demo"})
    hit = cache.load(key)
    assert hit is not None
    np.testing.assert_array_equal(hit[0]["x"], np.arange(3.0))


def test_uncreatable_cache_falls_back_with_one_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    root = blocker / "cache"  # cannot be created, whoever runs the test (root included)
    with caplog.at_level(logging.WARNING):
        caches = [SampleCache(root) for _ in range(3)]
        for cache in caches:
            assert not cache.writable
            key = cache_key({"m_Ap": 0.2})
            cache.store(key, {"x": np.ones(2)}, {})  # silently not stored
            assert cache.load(key) is None
    (line,) = _warnings(caplog, UNUSABLE)  # one line per root, not one per cache or per sample
    assert str(root) in line
    assert "\n" not in line


def test_read_only_warm_cache_is_still_read(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "warm"
    key = cache_key({"m_Ap": 0.5})
    SampleCache(root).store(key, {"x": np.arange(2.0)}, {})
    monkeypatch.setattr("semivis.scan.cache.os.access", lambda *args, **kwargs: False)  # as on a read-only mount
    with caplog.at_level(logging.WARNING):
        cache = SampleCache(root)
        hit = cache.load(key)
    assert not cache.writable
    assert hit is not None
    np.testing.assert_array_equal(hit[0]["x"], np.arange(2.0))
    assert len(_warnings(caplog, UNUSABLE)) == 1


def test_scan_with_uncreatable_cache_runs_uncached_and_gives_the_same_result(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    spec = ScanSpec.from_ranges("idm", "mAp-eps", nx=3, ny=4, n_events=200, x_range=(0.01, 0.3))
    reference = run_scan(spec, evaluator=ToyEvaluator(), cache_dir=tmp_path / "good")
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    info: dict[str, object] = {}
    with caplog.at_level(logging.WARNING):
        ds = run_scan(spec, evaluator=ToyEvaluator(), cache_dir=blocker / "cache", info=info)
    xr.testing.assert_identical(ds["n_sig"], reference["n_sig"])
    assert info["columns_computed"] == 3
    assert len(_warnings(caplog, UNUSABLE)) == 1


def test_write_failure_after_start_is_one_warning_and_stops_writing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = SampleCache(tmp_path / "cache")
    assert cache.writable

    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("semivis.scan.cache.atomic_path", disk_full)
    with caplog.at_level(logging.WARNING):
        for i in range(3):
            cache.store(cache_key({"i": i}), {"x": np.zeros(1)}, {})
    (line,) = _warnings(caplog, "cannot write entry")
    assert "No space left on device" in line
    assert not cache.writable


@pytest.mark.parametrize("which", ["json", "npz", "both"])
def test_entry_path_that_is_a_directory_is_rejected_and_rebuilt(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, which: str
) -> None:
    cache = SampleCache(tmp_path / "cache")
    key = cache_key({"m_Ap": 0.3})
    npz, meta = cache._paths(key)
    if which != "json":
        (npz / "junk").mkdir(parents=True)
    if which != "npz":
        (meta / "junk").mkdir(parents=True)
        with caplog.at_level(logging.WARNING):
            assert cache.load(key) is None
        assert cache.rejected == 1
        assert len(_warnings(caplog, "rejecting corrupt entry")) == 1
    _roundtrip(cache, key)  # the squatting directories are gone and the entry is valid again
    assert npz.is_file()
    assert meta.is_file()


@pytest.mark.parametrize("umask", [0o022, 0o002, 0o077])
def test_cache_entries_honour_the_umask(tmp_path: Path, umask: int) -> None:
    old = os.umask(umask)
    try:
        cache = SampleCache(tmp_path / "cache")
        key = cache_key({"umask": umask})
        cache.store(key, {"x": np.zeros(2)}, {})
    finally:
        os.umask(old)
    for path in cache._paths(key):
        assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask, path.name


@pytest.mark.parametrize("umask", [0o022, 0o077])
def test_atomic_writes_honour_the_umask(tmp_path: Path, umask: int) -> None:
    # results (.nc), JSON summaries and checkpoints are written through the same helper as cache entries
    from semivis._io import atomic_write_text, atomic_write_with  # noqa: PLC0415

    old = os.umask(umask)
    try:
        atomic_write_text(tmp_path / "summary.json", "{}")
        atomic_write_with(tmp_path / "result.nc", lambda tmp: tmp.touch())
    finally:
        os.umask(old)
    for name in ("summary.json", "result.nc"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o666 & ~umask, name


def test_sections_are_separate_and_integrity_checked(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """One key in two sections is two entries; a corrupted kernel entry is rejected, deleted and reported as a
    miss, as a corrupted sample is; an unknown section is refused."""
    samples = SampleCache(tmp_path)
    kernels = SampleCache(tmp_path, section="kernels")
    key = cache_key({"m": 1})
    samples.store(key, {"x": np.arange(3.0)}, {"what": "sample"})
    kernels.store(key, {"x": np.arange(4.0)}, {"what": "kernel"})
    got_s, got_k = samples.load(key), kernels.load(key)
    assert got_s is not None
    assert got_k is not None
    assert got_s[1]["what"] == "sample"
    assert got_k[0]["x"].size == 4
    npz = next((tmp_path / "kernels").rglob("*.npz"))
    data = bytearray(npz.read_bytes())
    data[-5] ^= 0xFF
    npz.write_bytes(bytes(data))
    with caplog.at_level(logging.WARNING):
        assert kernels.load(key) is None
    assert kernels.rejected == 1
    assert not npz.exists()
    assert samples.load(key) is not None  # the other section is untouched
    with pytest.raises(ParameterError, match="section"):
        SampleCache(tmp_path, section="results")


def test_source_digest_is_stable_and_names_the_code() -> None:
    """The code digest in kernel and figure keys: a SHA-256, the same on every call in a process."""
    assert source_digest() == source_digest()
    assert len(source_digest()) == 64


def test_figure_content_comes_back_from_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A figure re-run with the same cache reads its scan grids, relic lines and constraint curves back bit for bit
    (no scan, no relic solve, no constraint recast: each is replaced by a failure), and its scans' lifetime kernels
    are in the ``kernels/`` section."""
    from semivis.figures import build  # noqa: PLC0415 - the figures room is only needed here
    from semivis.figures.registry import Resolution  # noqa: PLC0415

    res = Resolution(n_x=2, n_y=80, n_events=40, n_curve=4)
    first = build.build_figure_data("epjc2023-fig8b", resolution=res, cache_dir=tmp_path)
    assert list((tmp_path / "kernels").rglob("*.npz"))  # 80 couplings per column: kernels, under --cache-dir
    assert list((tmp_path / "figures").rglob("*.npz"))

    def recomputed(*args: object, **kwargs: object) -> None:
        raise AssertionError("recomputed instead of read from the cache")

    for name in ("run_scan", "_relic_lines", "_constraint_lines"):
        monkeypatch.setattr(build, name, recomputed)
    again = build.build_figure_data("epjc2023-fig8b", resolution=res, cache_dir=tmp_path)
    assert again.summary == first.summary
    assert set(again.curves) == set(first.curves)
    for key, lines in first.curves.items():
        assert len(again.curves[key]) == len(lines), key
        for a, b in zip(again.curves[key], lines, strict=True):
            assert np.array_equal(np.asarray(a), np.asarray(b)), key


def test_a_coupling_change_reads_kernels_not_samples(tmp_path: Path) -> None:
    """The scan's lifetime kernels live under its ``cache_dir``, and a scan whose couplings changed (another scan
    key, the same samples) takes each column from the kernel stored for the sample's cache key, without reading
    or building a sample, bit for bit what a scan on an empty cache gives."""
    from semivis.scan import SignalEvaluator, evaluators  # noqa: PLC0415 - the real evaluator is only needed here

    def spec(y_hi: float) -> ScanSpec:
        y = tuple(float(v) for v in np.geomspace(1e-5, y_hi, 70))
        return ScanSpec("idm", "mAp-eps", (0.3, 0.6), y, n_events=60, processes=("brem",))

    first = run_scan(spec(1e-2), evaluator=SignalEvaluator(), cache_dir=tmp_path / "c")
    assert list((tmp_path / "c" / "kernels").rglob("*.npz"))  # 70 couplings per column: kernels, under cache_dir
    assert np.all(first["n_sig"].values >= 0)
    for sample in (tmp_path / "c" / "samples").rglob("*"):  # samples gone: only the kernels can answer
        if sample.is_file():
            sample.unlink()
    evaluators._KERNEL_MEMO.clear()  # from the disk, not from this process's memo
    again = run_scan(spec(2e-2), evaluator=SignalEvaluator(), cache_dir=tmp_path / "c")
    assert not [f for f in (tmp_path / "c" / "samples").rglob("*") if f.is_file()]  # none read, none built
    fresh = run_scan(spec(2e-2), evaluator=SignalEvaluator(), cache_dir=tmp_path / "fresh")
    assert np.array_equal(again["n_sig"].values, fresh["n_sig"].values)
    assert fresh["n_sig"].values.max() > 0


def test_a_union_column_reuses_the_one_process_kernel_and_equals_the_union_sample_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A brem + annihilation scan after a brem-only scan of the same samples (EPJC 2023 Fig. 3's improvement curve
    after its exclusion curve) takes the brem part's kernel from that scan and builds only the annihilation part;
    alone, it builds both parts. Either way N_sig is bit for bit what the union sample's own path gives (the part
    path switched off), and a re-run answers from the union's stored kernel without building anything."""
    from semivis.scan import SignalEvaluator, evaluators  # noqa: PLC0415 - the real evaluator is only needed here
    from semivis.signal import events  # noqa: PLC0415

    y = tuple(float(v) for v in np.geomspace(1e-5, 1e-2, 70))

    def spec(processes: tuple[str, ...]) -> ScanSpec:
        # m_A' = 0.3 GeV: both processes open; 0.6 GeV: the annihilation part is empty (resonance above E_beam)
        return ScanSpec("idm", "mAp-eps", (0.3, 0.6), y, n_events=60, processes=processes)

    built: list[tuple[str, ...]] = []
    real = events.build_event_sample

    def counting(*args: object, **kwargs: object) -> object:
        built.append(tuple(kwargs.get("processes", ())))  # type: ignore[arg-type]
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(evaluators, "build_event_sample", counting)
    evaluators._KERNEL_MEMO.clear()
    run_scan(spec(("brem",)), evaluator=SignalEvaluator(), cache_dir=tmp_path / "a", progress=False)
    built.clear()
    after_brem = run_scan(spec(("brem", "annihilation")), evaluator=SignalEvaluator(), cache_dir=tmp_path / "a")
    assert built == [("annihilation",), ("annihilation",)]  # the brem parts came from the brem-only scan's kernels
    built.clear()
    evaluators._KERNEL_MEMO.clear()
    again = run_scan(spec(("brem", "annihilation")), evaluator=SignalEvaluator(), cache_dir=tmp_path / "a")
    assert built == []
    evaluators._KERNEL_MEMO.clear()
    alone = run_scan(spec(("brem", "annihilation")), evaluator=SignalEvaluator(), cache_dir=tmp_path / "b")
    assert sorted(built) == sorted([("brem",), ("annihilation",)] * 2)
    built.clear()
    evaluators._KERNEL_MEMO.clear()
    monkeypatch.setattr(evaluators.SignalEvaluator, "part_evaluators", lambda self, experiment, couplings: ())
    union_path = run_scan(spec(("brem", "annihilation")), evaluator=SignalEvaluator(), cache_dir=tmp_path / "c")
    assert built == [("brem", "annihilation")] * 2  # the union sample itself (its parts built inside)
    for ds in (after_brem, again, alone):
        assert np.array_equal(ds["n_sig"].values, union_path["n_sig"].values)
    assert union_path["n_sig"].values.max() > 0
