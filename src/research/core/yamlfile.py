"""YAML files whose mistakes can be reported by line: strings and mappings remember theirs.

`load(path)` reads a YAML file with the safe loader, but every string is a `str` subclass
and every mapping a `dict` subclass with a `line` attribute (1-based), so that a check
after loading (a bad regex in a codebook, an unknown workshop id in a manifest) can name
the line of the file. Invalid YAML is a `UserError` with the line of the problem.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from research.core.errors import UserError


class LineStr(str):
    """A YAML string that remembers its line in the file (1-based)."""

    line: int = 0


class LineDict(dict):
    """A YAML mapping that remembers the line it starts on (1-based)."""

    line: int = 0


class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """The safe loader (libyaml's, where PyYAML has it: several times faster) with line
    numbers."""


def _construct_str(loader, node):
    value = LineStr(loader.construct_scalar(node))
    value.line = node.start_mark.line + 1
    return value


def _construct_map(loader, node):
    value = LineDict(loader.construct_mapping(node, deep=True))
    value.line = node.start_mark.line + 1
    return value


_LineLoader.add_constructor("tag:yaml.org,2002:str", _construct_str)
_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)


def line_of(value) -> int | None:
    """The line a loaded value came from, or None (numbers and lists do not know theirs)."""
    return getattr(value, "line", None) or None


def load(path: str | Path, what: str = "file"):
    """Read a YAML file; a missing file or invalid YAML is a `UserError` naming the line."""
    path = Path(path)
    if not path.exists():
        raise UserError(f"{what} not found", file=path)
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise UserError(f"not valid YAML: {getattr(exc, 'problem', None) or exc}", file=path,
                        row=(mark.line + 1) if mark else None) from None
