"""The architecture, asserted from the code: apps import downward only, no module cycle, no star import.

Read from the source with `ast` (nothing is imported), so a violation fails here before it
surprises anyone at run time. The order is the README's: cxloop <- feedback <- innerloop <-
outerloop <- governance. The project wiring (settings, root URLs, the Celery app, the WSGI entry,
the dev stack and `cxloop/wiring.py`) is where the apps meet, so it may import any of them.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ["cxloop", "feedback", "innerloop", "outerloop", "governance"]
WIRING = (
    "cxloop.settings",
    "cxloop.urls",
    "cxloop.celery",
    "cxloop.wsgi",
    "cxloop.devstack",
    "cxloop.wiring",
)
# Django's settings layering (`from .base import *`) is the one star import the project keeps.
STAR_ALLOWED = ("cxloop.settings",)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    found = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                found[_module_name(path)] = path
    return found


MODULES = _modules()


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _resolve(module: str, path: Path, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    base = package[: len(package) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _imports(module: str, path: Path) -> list[tuple[str, int, bool, bool]]:
    """(imported module, line, at module level, star) for every import in the file."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []

    def visit(node: ast.AST, top: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                continue  # annotations only: never executed
            if isinstance(child, ast.Import):
                found.extend((alias.name, child.lineno, top, False) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                target = _resolve(module, path, child)
                for alias in child.names:
                    star = alias.name == "*"
                    sub = f"{target}.{alias.name}"
                    found.append((sub if sub in MODULES else target, child.lineno, top, star))
            nested = isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            visit(child, top and not nested)

    visit(tree, True)
    return found


IMPORTS = {module: _imports(module, path) for module, path in MODULES.items()}


def _app_rank(module: str) -> int | None:
    head = module.split(".")[0]
    return APPS.index(head) if head in APPS else None


def _is_wiring(module: str) -> bool:
    return module.startswith(WIRING)


def test_apps_import_downward_only():
    upward = [
        f"{module}:{line} imports {target}"
        for module, imports in IMPORTS.items()
        if not _is_wiring(module)
        for target, line, _, _ in imports
        if _app_rank(target) is not None and _app_rank(target) > _app_rank(module)
    ]
    assert upward == [], (
        "apps import downward only (cxloop <- feedback <- innerloop <- outerloop <- governance)"
    )


def test_no_star_imports():
    stars = [
        f"{module}:{line} from {target} import *"
        for module, imports in IMPORTS.items()
        if not module.startswith(STAR_ALLOWED)
        for target, line, _, star in imports
        if star
    ]
    assert stars == []


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def test_no_import_cycle_between_modules():
    """Module-level imports form no cycle (an import inside a function runs later, at call time)."""
    graph = {
        module: {target for target, _, top, _ in imports if top and target in MODULES and target != module}
        for module, imports in IMPORTS.items()
    }
    assert _cycles(graph) == []


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ({"a": {"b"}, "b": {"a"}}, [["a", "b"]]),
        ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
    ],
)
def test_cycle_finder_finds_cycles(graph, expected):
    assert _cycles(graph) == expected


def test_the_checks_see_the_code():
    """A parser that found nothing would pass everything: it must see the apps' real imports."""
    assert len(MODULES) > 150
    assert any(target == "feedback.models" for target, *_ in IMPORTS["innerloop.models.cases"])


def _architecture_section() -> str:
    readme = (ROOT / "README.md").read_text()
    start = readme.index("## Architecture")
    return readme[start : readme.index("\n## ", start + 1)]


def test_the_readme_architecture_matches_the_code():
    """The README's picture of the apps names the order asserted here, and every module, package
    and dotted name it cites exists, so it cannot drift from the code unnoticed."""
    import re

    section = _architecture_section()
    assert " ◄──── ".join(APPS) in section
    missing = []
    for cited in re.findall(r"`([a-z_]+(?:[./][a-z_]+)+/?(?:\.py)?)`", section):
        if cited.split("/")[0].split(".")[0] not in APPS:
            continue
        if "/" in cited:
            found = (ROOT / cited).exists()
        else:  # a dotted name: a module, or a name defined in one
            parts = cited.split(".")
            found = (
                any(
                    ".".join(parts[:cut]) in MODULES
                    and parts[cut] in MODULES[".".join(parts[:cut])].read_text()
                    for cut in range(1, len(parts))
                )
                or cited in MODULES
            )
            # or a Celery task's name
            found = found or any(f'"{cited}"' in path.read_text() for path in MODULES.values())
        if not found:
            missing.append(cited)
    assert missing == []
    assert "cxloop/wiring.py" in section
