"""Run a scan: columns on an executor, per-column checkpoints, sample cache, result assembly.

Execution
---------
``executor="serial"`` runs in-process; ``"processes"`` uses :class:`concurrent.futures.ProcessPoolExecutor`
(``workers`` processes, default all cores, ``forkserver`` start method: scripts need the usual
``if __name__ == "__main__":`` guard); ``"dask"`` uses
``distributed.Client(scheduler).get_executor()`` (a new ``LocalCluster`` when no scheduler address is
given); any :class:`concurrent.futures.Executor` instance may be passed directly. The result does not
depend on the executor: each mass point's random stream is ``SeedSequence(seed, spawn_key=<the bits of
its three masses>)``, a stable index independent of grid, chunking and completion order.

Shared production
-----------------
In a per-cell plane (the chi masses change along y, e.g. (m_chi1, Delta/m_chi1)) every cell of a column has
the same m_A', and the A' production does not depend on the chi masses: the column simulates it once, on the
stream :func:`semivis.signal.events.production_seed` ``(seed, m_A')`` (``SeedSequence(seed, spawn_key=(bits of
m_A', "prod" tag))``), and each cell only draws its chi decays, from the channel streams of its own mass-point
stream (children 1.. of ``mass_seed``, as before). Every stream is a function of (seed, masses) alone, so
results stay bit-identical across executors, chunkings and grids containing the cell. Planes with one mass point
per column keep each sample's own production (child 0 of its mass-point stream): nothing to share there, and
their numbers are unchanged. The sample-cache and scan keys of per-cell planes say ``production_stream =
per-m_Ap``, so no sample or checkpoint made with the former per-cell production is reused.

A per-cell sample serves one cell (one coupling) and is not stored in the sample cache: rebuilding it on the
column's production costs its chi2 decays (~10 % of the cell, whose detector response dominates), storing it
3-80 MB (1250-20 000 primaries; a publication (m_chi1, Delta/m_chi1) figure would write ~45 GB). Its N_sig is kept
in the checkpoints and a figure's grids in the ``figures/`` cache section.

Unions of production processes
------------------------------
A sample with both A' production processes is the union of one-process parts (:mod:`semivis.signal.events`; the
brem part is the brem-only sample of the same seed). When its column is evaluated from lifetime kernels, the scan
asks the evaluator for the parts (``Evaluator.part_evaluators``): a part whose one-process sample-cache key already
has a kernel (a brem-only scan of the same samples ran before, as in EPJC 2023 Fig. 3) is not built again, the
missing parts are built and stored under their own keys, and ``Evaluator.n_sig_from_parts`` sums the parts'
kernels, the kernel the union sample itself would get, so N_sig is the same bit for bit. The union sample is then
never assembled; where the kernel's bound is above its tolerance, or the column is evaluated exactly, the scan
builds it as before.

Adaptive per-cell scans
-----------------------
With ``spec.pilot_events`` set (per-cell planes only) the columns run in passes (:mod:`semivis.scan.adaptive`):
every cell at pilot statistics with its Monte Carlo error (with a ladder of pilots, each later pilot for the cells
the one before leaves undecided), then, at ``n_events``, the cells the last pilot does not decide for every
statistic and the corners of every quad the contour crosses, until none of those is a pilot cell.
A full-statistics cell is computed exactly as a non-adaptive scan computes it. The checkpoints are
``pilot-NNNNN.npy`` (N and its error), ``pilotK-NNNNN.npy`` (the K-th later pilot: N, error and a row of the cells
held) and ``full-NNNNN.npy`` (N with a row of the cells held).

Resume
------
With ``out`` given, each finished column is written atomically to ``<out>.partial-<spec key>/`` as it
arrives; a rerun of the same spec (same key) loads those and computes only the missing columns. The final
netCDF is written atomically and the checkpoint directory removed. The key hashes the whole spec, a
mass-dependent fixed coupling by its rule's name (``eps = "g2:fnal2021:central"``), so a different rule
never resumes from another's columns. For dask, ``out`` and the cache
directory must be on a file system the workers share.

Interruption and failure
------------------------
SIGINT (Ctrl-C) and, while a scan runs in the main thread, SIGTERM stop it with :class:`ScanInterrupted`
(a ``KeyboardInterrupt``): the checkpoints are kept, so rerunning resumes. Any other failure removes a
checkpoint folder that holds no finished column (nothing to resume: no ``OUT.partial-*`` junk is left); one
that holds columns is kept for the rerun. Process-pool workers die with the scan's process, even when it is
killed with SIGKILL (:func:`_worker_init`: a parent-death watchdog, and ``PR_SET_PDEATHSIG`` on Linux); the
forkserver and the resource tracker then see their last client gone and exit too.

Cells not computed
------------------
Where the evaluator's physics does not reach (``Evaluator.covers``: m_A' above the 3 GeV production range) or
where eps leaves (0, 1), N_sig is stored as 0 but is *no result*: the boolean variable ``computed`` (y, x) is
False there and the attributes and provenance count the cells per reason (:func:`not_computed_counts`). Where
A' -> chi1 chi2 is kinematically closed, N_sig = 0 is the physics result (no signal): computed, and counted
as ``cells_channel_closed``. A plane closed everywhere is refused by :class:`ScanSpec`; a grid where no cell
at all can be computed is refused before any work.

>>> from semivis.scan import ScanSpec, run_scan
>>> from semivis.testing import ToyEvaluator
>>> spec = ScanSpec.from_ranges("idm", "mAp-eps", nx=4, ny=5, n_events=200, x_range=(0.01, 0.3))
>>> import tempfile; info = {}
>>> ds = run_scan(spec, evaluator=ToyEvaluator(), cache_dir=tempfile.mkdtemp(), info=info)
>>> ds["n_sig"].dims, info["columns_computed"], float(ds["s_up"].max().round(3))
(('eot', 'eps', 'm_Ap'), 4, 2.303)
>>> bool(ds["computed"].all()), ds.attrs["cells_not_computed"]
(True, 0)
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import dataclasses
import functools
import hashlib
import io
import json
import os
import select
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from semivis import __version__
from semivis._io import atomic_write_bytes, atomic_write_text, to_jsonable
from semivis.errors import ParameterError
from semivis.planes import PLANES
from semivis.scan import evaluators as _evaluators
from semivis.scan.adaptive import PILOT_Z, contour_corners, undecided
from semivis.scan.cache import SampleCache, cache_key
from semivis.scan.contours import projection_lines, ratio_grid
from semivis.scan.evaluators import Evaluator, SignalEvaluator
from semivis.scan.executors import EXECUTORS, check_executor, keep_freed_memory, process_context
from semivis.scan.result import ragged, write_result
from semivis.scan.spec import ScanSpec
from semivis.signal.events import production_seed
from semivis.stats import multibin_table, upper_limit

__all__ = [
    "NOT_COMPUTED_REASONS",
    "SHAREABLE_FIELDS",
    "ScanInterrupted",
    "column_cells",
    "compute_column",
    "mass_seed",
    "not_computed_counts",
    "run_scan",
    "run_scans",
    "scan_executor",
    "scan_key",
]


#: seconds a dask client waits for an unreachable ``scheduler`` before giving up (distributed's default is 30)
DASK_CONNECT_TIMEOUT_S = 5.0

#: why a cell is not computed (each cell counts under its first reason); a closed channel is a result, not one
NOT_COMPUTED_REASONS: tuple[str, ...] = ("outside_production_range", "unphysical_eps")


class ScanInterrupted(KeyboardInterrupt):
    """A scan stopped by SIGINT or SIGTERM; its checkpoints are kept, so the same call resumes it.

    ``signum`` is the signal, ``columns_done`` of ``columns_total`` columns are saved (0 without ``out``).
    """

    def __init__(self, signum: int, columns_done: int, columns_total: int) -> None:
        super().__init__(signum, columns_done, columns_total)
        self.signum = signum
        self.columns_done = columns_done
        self.columns_total = columns_total


class _Terminated(KeyboardInterrupt):
    """SIGTERM turned into an interruption (so it unwinds exactly like Ctrl-C)."""


@contextlib.contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """While a scan runs in the main thread with SIGTERM at its default, SIGTERM raises :class:`_Terminated`.

    A batch system's ``kill``, ``timeout`` or ``scancel`` sends SIGTERM; unhandled, it would end the process
    without stopping the pool's workers or saying that the checkpoints allow a resume.
    """
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGTERM) != signal.SIG_DFL:
        yield
        return

    def handler(signum: int, frame: object) -> None:
        raise _Terminated

    signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def mass_seed(seed: int, masses: tuple[float, float, float]) -> np.random.SeedSequence:
    """Random stream of one mass point: ``SeedSequence(seed, spawn_key=bits of (m_A', m_chi1, m_chi2))``.

    >>> a = mass_seed(7, (0.3, 0.1, 0.14)).generate_state(1)
    >>> bool((a == mass_seed(7, (0.3, 0.1, 0.14)).generate_state(1)).all())
    True
    """
    key = tuple(int(np.float64(m).view(np.uint64)) for m in masses)
    return np.random.SeedSequence(entropy=int(seed), spawn_key=key)


#: how the samples of a per-cell plane get their A' production (module docstring, "Shared production")
SHARED_PRODUCTION = "per-m_Ap"


def scan_key(spec: ScanSpec, evaluator: Evaluator, card_key: str) -> str:
    """SHA-256 of everything that fixes a scan's numbers (spec, evaluator, card content, version, and for a
    per-cell plane its production sharing, so former checkpoints are not resumed)."""
    content: dict[str, Any] = {
        "spec": spec.to_dict(),
        "evaluator": evaluator.identity(),
        "card": card_key,
        "version": __version__,
    }
    if PLANES[spec.plane].per_cell:
        content["production_stream"] = SHARED_PRODUCTION
    blob = json.dumps(content, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def column_cells(spec: ScanSpec, evaluator: Evaluator, index: int) -> dict[str, NDArray[np.bool_]]:
    """Which cells (over y) of column ``index`` hold a result, without building any sample.

    Boolean arrays of shape (ny,): ``open`` (A' -> chi1 chi2 kinematically open, :meth:`Plane.is_open`),
    ``covered`` (inside the evaluator's physics, :meth:`Evaluator.covers`: m_A' <= 3 GeV for the real one),
    ``physical`` (0 < eps < 1, :meth:`Plane.valid`) and ``computed``: physical, and either closed (N_sig = 0
    *is* the result there: no on-shell A' -> chi1 chi2, so no signal) or covered. Where ``computed`` is False,
    N_sig = 0 is no result at all and no exclusion is claimed.

    >>> from semivis.testing import ToyEvaluator
    >>> spec = ScanSpec.from_ranges("idm", "mchi1-delta", nx=2, ny=3, x_range=(0.01, 0.1), y_range=(0.1, 1.5),
    ...     fixed={"eps": 1e-3})
    >>> cells = column_cells(spec, ToyEvaluator(), 0)
    >>> cells["open"].tolist(), cells["computed"].tolist()  # R = 3: open for Delta/m_chi1 < 1
    ([True, True, False], [True, True, True])
    """
    plane = PLANES[spec.plane]
    x = spec.x[index]
    y = np.asarray(spec.y)
    fixed = spec.fixed_at(index)
    points = plane.mass_points(x, y, fixed, spec.model)
    is_open = np.array([plane.is_open(m, spec.model) for m in points], dtype=np.bool_)
    covered = np.array([evaluator.covers(m) for m in points], dtype=np.bool_)
    physical = plane.valid(plane.couplings(x, y, fixed), y.shape)
    is_open, covered = (np.broadcast_to(a, y.shape).copy() for a in (is_open, covered))  # one point per column
    computed = physical & ~(is_open & ~covered)
    return {"open": is_open, "covered": covered, "physical": physical, "computed": computed}


def not_computed_counts(cells: list[dict[str, NDArray[np.bool_]]]) -> dict[str, int]:
    """Cell counts from :func:`column_cells` of every column.

    Not computed (N_sig = 0 is no result): ``cells_outside_production_range`` (channel open, mass point beyond
    the evaluator's range), ``cells_unphysical_eps`` (eps outside (0, 1), the rest), their sum
    ``cells_not_computed``, and ``columns_outside_production_range``. Computed with N_sig = 0 as the physics
    result: ``cells_channel_closed`` (A' -> chi1 chi2 closed, eps physical).
    """
    is_open = np.stack([c["open"] for c in cells], axis=-1)
    covered = np.stack([c["covered"] for c in cells], axis=-1)
    physical = np.stack([c["physical"] for c in cells], axis=-1)
    outside = is_open & ~covered
    counts = {
        "cells_outside_production_range": int(np.count_nonzero(outside)),
        "cells_unphysical_eps": int(np.count_nonzero(~physical & ~outside)),
    }
    counts["cells_not_computed"] = sum(counts.values())
    counts["columns_outside_production_range"] = int(np.count_nonzero(outside.any(axis=0)))
    counts["cells_channel_closed"] = int(np.count_nonzero(~is_open & physical))
    return counts


def compute_column(  # noqa: PLR0917
    spec: ScanSpec,
    evaluator: Evaluator,
    index: int,
    cache_root: str,
    card_key: str,
    bins: tuple[str, ...] | None = None,
) -> tuple[int, NDArray[np.float64], dict[str, int]]:
    """N_sig per bin along column ``index`` at the card's EOT: returns (index, array (n_bins, ny), stats).

    ``bins``: the selection bins to evaluate (default ``spec.bins``; :func:`run_scans` passes the union of several
    selections' bins). Cells that :func:`column_cells` marks not computed keep N_sig = 0.
    """
    index, out, _, stats = _column(spec, evaluator, index, cache_root, card_key, bins)
    return index, out, stats


def _column(  # noqa: PLR0917
    spec: ScanSpec,
    evaluator: Evaluator,
    index: int,
    cache_root: str,
    card_key: str,
    bins: tuple[str, ...] | None = None,
    rows: NDArray[np.bool_] | None = None,
    with_errors: bool = False,
    keep_samples: bool = False,
) -> tuple[int, NDArray[np.float64], NDArray[np.float64] | None, dict[str, int]]:
    """:func:`compute_column` for the cells ``rows`` of a per-cell column (None: all; the others keep 0), with
    each cell's Monte Carlo error when ``with_errors`` (``Evaluator.n_sig_with_error``; inf where the evaluator
    has none, 0 where no sample is needed): (index, N_sig, error or None, stats).

    A sample built here goes to the sample cache only where :func:`_keeps_sample` says so (``keep_samples``, or
    no cached kernel answers for it)."""
    plane = PLANES[spec.plane]
    x = spec.x[index]
    y = np.asarray(spec.y)
    bins = spec.bins if bins is None else tuple(bins)
    cache = SampleCache(cache_root, warn_unusable=False)  # the parent warned once already
    fixed = spec.fixed_at(index)
    couplings = plane.couplings(x, y, fixed)
    points = plane.mass_points(x, y, fixed, spec.model)
    out = np.zeros((len(bins), y.size))
    err = np.zeros((len(bins), y.size)) if with_errors else None
    built = 0
    cells = column_cells(spec, evaluator, index)
    physical = cells["physical"]
    shared = plane.per_cell  # the column's cells share m_A': one production for all (module docstring)
    productions: dict[float, Any] = {}
    for j, masses in enumerate(points):
        if not (cells["open"][j] and cells["covered"][j]):
            continue  # A' -> chi chi closed, or beyond the production model: no exclusion claimed (N_sig = 0)
        if rows is not None and not rows[j]:
            continue  # an adaptive scan's cell that is not asked for in this pass
        seed = mass_seed(spec.seed, masses)
        content: dict[str, Any] = {
            "evaluator": evaluator.identity(),
            "kind": spec.model,
            "masses": [float(m).hex() for m in masses],
            "card": card_key,
            "n_events": spec.n_events,
            "seed": spec.seed,
            "spawn_key": list(seed.spawn_key),
            "version": __version__,
        }
        if shared:
            content["production_stream"] = SHARED_PRODUCTION
        key = cache_key(content)
        col: Mapping[str, Any] | None = None  # the couplings of a one-mass-point column's physical cells
        res: NDArray[np.float64] | None = None
        if not plane.per_cell and np.any(physical):
            col = couplings if np.all(physical) else _physical_couplings(couplings, y.shape, physical)
            # a kernel (or other by-product) cached for this sample answers without reading the sample
            res = evaluator.n_sig_from_key(spec.experiment, spec.model, key, bins, col)
            if res is not None:
                cache.hits += 1
                if np.all(physical):
                    out[:] = res
                else:
                    out[:, physical] = res
                continue
        if col is not None and res is None:
            # a union of production processes: its kernel from the parts' (one-process samples' kernels, which
            # a scan of one process may already have made), with only the missing parts built
            parts = evaluator.part_evaluators(spec.experiment, col)
            if parts:
                part_keys = [cache_key(content | {"evaluator": ev.identity()}) for ev in parts]
                got = [
                    None
                    if evaluator.has_kernel_for_key(spec.experiment, pk, bins)
                    else _sample_for(ev, spec, masses, pk, cache, card_key, None, store=False)
                    for ev, pk in zip(parts, part_keys, strict=True)
                ]
                part_samples = [None if g is None else g[0] for g in got]
                res = evaluator.n_sig_from_parts(spec.experiment, spec.model, key, part_keys, part_samples, bins, col)
                for ev, pk, g in zip(parts, part_keys, got, strict=True):
                    if g is not None and g[1] and _keeps_sample(ev, spec, pk, bins, None, keep_samples):
                        _store_sample(ev, spec, masses, pk, cache, card_key, g[0])
                if res is not None:
                    built += sum(s is not None for s in part_samples)
                    if np.all(physical):
                        out[:] = res
                    else:
                        out[:, physical] = res
                    continue

        def production(m_ap: float = float(masses[0])) -> Any:
            """The column's shared A' production (made once, when a cell's sample is first built)."""
            if m_ap not in productions:
                productions[m_ap] = evaluator.build_production(
                    spec.experiment, m_ap, spec.n_events, production_seed(spec.seed, m_ap)
                )
            return productions[m_ap]

        # a per-cell column's samples are never stored (one per cell: their production is shared, module docstring);
        # a one-mass-point sample is, after its evaluation, where no kernel then answers for it (_keeps_sample)
        sample, was_built = _sample_for(
            evaluator, spec, masses, key, cache, card_key, production if shared else None, store=False
        )
        built += was_built
        if plane.per_cell:
            if physical[j]:
                sl = {k: v[j : j + 1] for k, v in couplings.items()}
                if err is None:
                    out[:, j] = evaluator.n_sig(spec.experiment, spec.model, sample, bins, sl)[:, 0]
                else:
                    n_j, e_j = evaluator.n_sig_with_error(spec.experiment, spec.model, sample, bins, sl)
                    out[:, j] = n_j[:, 0]
                    err[:, j] = np.inf if e_j is None else e_j[:, 0]
        elif col is not None:
            if np.all(physical):
                out[:] = evaluator.n_sig(spec.experiment, spec.model, sample, bins, col)
            else:
                out[:, physical] = evaluator.n_sig(spec.experiment, spec.model, sample, bins, col)
            evaluator.remember_sample_key(spec.experiment, spec.model, key, sample, bins, col)
        if was_built and not plane.per_cell and _keeps_sample(evaluator, spec, key, bins, col, keep_samples):
            _store_sample(evaluator, spec, masses, key, cache, card_key, sample)
    if not np.all(np.isfinite(out)) or np.any(out < 0):
        raise ParameterError(
            "n_sig",
            float(out[~(np.isfinite(out) & (out >= 0))][0]),
            "finite N_sig >= 0",
            f"evaluator {evaluator.name} at column {spec.plane} x = {x}",
        )
    return index, out, err, {"hits": cache.hits, "built": built, "rejected": cache.rejected}


def _sample_for(  # noqa: PLR0917
    evaluator: Evaluator,
    spec: ScanSpec,
    masses: tuple[float, float, float],
    key: str,
    cache: SampleCache,
    card_key: str,
    production: Callable[[], Any] | None,
    store: bool = True,
) -> tuple[Any, bool]:
    """(sample, built): the sample of one mass point from the sample cache under ``key``, else built on the mass
    point's stream (with ``production()`` when given: a per-cell column's shared A' production, made on first
    use) and stored unless ``store`` is False (module docstring, "Shared production"; the scan's columns store
    after the evaluation, :func:`_keeps_sample`)."""
    hit = cache.load(key)
    if hit is not None:
        try:
            return evaluator.from_arrays(hit[0], hit[1]["sample"]), False
        except (KeyError, ValueError, TypeError):
            cache.rejected += 1  # readable but not a valid sample: recompute
    seed = mass_seed(spec.seed, masses)
    prod = None if production is None else production()
    if prod is None:
        sample = evaluator.build_sample(spec.experiment, spec.model, masses, spec.n_events, seed)
    else:  # an evaluator with a production takes it as build_sample(..., production=)
        build: Any = evaluator.build_sample
        sample = build(spec.experiment, spec.model, masses, spec.n_events, seed, production=prod)
    if store:
        _store_sample(evaluator, spec, masses, key, cache, card_key, sample)
    return sample, True


def _keeps_sample(  # noqa: PLR0917
    evaluator: Evaluator,
    spec: ScanSpec,
    key: str,
    bins: tuple[str, ...],
    couplings: Mapping[str, Any] | None,
    keep_samples: bool,
) -> bool:
    """Whether a sample built for a one-mass-point column goes to the sample cache: with ``keep_samples``
    (``--keep-samples``: later scans with other selections or bins read it instead of regenerating it), else only
    where nothing cached answers for it without the sample: for the column's ``couplings``
    (``Evaluator.n_sig_from_key``), or, for a union's part (``couplings`` None), a kernel at all
    (``Evaluator.has_kernel_for_key``). An evaluator without kernels, an exact-path column or a kernel whose bound
    is above the tolerance keeps its samples, so the next run reads them. A sample is a deterministic function of
    its key (seed, masses, card, events, version): one not kept is rebuilt bit for bit when needed. At publication
    resolution the samples are ~98 % of the cache's bytes (~30 MB per mass point against ~0.5 MB of kernels;
    docs/performance.md)."""
    if keep_samples:
        return True
    if couplings is None:
        return not evaluator.has_kernel_for_key(spec.experiment, key, bins)
    return evaluator.n_sig_from_key(spec.experiment, spec.model, key, bins, couplings) is None


def _store_sample(  # noqa: PLR0917
    evaluator: Evaluator,
    spec: ScanSpec,
    masses: tuple[float, float, float],
    key: str,
    cache: SampleCache,
    card_key: str,
    sample: Any,
) -> None:
    """Write ``sample`` under ``key`` with its scan provenance (:func:`_sample_for` reads it back)."""
    seed = mass_seed(spec.seed, masses)
    arrays, meta = evaluator.to_arrays(sample)
    scan_meta = {
        "masses": list(masses),
        "kind": spec.model,
        "seed": spec.seed,
        "spawn_key": list(seed.spawn_key),
        "n_events": spec.n_events,
        "card": card_key,
        "version": __version__,
    }
    cache.store(key, arrays, {"sample": meta, "scan": scan_meta})


def _with_kernel_cache(evaluator: Evaluator, cache_root: str) -> Evaluator:
    """The real evaluator keeps its lifetime kernels under the scan's cache root (``--cache-dir``) unless it was
    given its own ``kernel_cache``; other evaluators are returned unchanged."""
    if (
        isinstance(evaluator, _evaluators.SignalEvaluator)  # not the module name: tests patch that one
        and dataclasses.is_dataclass(evaluator)
        and getattr(evaluator, "kernel_cache", "") is None
    ):
        return dataclasses.replace(evaluator, kernel_cache=cache_root)
    return evaluator


def _physical_couplings(
    couplings: Mapping[str, Any], shape: tuple[int, ...], physical: NDArray[np.bool_]
) -> dict[str, NDArray[np.float64]]:
    """The couplings of a column's physical cells (each broadcast to the column's shape first)."""
    return {k: np.broadcast_to(np.asarray(v, dtype=np.float64), shape)[physical] for k, v in couplings.items()}


# --------------------------------------------------------------------------------------------------
# checkpoints
# --------------------------------------------------------------------------------------------------
def _column_file(ckpt: Path, index: int, kind: str = "column") -> Path:
    """A column's checkpoint: ``column-*`` (N_sig), or an adaptive scan's ``pilot-*`` / ``full-*``."""
    return ckpt / f"{kind}-{index:05d}.npy"


def _load_checkpoint(ckpt: Path, shape: tuple[int, ...], kind: str = "column") -> dict[int, NDArray[np.float64]]:
    done: dict[int, NDArray[np.float64]] = {}
    if not ckpt.is_dir():
        return done
    for f in sorted(ckpt.glob(f"{kind}-*.npy")):
        try:
            arr = np.load(f, allow_pickle=False)
            if arr.shape != shape or arr.dtype != np.float64:
                raise ValueError("shape")
            done[int(f.stem.split("-")[1])] = arr
        except (OSError, ValueError, EOFError):  # noqa: PERF203
            f.unlink(missing_ok=True)  # unreadable: recompute that column
    return done


def _save_column(ckpt: Path, index: int, arr: NDArray[np.float64], kind: str = "column") -> None:
    buf = io.BytesIO()
    np.save(buf, np.asarray(arr, dtype=np.float64), allow_pickle=False)
    atomic_write_bytes(_column_file(ckpt, index, kind), buf.getvalue(), fsync=False)


# --------------------------------------------------------------------------------------------------
# executors
# --------------------------------------------------------------------------------------------------
def _set_parent_death_signal() -> None:
    """Linux: ask the kernel to SIGKILL this process when its parent (the forkserver) dies."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes  # noqa: PLC0415 - Linux only

    pr_set_pdeathsig = 1
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, int(signal.SIGKILL), 0, 0, 0)


def _watch_parent(pid: int) -> None:
    """Exit as soon as process ``pid`` (the scan's process) has ended: a pidfd where the OS has them (Linux),
    else polling. Runs in a daemon thread of each pool worker."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        os._exit(1)
    except (AttributeError, OSError):  # no pidfd (not Linux >= 5.3): poll
        while True:
            time.sleep(0.5)
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:
                pass
    select.select([fd], [], [])  # readable once the process has exited
    os._exit(1)


def _worker_init(scan_pid: int) -> None:
    """Initializer of every process-pool worker: die with the scan's process, leave Ctrl-C to it, keep freed
    memory for reuse (:func:`semivis.scan.executors.keep_freed_memory`).

    Workers are children of the forkserver, not of the scan's process, and each holds the forkserver's
    "alive" pipe and the resource tracker's pipe open; a worker that outlived a SIGKILLed scan would so keep
    all three alive forever. Hence a watchdog thread on ``scan_pid`` plus ``PR_SET_PDEATHSIG`` (if the
    forkserver dies first); once the workers are gone the forkserver and the resource tracker read EOF and exit.
    SIGINT is ignored here: on Ctrl-C the scan's process stops the pool itself (:func:`_stop_workers`).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    keep_freed_memory()  # a worker's big per-mass arrays reuse freed memory, not fresh zero-filled pages
    _set_parent_death_signal()
    threading.Thread(target=_watch_parent, args=(scan_pid,), name="semivis-parent-watchdog", daemon=True).start()


def _stop_workers(pool: cf.ProcessPoolExecutor) -> None:
    """Interrupted or failed: drop queued columns and end the running ones now instead of waiting for them."""
    pool.shutdown(wait=False, cancel_futures=True)
    terminate = getattr(pool, "terminate_workers", None)  # Python >= 3.14
    if callable(terminate):
        terminate()
        return
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            proc.terminate()


@contextlib.contextmanager
def scan_executor(
    executor: str | cf.Executor, workers: int | None = None, scheduler: str | None = None
) -> Iterator[cf.Executor]:
    """The executor of ``executor`` ("processes" or "dask"; an Executor instance is yielded as it is, and not shut
    down here) for the duration of the block; on an error or Ctrl-C a process pool's workers are stopped at once.

    Several scans may share one (:func:`semivis.figures.build.build_figure_data` runs a figure's scans in one pool):
    its workers then start, import semivis and load the compiled kernels once, and keep their in-memory kernel and
    response-table memos from one scan to the next. Results do not depend on the executor (module docstring)."""
    if isinstance(executor, cf.Executor):
        yield executor
        return
    if executor == "processes":
        pool = cf.ProcessPoolExecutor(
            max_workers=workers or os.cpu_count() or 1,
            mp_context=process_context(),
            initializer=_worker_init,
            initargs=(os.getpid(),),
        )
        try:
            yield pool
        except BaseException:
            _stop_workers(pool)
            raise
        pool.shutdown(wait=True)
        return
    if executor == "dask":
        try:
            from distributed import Client, LocalCluster  # noqa: PLC0415
        except ImportError as exc:  # pragma: no cover - optional extra
            raise ParameterError("--executor", "dask", "install semivis[dask]") from exc
        if scheduler:
            try:
                client = Client(scheduler, timeout=DASK_CONNECT_TIMEOUT_S)  # type: ignore[no-untyped-call]
            except (OSError, TimeoutError, ValueError, TypeError) as exc:
                raise ParameterError(
                    "--scheduler",
                    scheduler,
                    "the address of a running dask scheduler (e.g. tcp://host:8786)",
                    f"no connection within {DASK_CONNECT_TIMEOUT_S:g} s: {exc}".splitlines()[0],
                ) from None
            with client:
                yield client.get_executor()  # type: ignore[no-untyped-call]
        else:
            n = workers or os.cpu_count() or 1
            with (
                LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None) as cl,  # type: ignore[no-untyped-call]
                Client(cl) as client,  # type: ignore[no-untyped-call]
            ):
                yield client.get_executor()
        return
    raise ParameterError("--executor", executor, " | ".join(EXECUTORS))


class _Progress:
    def __init__(self, total: int, enabled: bool, label: str) -> None:
        self._p: Any = None
        if enabled and total > 0:
            from rich.progress import Progress  # noqa: PLC0415

            self._p = Progress(transient=False)
            self._p.start()
            self._task = self._p.add_task(label, total=total)

    def advance(self) -> None:
        if self._p is not None:
            self._p.advance(self._task)

    def close(self) -> None:
        if self._p is not None:
            self._p.stop()


# --------------------------------------------------------------------------------------------------
# the scan
# --------------------------------------------------------------------------------------------------
def run_scan(
    spec: ScanSpec,
    *,
    executor: str | cf.Executor = "serial",
    out: Path | str | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    cache_dir: Path | str | None = None,
    evaluator: Evaluator | None = None,
    progress: bool | None = None,
    info: dict[str, Any] | None = None,
    notify: Callable[[str], None] | None = None,
    keep_samples: bool = False,
) -> xr.Dataset:
    """Run ``spec`` and return the result Dataset (also written atomically to ``out`` if given).

    ``info``, if a dict, receives run statistics: ``columns_computed``, ``columns_resumed``,
    ``samples_built``, ``cache_hits``, ``cache_rejected``, ``seconds`` and the counts of cells not computed
    (:func:`not_computed_counts`). ``notify``, if given, receives one-line messages meant for the user (a
    resumed scan says how many columns it found). SIGINT/SIGTERM raise :class:`ScanInterrupted` with the
    checkpoints kept; any other failure removes a checkpoint folder that holds no finished column.

    ``keep_samples``: store every one-mass-point sample in the sample cache; by default only those no cached
    kernel answers for (:func:`_keeps_sample`: a warm re-run reads the kernels, not the samples).
    """
    t0 = time.perf_counter()
    if workers is not None and (not isinstance(workers, int) or workers < 1):
        raise ParameterError("--workers", workers, "an integer >= 1")
    check_executor(executor)
    evaluator = (evaluator or SignalEvaluator()).for_spec(spec)
    card = evaluator.card_info(spec.experiment)
    backgrounds = [evaluator.background(spec.experiment, b) for b in spec.bins]  # a bad card fails before any work
    cells = [column_cells(spec, evaluator, i) for i in range(len(spec.x))]
    _check_something_computed(spec, evaluator, cells)
    cache_root = str(SampleCache(cache_dir).root)
    evaluator = _with_kernel_cache(evaluator, cache_root)
    key = scan_key(spec, evaluator, card["key"])
    nx, ny, bins = len(spec.x), len(spec.y), spec.bins
    shape = (len(bins), ny)

    ckpt: Path | None = None
    done: dict[int, NDArray[np.float64]] = {}
    todo: list[int] = []
    adaptive: tuple[NDArray[np.int64], dict[str, Any]] | None = None
    show = sys.stderr.isatty() if progress is None else progress
    with _sigterm_interrupts():
        try:
            with scan_executor(executor, workers, scheduler) if executor != "serial" else _no_pool() as pool:
                if out is not None:
                    out = Path(out)
                    ckpt = out.with_name(f"{out.name}.partial-{key[:16]}")
                    done = _load_checkpoint(ckpt, shape)
                    try:
                        ckpt.mkdir(parents=True, exist_ok=True)
                        atomic_write_text(ckpt / "spec.json", spec.to_json())
                    except OSError as exc:
                        raise ParameterError("--out", str(out), "a path in a writable folder", str(exc)) from None
                    if done and notify is not None:
                        notify(f"resuming: {len(done)} of {nx} columns already computed (from {ckpt})")
                todo = [i for i in range(nx) if i not in done]
                if spec.pilot_events is not None:  # an adaptive per-cell scan (semivis.scan.adaptive)
                    judges = [_judge(spec, list(range(len(bins))), backgrounds, float(card["eot"]))]
                    done, cell_events, stats = _adaptive_columns(
                        spec, evaluator, pool, cache_root, card["key"], bins, judges, cells, ckpt, show
                    )
                    adaptive = (cell_events, stats)
                else:
                    stats = _run_columns(
                        spec, evaluator, pool, todo, cache_root, card["key"], done, ckpt, show, None, keep_samples
                    )
        except KeyboardInterrupt as exc:
            signum = signal.SIGTERM if isinstance(exc, _Terminated) else signal.SIGINT
            raise ScanInterrupted(int(signum), len(done) if ckpt is not None else 0, nx) from None
        except BaseException:
            if ckpt is not None and not any(ckpt.glob("*.npy")):
                shutil.rmtree(ckpt, ignore_errors=True)  # nothing to resume from: leave no junk behind
            raise

    n_ref = np.stack([done[i] for i in range(nx)], axis=-1)  # (bin, y, x)
    computed = np.stack([c["computed"] for c in cells], axis=-1)  # (y, x)
    counts = not_computed_counts(cells)
    ds = _assemble(spec, evaluator, card, key, n_ref, backgrounds, computed, counts, adaptive)
    if out is not None:
        write_result(ds, out)
        if ckpt is not None:
            shutil.rmtree(ckpt, ignore_errors=True)
    if info is not None:
        info.update(
            {
                "columns_computed": len(todo),
                "columns_resumed": nx - len(todo),
                "samples_built": stats["built"],
                "cache_hits": stats["hits"],
                "cache_rejected": stats["rejected"],
                **counts,
                "seconds": time.perf_counter() - t0,
            }
        )
    return ds


#: spec fields in which the scans of one :func:`run_scans` call may differ (they act on the limit, not on N_sig)
SHAREABLE_FIELDS: tuple[str, ...] = ("selection", "eot", "n_obs", "cl", "prior")


def run_scans(
    specs: list[ScanSpec],
    *,
    executor: str | cf.Executor = "serial",
    workers: int | None = None,
    scheduler: str | None = None,
    cache_dir: Path | str | None = None,
    evaluator: Evaluator | None = None,
    progress: bool | None = None,
    info: dict[str, Any] | None = None,
    keep_samples: bool = False,
) -> list[xr.Dataset]:
    """Several scans that differ only in :data:`SHAREABLE_FIELDS` (selection, EOTs, observed counts, CL, prior) in
    ONE pass over the columns (issue 12, item 3): each mass point's sample is built or loaded once and evaluated for
    the union of the selections' bins at once (with the real evaluator: one response table and one lifetime kernel
    per sample for all of them), then each spec's Dataset is assembled from its own bins exactly as :func:`run_scan`
    assembles it (same scan key, provenance and s_up).

    No ``out``/resume (write each Dataset with ``semivis.scan.result.write_result``); ``info`` gets the one pass's
    statistics (``samples_built``, ``cache_hits``, ``cache_rejected``, ``columns_computed``, ``seconds``).
    ``keep_samples`` as in :func:`run_scan`.
    """
    t0 = time.perf_counter()
    specs = list(specs)
    if not specs or not all(isinstance(s, ScanSpec) for s in specs):
        raise ParameterError("specs", specs, "a non-empty list of ScanSpec")
    if workers is not None and (not isinstance(workers, int) or workers < 1):
        raise ParameterError("--workers", workers, "an integer >= 1")
    check_executor(executor)

    def common(spec: ScanSpec) -> dict[str, Any]:
        return {k: v for k, v in spec.to_dict().items() if k not in SHAREABLE_FIELDS}

    base = specs[0]
    for other in specs[1:]:
        if common(other) != common(base):
            differ = sorted(k for k in {*common(base), *common(other)} if common(base).get(k) != common(other).get(k))
            raise ParameterError("specs", ", ".join(differ), f"scans differing only in {', '.join(SHAREABLE_FIELDS)}")
    evaluator = (evaluator or SignalEvaluator()).for_spec(base)
    card = evaluator.card_info(base.experiment)
    backgrounds = [[evaluator.background(s.experiment, b) for b in s.bins] for s in specs]
    cells = [column_cells(base, evaluator, i) for i in range(len(base.x))]
    _check_something_computed(base, evaluator, cells)
    cache_root = str(SampleCache(cache_dir).root)
    evaluator = _with_kernel_cache(evaluator, cache_root)
    union = tuple(dict.fromkeys(b for s in specs for b in s.bins))
    nx = len(base.x)
    done: dict[int, NDArray[np.float64]] = {}
    show = sys.stderr.isatty() if progress is None else progress
    adaptive: tuple[NDArray[np.int64], dict[str, Any]] | None = None
    with _sigterm_interrupts():
        try:
            with scan_executor(executor, workers, scheduler) if executor != "serial" else _no_pool() as pool:
                if base.pilot_events is not None:  # an adaptive per-cell scan deciding every spec's statistics
                    judges = [
                        _judge(s, [union.index(b) for b in s.bins], bgs, float(card["eot"]))
                        for s, bgs in zip(specs, backgrounds, strict=True)
                    ]
                    done, cell_events, stats = _adaptive_columns(
                        base, evaluator, pool, cache_root, card["key"], union, judges, cells, None, show
                    )
                    adaptive = (cell_events, stats)
                else:
                    stats = _run_columns(
                        base, evaluator, pool, list(range(nx)), cache_root, card["key"], done, None, show, union,
                        keep_samples,
                    )  # fmt: skip
        except KeyboardInterrupt as exc:
            signum = signal.SIGTERM if isinstance(exc, _Terminated) else signal.SIGINT
            raise ScanInterrupted(int(signum), 0, nx) from None
    n_all = np.stack([done[i] for i in range(nx)], axis=-1)  # (union bin, y, x)
    computed = np.stack([c["computed"] for c in cells], axis=-1)
    counts = not_computed_counts(cells)
    out = []
    for spec, bgs in zip(specs, backgrounds, strict=True):
        rows = [union.index(b) for b in spec.bins]
        key = scan_key(spec, evaluator, card["key"])
        out.append(_assemble(spec, evaluator, card, key, n_all[rows], bgs, computed, counts, adaptive))
    if info is not None:
        info.update(
            {
                "columns_computed": nx,
                "samples_built": stats["built"],
                "cache_hits": stats["hits"],
                "cache_rejected": stats["rejected"],
                "bins": list(union),
                **counts,
                "seconds": time.perf_counter() - t0,
            }
        )
    return out


@contextlib.contextmanager
def _no_pool() -> Iterator[None]:
    """The serial "executor": columns run in this process."""
    yield None


def _run_columns(  # noqa: PLR0917
    spec: ScanSpec,
    evaluator: Evaluator,
    pool: cf.Executor | None,
    todo: list[int],
    cache_root: str,
    card_key: str,
    done: dict[int, NDArray[np.float64]],
    ckpt: Path | None,
    show: bool,
    bins: tuple[str, ...] | None = None,
    keep_samples: bool = False,
) -> dict[str, int]:
    """Compute the columns ``todo`` (in ``pool``, or here when it is None) into ``done``, checkpointing each;
    ``bins`` as in :func:`compute_column`, ``keep_samples`` as in :func:`_column`."""
    stats = {"hits": 0, "built": 0, "rejected": 0}

    def accept(result: tuple[int, NDArray[np.float64], NDArray[np.float64] | None, dict[str, int]]) -> None:
        index, arr, _, st = result
        if ckpt is not None:
            _save_column(ckpt, index, arr)
        done[index] = arr
        _add_stats(stats, st)

    calls = [(spec, evaluator, i, cache_root, card_key, bins, None, False, keep_samples) for i in todo]
    _map_columns(pool, calls, accept, show, f"scan {spec.plane} ({spec.model})")
    return stats


def _add_stats(total: dict[str, int], more: Mapping[str, int]) -> None:
    for k in total:
        total[k] += more[k]


def _map_columns(
    pool: cf.Executor | None,
    calls: list[tuple[Any, ...]],
    accept: Callable[[tuple[int, NDArray[np.float64], NDArray[np.float64] | None, dict[str, int]]], None],
    show: bool,
    label: str,
) -> None:
    """:func:`_column` on each argument tuple of ``calls`` (in ``pool``, or here when it is None), each result
    handed to ``accept`` as it arrives; on any failure the calls not started are cancelled."""
    bar = _Progress(len(calls), show, label)
    try:
        if pool is None:
            for args in calls:
                accept(_column(*args))
                bar.advance()
        else:
            futures = [pool.submit(_column, *args) for args in calls]
            try:
                for fut in cf.as_completed(futures):
                    accept(fut.result())
                    bar.advance()
            except BaseException:
                for f in futures:
                    f.cancel()
                raise
    finally:
        bar.close()


def _accept_full(  # noqa: PLR0917
    new: NDArray[np.bool_],
    n_val: NDArray[np.float64],
    full: NDArray[np.bool_],
    ckpt: Path | None,
    stats: dict[str, int],
    result: tuple[int, NDArray[np.float64], NDArray[np.float64] | None, dict[str, int]],
) -> None:
    """Take a refinement column's cells ``new`` into ``n_val``/``full`` (and its checkpoint: N and the cells held)."""
    index, arr, _, st = result
    rows = new[:, index]
    n_val[:, rows, index] = arr[:, rows]
    full[rows, index] = True
    if ckpt is not None:
        _save_column(ckpt, index, np.vstack([n_val[:, :, index], full[None, :, index]]), "full")
    _add_stats(stats, st)


@dataclasses.dataclass(frozen=True)
class _Judge:
    """One statistic set an adaptive scan must decide every cell for: a spec's rows in the evaluated bins, its EOTs
    as multiples of the card's reference EOT, and the smallest and largest s_up its selection can have."""

    rows: tuple[int, ...]
    scales: tuple[float, ...]
    s_up_min: float
    s_up_max: float
    spec: ScanSpec
    backgrounds: tuple[tuple[float, float], ...]


def _judge(spec: ScanSpec, rows: list[int], backgrounds: list[tuple[float, float]], eot_ref: float) -> _Judge:
    """The :class:`_Judge` of ``spec`` (its bins at ``rows`` of the evaluated bins)."""
    _, info = _s_up_grid(spec, backgrounds, np.ones((len(backgrounds), 1, 1)))
    levels = [float(info)] if not isinstance(info, dict) else [float(v) for v in info["s_up"]]
    eots = spec.eot if spec.eot is not None else (eot_ref,)
    return _Judge(
        tuple(rows), tuple(float(e) / eot_ref for e in eots), min(levels), max(levels), spec, tuple(backgrounds)
    )


def _adaptive_columns(  # noqa: PLR0917
    spec: ScanSpec,
    evaluator: Evaluator,
    pool: cf.Executor | None,
    cache_root: str,
    card_key: str,
    bins: tuple[str, ...],
    judges: list[_Judge],
    cells: list[dict[str, NDArray[np.bool_]]],
    ckpt: Path | None,
    show: bool,
) -> tuple[dict[int, NDArray[np.float64]], NDArray[np.int64], dict[str, Any]]:
    """The passes of an adaptive per-cell scan (:mod:`semivis.scan.adaptive`): N_sig per column (bins, y), the
    primaries behind each cell (y, x; 0 where no sample is needed), and the statistics of the passes."""
    levels = spec.pilot_levels
    assert levels
    nx, ny, nb = len(spec.x), len(spec.y), len(bins)
    stats = {"hits": 0, "built": 0, "rejected": 0}
    mc = np.stack([c["open"] & c["covered"] & c["physical"] for c in cells], axis=-1)  # cells with a sample
    computed = np.stack([c["computed"] for c in cells], axis=-1)

    def undecided_cells(n_val: NDArray[np.float64], sigma: NDArray[np.float64]) -> NDArray[np.bool_]:
        need = np.zeros((ny, nx), dtype=np.bool_)
        for jd in judges:
            tot, err = n_val[list(jd.rows)].sum(axis=0), sigma[list(jd.rows)].sum(axis=0)  # sum of sigmas: >= error
            for scale in jd.scales:
                need |= undecided(tot * scale, err * scale, jd.s_up_min, jd.s_up_max)
        return need & mc

    # pass 1: every column at the first pilot's statistics, with errors (checkpointed as (2, bins, y): N and sigma)
    pilot_spec = dataclasses.replace(spec, n_events=levels[0], pilot_events=None)
    pilot = _load_checkpoint(ckpt, (2, nb, ny), "pilot") if ckpt is not None else {}

    def accept_pilot(result: tuple[int, NDArray[np.float64], NDArray[np.float64] | None, dict[str, int]]) -> None:
        index, arr, err, st = result
        assert err is not None
        both = np.stack([arr, err])
        if ckpt is not None:
            _save_column(ckpt, index, both, "pilot")
        pilot[index] = both
        _add_stats(stats, st)

    todo = [i for i in range(nx) if i not in pilot]
    calls = [(pilot_spec, evaluator, i, cache_root, card_key, bins, None, True) for i in todo]
    _map_columns(pool, calls, accept_pilot, show, f"pilot scan {spec.plane} ({spec.model})")
    n_val = np.stack([pilot[i][0] for i in range(nx)], axis=-1)  # (bin, y, x)
    sigma = np.stack([pilot[i][1] for i in range(nx)], axis=-1)
    level_events = np.where(mc, levels[0], 0).astype(np.int64)
    # a ladder of pilots: each later one for the cells the one before left undecided (checkpoints pilotK-*:
    # (2 bins + 1, y): N, sigma and a 0/1 row of the cells it holds)
    for k, n_k in enumerate(levels[1:], start=1):
        ask = undecided_cells(n_val, sigma)
        level_spec = dataclasses.replace(spec, n_events=n_k, pilot_events=None)
        done_k = _load_checkpoint(ckpt, (2 * nb + 1, ny), f"pilot{k}") if ckpt is not None else {}
        for i, arr in done_k.items():
            ask[:, i] = arr[-1] > 0.5  # a resumed column: its cells, as computed then
        got_k: dict[int, NDArray[np.float64]] = dict(done_k)

        def accept_level(result: tuple[int, NDArray[np.float64], NDArray[np.float64] | None, dict[str, int]],
                         k: int = k, ask: NDArray[np.bool_] = ask, got_k: dict[int, NDArray[np.float64]] = got_k,
                         ) -> None:  # fmt: skip
            index, arr, err, st = result
            assert err is not None
            packed = np.vstack([arr, err, ask[None, :, index].astype(np.float64)])
            if ckpt is not None:
                _save_column(ckpt, index, packed, f"pilot{k}")
            got_k[index] = packed
            _add_stats(stats, st)

        cols = [i for i in range(nx) if ask[:, i].any() and i not in done_k]
        calls = [(level_spec, evaluator, i, cache_root, card_key, bins, ask[:, i].copy(), True) for i in cols]
        _map_columns(pool, calls, accept_level, show, f"pilot {k + 1} scan {spec.plane} ({spec.model})")
        for i, packed in got_k.items():
            rows = packed[-1] > 0.5
            n_val[:, rows, i] = packed[:nb, rows]
            sigma[:, rows, i] = packed[nb : 2 * nb, rows]
            level_events[rows, i] = n_k

    # cells at full statistics: resumed ones first ((bins + 1, y): N and a 0/1 row of the cells it holds)
    full = np.zeros((ny, nx), dtype=np.bool_)
    for i, arr in (_load_checkpoint(ckpt, (nb + 1, ny), "full") if ckpt is not None else {}).items():
        got = arr[-1] > 0.5
        n_val[:, got, i] = arr[:-1, got]
        full[got, i] = True
    need = undecided_cells(n_val, sigma)
    rounds = 0
    while True:
        for jd in judges:
            s_up, _ = _s_up_grid(jd.spec, list(jd.backgrounds), n_val[list(jd.rows)])
            tot = n_val[list(jd.rows)].sum(axis=0)
            for scale in jd.scales:
                need |= contour_corners(tot * scale >= s_up, computed) & mc
        new = need & ~full
        if not new.any():
            break
        rounds += 1
        cols = [i for i in range(nx) if new[:, i].any()]
        calls = [(spec, evaluator, i, cache_root, card_key, bins, new[:, i].copy(), False) for i in cols]
        accept = functools.partial(_accept_full, new, n_val, full, ckpt, stats)
        _map_columns(pool, calls, accept, show, f"refine {spec.plane} ({spec.model}), round {rounds}")
    cell_events = np.where(full, spec.n_events, level_events).astype(np.int64)
    info = {
        **stats,
        "pilot_events": spec.pilot_events if isinstance(spec.pilot_events, int) else list(levels),
        "z": PILOT_Z,
        "cells_pilot": int(np.count_nonzero(mc & ~full)),
        "cells_full": int(np.count_nonzero(full)),
        "cells_per_pilot": [int(np.count_nonzero(mc & ~full & (level_events == n_k))) for n_k in levels],
        "rounds": rounds,
    }
    return {i: n_val[:, :, i].copy() for i in range(nx)}, cell_events, info


def _check_something_computed(spec: ScanSpec, evaluator: Evaluator, cells: list[dict[str, NDArray[np.bool_]]]) -> None:
    """Refuse, before any work, a grid on which no cell can be computed (every column beyond the evaluator's
    range, or eps >= 1 everywhere): the scan could only return N_sig = 0, i.e. no information at all."""
    if any(c["computed"].any() for c in cells):
        return
    plane = PLANES[spec.plane]
    if not any((c["open"] & c["covered"]).any() for c in cells):
        raise ParameterError(
            "--x-min/--x-max",
            (spec.x[0], spec.x[-1]),
            f"a range with some columns inside {evaluator.coverage}",
            f"every column of the ({plane.x}, {plane.y}) grid is beyond it: nothing would be computed",
        )
    raise ParameterError(
        "--y-min/--y-max",
        (spec.y[0], spec.y[-1]),
        "a range with 0 < eps < 1 somewhere",
        f"eps >= 1 on the whole ({plane.x}, {plane.y}) grid: nothing would be computed",
    )


def _s_up_grid(
    spec: ScanSpec, backgrounds: list[tuple[float, float]], n_ref: NDArray[np.float64]
) -> tuple[NDArray[np.float64], Any]:
    """s_up on the (y, x) grid and a JSON-able description of how it was obtained."""
    assert spec.n_obs is not None
    if len(backgrounds) == 1:
        b, sb = backgrounds[0]
        s = upper_limit(spec.n_obs[0], b, sb, cl=spec.cl, prior=spec.prior)
        return np.full(n_ref.shape[1:], s), s
    if len(backgrounds) != 2:  # pragma: no cover - selections have one or two bins
        raise ParameterError("--selection", spec.selection, "one or two bins")
    table = multibin_table(
        list(spec.n_obs), [b for b, _ in backgrounds], [s for _, s in backgrounds], cl=spec.cl, prior=spec.prior
    )
    tot = n_ref.sum(axis=0)
    frac = np.divide(n_ref[0], tot, out=np.full_like(tot, 0.5), where=tot > 0)
    return table(frac), {"fraction_bin": spec.bins[0], "fraction": table.fraction, "s_up": table.s_up}


def _assemble(  # noqa: PLR0917
    spec: ScanSpec,
    evaluator: Evaluator,
    card: dict[str, Any],
    key: str,
    n_ref: NDArray[np.float64],
    backgrounds: list[tuple[float, float]],
    computed: NDArray[np.bool_],
    counts: dict[str, int],
    adaptive: tuple[NDArray[np.int64], dict[str, Any]] | None = None,
) -> xr.Dataset:
    """The result Dataset of a scan (``adaptive``: an adaptive scan's primaries per cell and pass statistics)."""
    plane = PLANES[spec.plane]
    eot_ref = float(card["eot"])
    eots = np.asarray(spec.eot if spec.eot is not None else (eot_ref,), dtype=np.float64)
    bins = spec.bins
    n_bin = n_ref[None, ...] * (eots / eot_ref)[:, None, None, None]  # (eot, bin, y, x): N scales with EOT
    n_sig = n_bin.sum(axis=1)
    s_up, s_up_info = _s_up_grid(spec, backgrounds, n_ref)
    excluded = n_sig >= s_up[None]
    x_grid, y_grid = np.asarray(spec.x), np.asarray(spec.y)
    lines = {float(e): projection_lines(x_grid, y_grid, ratio_grid(n_sig[k], s_up)) for k, e in enumerate(eots)}
    rag = ragged(lines)
    dims3 = ("eot", plane.y, plane.x)
    rules = spec.fixed_values()  # mass-dependent fixed parameters (e.g. eps = "g2:fnal2021:central") per column
    prov = {
        "semivis_version": __version__,
        "model": spec.model,
        "plane": spec.plane,
        "experiment": spec.experiment,
        "card": card,
        "efficiency_normalisation": spec.efficiency_normalisation,
        "processes": list(spec.processes),
        "selection": spec.selection,
        "bins": list(bins),
        "backgrounds": {b: list(v) for b, v in zip(bins, backgrounds, strict=True)},
        "n_obs": list(spec.n_obs or ()),
        "cl": spec.cl,
        "background_prior": spec.prior,
        "eot": eots.tolist(),
        "eot_reference": eot_ref,
        "seed": spec.seed,
        "n_events": spec.n_events,
        "fixed_parameters": dict(spec.fixed),
        **({"fixed_parameters_along_x": rules} if rules else {}),
        "evaluator": evaluator.identity(),
        "scan_key": key,
        "statistics": "exact Poisson CLs (semivis.stats), background marginalised",
        "seed_scheme": "SeedSequence(seed, spawn_key=float64 bits of (m_Ap, m_chi1, m_chi2)) per mass point"
        + (
            "; A' production shared by the cells of one m_Ap: SeedSequence(seed, spawn_key=(float64 bits of m_Ap, "
            "0x70726F64))"
            if plane.per_cell
            else ""
        ),
        "s_up": s_up_info,
        "not_computed": {**counts, "evaluator_range": evaluator.coverage},
        "spec": spec.to_dict(),
    }
    extra_vars: dict[str, Any] = {}
    if adaptive is not None:
        cell_events, passes = adaptive
        prov["adaptive"] = {
            "scheme": "semivis.scan.adaptive: pilot for every cell (a ladder of pilots: each for the cells the one "
            "before left undecided); n_events where the last pilot does not decide the cell at z sigma for every "
            "statistic, and at every corner of a quad the contour crosses",
            **{k: passes[k] for k in ("pilot_events", "z", "cells_pilot", "cells_per_pilot", "cells_full", "rounds")},
        }
        extra_vars["n_events_cell"] = (
            (plane.y, plane.x),
            cell_events,
            {"long_name": "primaries behind each cell's N_sig (adaptive scan: pilot or full; 0: no sample needed)"},
        )
    attrs = {
        "title": f"semivis {spec.model} exclusion scan in the ({plane.x}, {plane.y}) plane",
        "semivis_version": __version__,
        "model": spec.model,
        "plane": spec.plane,
        "experiment": spec.experiment,
        "card_name": str(card["name"]),
        "card_key": str(card["key"]),
        "efficiency_normalisation": spec.efficiency_normalisation,
        "selection": spec.selection,
        "seed": spec.seed,
        "n_events": spec.n_events,
        "cl": spec.cl,
        "eot_reference": eot_ref,
        "fixed_parameters": json.dumps(dict(spec.fixed), sort_keys=True),
        "provenance": json.dumps(to_jsonable(prov), sort_keys=True),
        **counts,
        **({"cells_pilot": adaptive[1]["cells_pilot"], "cells_full": adaptive[1]["cells_full"]} if adaptive else {}),
    }
    rule_vars = {
        f"fixed_{k}": ((plane.x,), np.asarray(v), {"long_name": f"{k} at each column, rule {spec.fixed[k]}"})
        for k, v in rules.items()
    }
    return xr.Dataset(
        {
            **rule_vars,
            **extra_vars,
            "n_sig": (dims3, n_sig, {"long_name": "expected signal events", "units": "1"}),
            "n_sig_bin": (("eot", "bin", plane.y, plane.x), n_bin, {"long_name": "expected signal per bin"}),
            "s_up": ((plane.y, plane.x), s_up, {"long_name": f"{spec.cl:.0%} CL upper limit on the signal (CLs)"}),
            "excluded": (dims3, excluded.astype(np.int8), {"long_name": "1 where n_sig >= s_up"}),
            "computed": (
                (plane.y, plane.x),
                computed,
                {
                    "long_name": "True where N_sig was computed; elsewhere N_sig = 0 is no result (channel closed, "
                    "beyond the evaluator's range, or eps outside (0, 1)): draw as not computed",
                },
            ),
            "contour_x": (("vertex",), rag["contour_x"], {"long_name": f"contour {plane.x}"}),
            "contour_y": (("vertex",), rag["contour_y"], {"long_name": f"contour {plane.y}"}),
            "polyline_start": (("polyline",), rag["polyline_start"]),
            "polyline_size": (("polyline",), rag["polyline_size"]),
            "polyline_eot": (("polyline",), rag["polyline_eot"]),
        },
        coords={
            "eot": ("eot", eots, {"long_name": "electrons on target"}),
            plane.y: (plane.y, np.asarray(spec.y), {"long_name": plane.y_label}),
            plane.x: (plane.x, np.asarray(spec.x), {"long_name": plane.x_label}),
            "bin": ("bin", np.asarray(bins, dtype=str)),
        },
        attrs=attrs,
    )
