"""A small JSON-path subset for per-source field mappings: `$.a.b`, `$.a[0].b`, `$.a["odd key"]`,
`$.events[*]`, and `$$.a` for the delivery's envelope.

A field path points at one value inside a vendor payload, so it may not hold a wildcard. An items
path (`$.events[*]`, `$.data[*]`) holds exactly one `[*]`, over the elements of a list: each
element becomes an item, and field paths are then read from the item (`$.`), or from the whole
delivery with `$$.` (a value the delivery shares by all its items). Without an items path the
item is the delivery, and `$$.` reads the same as `$.`.
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

_STEP = re.compile(r"""\.([\w-]+)|\[(-?\d+)\]|\["([^"]*)"\]|\['([^']*)'\]|\[(\*)\]""")


class _Wildcard:
    """`[*]`: every element of a list."""

    def __repr__(self) -> str:
        return "[*]"


WILDCARD = _Wildcard()


@dataclass(frozen=True)
class Path:
    text: str
    steps: tuple
    envelope: bool  # `$$.`: read from the delivery, not the item

    @property
    def wildcards(self) -> int:
        return sum(step is WILDCARD for step in self.steps)


def parse(path: object) -> Path:
    """The steps of `path` (keys, list indexes, `[*]`); ValueError when it is outside the subset."""
    if not isinstance(path, str) or not path.startswith("$"):
        raise ValueError(f"a JSON path is a string starting with $, got {path!r}")
    return _parse(path)


@lru_cache(maxsize=512)
def _parse(path: str) -> Path:
    envelope = path.startswith("$$")
    steps: list = []
    position = 2 if envelope else 1
    while position < len(path):
        match = _STEP.match(path, position)
        if match is None:
            raise ValueError(f"unsupported JSON path {path!r} at character {position}")
        key, index, double_quoted, single_quoted, star = match.groups()
        if star:
            steps.append(WILDCARD)
        elif index is not None:
            steps.append(int(index))
        else:
            steps.append(next(part for part in (key, double_quoted, single_quoted) if part is not None))
        position = match.end()
    return Path(path, tuple(steps), envelope)


def field_path(path: str) -> Path:
    """A path to one value (a field's): ValueError when it holds a wildcard."""
    parsed = parse(path)
    if parsed.wildcards:
        raise ValueError(f"{path!r} points at several values; a field's path points at one")
    return parsed


def items_path(path: str) -> Path:
    """A path to the items of a delivery: exactly one `[*]`, and no `$$` (it is read from the delivery)."""
    parsed = parse(path)
    if parsed.wildcards != 1 or parsed.envelope:
        raise ValueError(f'an items path holds one [*] over a list, like "$.events[*]"; got {path!r}')
    return parsed


def _step(value: Any, step) -> Any:
    if isinstance(step, int):
        if not isinstance(value, list) or not -len(value) <= step < len(value):
            return None
        return value[step]
    if not isinstance(value, dict) or step not in value:
        return None
    return value[step]


def _walk(value: Any, steps: tuple) -> Any:
    for step in steps:
        value = _step(value, step)
        if value is None:
            return None
    return value


def resolve(document: Any, path: str, *, envelope: Any = None) -> Any:
    """The value at a field path in `document` (`$$.` paths: in `envelope`); None when a step is missing."""
    parsed = field_path(path)
    root = envelope if parsed.envelope and envelope is not None else document
    return _walk(root, parsed.steps)


def items(document: Any, path: str) -> list | None:
    """The elements an items path names (`$.events[*]`), or None when there is no list there."""
    parsed = items_path(path)
    cut = parsed.steps.index(WILDCARD)
    container = _walk(document, parsed.steps[:cut])
    if not isinstance(container, list):
        return None
    rest = parsed.steps[cut + 1 :]
    found = [_walk(element, rest) for element in container]
    return [element for element in found if element is not None]


def transform(document: Any, path: str, change: Callable[[Any], Any]) -> None:
    """Replace, in place, each value a path names (wildcards allowed) with `change(value)`."""
    parsed = parse(path)
    if not parsed.steps:
        raise ValueError("the whole delivery cannot be replaced")
    _transform(document, parsed.steps, change)


def _transform(value: Any, steps: tuple, change: Callable[[Any], Any]) -> None:
    head, rest = steps[0], steps[1:]
    keys: Iterable[Any]
    if head is WILDCARD:
        keys = range(len(value)) if isinstance(value, list) else ()
    else:
        keys = (head,) if _step(value, head) is not None else ()
    for key in keys:
        if rest:
            _transform(value[key], rest, change)
        else:
            value[key] = change(value[key])
