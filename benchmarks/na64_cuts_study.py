"""How NA64's cuts on the chi2 pairs (card table ``[cuts]``) move the papers' figures (issue 11, deliverable 2).

For every combination of the signal-efficiency mode (``first-principles`` or ``na64-invisible-2016-2022``) and of
the ``[cuts]`` switches (``legacy``: only the VETO requirement with the capped-energy response, as semivis before
issue 11; ``all``: every cut of the shipped cards; ``all-<name>``: every cut but one; ``legacy+<name>``: the
legacy path plus one), builds the figures' data with the shipped recipes' NA64 curves evaluated on cards whose
``[cuts]`` entries are switched (written to a temporary directory; nothing else differs), and records

* the figure's summary numbers (full covered intervals), and
* for EPJC 2023 Fig. 3 the eps where the 2.84e11 contour crosses m_A' = 0.4, 0.6, 0.8, 1.14 and 1.5 GeV
  (log-log interpolation along the contour polyline; the excluded eps interval(s) at that mass).

Writes ``benchmarks/results/na64_cuts_study.json`` (atomically, with provenance). Usage, from the repository root:
``python benchmarks/na64_cuts_study.py --figs epjc2023-fig3 --configs legacy all --norms first-principles``
(``--resolution fast``: ~1-3 min per figure and configuration on 2 shared cores; ``--only-paper-curve`` keeps the
brem-only paper curves at every EOT and drops the annihilation and box+s1 curves).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import itertools
import json
import math
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from semivis._io import atomic_write_text, to_jsonable
from semivis.detector.cards import CARDS_PACKAGE_DIR, CUT_NAMES
from semivis.figures.build import build_figure_data
from semivis.figures.registry import get_recipe

MASSES_GEV = (0.4, 0.6, 0.8, 1.14, 1.5)
OUT = Path("benchmarks/results/na64_cuts_study.json")


def switches(config: str) -> dict[str, bool]:
    """The ``[cuts]`` switches of a configuration name."""
    legacy = dict(dict.fromkeys(CUT_NAMES, False), veto=True)
    if config == "legacy":
        return legacy
    if config == "all":
        return dict.fromkeys(CUT_NAMES, True)
    if config.startswith("all-") and config[4:] in CUT_NAMES:
        return dict(dict.fromkeys(CUT_NAMES, True), **{config[4:]: False})
    if config.startswith("legacy+") and config[7:] in CUT_NAMES:
        return dict(legacy, **{config[7:]: True})
    raise SystemExit(f"unknown configuration {config!r}")


def write_card(name: str, sw: dict[str, bool], outdir: Path) -> Path:
    """The shipped card ``name`` with its ``[cuts.<x>] enabled`` lines set from ``sw``."""
    text = (CARDS_PACKAGE_DIR / f"{name}.toml").read_text()
    for cut, on in sw.items():
        pat = re.compile(rf"(\[cuts\.{cut}\][^\n]*\nenabled = )(true|false)")
        text, n = pat.subn(rf"\g<1>{'true' if on else 'false'}", text)
        if n != 1:
            raise SystemExit(f"card {name}: no [cuts.{cut}] enabled line")
    path = outdir / f"{name}.toml"
    path.write_text(text)
    return path


def crossings(poly: list[list[float]], m0: float) -> list[float]:
    """eps where a contour polyline [[m, eps], ...] crosses m = m0 (log-log interpolation), ascending."""
    out = []
    for (x1, y1), (x2, y2) in itertools.pairwise(poly):
        if (x1 - m0) * (x2 - m0) < 0.0 or (x1 == m0 and x2 != m0):
            f = (math.log(m0) - math.log(x1)) / (math.log(x2) - math.log(x1))
            out.append(math.exp(math.log(y1) + f * (math.log(y2) - math.log(y1))))
    return sorted(out)


def run_one(  # noqa: PLR0917
    fig: str, config: str, norm: str, resolution: str, only_paper: bool, executor: str | None
) -> dict[str, Any]:
    recipe = get_recipe(fig)
    sw = switches(config)
    with tempfile.TemporaryDirectory() as tmp:
        cards = {c.card: write_card(c.card, sw, Path(tmp)) for c in recipe.na64}
        curves = tuple(
            dataclasses.replace(c, card=str(cards[c.card]))
            for c in recipe.na64
            if not only_paper or c.key in {"2.84e11", "1e12", "5e12"}
        )
        rec = dataclasses.replace(recipe, na64=curves)
        t0 = time.perf_counter()
        data = build_figure_data(
            rec, resolution=resolution, cache_dir=Path(tmp) / "cache", executor=executor, efficiency_normalisation=norm
        )
        wall = time.perf_counter() - t0
    res: dict[str, Any] = {"figure": fig, "config": config, "switches": sw, "norm": norm, "wall_s": round(wall, 1)}
    res["summary"] = to_jsonable(data.summary)
    if fig == "epjc2023-fig3":
        polys = data.curves.get("na64/2.84e11", [])
        res["eps_crossings"] = {
            f"{m:g}": [c for p in polys for c in crossings([list(map(float, q)) for q in p], m)] for m in MASSES_GEV
        }
    return res


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--figs", nargs="+", default=["epjc2023-fig3"])
    ap.add_argument("--configs", nargs="+", default=["legacy", "all"])
    ap.add_argument("--norms", nargs="+", default=["first-principles", "na64-invisible-2016-2022"])
    ap.add_argument("--resolution", default="fast")
    ap.add_argument("--only-paper-curve", action="store_true")
    ap.add_argument("--executor", default="processes")
    ap.add_argument("--out", default=str(OUT))
    args = ap.parse_args()
    out = Path(args.out)
    old = json.loads(out.read_text()) if out.exists() else {"runs": []}
    runs = old["runs"]
    for fig in args.figs:
        for norm in args.norms:
            for config in args.configs:
                r = run_one(fig, config, norm, args.resolution, args.only_paper_curve, args.executor)
                r["resolution"] = args.resolution
                r["only_paper_curve"] = args.only_paper_curve
                print(json.dumps(r), flush=True)
                runs = [
                    q
                    for q in runs
                    if (q["figure"], q["config"], q["norm"], q.get("resolution"), q.get("only_paper_curve"))
                    != (fig, config, norm, args.resolution, args.only_paper_curve)
                ]
                runs.append(r)
                payload = {
                    "what": "issue 11 deliverable 2: NA64 [cuts] on/off against the figures' summaries",
                    "written": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                    "command": " ".join(sys.argv),
                    "runs": runs,
                }
                atomic_write_text(out, json.dumps(payload, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
