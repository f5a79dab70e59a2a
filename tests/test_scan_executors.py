"""Same seed -> identical Dataset on the serial, process-pool and dask.distributed executors."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import xarray as xr

from semivis.errors import ParameterError
from semivis.scan import ScanSpec, run_scan
from semivis.scan.runner import DASK_CONNECT_TIMEOUT_S
from semivis.testing import ToyEvaluator


def spec() -> ScanSpec:
    return ScanSpec.from_ranges(
        "idm", "mAp-eps", nx=5, ny=12, n_events=400, x_range=(0.01, 0.5), eot=(2.84e11, 5e12), seed=99
    )


@pytest.fixture(scope="module")
def serial_result(tmp_path_factory: pytest.TempPathFactory) -> xr.Dataset:
    d = tmp_path_factory.mktemp("serial")
    return run_scan(spec(), evaluator=ToyEvaluator(), cache_dir=d / "cache", out=d / "r.nc")


def test_processes_identical(serial_result: xr.Dataset, tmp_path: Path) -> None:
    ds = run_scan(
        spec(),
        executor="processes",
        workers=2,
        evaluator=ToyEvaluator(),
        cache_dir=tmp_path / "cache",
        out=tmp_path / "r.nc",
    )
    xr.testing.assert_identical(ds, serial_result)


def test_dask_identical(serial_result: xr.Dataset, tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cl:
        ds = run_scan(
            spec(),
            executor="dask",
            scheduler=cl.scheduler_address,
            evaluator=ToyEvaluator(),
            cache_dir=tmp_path / "cache",
            out=tmp_path / "r.nc",
        )
        xr.testing.assert_identical(ds, serial_result)
        with distributed.Client(cl) as client:  # any concurrent.futures.Executor works too
            ds2 = run_scan(
                spec(), executor=client.get_executor(), evaluator=ToyEvaluator(), cache_dir=tmp_path / "cache2"
            )
    xr.testing.assert_identical(ds2, serial_result)


def test_seed_changes_result(serial_result: xr.Dataset, tmp_path: Path) -> None:
    other = ScanSpec(**{**spec().to_dict(), "x": spec().x, "y": spec().y, "eot": spec().eot, "seed": 100})  # type: ignore[arg-type]
    ds = run_scan(other, evaluator=ToyEvaluator(), cache_dir=tmp_path)
    assert not ds["n_sig"].equals(serial_result["n_sig"])


def test_bad_executor_named(tmp_path: Path) -> None:
    with pytest.raises(ParameterError) as err:
        run_scan(spec(), executor="threads", evaluator=ToyEvaluator(), cache_dir=tmp_path)
    assert err.value.name == "--executor"
    with pytest.raises(ParameterError) as err:
        run_scan(spec(), executor="processes", workers=0, evaluator=ToyEvaluator(), cache_dir=tmp_path)
    assert err.value.name == "--workers"


def test_unreachable_dask_scheduler_is_one_error_within_seconds(tmp_path: Path) -> None:
    """No scheduler at the address: a ParameterError naming --scheduler after the short connect timeout (not
    distributed's 30 s and a long traceback), and no checkpoint folder left behind."""
    pytest.importorskip("distributed")
    t0 = time.monotonic()
    with pytest.raises(ParameterError) as err:
        run_scan(
            spec(),
            executor="dask",
            scheduler="tcp://127.0.0.1:1",
            evaluator=ToyEvaluator(),
            cache_dir=tmp_path / "c",
            out=tmp_path / "r.nc",
        )
    assert time.monotonic() - t0 < DASK_CONNECT_TIMEOUT_S + 10
    assert err.value.name == "--scheduler"
    assert "\n" not in str(err.value)
    assert not list(tmp_path.glob("r.nc*"))
