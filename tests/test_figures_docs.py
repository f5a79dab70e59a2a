"""The user guide: the API notebook runs end to end (nbclient), the guide's pages exist and link each other."""

from __future__ import annotations

from pathlib import Path

import pytest

DOCS = Path(__file__).parents[1] / "docs"


def test_guide_pages_exist_and_are_linked() -> None:
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    for page in ("quickstart.md", "api-example.ipynb", "cli.md", "figures.md", "physics-choices.md"):
        assert (DOCS / page).exists(), page
        assert page in index, page
    cli = (DOCS / "cli.md").read_text(encoding="utf-8")
    for sub in ("widths", "yield", "relic", "g2", "limit", "figure"):
        assert f"## `semivis {sub}`" in cli
    choices = (DOCS / "physics-choices.md").read_text(encoding="utf-8")
    for page in sorted((DOCS / "physics").glob("*.md")):
        assert f"physics/{page.name}" in choices, f"{page.name} not linked from physics-choices.md"


@pytest.mark.slow
def test_api_notebook_executes(tmp_path: Path) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.read(DOCS / "api-example.ipynb", as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()
    outputs = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert "BR(A' -> chi1 chi2)" in outputs
    assert "eps_central" in outputs
    assert not any(o.get("output_type") == "error" for c in nb.cells for o in c.get("outputs", []))
