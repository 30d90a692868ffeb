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

    def text(self, language: str) -> str:
        return self.fi if language == "fi" else self.en

    def header_keys(self) -> set[str]:
        return {normalise_header(h) for h in (self.code, self.fi, self.en, *self.headers) if h}


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
        return str(self.options.get(code, {}).get(language, code))


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
        return str(self.scales[scale][language])

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


def _words(path: Path, where: str, value) -> dict:
    if not isinstance(value, dict) or not {"fi", "en"} <= set(value):
        _fail(path, f"{where}: expected a mapping with 'fi' and 'en' texts, got {value!r}")
    return {"fi": str(value["fi"]), "en": str(value["en"])}


def _question_args(path: Path, where: str, raw) -> dict:
    if not isinstance(raw, dict):
        _fail(path, f"{where}: expected a mapping, got {raw!r}")
    for key in ("code", "fi", "en"):
        if not raw.get(key):
            _fail(path, f"{where}: '{key}' is required")
    headers = raw.get("headers", []) or []
    if not isinstance(headers, list):
        _fail(path, f"{where}: 'headers' must be a list")
    return {"code": str(raw["code"]), "fi": str(raw["fi"]), "en": str(raw["en"]),
            "headers": tuple(str(h) for h in headers)}


def _answer_scale(path: Path, where: str, raw: dict, default: dict | None) -> dict:
    base = dict(default or {})
    low, high = raw.get("min", base.get("low")), raw.get("max", base.get("high"))
    if not isinstance(low, int) or not isinstance(high, int) or isinstance(low, bool) or low >= high:
        _fail(path, f"{where}: 'min' and 'max' must be whole numbers with min < max, "
                    f"got {low!r} and {high!r}")
    labels = raw.get("labels", base.get("labels", {})) or {}
    if not isinstance(labels, dict):
        _fail(path, f"{where}: 'labels' must map answer values to fi/en texts")
    checked = {}
    for value, words in labels.items():
        if not isinstance(value, int) or not low <= value <= high:
            _fail(path, f"{where}: label value {value!r} is outside {low}-{high}")
        checked[value] = _words(path, f"{where}: label {value}", words)
    dont_know = raw.get("dont_know", base.get("dont_know", ())) or ()
    if not isinstance(dont_know, (list, tuple)):
        _fail(path, f"{where}: 'dont_know' must be a list of codes")
    for code in dont_know:
        if re.fullmatch(r"\s*-?\d+([.,]\d+)?\s*", str(code)):
            _fail(path, f"{where}: don't-know code {code!r} is a number; use a text code "
                        "so that it cannot be mistaken for an answer")
    return {"low": low, "high": high, "labels": checked,
            "dont_know": tuple(str(c) for c in dont_know)}


def read_yaml(path: Path):
    """A YAML file's content; a syntax error is a `UserError` with the file's line."""
    from research.core.yamlfile import load
    return load(path)


def load_instrument(path: str | Path) -> Instrument:
    """Read and check an instrument YAML file; mistakes raise a `UserError` naming the key."""
    path = Path(path)
    if not path.exists():
        raise UserError("survey instrument not found", file=path)
    raw = read_yaml(path)
    if not isinstance(raw, dict):
        _fail(path, "expected a mapping with 'scales', 'items', 'respondent' and 'background'")
    for key in ("scales", "items", "respondent", "background"):
        if key not in raw:
            _fail(path, f"key '{key}' is required but missing")
    scales = raw["scales"]
    if not isinstance(scales, dict) or not scales:
        _fail(path, "key 'scales': expected a mapping of scale codes to fi/en names")
    scales = {str(k): _words(path, f"scale '{k}'", v) for k, v in scales.items()}
    default = _answer_scale(path, "key 'answers'", raw.get("answers") or {"min": 1, "max": 5},
                            None)
    items = []
    for n, entry in enumerate(raw["items"] or [], start=1):
        where = f"item {n}"
        args = _question_args(path, where, entry)
        where = f"item '{args['code']}'"
        scale = str(entry.get("scale", ""))
        if scale not in scales:
            _fail(path, f"{where}: scale '{scale}' is not one of {', '.join(scales)}")
        answer = _answer_scale(path, where, entry, default)
        reverse = entry.get("reverse", False)
        if not isinstance(reverse, bool):
            _fail(path, f"{where}: 'reverse' must be true or false")
        items.append(Item(**args, scale=scale, reverse=reverse, **answer))
    if not items:
        _fail(path, "key 'items': list at least one item")
    respondent = Question(**_question_args(path, "key 'respondent'", raw["respondent"]))
    background = []
    for n, entry in enumerate(raw["background"] or [], start=1):
        args = _question_args(path, f"background question {n}", entry)
        kind = entry.get("kind", "choice")
        if kind not in ("choice", "municipality"):
            _fail(path, f"background question '{args['code']}': kind must be 'choice' or "
                        f"'municipality', got {kind!r}")
        options = {str(k): _words(path, f"background question '{args['code']}': option '{k}'", v)
                   for k, v in (entry.get("options") or {}).items()}
        if kind == "choice" and not options:
            _fail(path, f"background question '{args['code']}': list its 'options'")
        background.append(Background(**args, kind=kind, options=options,
                                     required=bool(entry.get("required", True))))
    codes = [b.code for b in background]
    for needed in ("municipality", "role"):
        if needed not in codes:
            _fail(path, f"key 'background': a question with code '{needed}' is required")
    opens = tuple(Question(**_question_args(path, f"open question {n}", e))
                  for n, e in enumerate(raw.get("open_questions") or [], start=1))
    instrument = Instrument(path=path, id=str(raw.get("id", path.stem)),
                            title=raw.get("title") or {}, scales=scales, items=tuple(items),
                            respondent=respondent, background=tuple(background),
                            open_questions=opens,
                            ignore=tuple(str(c) for c in raw.get("ignore") or ()))
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
