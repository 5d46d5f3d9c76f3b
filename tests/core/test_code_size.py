"""Modules and functions stay small enough to read: at most 400 lines a module, 60 a function.

Migrations are generated and never read as code, so they are left out; the demo's data tables are
module-level literals, which the function limit does not count.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ["cxloop", "feedback", "innerloop", "outerloop", "governance"]
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def _sources() -> list[Path]:
    return [
        path for app in APPS for path in sorted((ROOT / app).rglob("*.py")) if "migrations" not in path.parts
    ]


def _long_functions(source: str, name: str) -> list[str]:
    tree = ast.parse(source, filename=name)
    return [
        f"{name}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]


def test_no_module_over_400_lines():
    long = [
        f"{path.relative_to(ROOT)} ({lines} lines)"
        for path in _sources()
        if (lines := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    ]
    assert long == []


def test_no_function_over_60_lines():
    long = [
        found
        for path in _sources()
        for found in _long_functions(path.read_text(), str(path.relative_to(ROOT)))
    ]
    assert long == []


def test_the_function_check_counts_lines():
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_FUNCTION_LINES))
    assert _long_functions(f"def short():\n{body[: body.rfind(chr(10))]}\n", "a.py") == []
    assert _long_functions(f"def long():\n{body}\n", "a.py") == ["a.py:1 long (61 lines)"]
    assert len(_sources()) > 150
