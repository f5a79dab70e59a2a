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


def test_process_server_started_early_serves_the_pools(serial_result: xr.Dataset, tmp_path: Path) -> None:
    """``semivis figure`` starts the pools' forkserver before it imports the figure code
    (:func:`semivis.scan.executors.start_process_server`): the server is then running (one, kept on a second call),
    and a pool made afterwards forks its workers from it, with the same result."""
    import multiprocessing.forkserver  # noqa: PLC0415

    from semivis.scan.executors import FORKSERVER_PRELOAD, process_context, start_process_server  # noqa: PLC0415

    start_process_server()
    server = multiprocessing.forkserver._forkserver  # the module's one server (CPython)
    pid = server._forkserver_pid
    assert pid is not None
    start_process_server()
    assert server._forkserver_pid == pid
    assert server._preload_modules == list(FORKSERVER_PRELOAD)
    assert process_context().get_start_method() == "forkserver"
    ds = run_scan(
        spec(),
        executor="processes",
        workers=2,
        evaluator=ToyEvaluator(),
        cache_dir=tmp_path / "c",
        out=tmp_path / "r.nc",
    )
    assert server._forkserver_pid == pid
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


@pytest.mark.slow
def test_shared_production_is_identical_on_every_executor(tmp_path: Path) -> None:
    """The real evaluator on a per-cell plane ((m_chi1, Delta/m_chi1): one A' production per column, shared by its
    cells): serial and process-pool results are identical, and a cell's N_sig is exactly what the seed scheme says
    (its sample built on simulate_production(production_seed(seed, m_A')), decays from mass_seed(seed, masses))."""
    from semivis.planes import PLANES  # noqa: PLC0415
    from semivis.scan import SignalEvaluator  # noqa: PLC0415
    from semivis.scan.runner import mass_seed  # noqa: PLC0415
    from semivis.signal.events import production_seed  # noqa: PLC0415

    s = ScanSpec.from_ranges(
        "idm",
        "mchi1-delta",
        nx=2,
        ny=3,
        n_events=150,
        x_range=(0.02, 0.1),
        y_range=(0.2, 0.6),
        fixed={"eps": 3e-3, "alpha_D": 0.1},
        experiment="na64-2016-2022",
        processes=("brem",),
        seed=11,
    )
    serial = run_scan(s, cache_dir=tmp_path / "a")
    pooled = run_scan(s, executor="processes", workers=2, cache_dir=tmp_path / "b")
    xr.testing.assert_identical(pooled, serial)
    ev = SignalEvaluator().for_spec(s)
    masses = PLANES[s.plane].mass_points(s.x[1], s.y, s.fixed_at(1), s.model)[2]
    prod = ev.build_production(s.experiment, masses[0], s.n_events, production_seed(s.seed, masses[0]))
    sample = ev.build_sample(s.experiment, s.model, masses, s.n_events, mass_seed(s.seed, masses), production=prod)
    col = PLANES[s.plane].couplings(s.x[1], s.y[2:3], s.fixed_at(1))
    n = ev.n_sig(s.experiment, s.model, sample, s.bins, col)[:, 0].sum()
    assert n > 0
    assert serial["n_sig"].isel(eot=0).values[2, 1] == n


def test_keep_freed_memory_reuses_freed_blocks() -> None:
    """Pool workers keep the memory they free (:func:`semivis.scan.executors.keep_freed_memory`): on glibc the
    settings are accepted, and a 64 MB array allocated again after being freed then needs far fewer new pages of the
    kernel (minor faults) than with glibc's defaults, which map and unmap it each time (~4 000 faults with
    transparent huge pages, ~80 000 without). Each variant runs in a child process: the settings stay for the
    process's lifetime."""
    import subprocess  # noqa: PLC0415
    import sys  # noqa: PLC0415

    def faults(keep: bool) -> tuple[str, int]:
        child = (
            "import resource, numpy as np\n"
            "from semivis.scan.executors import keep_freed_memory\n"
            f"ok = keep_freed_memory() if {keep} else True\n"
            "a = np.ones(8_000_000); del a\n"
            "f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt\n"
            "for _ in range(5):\n"
            "    a = np.ones(8_000_000); del a\n"
            "print(ok, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0)\n"
        )
        out = subprocess.run([sys.executable, "-c", child], check=True, capture_output=True, text=True).stdout.split()
        return out[0], int(out[1])

    ok, kept = faults(True)
    if ok == "False":
        pytest.skip("not glibc: the allocator is left as it is")
    _, default = faults(False)
    assert kept < 2000  # 5 x 64 MB reused
    assert kept * 4 < default  # and far below the defaults' fresh pages
