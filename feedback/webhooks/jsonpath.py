"""A small JSON-path subset for per-source field mappings: `$.a.b`, `$.a[0].b`, `$.a["odd key"]`.

Enough to point at one value inside a vendor payload; no wildcards, filters or slices, so a
mapping always yields a single value or nothing.
"""

import re
from functools import lru_cache
from typing import Any

_STEP = re.compile(r"""\.([\w-]+)|\[(-?\d+)\]|\["([^"]*)"\]|\['([^']*)'\]""")


def parse(path: str) -> tuple[str | int, ...]:
    """The steps of `path` (keys and list indexes); ValueError when it is outside the subset."""
    if not isinstance(path, str) or not path.startswith("$"):
        raise ValueError(f"a JSON path is a string starting with $, got {path!r}")
    return _parse(path)


@lru_cache(maxsize=512)
def _parse(path: str) -> tuple[str | int, ...]:
    steps: list[str | int] = []
    position = 1
    while position < len(path):
        match = _STEP.match(path, position)
        if match is None:
            raise ValueError(f"unsupported JSON path {path!r} at character {position}")
        key, index, double_quoted, single_quoted = match.groups()
        if index is not None:
            steps.append(int(index))
        else:
            steps.append(next(part for part in (key, double_quoted, single_quoted) if part is not None))
        position = match.end()
    return tuple(steps)


def resolve(document: Any, path: str) -> Any:
    """The value at `path` in `document`, or None when any step is missing."""
    value = document
    for step in parse(path):
        if isinstance(step, int):
            if not isinstance(value, list) or not -len(value) <= step < len(value):
                return None
            value = value[step]
        else:
            if not isinstance(value, dict) or step not in value:
                return None
            value = value[step]
    return value
