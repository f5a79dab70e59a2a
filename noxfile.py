"""Single entry point for the checks CI runs (``.ci/run``) and more: ``nox -s lint mypy tests docs``.

Sessions: ``lint`` (ruff check + ruff format --check), ``mypy`` (strict, ``src``), ``tests`` (the default suite, as
CI and the README run it), ``tests_all`` (the default suite, then the hypothesis fuzz tests with the long
``--hypothesis-profile=long`` of ``tests/conftest.py``), ``docs`` (the user guide's notebook executed end to end,
the guide's links, and the doctests of ``src``). Tool versions come from the ``lint`` extra of ``pyproject.toml``.
"""

from __future__ import annotations

import nox

nox.options.sessions = ["lint", "mypy", "tests"]
nox.options.default_venv_backend = "venv"

PYPROJECT = nox.project.load_toml("pyproject.toml")
LINT = PYPROJECT["project"]["optional-dependencies"]["lint"]
RUFF = next(req for req in LINT if req.startswith("ruff"))


@nox.session
def lint(session: nox.Session) -> None:
    """Ruff: lint rules and formatting (check only; run ``ruff format`` yourself)."""
    session.install(RUFF)
    session.run("ruff", "check", ".", *session.posargs)
    session.run("ruff", "format", "--check", ".")


@nox.session
def mypy(session: nox.Session) -> None:
    """Mypy, strict, on ``src`` (configuration in ``pyproject.toml``), with the optional ``dask`` extra installed."""
    session.install(".[dask,lint]")
    session.run("mypy", *session.posargs)


@nox.session
def tests(session: nox.Session) -> None:
    """The default test suite (slow physics runs included), as ``.ci/run`` runs it."""
    session.install(".[test]")
    session.run("python", "-m", "pytest", *session.posargs, env={"MPLBACKEND": "Agg"})


@nox.session
def tests_all(session: nox.Session) -> None:
    """The default suite, then the property-based (hypothesis) tests again with many more examples."""
    session.install(".[test]")
    session.run("python", "-m", "pytest", *session.posargs, env={"MPLBACKEND": "Agg"})
    session.run("python", "-m", "pytest", "-m", "hypothesis", "--hypothesis-profile=long", env={"MPLBACKEND": "Agg"})


@nox.session
def docs(session: nox.Session) -> None:
    """The user guide: the API notebook runs end to end, pages exist and link; doctests of ``src`` pass."""
    session.install(".[test]")
    session.run("python", "-m", "pytest", "tests/test_figures_docs.py", "src/semivis", env={"MPLBACKEND": "Agg"})
