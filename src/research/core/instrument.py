"""Survey instruments: the questions of a survey, read from a YAML file.

An instrument lists the Likert items (Finnish and English wording, the scale each belongs
to, the answer range and its labels, reverse-coded items), the non-numeric "don't know"
codes, the respondent identifier column, the background questions (municipality, role,
organisation type) and the open questions. Readers use it to map the column headers of a
survey tool's export (question codes or question texts, in either language) to questions,
and analyses use it for scale membership and reverse coding. The same instrument is used
in every wave, so baseline and final answers stay comparable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from research.core.errors import UserError
from research.core.schema import (ANY, Bool, Key, ListOf, Map, OneOf, Text, Values, Words,
                                  in_language, validate)


def normalise_header(text: str) -> str:
    """A column header in comparable form: case-folded, whitespace collapsed, no BOM."""
    return re.sub(r"\s+", " ", str(text).replace("\ufeff", "")).strip().casefold()


@dataclass(frozen=True)
class Question:
    """Any question of the instrument: its code, wording and further accepted headers."""

    code: str
    fi: str
    en: str
    headers: tuple[str, ...] = ()
    sv: str = ""

    def text(self, language: str) -> str:
        """The wording in `language` (Swedish falls back to Finnish where none is given)."""
        return {"en": self.en, "sv": self.sv}.get(language) or self.fi

    def header_keys(self) -> set[str]:
        return {normalise_header(h) for h in (self.code, self.fi, self.en, self.sv,
                                              *self.headers) if h}


@dataclass(frozen=True)
class Item(Question):
    """A Likert item: answers `low`..`high`, labelled; `reverse` items score low+high-answer."""

    scale: str = ""
    low: int = 1
    high: int = 5
    labels: dict = field(default_factory=dict)   # {value: {"fi": ..., "en": ...}}
    dont_know: tuple[str, ...] = ()
    reverse: bool = False

    def parse(self, answer: str) -> float | None | str:
        """An answer as a number, NaN for "don't know", None if empty; 'bad' if invalid."""
        text = str(answer).strip()
        if not text:
            return None
        key = text.casefold()
        if key in {d.casefold() for d in self.dont_know}:
            return float("nan")
        for value, words in self.labels.items():
            if key in {str(w).strip().casefold() for w in words.values()}:
                return float(value)
        try:
            number = float(text.replace(",", "."))
        except ValueError:
            return "bad"
        if not number.is_integer() or not self.low <= number <= self.high:
            return "bad"
        return number

    def score(self, value: float) -> float:
        """The scored value of an answer: reverse-coded items are mirrored."""
        return self.low + self.high - value if self.reverse else value


@dataclass(frozen=True)
class Background(Question):
    """A background question; `options` maps a code to its fi/en answer texts."""

    kind: str = "choice"          # 'choice' or 'municipality'
    options: dict = field(default_factory=dict)
    required: bool = True

    def option_code(self, answer: str) -> str | None:
        key = normalise_header(answer)
        for code, words in self.options.items():
            if key in {normalise_header(code), *(normalise_header(w) for w in words.values())}:
                return code
        return None

    def option_text(self, code: str, language: str) -> str:
        return in_language(self.options.get(code), language, code)


@dataclass(frozen=True)
class Instrument:
    """A whole survey instrument; see `load_instrument`."""

    path: Path
    id: str
    title: dict
    scales: dict                  # {scale code: {"fi": name, "en": name}}, in file order
    items: tuple[Item, ...]
    respondent: Question
    background: tuple[Background, ...]
    open_questions: tuple[Question, ...]
    ignore: tuple[str, ...] = ()

    def item(self, code: str) -> Item:
        return {i.code: i for i in self.items}[code]

    def scale_items(self, scale: str) -> list[Item]:
        return [i for i in self.items if i.scale == scale]

    def scale_name(self, scale: str, language: str) -> str:
        return in_language(self.scales[scale], language, scale)

    def background_question(self, code: str) -> Background:
        return {b.code: b for b in self.background}[code]

    @property
    def questions(self) -> list[Question]:
        """Every question that is a column of an export, in instrument order."""
        return [self.respondent, *self.background, *self.items, *self.open_questions]

    def items_table(self, language: str = "fi"):
        """One row per item: `item, scale, scale_name, text, reverse` (instrument order)."""
        import pandas as pd
        return pd.DataFrame([{"item": i.code, "scale": i.scale,
                              "scale_name": self.scale_name(i.scale, language),
                              "text": i.text(language), "reverse": i.reverse}
                             for i in self.items])


def _fail(path: Path, message: str) -> None:
    raise UserError(message, file=path)


_QUESTION = {"code": Text(), "fi": Text(), "en": Text(), "sv": Key(Text(), ""),
             "headers": Key(ListOf(Text()), [])}
_ANSWERS = {"min": Key(ANY, None), "max": Key(ANY, None),
            "labels": Key(Values(Words()), None), "dont_know": Key(ListOf(Text("a code")), None)}
#: the instrument file; scale membership, answer ranges and unique headers are checked after
SCHEMA = Map({
    "id": Key(Text(), None),
    "title": Key(Words(), {}),
    "answers": Key(Map(_ANSWERS), None),
    "scales": Values(Words()),
    "respondent": Map(_QUESTION),
    "background": ListOf(Map({**_QUESTION, "kind": Key(OneOf(("choice", "municipality")),
                                                        "choice"),
                              "options": Key(Values(Words()), {}),
                              "required": Key(Bool(), True)}),
                         label="background question '{code}'"),
    "items": ListOf(Map({**_QUESTION, "scale": Text(), "reverse": Key(Bool(), False),
                         **_ANSWERS}),
                    non_empty=True, label="item '{code}'", empty_message="list at least one item"),
    "open_questions": Key(ListOf(Map(_QUESTION), label="open question '{code}'"), []),
    "ignore": Key(ListOf(Text()), []),
})


def _given(raw: dict, key: str, default):
    value = raw.get(key)
    return default if value is None else value


def _answer_scale(path: Path, where: str, raw: dict, default: dict | None) -> dict:
    base = dict(default or {})
    low, high = _given(raw, "min", base.get("low")), _given(raw, "max", base.get("high"))
    if not isinstance(low, int) or not isinstance(high, int) or isinstance(low, bool) or low >= high:
        _fail(path, f"{where}: 'min' and 'max' must be whole numbers with min < max, "
                    f"got {low!r} and {high!r}")
    labels = _given(raw, "labels", base.get("labels", {}))
    for value in labels:
        if not isinstance(value, int) or not low <= value <= high:
            _fail(path, f"{where}: label value {value!r} is outside {low}-{high}")
    dont_know = _given(raw, "dont_know", base.get("dont_know", ()))
    for code in dont_know:
        if re.fullmatch(r"\s*-?\d+([.,]\d+)?\s*", str(code)):
            _fail(path, f"{where}: don't-know code {code!r} is a number; use a text code "
                        "so that it cannot be mistaken for an answer")
    return {"low": low, "high": high, "labels": dict(labels),
            "dont_know": tuple(str(c) for c in dont_know)}


def _question(raw: dict) -> dict:
    return {"code": raw["code"], "fi": raw["fi"], "en": raw["en"], "sv": raw["sv"],
            "headers": tuple(raw["headers"])}


def read_yaml(path: Path):
    """A YAML file's content; a syntax error is a `UserError` with the file's line."""
    from research.core.yamlfile import load
    return load(path)


def load_instrument(path: str | Path) -> Instrument:
    """Read and check an instrument YAML file; mistakes raise a `UserError` naming the key."""
    path = Path(path)
    if not path.exists():
        raise UserError("survey instrument not found", file=path)
    raw = validate(SCHEMA, read_yaml(path), path)
    scales = raw["scales"]
    if not scales:
        _fail(path, "key 'scales': expected a mapping of scale codes to fi/en names")
    scales = {str(k): v for k, v in scales.items()}
    default = _answer_scale(path, "key 'answers'", raw["answers"] or {"min": 1, "max": 5},
                            None)
    items = []
    for entry in raw["items"]:
        where = f"item '{entry['code']}'"
        if entry["scale"] not in scales:
            _fail(path, f"{where}: scale '{entry['scale']}' is not one of {', '.join(scales)}")
        answer = _answer_scale(path, where, entry, default)
        items.append(Item(**_question(entry), scale=entry["scale"], reverse=entry["reverse"],
                          **answer))
    respondent = Question(**_question(raw["respondent"]))
    background = []
    for entry in raw["background"]:
        if entry["kind"] == "choice" and not entry["options"]:
            _fail(path, f"background question '{entry['code']}': list its 'options'")
        background.append(Background(**_question(entry), kind=entry["kind"],
                                     options={str(k): v for k, v in entry["options"].items()},
                                     required=entry["required"]))
    codes = [b.code for b in background]
    for needed in ("municipality", "role"):
        if needed not in codes:
            _fail(path, f"key 'background': a question with code '{needed}' is required")
    opens = tuple(Question(**_question(e)) for e in raw["open_questions"])
    instrument = Instrument(path=path, id=raw["id"] or path.stem,
                            title=raw["title"], scales=scales, items=tuple(items),
                            respondent=respondent, background=tuple(background),
                            open_questions=opens, ignore=tuple(raw["ignore"]))
    _check_unique(instrument)
    return instrument


def _check_unique(instrument: Instrument) -> None:
    """No two questions may share a code or an accepted header."""
    owner: dict[str, str] = {}
    for q in instrument.questions:
        for key in q.header_keys():
            if key in owner and owner[key] != q.code:
                _fail(instrument.path, f"questions '{owner[key]}' and '{q.code}' share the "
                                       f"code or header '{key}'")
            owner[key] = q.code
