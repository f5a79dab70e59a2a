"""Stream :class:`~semivis.events.generate.EventChunk` s into HepMC3 (``pyhepmc``) or LHE (``pylhe``) files.

Event record (both formats; docs/events.md): the beam electron; the A' and the recoil system (PDG ID
``recoil``, documentation status, carrying beam - A' so that the production vertex balances); the A''s two
daughters; for each decaying chi2, chi1 e+ e-. Units GeV and mm.

* **HepMC3** (Asciiv3): vertex 1 (the A' emission point, in the target) beam e- (status 4) -> A' (2) + recoil
  (3); vertex 2 (same point, prompt A' decay) A' -> chi chi (2 if it decays, else 1); one vertex per chi2 decay
  at its sampled position (x, y, z, t) -> chi1 e+ e- (status 1). One weight, ``expected_events``; event
  attributes ``process`` (production process) and ``channel``; the run attributes hold the request
  (:meth:`~semivis.events.generate.EventRequest.metadata`).
* **LHE** (v3, 17 significant digits): the same particles (beam status -1, A' and decaying chi2 status 2,
  recoil 3, final states 1) with mother indices; a decaying chi2's VTIMUP is its sampled proper decay length
  c t [mm] (Les Houches Accord); positions are comment lines ``#vertex X Y Z T`` (production vertex) and
  ``#decay_vertex I X Y Z T`` (particle I, 1-based) [mm]. XWGTUP is the event weight in expected events
  (IDWTUP = 4; XSECUP is the total, in events, not pb).

Files are written under a temporary name next to the destination and renamed when complete
(:func:`semivis._io.atomic_path`): an interrupted run leaves no file under the final name.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

from semivis import __version__
from semivis._io import atomic_path, check_writable
from semivis.errors import ParameterError
from semivis.events.generate import EventChunk, EventRequest, generate_events

__all__ = ["EVENT_FORMATS", "LHE_PARTICLE_FORMAT", "write_events"]

#: the event-file formats of ``semivis events --format``
EVENT_FORMATS: tuple[str, ...] = ("hepmc3", "lhe")

#: LHE particle line with 17 significant digits (pylhe's default has 9, too few for 1e-9 momentum balance)
LHE_PARTICLE_FORMAT = (
    "{id:8d} {status:3d} {mother1:3d} {mother2:3d} {color1:3d} {color2:3d} {px: .16e} {py: .16e} {pz: .16e} "
    "{e: .16e} {m: .16e} {lifetime: .16e} {spin: .1f}"
)

_E, _X, _Y, _Z = 0, 1, 2, 3


def _mass(p: Any) -> float:
    m2 = float(p[0] ** 2 - p[1] ** 2 - p[2] ** 2 - p[3] ** 2)
    return float(np.sqrt(m2)) if m2 > 0.0 else 0.0


def _write_hepmc3(path: Path, chunks: Iterable[EventChunk], req: EventRequest) -> float:
    import pyhepmc  # noqa: PLC0415 - optional heavy import, only for this format

    run = pyhepmc.GenRunInfo()
    run.weight_names = ["expected_events"]
    run.tools = [pyhepmc.GenRunInfo.ToolInfo("semivis", __version__, "semivis events")]
    run.attributes = {k: json.dumps(v) for k, v in req.metadata().items()}
    pdg = req.pdg
    FV = pyhepmc.FourVector
    GP = pyhepmc.GenParticle
    GV = pyhepmc.GenVertex
    total = 0.0
    number = 0
    with pyhepmc.io.WriterAscii(str(path)) as writer:
        for ch in chunks:
            for i in range(ch.size):
                ev = pyhepmc.GenEvent(pyhepmc.Units.GEV, pyhepmc.Units.MM)
                ev.run_info = run
                ev.event_number = number
                number += 1
                pos = ch.prod[i]
                fpos = FV(pos[0], pos[1], pos[2], pos[3])
                b, a, r = ch.beam[i], ch.ap[i], ch.recoil[i]
                v1 = GV(fpos)
                v1.add_particle_in(GP(FV(b[1], b[2], b[3], b[0]), 11, 4))
                pa = GP(FV(a[1], a[2], a[3], a[0]), pdg["Ap"], 2)
                pa.generated_mass = req.m_Ap
                v1.add_particle_out(pa)
                v1.add_particle_out(GP(FV(r[1], r[2], r[3], r[0]), pdg["recoil"], 3))
                ev.add_vertex(v1)
                v2 = GV(fpos)
                v2.add_particle_in(pa)
                ev.add_vertex(v2)
                for s in range(2):
                    q = ch.d[s, i]
                    dec = bool(ch.decays[s, i])
                    pd = GP(FV(q[1], q[2], q[3], q[0]), int(ch.pid[s, i]), 2 if dec else 1)
                    pd.generated_mass = req.m_chi2 if int(ch.pid[s, i]) == pdg["chi2"] else req.m_chi1
                    v2.add_particle_out(pd)
                    if dec:
                        vp = ch.vtx[s, i]
                        v3 = GV(FV(vp[0], vp[1], vp[2], vp[3]))
                        v3.add_particle_in(pd)
                        for p4, code, mass in (
                            (ch.chi1[s, i], pdg["chi1"], req.m_chi1),
                            (ch.ep[s, i], -11, None),
                            (ch.em[s, i], 11, None),
                        ):
                            out = GP(FV(p4[1], p4[2], p4[3], p4[0]), code, 1)
                            if mass is not None:
                                out.generated_mass = mass
                            v3.add_particle_out(out)
                        ev.add_vertex(v3)
                w = float(ch.weight[i])
                ev.weights = [w]
                ev.attributes = {"process": ch.process_name(i), "channel": ch.channels[int(ch.channel[i])]}
                total += w
                writer.write(ev)
    return total


def _write_lhe(path: Path, chunks: Iterable[EventChunk], req: EventRequest) -> float:
    import pylhe  # noqa: PLC0415 - optional heavy import, only for this format

    fmt = dataclasses.replace(
        pylhe.DEFAULT_FORMAT,
        particle=LHE_PARTICLE_FORMAT,
        eventinfo="{nparticles:3d} {pid:6d} {weight: .16e} {scale: .6e} {aqed: .6e} {aqcd: .6e}",
    )
    pdg = req.pdg
    meta = req.metadata()
    total = 0.0

    def particle(code: int, status: int, mother: int, p4: Any, mass: float, lifetime: float = 0.0) -> Any:  # noqa: PLR0917
        return pylhe.LHEParticle(
            id=code, status=status, mother1=mother, mother2=mother, color1=0, color2=0, px=float(p4[1]),
            py=float(p4[2]), pz=float(p4[3]), e=float(p4[0]), m=mass, lifetime=lifetime, spin=9.0,
        )  # fmt: skip

    def events() -> Iterable[Any]:
        nonlocal total
        for ch in chunks:
            for i in range(ch.size):
                parts = [
                    particle(11, -1, 0, ch.beam[i], _mass(ch.beam[i])),
                    particle(pdg["Ap"], 2, 1, ch.ap[i], req.m_Ap),
                    particle(pdg["recoil"], 3, 1, ch.recoil[i], _mass(ch.recoil[i])),
                ]
                pos = ch.prod[i]
                optional = [f"#vertex {pos[0]:.16e} {pos[1]:.16e} {pos[2]:.16e} {pos[3]:.16e}"]
                dec_rows = []
                for s in range(2):
                    code = int(ch.pid[s, i])
                    dec = bool(ch.decays[s, i])
                    mass = req.m_chi2 if code == pdg["chi2"] else req.m_chi1
                    life = float(ch.x_mm[s, i]) if dec else 0.0
                    parts.append(particle(code, 2 if dec else 1, 2, ch.d[s, i], mass, life))
                    if dec:
                        dec_rows.append((s, len(parts)))
                for s, k in dec_rows:
                    parts.append(particle(pdg["chi1"], 1, k, ch.chi1[s, i], req.m_chi1))
                    parts.append(particle(-11, 1, k, ch.ep[s, i], _mass(ch.ep[s, i])))
                    parts.append(particle(11, 1, k, ch.em[s, i], _mass(ch.em[s, i])))
                    vp = ch.vtx[s, i]
                    optional.append(f"#decay_vertex {k} {vp[0]:.16e} {vp[1]:.16e} {vp[2]:.16e} {vp[3]:.16e}")
                w = float(ch.weight[i])
                total += w
                info = pylhe.LHEEventInfo(nparticles=len(parts), pid=1, weight=w, scale=req.m_Ap, aqed=-1.0, aqcd=-1.0)
                yield pylhe.LHEEvent(eventinfo=info, particles=parts, optional=optional)

    init = pylhe.LHEInit(
        initInfo=pylhe.LHEInitInfo(
            beamA=11,
            beamB=0,
            energyA=req.card.beam_energy_GeV,
            energyB=0.0,
            PDFgroupA=0,
            PDFgroupB=0,
            PDFsetA=0,
            PDFsetB=0,
            weightingStrategy=4,
            numProcesses=1,
        ),
        procInfo=[pylhe.LHEProcInfo(xSection=0.0, error=0.0, unitWeight=1.0, procId=1)],
        generators=[],
    )
    comment = "semivis events: " + json.dumps(meta).replace("--", "- -")
    lhe = pylhe.LHEFile(init=init, events=events(), comment=comment)
    with path.open("w", encoding="utf-8") as fh:
        lhe.write(fh, lheformat=fmt)
    return total


def write_events(
    req: EventRequest,
    fmt: str,
    out: Path | str,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Generate ``req`` (:func:`~semivis.events.generate.generate_events`) and stream it to ``out`` in ``fmt``.

    Checks the format and the output path before any work (one :class:`~semivis.errors.ParameterError`
    naming ``--format`` / ``--out``); writes atomically. Returns a summary: path, format, number of events and
    the sum of the weights, with the request's metadata.
    """
    if fmt not in EVENT_FORMATS:
        raise ParameterError("--format", fmt, " or ".join(EVENT_FORMATS))
    out = Path(out)
    check_writable(out, "--out")
    chunks = generate_events(req, progress)
    first = next(chunks)  # input errors surface before a temporary file exists

    def all_chunks() -> Iterable[EventChunk]:
        yield first
        yield from chunks

    with atomic_path(out) as tmp:
        total = (_write_hepmc3 if fmt == "hepmc3" else _write_lhe)(tmp, all_chunks(), req)
    return {"path": str(out), "format": fmt, "n_events": req.n_events, "weight_sum": total, **req.metadata()}
