"""Lazy package attributes (Scientific Python SPEC 1, "Lazy Loading of Submodules and Functions"; PEP 549/562).

A package's ``__init__`` names what it offers and the submodule each name lives in (:func:`attach`); a name is
imported on first use. So ``import semivis.figures.output`` does not import the scans, numba kernels and
matplotlib behind ``semivis.figures.make_figure``: a warm ``semivis figure`` that only copies cached files never
loads them (issue 12, docs/performance.md). Each package also imports the same names under
``typing.TYPE_CHECKING``: type checkers and the import graph see every door as a plain import.

An offered name that is also a submodule's name (``semivis.scan.contours``: the function of
:mod:`semivis.scan.result`, and the module :mod:`semivis.scan.contours`) stays the offered object when the
submodule is imported, as it did when the package imported its names eagerly.

>>> import sys, types
>>> demo = sys.modules["semivis_lazy_demo"] = types.ModuleType("semivis_lazy_demo")
>>> attach("semivis_lazy_demo", {"ParameterError": "semivis.errors"})
>>> demo.ParameterError.__name__, "ParameterError" in dir(demo)
('ParameterError', True)
>>> demo.nothing
Traceback (most recent call last):
...
AttributeError: module 'semivis_lazy_demo' has no attribute 'nothing'
>>> del sys.modules["semivis_lazy_demo"]
"""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Mapping
from typing import Any

__all__ = ["attach"]


class _LazyPackage(types.ModuleType):
    """A package whose offered names (``_lazy_origins``: name -> submodule) are imported on first access."""

    _lazy_origins: dict[str, str]

    def __getattr__(self, name: str) -> Any:
        origin = self.__dict__.get("_lazy_origins", {}).get(name)
        if origin is None:
            raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(origin), name)
        super().__setattr__(name, value)  # later accesses are plain lookups
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        # the import system binds a newly imported submodule on its package: an offered name of the same spelling
        # keeps the offered object (what an eager ``from .result import contours`` after the submodules gave)
        origins = self.__dict__.get("_lazy_origins", {})
        if isinstance(value, types.ModuleType) and name in origins and value.__name__ != origins[name]:
            return
        super().__setattr__(name, value)

    def __dir__(self) -> list[str]:
        return sorted(set(self.__dict__) | set(self.__dict__.get("_lazy_origins", {})))


def attach(package: str, origins: Mapping[str, str]) -> None:
    """Make the names of ``origins`` (name -> the module that defines it) attributes of ``package``, each imported
    from its module on first access; call it at the end of the package's ``__init__``."""
    module = sys.modules[package]
    module.__class__ = _LazyPackage
    module.__dict__["_lazy_origins"] = dict(origins)
