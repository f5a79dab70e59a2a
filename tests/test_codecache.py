"""numba's on-disk cache is keyed by the digest of semivis's code (semivis._codecache): a change of any module is a
fresh compile, never a stale kernel called through an unchanged module (the hazard found in issue 12)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from semivis._codecache import configure_numba_cache, source_digest


def test_numba_cache_folder_is_named_by_the_code_digest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import numba  # noqa: PLC0415

    # restored after the test: the session's kernels keep compiling into the session's folder
    monkeypatch.setattr(numba.config, "CACHE_DIR", numba.config.CACHE_DIR)
    monkeypatch.setenv("NUMBA_CACHE_DIR", os.environ.get("NUMBA_CACHE_DIR", ""))
    monkeypatch.setenv("SEMIVIS_NUMBA_CACHE_BASE", str(tmp_path))
    folder = configure_numba_cache()
    assert folder == tmp_path / f"semivis-{source_digest()[:16]}"
    assert os.environ["NUMBA_CACHE_DIR"] == str(folder)
    assert str(folder) == numba.config.CACHE_DIR


def test_worker_processes_inherit_the_same_folder(tmp_path: Path) -> None:
    env = dict(os.environ, SEMIVIS_NUMBA_CACHE_BASE=str(tmp_path))
    code = "import os, semivis; print(os.environ['NUMBA_CACHE_DIR'])"
    first = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    env2 = dict(os.environ, NUMBA_CACHE_DIR=first.stdout.strip())
    env2.pop("SEMIVIS_NUMBA_CACHE_BASE", None)
    second = subprocess.run([sys.executable, "-c", code], env=env2, capture_output=True, text=True, check=True)
    assert first.stdout == second.stdout
    assert Path(first.stdout.strip()).name == f"semivis-{source_digest()[:16]}"


def test_digest_changes_with_any_source_file(tmp_path: Path) -> None:
    """A copy of the package with one kernel module changed has another digest (so another numba folder)."""
    import shutil  # noqa: PLC0415

    import semivis  # noqa: PLC0415

    pkg = Path(semivis.__file__).parent
    copy = tmp_path / "semivis"
    shutil.copytree(pkg, copy, ignore=shutil.ignore_patterns("__pycache__"))
    code = "from semivis._codecache import source_digest; print(source_digest())"
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    a = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    with (copy / "detector" / "kernels.py").open("a") as f:
        f.write("\n# changed\n")
    b = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert a.strip() == source_digest()
    assert a != b
