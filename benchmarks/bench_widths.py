"""Time all model widths for 10^4 parameter points; writes benchmarks/results/bench_widths.json.

Run: ``python benchmarks/bench_widths.py [--n 10000] [--repeat 5]``. Times are the best of ``repeat`` runs
(wall clock, one process). Each run builds the models from scratch (no shared cache), then
``with_couplings`` is timed separately (the mass-only work is reused there).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

import semivis
from semivis.models import I2DM, IDM, InvisibleDarkPhoton, sample_chi2_decay


def _points(n: int, seed: int = 20240101) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    delta = 10 ** rng.uniform(-3, np.log10(0.5), n)
    return {
        "m_Ap": 10 ** rng.uniform(-3, 0.5, n),
        "eps": 10 ** rng.uniform(-6, -2, n),
        "alpha_D": rng.uniform(0.05, 0.5, n),
        "ratio": (2.0 + delta) * rng.uniform(1.05, 3.0, n),
        "delta": delta,
        "theta": rng.uniform(0.0, np.pi / 2, n),
    }


def _best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def _all_widths(m: object) -> None:
    for name in ("partial_widths", "Gamma_Ap", "branching_ratios", "Gamma_chi2", "Gamma_chi2_approx", "k_factor"):
        getattr(m, name)()
    m.ctau_chi2_m()  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "bench_widths.json")
    args = parser.parse_args()
    p = _points(args.n)
    mass = {k: p[k] for k in ("ratio", "delta")}
    builders: dict[str, Callable[[], object]] = {
        "idm": lambda: IDM(p["m_Ap"], p["eps"], p["alpha_D"], ratio=p["ratio"], delta=p["delta"]),
        "i2dm": lambda: I2DM(p["m_Ap"], p["eps"], p["alpha_D"], **mass, theta=p["theta"]),
        "invisible": lambda: InvisibleDarkPhoton(p["m_Ap"], p["eps"], p["alpha_D"], ratio=p["ratio"]),
    }
    results: dict[str, float] = {}
    for kind, build in builders.items():
        results[f"{kind}_all_widths_s"] = _best(lambda build=build: _all_widths(build()), args.repeat)  # type: ignore[misc]
        model = build()
        _all_widths(model)
        results[f"{kind}_with_couplings_all_widths_s"] = _best(
            lambda model=model: _all_widths(model.with_couplings(eps=p["eps"][::-1])),  # type: ignore[misc]
            args.repeat,
        )
    results["sample_chi2_decay_1e5_s"] = _best(lambda: sample_chi2_decay(0.1, 0.14, 0.3, 100_000, rng=1), args.repeat)
    report = {
        "benchmark": "bench_widths",
        "n_points": args.n,
        "repeat": args.repeat,
        "what": "build model + partial widths, total, BRs, exact chi2 width (e, mu), approx, K, ctau",
        "results_s": results,
        "machine": {
            "platform": platform.platform(),
            "python": platform.python_version(),
            "cpu_count": os.cpu_count(),
            "numpy": np.__version__,
            "load_avg_1min": os.getloadavg()[0],
        },
        "semivis_version": semivis.__version__,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
