"""One validator for every YAML file of the kit: a declarative schema, one error style.

A schema is a tree of nodes: `Map` (known keys, each a `Key` with its node and default),
`ListOf` (items of one node, optionally non-empty and with unique ids), `Values` (free
names mapped to values of one node), `ANY`, the scalars `Text`,
`Int`, `Float`, `Bool`, `Date`, `OneOf` (allowed values), `Words` (a fi/en text pair) and
`Check` (any function that converts a value or raises `Invalid`). `validate(schema, data,
file)` returns the data with defaults filled in and types converted; the first mistake is a
`UserError` that names the file, the line (when the file was read with
`research.core.yamlfile.load` and `rows=True`), the key and what is allowed:

    key 'language': expected one of fi, en, got 'fin'; did you mean 'fi'?
    key 'municipalites': is not a known key; did you mean 'municipalities'? (valid keys here: ...)
    key 'privacy.min_group_size': expected a whole number, got 'five'
    key 'phases.baseline.year': is required but missing

Keys of nested mappings are joined with dots, list items are `key[i]`; a `ListOf` with
`label="theme '{id}'"` names its items by a key of theirs (`theme 'a': key 'terms': ...`).
The closest valid key or value is suggested with `difflib`.
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from research.core.errors import UserError
from research.core.yamlfile import line_of

REQUIRED: Any = object()
#: how alike a mistyped key or value must be to a valid one to be suggested (difflib ratio)
CUTOFF = 0.6


class Invalid(Exception):
    """Raised by a `Check` function (or a `Map` check): the message says what is allowed."""


def closest(value: Any, options) -> str:
    """'; did you mean 'x'?' for the valid option nearest to `value`, or '' if none is near."""
    match = difflib.get_close_matches(str(value), [str(o) for o in options], n=1,
                                      cutoff=CUTOFF)
    return f"; did you mean '{match[0]}'?" if match else ""


@dataclass(frozen=True)
class Where:
    """Where in the file a value is: its key path, its entry label and its line."""

    file: Path
    key: str = ""
    label: str = ""
    line: int | None = None
    rows: bool = True

    def at(self, key: str, line: int | None = None) -> "Where":
        """The place of `key` (or of item `[i]`) inside this one."""
        if key.startswith("["):
            sub = self.key + key
        else:
            sub = f"{self.key}.{key}" if self.key else key
        return Where(self.file, sub, self.label, line or self.line, self.rows)

    def entry(self, label: str, line: int | None) -> "Where":
        return Where(self.file, "", label, line or self.line, self.rows)

    def name(self) -> str:
        key = f"key '{self.key}'" if self.key else ""
        if self.label:
            return f"{self.label}: {key}" if key else self.label
        return key or "key '(top level)'"

    def fail(self, message: str, value: Any = None) -> None:
        row = (line_of(value) or self.line) if self.rows else None
        raise UserError(f"{self.name()}: {message}", file=self.file, row=row)


class Node:
    """A schema node: `check(value, where)` returns the converted value or fails."""

    def check(self, value: Any, where: Where) -> Any:  # pragma: no cover - interface
        raise NotImplementedError


@dataclass(frozen=True)
class Scalar(Node):
    """A value of one Python type, described as `word` in errors, converted by `convert`."""

    types: tuple
    word: str
    convert: Callable[[Any], Any] = lambda v: v

    def check(self, value, where):
        if isinstance(value, bool) != (bool in self.types) or not isinstance(value, self.types):
            where.fail(f"expected {self.word}, got {value!r}", value)
        return self.convert(value)


def Text(word: str = "text") -> Scalar:
    """Text; numbers are accepted and become text (YAML reads `version: 1.0` as a float)."""
    return Scalar((str, int, float), word, str)


def Int(word: str = "a whole number") -> Scalar:
    return Scalar((int,), word)


def Float(word: str = "a number") -> Scalar:
    return Scalar((int, float), word, float)


def Bool(word: str = "true or false") -> Scalar:
    return Scalar((bool,), word)


@dataclass(frozen=True)
class Date(Node):
    """A date, written YYYY-MM-DD (YAML may read it as a date already); returned as text."""

    word: str = "a date (YYYY-MM-DD)"

    def check(self, value, where):
        if isinstance(value, dt.date):
            return value.isoformat()
        try:
            return dt.date.fromisoformat(str(value)).isoformat()
        except ValueError:
            where.fail(f"expected {self.word}, got {value!r}", value)


@dataclass(frozen=True)
class OneOf(Node):
    """One of the allowed `values` (`word` describes them, default 'one of a, b')."""

    values: tuple
    word: str = ""

    def check(self, value, where):
        if isinstance(value, bool) or value not in self.values:
            word = self.word or "one of " + ", ".join(str(v) for v in self.values)
            hint = closest(value, self.values) if isinstance(value, str) else ""
            where.fail(f"expected {word}, got {value!r}{hint}", value)
        return value


@dataclass(frozen=True)
class Words(Node):
    """A text in each language: a mapping {fi: ..., en: ...} with an optional Swedish `sv`;
    returned as {lang: str} (read a language with `in_language`)."""

    languages: tuple = ("fi", "en")
    optional: tuple = ("sv",)

    def check(self, value, where):
        if not isinstance(value, dict) or not set(self.languages) <= set(value):
            names = " and ".join(f"'{lang}'" for lang in self.languages)
            where.fail(f"expected a mapping with {names} texts, got {value!r}", value)
        return {lang: str(value[lang]) for lang in (*self.languages, *self.optional)
                if lang in value and value[lang] is not None}


def in_language(words: dict | None, language: str, default: str = "") -> str:
    """A text of a {fi, en, sv} mapping in `language`; a missing Swedish (or any missing)
    text falls back to the Finnish one, then to `default`."""
    words = words or {}
    return str(words.get(language) or words.get("fi") or default)


@dataclass(frozen=True)
class Check(Node):
    """Any rule: `function(value)` returns the converted value or raises `Invalid(message)`."""

    function: Callable[[Any], Any]

    def check(self, value, where):
        try:
            return self.function(value)
        except Invalid as exc:
            where.fail(str(exc), value)


@dataclass(frozen=True)
class Key:
    """A key of a `Map`: its node and its default (`REQUIRED`: the file must give it)."""

    node: Any
    default: Any = REQUIRED


def _node(spec) -> Node:
    return spec.node if isinstance(spec, Key) else spec


def _default(spec):
    return spec.default if isinstance(spec, Key) else REQUIRED


def _mapping(value, where: Where, what: str) -> tuple[dict, int | None]:
    """A mapping (None reads as empty) and the line it starts on, or fail."""
    if value is None:
        value = {}
    if not isinstance(value, dict):
        where.fail(f"expected a mapping of {what}, got {value!r}", value)
    return value, line_of(value) or where.line


@dataclass(frozen=True)
class Map(Node):
    """A mapping of known keys. `extra=True` keeps unknown keys as they are (no error);
    `check_all(out)` may raise `Invalid` for a rule across keys (named at the mapping)."""

    keys: dict
    extra: bool = False
    check_all: Callable[[dict], Any] | None = None
    #: the message of an unknown key, named at the mapping ({key}, {valid}); default: at the key
    unknown: str = ""

    def check(self, value, where):
        value, line = _mapping(value, where, "keys")
        out = {}
        for k in value:
            if k not in self.keys:
                if self.extra:
                    out[k] = value[k]
                    continue
                valid = sorted(self.keys)
                if self.unknown:
                    where.fail(self.unknown.format(key=k, valid=", ".join(valid)), value)
                where.at(str(k), line_of(k) or line).fail(
                    f"is not a known key{closest(k, valid)} (valid keys here: "
                    f"{', '.join(valid)})", k)
        for k, spec in self.keys.items():
            node, default = _node(spec), _default(spec)
            sub = where.at(k, line)
            if k in value:
                key_line = next((line_of(x) for x in value if x == k), None)
                out[k] = node.check(value[k], where.at(k, key_line or line))
            elif default is REQUIRED:
                sub.fail("is required but missing", value)
            elif isinstance(node, Map) and default is not None:
                out[k] = node.check(default, sub)
            else:
                out[k] = default
        if self.check_all is not None:
            try:
                self.check_all(out)
            except Invalid as exc:
                where.fail(str(exc), value)
        return out


@dataclass(frozen=True)
class Values(Node):
    """A mapping of free keys (names chosen by the file) to values of one node."""

    item: Any

    def check(self, value, where):
        value, line = _mapping(value, where, "names")
        return {k: _node(self.item).check(v, where.at(str(k), line_of(k) or line))
                for k, v in value.items()}


#: any value, as given
ANY = Check(lambda value: value)


@dataclass(frozen=True)
class ListOf(Node):
    """A list of items of one node. `non_empty`: at least one item; `unique`: a key of the
    (mapping) items that no two may share; `label`: how an item is named in errors, filled
    from the item's own keys, e.g. "theme '{id}'" (default, or when a key is missing: `key[i]`)."""

    item: Any
    non_empty: bool = False
    unique: str = ""
    label: str = ""
    empty_message: str = "list at least one item"
    messages: dict = field(default_factory=dict)

    def check(self, value, where):
        if value is None:
            value = []
        if not isinstance(value, list):
            where.fail(f"expected a list, got {value!r}", value)
        if self.non_empty and not value:
            where.fail(self.empty_message, value)
        out, seen = [], set()
        for i, v in enumerate(value):
            line = line_of(v) or where.line
            at = where.at(f"[{i}]", line)
            if self.label and isinstance(v, dict):
                try:
                    at = where.entry(self.label.format_map(v), line)
                except (KeyError, IndexError, ValueError):
                    pass
            checked = _node(self.item).check(v, at)
            if self.unique:
                ident = checked[self.unique]
                if ident in seen:
                    at.fail(self.messages.get("duplicate", "{key} '{value}' is used more than "
                                              "once").format(key=self.unique, value=ident),
                            v)
                seen.add(ident)
            out.append(checked)
        return out


def validate(schema: Node, data: Any, file: str | Path, rows: bool = True) -> Any:
    """`data` (as read by `research.core.yamlfile.load`) checked against `schema`: defaults
    filled in, values converted; the first mistake is a `UserError` naming file, key (and
    line when `rows`)."""
    return schema.check(data, Where(Path(file), line=None, rows=rows))
