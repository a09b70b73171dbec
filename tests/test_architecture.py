"""The package's imports run one way: no cycle, and each module imports only from its own
layer or below (docs/architecture.md). Imports inside functions count too; a landplan import
inside a function must point strictly downward (to a lower layer)."""

from __future__ import annotations

import ast
import fnmatch
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "landplan"

# Bottom to top. A module may import modules of its own layer or of a layer below. Every
# module of the package must match one entry (a name, or a pattern such as "landplan.rules.*"
# for a package and everything in it); a new module goes into the layer of what it imports.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("base", ("landplan._data", "landplan._templates", "landplan.errors", "landplan._problems",
              "landplan._distinct", "landplan._formula", "landplan._labels", "landplan._arrowtext",
              "landplan._memory", "landplan._steps", "landplan._version")),
    ("values", ("landplan._text", "landplan._dates", "landplan._numbers",
                "landplan._tolerance", "landplan._rulemeta", "landplan._outdir",
                "landplan._geomnotes")),
    ("codes", ("landplan._codecs", "landplan._detect", "landplan.encodings",
               "landplan._texttable", "landplan.crs", "landplan.codes", "landplan.config")),
    ("layers", ("landplan.schema", "landplan.io", "landplan.landcover", "landplan.quotas",
                "landplan.units")),
    ("engine", ("landplan._grid", "landplan._clip", "landplan._interior", "landplan.engine",
                "landplan.planlayer", "landplan.plandiff")),
    ("rules", ("landplan.rules", "landplan.rules.*")),
    ("check", ("landplan.check", "landplan._messages", "landplan.distributed",
               "landplan.info", "landplan.currentuse")),
    ("writers", ("landplan.excel", "landplan.maps", "landplan._map_json", "landplan._map_runtime",
                 "landplan._map_layers", "landplan._map_raster", "landplan._map_controls",
                 "landplan._map_assets", "landplan._map_codec",
                 "landplan._map_page", "landplan._map_split", "landplan._map_inspector",
                 "landplan._map_index", "landplan._map_budget")),
    ("outputs", ("landplan.report", "landplan._gpkg", "landplan._gpkg_child", "landplan._sample")),
    ("api", ("landplan",)),
    ("serve", ("landplan.serve", "landplan._serve_access", "landplan._serve_errors",
               "landplan._serve_index", "landplan._serve_lookup", "landplan._serve_models",
               "landplan._serve_precheck", "landplan._serve_routes",
               "landplan._serve_jobs", "landplan._serve_upload", "landplan._serve_page")),
    ("cli", ("landplan._cli_text", "landplan.cli", "landplan._serve_cli")),
)


def _modules(root: Path = ROOT) -> dict[str, Path]:
    out = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _imports(name: str, path: Path, modules: dict[str, Path]) -> list[tuple[str, bool, int]]:
    """The landplan modules ``name`` imports: (module, at top level?, line)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(node) for node in tree.body}
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            else:
                base = node.module or ""
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base
                       for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in modules and "." in target:
                target = target.rpartition(".")[0]  # import landplan.x.y → its module
            if target in modules and target != name:
                found.append((target, id(node) in top, node.lineno))
    return sorted(set(found))


def _layer_of(name: str) -> int | None:
    for rank, (_, members) in enumerate(LAYERS):
        if any(fnmatch.fnmatchcase(name, pattern) for pattern in members):
            return rank
    return None


def _graph(root: Path = ROOT) -> dict[str, list[tuple[str, bool, int]]]:
    modules = _modules(root)
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def _cycles(graph: dict[str, list[tuple[str, bool, int]]]) -> list[list[str]]:
    """One cycle per strongly connected group of modules (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target, _, _ in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def layering_problems(root: Path = ROOT) -> list[str]:
    """Every breach of the layering, in one pass."""
    graph = _graph(root)
    problems = [f"{name} is in no layer of tests/test_architecture.py's LAYERS: add it"
                for name in sorted(graph) if _layer_of(name) is None]
    problems += [f"import cycle: {' ↔ '.join(group)}" for group in _cycles(graph)]
    for name, imports in sorted(graph.items()):
        mine = _layer_of(name)
        if mine is None:
            continue
        for target, at_top, line in imports:
            theirs = _layer_of(target)
            if theirs is None:
                continue
            where = f"{graph_path(root, name)}:{line}"
            if theirs > mine:
                problems.append(f"{where}: {name} ({LAYERS[mine][0]}) imports {target} "
                                f"({LAYERS[theirs][0]}), a higher layer")
            elif not at_top and theirs == mine:
                problems.append(f"{where}: {name} imports {target} inside a function; "
                                "a lazy import of landplan must point to a lower layer")
    return problems


def graph_path(root: Path, name: str) -> str:
    return str(_modules(root)[name].relative_to(root.parent))


def test_imports_follow_the_layers_and_have_no_cycle():
    assert layering_problems() == []


def test_every_layer_entry_names_a_module():
    modules = set(_modules())
    stale = [pattern for _, members in LAYERS for pattern in members
             if not fnmatch.filter(modules, pattern)]
    assert stale == []


@pytest.fixture
def package(tmp_path):
    """A copy of the package's sources to break."""
    copy = tmp_path / "landplan"
    for path in ROOT.rglob("*.py"):
        target = copy / path.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    return copy


def test_an_upward_import_inside_a_function_is_found(package):
    codes = package / "codes.py"
    codes.write_text(codes.read_text(encoding="utf-8")
                     + "\n\ndef _late():\n    from .check import check\n", encoding="utf-8")
    problems = layering_problems(package)
    assert any("landplan.codes (codes) imports landplan.check (check)" in p for p in problems)
    assert any(p.startswith("import cycle:") and "landplan.codes" in p for p in problems)


def test_a_module_without_a_layer_is_found(package):
    (package / "_new.py").write_text("from ._data import data_path\n", encoding="utf-8")
    assert layering_problems(package) == [
        "landplan._new is in no layer of tests/test_architecture.py's LAYERS: add it"]
