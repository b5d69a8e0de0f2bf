"""Read input files safely: a size limit, the C YAML parser, no duplicate keys, bounded aliases.

Every problem is one :class:`~hubsim.errors.ScenarioError` naming the file (and the line)::

    scenarios/x.yaml: line 12: duplicate key 'guoyuan' (first at line 5)
    scenarios/x.yaml: line 3: recursive alias: the value anchored here contains itself

A file larger than :data:`MAX_BYTES` is refused before it is read. YAML is parsed with
libyaml (``yaml.CSafeLoader``) when PyYAML has it, else with the pure-Python ``SafeLoader``.
Before any value is built, the parsed node graph is walked once: a recursive alias, a nesting
deeper than :data:`MAX_DEPTH` (aliases expanded), more than :data:`MAX_ALIASES` alias uses or
aliases that expand to more than :data:`MAX_EXPANDED` extra values (a "billion laughs") are
refused, so no later copy of the data can recurse forever or run out of memory. A whole
number longer than :data:`MAX_DIGITS` characters is refused before it is converted.

>>> import tempfile, pathlib
>>> with tempfile.TemporaryDirectory() as tmp:
...     path = pathlib.Path(tmp) / "x.yaml"
...     _ = path.write_text("a: 1\\nb: 2\\na: 3\\n")
...     try:
...         read_yaml(path)
...     except ScenarioError as exc:
...         print(str(exc).removeprefix(str(path)))
: line 3: duplicate key 'a' (first at line 1)
"""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import yaml

from hubsim.errors import ScenarioError, clip, shown

__all__ = ["MAX_ALIASES", "MAX_BYTES", "MAX_DEPTH", "MAX_DIGITS", "MAX_EXPANDED", "read_bytes",
           "read_yaml"]

#: Largest scenario file or CSV table read, in bytes (10 MB).
MAX_BYTES = 10 * 1024 * 1024
#: Deepest nesting of mappings and lists, aliases expanded.
MAX_DEPTH = 100
#: Most alias uses (``*name``, ``<<: *name``) of mappings and lists in one file.
MAX_ALIASES = 100_000
#: Most values that aliases may add when expanded (a copy of the data holds them all).
MAX_EXPANDED = 1_000_000

#: Longest whole number read (characters): a seed is at most 19 digits.
MAX_DIGITS = 100

_MERGE = "tag:yaml.org,2002:merge"
_INT = "tag:yaml.org,2002:int"
_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_bytes(path: Path, what: str = "file") -> bytes:
    """The bytes of ``path``, refused (ScenarioError) when larger than :data:`MAX_BYTES` or
    unreadable; ``what`` names it in the message (``scenario file``, ``table``)."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ScenarioError(f"{path}: {what} is {_mb(size)}, larger than the limit of "
                                f"{_mb(MAX_BYTES)}")
        with path.open("rb") as fh:  # read at most one byte past the limit (it may grow)
            data = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read the {what}: {exc.strerror or exc}") from None
    if len(data) > MAX_BYTES:
        raise ScenarioError(f"{path}: {what} is larger than the limit of {_mb(MAX_BYTES)}")
    return data


def _mb(size: int) -> str:
    """``10 MB``, ``50.1 MB``; ``10.01 MB`` where one decimal would not differ from the limit."""
    if size % (1024 * 1024) == 0:
        return f"{size // (1024 * 1024)} MB"
    one = f"{size / 1024 / 1024:.1f}"
    return f"{one} MB" if float(one) != MAX_BYTES / 1024 / 1024 else \
        f"{size / 1024 / 1024:.2f} MB"


def read_yaml(path: Path, raw: bytes | None = None) -> Any:
    """The YAML document in ``path`` (or in ``raw``, its bytes) as plain Python data.

    Raises
    ------
    ScenarioError
        Too large, not UTF-8, malformed, a duplicate key, a recursive alias or aliases that
        expand too far; the message names ``path`` and, where there is one, the line.
    """
    raw = read_bytes(path, "scenario file") if raw is None else raw
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"{path}: not UTF-8 text ({exc.reason})") from None
    loader = _Loader(text, path)
    collecting = gc.isenabled()
    gc.disable()  # (the parser makes millions of small objects: collecting them all is slow)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_graph(node, path)
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScenarioError(f"{path}: {where}malformed YAML: {clip(problem)}") from None
    finally:
        loader.dispose()
        if collecting:
            gc.enable()


class _Loader(_Base):
    """The safe loader, refusing a key given twice in one mapping and a whole number longer
    than :data:`MAX_DIGITS`; a value YAML cannot build (``!!int abc``, a 13th month) is a
    ScenarioError with its line and column."""

    def __init__(self, text: str, path: Path) -> None:
        super().__init__(text)
        self.source = path

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        if node.tag == _INT and len(node.value) > MAX_DIGITS:  # (1:59:59:... is quadratic)
            mark = node.start_mark
            raise ScenarioError(f"{self.source}: line {mark.line + 1}, column {mark.column + 1}: "
                                f"the number {shown(node.value)} is longer than {MAX_DIGITS} "
                                "characters")
        try:
            return super().construct_object(node, deep=deep)
        except ScenarioError:
            raise
        except (ValueError, TypeError, OverflowError) as exc:  # !!int abc, 2020-13-45, 5000 digits
            mark = node.start_mark
            tag = str(node.tag).rsplit(":", 1)[-1]
            value = node.value if isinstance(node, yaml.ScalarNode) else ""
            raise ScenarioError(f"{self.source}: line {mark.line + 1}, column {mark.column + 1}: "
                                f"malformed YAML: cannot read {shown(value)} as {tag} "
                                f"({clip(str(exc).split(';')[0], 120)})") from None

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        if isinstance(node, yaml.MappingNode):
            first: dict[Any, Any] = {}
            for key_node, _ in node.value:
                if key_node.tag == _MERGE or not isinstance(key_node, yaml.ScalarNode):
                    continue  # (merged keys may be overridden; a complex key fails below)
                key = self.construct_object(key_node)
                mark = key_node.start_mark
                if key in first:
                    raise ScenarioError(f"{self.source}: {_duplicate(key, first[key], mark)}")
                first[key] = mark
        return super().construct_mapping(node, deep=deep)


def _duplicate(key: Any, first: Any, then: Any) -> str:
    """``line 12: duplicate key 'x' (first at line 5)``, with columns when on one line."""
    if first.line == then.line:
        return (f"line {then.line + 1}, column {then.column + 1}: duplicate key {shown(key)} "
                f"(first at column {first.column + 1})")
    return f"line {then.line + 1}: duplicate key {shown(key)} (first at line {first.line + 1})"


def _children(node: Any) -> list[Any]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return node.value if isinstance(node, yaml.SequenceNode) else []


def _check_graph(root: Any, path: Path) -> None:
    """Walk the node graph once (no recursion, shared nodes once): refuse cycles, too deep a
    nesting, too many alias uses and too large an expansion, before anything is built."""
    done: dict[int, tuple[int, int]] = {}  # id(node) -> (values when expanded, depth)
    open_: set[int] = set()
    aliases = 0
    written = 1  # values as written (an alias to a scalar counts as one)
    stack: list[tuple[Any, list[Any] | None]] = [(root, None)]
    while stack:
        node, children = stack.pop()
        key = id(node)
        if children is not None:  # leaving the node: its children are done
            open_.discard(key)
            size, depth = 1, 1
            for child in children:
                child_size, child_depth = done.get(id(child), (1, 1))
                size += child_size
                depth = max(depth, child_depth + 1)
            done[key] = (size, depth)
            # (expanded beyond what is written: checked at each node, exact at the root)
            if depth > MAX_DEPTH or size - written > MAX_EXPANDED:
                line = node.start_mark.line + 1
                raise ScenarioError(
                    f"{path}: line {line}: nested more than {MAX_DEPTH} levels deep (aliases "
                    "expanded)" if depth > MAX_DEPTH else f"{path}: line {line}: aliases "
                    f"expand to more than {MAX_EXPANDED:,} values; write the values out")
            continue
        if key in done:
            aliases += 1
            if aliases > MAX_ALIASES:
                raise ScenarioError(f"{path}: line {node.start_mark.line + 1}: more than "
                                    f"{MAX_ALIASES:,} alias uses")
            continue
        if key in open_:
            raise ScenarioError(f"{path}: line {node.start_mark.line + 1}: recursive alias: "
                                "the value anchored here contains itself")
        kids = _children(node)
        open_.add(key)
        stack.append((node, kids))
        for child in reversed(kids):
            written += 1
            if child.value and not isinstance(child, yaml.ScalarNode):
                stack.append((child, None))
