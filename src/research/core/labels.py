"""Report text in Finnish, English or Swedish from the one label table, `labels.yml`.

`text(key, language, **values)` returns the label filled with computed values; numbers
placed in it (`{value:.1f}`, `{n:,}`, `{change:+.2f}`) and the label's own percent signs and
ranges take the language's number style of `research.core.numbers` (decimal comma and
no-break space in Finnish and Swedish, U+2212 minus in every language). A missing key or
language is an error, so that no report shows a raw key.
"""

from __future__ import annotations

import functools
import math
import numbers
import re
from importlib import resources

import yaml

from research.core.numbers import localise_number, typeset

__all__ = ["LANGUAGES", "labeller", "localise_number", "table", "text"]

LANGUAGES = ("fi", "en", "sv")
_FIXED = re.compile(r"\.(\d+)f$")


@functools.lru_cache(maxsize=1)
def table() -> dict[str, dict[str, str]]:
    text = resources.files("research.core").joinpath("labels.yml").read_text("utf-8")
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


class _Number:
    """A number placed in a label: formatted with the label's spec, then localised."""

    __slots__ = ("value", "language")

    def __init__(self, value, language: str):
        self.value, self.language = value, language

    def __format__(self, spec: str) -> str:
        value = self.value
        fixed = _FIXED.search(spec)
        if isinstance(value, float) and fixed and math.isfinite(value):      # no "−0,0"
            value = round(value, int(fixed.group(1))) + 0.0
        return localise_number(format(value, spec), self.language)

    def __str__(self) -> str:
        return format(self, "")


def _wrap(value, language: str):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return value
    value = value.item() if hasattr(value, "item") else value
    return _Number(value, language)


def text(key: str, language: str = "fi", **values) -> str:
    """The label `key` in `language`, with `{placeholders}` filled from `values`."""
    entry = table().get(key)
    if entry is None:
        raise KeyError(f"no label '{key}' in labels.yml")
    if language not in entry:
        raise KeyError(f"label '{key}' has no '{language}' text in labels.yml")
    return typeset(entry[language], language).format(
        **{k: _wrap(v, language) for k, v in values.items()})


def labeller(language: str):
    """A one-argument shortcut: `L = labeller('fi'); L('phase.baseline')`."""
    return functools.partial(text, language=language)
