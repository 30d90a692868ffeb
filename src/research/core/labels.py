"""Report text in Finnish or English from the one label table, `labels.yml`.

`text(key, language, **values)` returns the label filled with computed values; numbers are
formatted the Finnish way (decimal comma, space as thousands separator) when the language
is Finnish. A missing key or language is an error, so that no report shows a raw key.
"""

from __future__ import annotations

import functools
from importlib import resources

import yaml

from research.core.numbers import localise_number

__all__ = ["LANGUAGES", "labeller", "localise_number", "table", "text"]

LANGUAGES = ("fi", "en")


@functools.lru_cache(maxsize=1)
def table() -> dict[str, dict[str, str]]:
    return yaml.safe_load(resources.files("research.core").joinpath("labels.yml").read_text("utf-8"))


class _FinnishFloat(float):
    def __format__(self, spec: str) -> str:
        return localise_number(float.__format__(self, spec), "fi")


class _FinnishInt(int):
    def __format__(self, spec: str) -> str:
        return localise_number(int.__format__(self, spec), "fi")


def _wrap(value, language: str):
    if language != "fi" or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return _FinnishInt(value)
    if isinstance(value, float):
        return _FinnishFloat(value)
    return value


def text(key: str, language: str = "fi", **values) -> str:
    """The label `key` in `language`, with `{placeholders}` filled from `values`."""
    entry = table().get(key)
    if entry is None:
        raise KeyError(f"no label '{key}' in labels.yml")
    if language not in entry:
        raise KeyError(f"label '{key}' has no '{language}' text in labels.yml")
    return entry[language].format(**{k: _wrap(v, language) for k, v in values.items()})


def labeller(language: str):
    """A one-argument shortcut: `L = labeller('fi'); L('phase.baseline')`."""
    return functools.partial(text, language=language)
