"""The house rules of docs/dev/architecture.md, checked on the code's own plain imports (enforced, not remembered).

Each module under ``src/semivis`` belongs to a room (its sub-package, or its own name for top-level modules). A room
may import only the rooms its door list allows (the floors below it); no first-party module is loaded through
``importlib`` except by the CLI's lazy sub-command loader; no private name (``_x``) crosses from one room into
another.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "semivis"

#: the ground floor: any room may use these
BASE = frozenset(
    {"semivis", "constants", "errors", "_validation", "_io", "_codecache", "_jit", "_lazy", "data", "stats"}
)

#: doors, top floor first (docs/dev/architecture.md); a room may use the rooms listed and the base
DOORS: dict[str, frozenset[str]] = {
    "cli": frozenset(
        {"export", "figures", "scan", "signal", "detector", "constraints", "cosmo", "models", "production", "planes"}
        | {"events"}
        | {"beamdump"}
    ),
    "export": frozenset({"scan", "planes"}),
    "events": frozenset({"signal", "detector", "production", "models"}),
    "figures": frozenset({"scan", "cosmo", "constraints", "planes", "signal", "detector", "production"}),
    "testing": frozenset({"scan", "signal", "detector", "production", "models"}),
    "scan": frozenset({"signal", "constraints", "detector", "production", "models", "planes", "beamdump"}),
    "beamdump": frozenset({"production", "models", "planes"}),
    "signal": frozenset({"detector", "production", "models"}),
    "constraints": frozenset({"cosmo", "models", "production", "planes", "beamdump"}),
    "detector": frozenset({"production"}),
    "cosmo": frozenset({"models", "planes"}),
    "models": frozenset(),
    "production": frozenset(),
    "planes": frozenset(),
    "stats": frozenset(),
    "data": frozenset({"constants"}),
    "_validation": frozenset({"errors"}),
    "_io": frozenset(),
    "_codecache": frozenset(),
    "_jit": frozenset(),
    "_lazy": frozenset(),
    "constants": frozenset(),
    "errors": frozenset(),
}


def _room_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "semivis":
        return None
    return parts[1] if len(parts) > 1 else "semivis"


def _modules() -> list[tuple[Path, str, ast.Module]]:
    out = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC.parent).with_suffix("")
        name = ".".join(rel.parts).removesuffix(".__init__")
        room = _room_of(name) if "." in name else "semivis"
        out.append((path, room or "semivis", ast.parse(path.read_text(encoding="utf-8"))))
    return out


def _first_party_imports(tree: ast.Module) -> list[tuple[str, list[str]]]:
    found: list[tuple[str, list[str]]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and node.module.startswith("semivis"):
            found.append((node.module, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            found.extend((a.name, []) for a in node.names if a.name.startswith("semivis"))
    return found


def test_every_room_is_in_the_plan() -> None:
    rooms = {room for _, room, _ in _modules()} - {"semivis"}
    assert rooms <= set(DOORS), f"rooms missing from the house plan: {sorted(rooms - set(DOORS))}"


def test_doors_point_down_the_house_plan() -> None:
    wrong = []
    for path, room, tree in _modules():
        allowed = DOORS.get(room, frozenset()) | BASE | {room}
        for module, _ in _first_party_imports(tree):
            target = _room_of(module)
            if target is not None and target not in allowed:
                wrong.append(f"{path.relative_to(SRC)}: {room} -> {target} ({module})")
    assert not wrong, "imports through a door the house plan does not have:\n" + "\n".join(wrong)


def test_the_plan_itself_has_no_circle() -> None:
    seen: dict[str, int] = {}

    def visit(room: str, stack: tuple[str, ...]) -> None:
        assert room not in stack, f"circle in the house plan: {' -> '.join((*stack, room))}"
        if seen.get(room):
            return
        for nxt in DOORS.get(room, frozenset()):
            visit(nxt, (*stack, room))
        seen[room] = 1

    for room in DOORS:
        visit(room, ())


def test_no_importlib_for_first_party_modules_outside_the_cli_loader() -> None:
    users = []
    for path, _, tree in _modules():
        for node in ast.walk(tree):
            loader = isinstance(node, ast.Attribute) and node.attr in {"import_module", "__import__"}
            if loader or (isinstance(node, ast.Name) and node.id == "__import__"):
                users.append(str(path.relative_to(SRC)))
    # the CLI's sub-command loader, and semivis._lazy, which loads only the names each package also imports under
    # TYPE_CHECKING (test_lazy_packages_declare_every_name_as_a_plain_import)
    assert set(users) <= {"cli/__init__.py", "_lazy.py"}, users


def _lazy_declarations(tree: ast.Module) -> tuple[dict[str, str], dict[str, str]] | None:
    """(names imported under TYPE_CHECKING -> module, names given to semivis._lazy.attach -> module), or None."""
    attached: dict[str, str] | None = None
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "attach":
            mapping = node.args[1]
            assert isinstance(mapping, ast.Dict)
            attached = {
                ast.literal_eval(k): ast.literal_eval(v) for k, v in zip(mapping.keys, mapping.values, strict=True) if k
            }
    if attached is None:
        return None
    declared: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for imp in node.body:
                assert isinstance(imp, ast.ImportFrom)
                assert imp.module is not None
                declared.update({a.name: imp.module for a in imp.names})
    return declared, attached


def test_lazy_packages_declare_every_name_as_a_plain_import() -> None:
    """A package that loads its names on first use (semivis._lazy) imports each of them, from the same module,
    under TYPE_CHECKING, and offers exactly those (its __all__): the import graph and the type checker see every
    door, and no name is loaded from anywhere else."""
    lazy = []
    for path, _, tree in _modules():
        found = _lazy_declarations(tree)
        if found is None:
            continue
        declared, attached = found
        lazy.append(path.parent.name)
        assert declared == attached, path
        exported = next(
            ast.literal_eval(n.value)
            for n in tree.body
            if isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in n.targets)
        )
        assert sorted(exported) == sorted(attached), path
    assert sorted(lazy) == ["detector", "figures", "production", "scan"]


def test_no_private_name_crosses_a_room() -> None:
    crossing = []
    for path, room, tree in _modules():
        for module, names in _first_party_imports(tree):
            target = _room_of(module)
            if target in (None, room):
                continue
            private = [n for n in names if n.startswith("_") and not n.startswith("__")]
            private_module = any(p.startswith("_") and p not in BASE for p in module.split(".")[2:])
            if private or private_module:
                crossing.append(f"{path.relative_to(SRC)}: {module} {private}")
    assert not crossing, "private names imported from another room:\n" + "\n".join(crossing)
