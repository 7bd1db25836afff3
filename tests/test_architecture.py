"""House rule 1 (STYLE.md): imports point down the package's layers (DESIGN.md §2).

Module-level imports only: a function may import a higher layer lazily (``Model.save``
calls ``ember.saving``, as Keras's ``Model.save`` calls its saving API).
"""

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[1] / "ember"

# Lower number = lower layer. A module may import modules of its own rank or below.
RANK = {
    "_version": 0,
    "datasets": 0,
    "backend": 0,
    "autograd": 1,
    "ops": 2,
    "random": 2,
    "debug": 2,
    "utils": 2,
    "initializers": 3,
    "activations": 3,
    "regularizers": 3,
    "constraints": 3,
    "mixed_precision": 5,
    "layers": 4,
    "losses": 4,
    "metrics": 4,
    "optimizers": 4,
    "callbacks": 5,
    "models": 6,
    "saving": 7,
    "distributed": 7,
    "viz": 7,
    "explain": 7,
    "graph": 5,
    "interop": 8,
    "applications": 8,
    "testing": 8,
    "training_recipes": 9,
    "cli": 9,
    "__main__": 9,
    "__init__": 9,
}


def _top(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "ember" and len(parts) > 1 else ("__init__" if module == "ember" else None)


def module_level_imports(path: pathlib.Path):
    tree = ast.parse(path.read_text())
    for node in tree.body:
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "ember":
                yield from (f"ember.{alias.name}" for alias in node.names)
            else:
                yield node.module


def test_every_package_has_a_rank():
    entries = [p for p in ROOT.iterdir() if p.name != "__pycache__"]
    names = {p.stem if p.is_file() else p.name for p in entries}
    assert names <= set(RANK), f"give these a rank in tests/test_architecture.py: {sorted(names - set(RANK))}"


def test_imports_point_down():
    violations = []
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT)
        own = rel.parts[0].removesuffix(".py")
        for imported in module_level_imports(path):
            target = _top(imported)
            if target is None or target == own:
                continue
            if RANK.get(target, 99) > RANK.get(own, -1):
                violations.append(f"ember/{rel} imports {imported}")
    assert not violations, "\n".join(violations)


def test_backend_and_datasets_import_no_other_ember_package():
    for leaf in ("backend", "datasets"):
        for path in (ROOT / leaf).rglob("*.py"):
            for imported in module_level_imports(path):
                assert _top(imported) in (None, leaf), f"{path} imports {imported}"


def test_import_ember_loads_only_the_tensor_face():
    """The Keras face loads on first use (issue 6: ``import ember`` < 0.3 s); the tensor face is there at once."""
    import subprocess
    import sys

    code = (
        "import sys, ember\n"
        "mods = ('ember.layers', 'ember.models', 'ember.saving', 'sklearn', 'scipy')\n"
        "heavy = [m for m in mods if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "assert ember.tensor([1.0]).relu().sum().item() == 1.0\n"
        "assert ember.Sequential is ember.models.Sequential and 'ember.layers' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_no_package_file_exceeds_400_lines():
    """STYLE.md rule 9 (a file stays under ~400 lines), checked with tools/loc.py's counter."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("loc", ROOT.parent / "tools" / "loc.py")
    loc = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loc)
    lengths = loc.file_lengths(ROOT)
    assert len(lengths) > 100
    assert {p: n for p, n in lengths.items() if n > 400} == {}
