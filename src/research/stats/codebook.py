"""Coding open answers with a versioned codebook of themes and Finnish lemma rules.

A codebook is a YAML file (see `templates/region/workshop_codebook.yml`): a name, a
version, and a list of themes, each with

- `terms`: Finnish base forms. `yhteistyö` matches the word itself in any inflection
  ("yhteistyötä", "yhteistyössä") and compounds ending in it ("seutuyhteistyön");
  `yhteistyö*` also matches compounds that begin with it ("yhteistyöryhmä");
  `=kiire` matches only the word itself.
- `patterns`: regular expressions searched in the lower-cased answer (for phrases).
- `exclude`: terms in the same syntax, or `exclude_patterns`: regular expressions; a word
  matched by them is never counted for the theme ("samaan aikaan" is not about schedules).

Words are reduced to their base forms with simplemma (offline, pure Python). Compounds
the dictionary does not know are also read as "first part + base form of a known last
part", so that "kuntarajat" yields "kuntaraja" and not only "kunta". Answers that match no
theme are kept and listed (`uncoded`), never silently dropped.

A mistake in the codebook (not YAML, an unknown key, a regex that does not compile) is a
`UserError` naming the file and the line.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from research.core import yamlfile
from research.core.errors import UserError
from research.core.schema import Key, ListOf, Map, Text, validate

#: The columns that identify one open answer in the `comments` table.
ANSWER_KEY = ["respondent", "municipality_code", "wave", "question"]

WORD = re.compile(r"[a-zåäöéü]+", re.IGNORECASE)
MIN_PART = 3       # shortest first part of a compound split by the kit
MIN_HEAD = 4       # shortest known last part of a compound split by the kit


@dataclass(frozen=True)
class Term:
    """One lemma rule: `word` with mode 'head' (default), 'prefix' (`word*`) or 'exact' (`=word`)."""

    word: str
    mode: str = "head"

    @classmethod
    def parse(cls, text: str) -> "Term":
        text = str(text).strip().lower()
        if text.startswith("="):
            return cls(text[1:], "exact")
        if text.endswith("*"):
            return cls(text[:-1], "prefix")
        return cls(text, "head")

    def match(self, lemmas: tuple[str, ...]) -> str | None:
        """The first candidate base form this rule matches, or None."""
        for lemma in lemmas:
            if lemma == self.word:
                return lemma
            if self.mode == "exact":
                continue
            if lemma.endswith(self.word) and len(lemma) - len(self.word) >= MIN_PART:
                return lemma
            if self.mode == "prefix" and lemma.startswith(self.word):
                return lemma
        return None


@dataclass(frozen=True)
class Theme:
    id: str
    label_fi: str
    label_en: str
    terms: tuple[Term, ...] = ()
    patterns: tuple[re.Pattern, ...] = ()
    exclude: tuple[Term, ...] = ()
    exclude_patterns: tuple[re.Pattern, ...] = ()
    label_sv: str = ""

    def label(self, language: str) -> str:
        """The theme's label in a report language (Swedish falls back to Finnish)."""
        return {"en": self.label_en, "sv": self.label_sv}.get(language) or self.label_fi


@dataclass(frozen=True)
class Codebook:
    name: str
    version: str
    themes: tuple[Theme, ...] = field(default_factory=tuple)
    path: str = ""
    #: human names for reports (`name_fi`, `name_en`, `name_sv` in the YAML); default: `name`
    titles: dict = field(default_factory=dict, compare=False)
    #: precomputed {word: candidate base forms} (the `lemmas` table), so that a report does
    #: not load simplemma's dictionary; words missing from it are lemmatised on the fly
    lexicon: dict = field(default_factory=dict, repr=False, compare=False)

    def with_lexicon(self, table: pd.DataFrame) -> "Codebook":
        """This codebook using the `lemmas` table (`word`, `lemmas` joined by '|')."""
        lexicon = {w: tuple(str(lem).split("|")) for w, lem in zip(table["word"], table["lemmas"])}
        return dataclasses.replace(self, lexicon=lexicon)

    def title(self, language: str) -> str:
        """The codebook's human name in a report language (falls back to its id)."""
        return self.titles.get(language) or self.titles.get("fi") or self.name

    @property
    def theme_ids(self) -> list[str]:
        return [t.id for t in self.themes]

    def labels(self, language: str) -> dict[str, str]:
        return {t.id: t.label(language) for t in self.themes}


def _fail(path, message: str, node=None) -> None:
    raise UserError(message, file=path, row=yamlfile.line_of(node))


def _regex(path, text) -> re.Pattern:
    try:
        return re.compile(str(text), re.IGNORECASE)
    except re.error as exc:
        _fail(path, f"'{text}' is not a valid regular expression: {exc.msg}", text)


_TERMS = Key(ListOf(Text()), [])
SCHEMA = Map({
    "codebook": Text(),
    "version": Text(),
    "name_fi": Key(Text(), ""),
    "name_en": Key(Text(), ""),
    "name_sv": Key(Text(), ""),
    "themes": ListOf(Map({"id": Text(), "label_fi": Key(Text(), None),
                          "label_en": Key(Text(), None), "label_sv": Key(Text(), None),
                          "description": Key(Text(), ""),
                          "terms": _TERMS, "patterns": _TERMS, "exclude": _TERMS,
                          "exclude_patterns": _TERMS},
                         unknown="unknown key '{key}' (valid keys: {valid})"),
                     non_empty=True, label="theme '{id}'"),
})


def load_codebook(path: str | Path) -> Codebook:
    """Read and check a codebook YAML file; errors name the file and line."""
    path = Path(path)
    raw = yamlfile.load(path, "codebook file")
    data = validate(SCHEMA, raw, path)
    themes, seen = [], set()
    for theme, given in zip(data["themes"], raw["themes"]):
        if theme["id"] in seen:
            _fail(path, f"theme id '{theme['id']}' is used twice", given["id"])
        seen.add(theme["id"])
        terms = tuple(Term.parse(t) for t in theme["terms"])
        patterns = tuple(_regex(path, p) for p in given.get("patterns") or [])
        if not terms and not patterns:
            _fail(path, f"theme '{theme['id']}' has no terms and no patterns", given)
        label_fi = theme["label_fi"] or theme["id"]
        themes.append(Theme(
            id=theme["id"], label_fi=label_fi, label_en=theme["label_en"] or label_fi,
            label_sv=theme["label_sv"] or label_fi,
            terms=terms, patterns=patterns,
            exclude=tuple(Term.parse(t) for t in theme["exclude"]),
            exclude_patterns=tuple(_regex(path, p) for p in given.get("exclude_patterns") or [])))
    return Codebook(name=data["codebook"], version=data["version"],
                    themes=tuple(themes), path=path.as_posix(),
                    titles={lang: data[f"name_{lang}"] for lang in ("fi", "en", "sv")
                            if data[f"name_{lang}"]})


@functools.lru_cache(maxsize=None)
def _lemmatize(word: str) -> str:
    import simplemma
    return simplemma.lemmatize(word, lang="fi").lower()


@functools.lru_cache(maxsize=None)
def _known(word: str) -> bool:
    import simplemma
    return simplemma.is_known(word, lang="fi")


@functools.lru_cache(maxsize=None)
def lemmas(word: str) -> tuple[str, ...]:
    """Candidate base forms of one word: simplemma's, plus compound readings.

    A compound "xxx" + "yyy" where "yyy" (at least four letters) is a known word also
    gives "xxx" + base form of "yyy": "kuntarajat" -> ("kunta", "kuntaraja").
    """
    word = word.lower()
    out = [_lemmatize(word)]
    for i in range(MIN_PART, len(word) - MIN_HEAD + 1):
        head = word[i:]
        if _known(head):
            out.append(word[:i] + _lemmatize(head))
    return tuple(dict.fromkeys([word, *out]))


def lemma_table(texts) -> pd.DataFrame:
    """Every distinct word of `texts` with its candidate base forms (`lemmas`, joined by
    '|'); computed once in `research prepare` so that reports stay fast."""
    words = sorted({m.group(0) for t in texts for m in WORD.finditer(str(t or "").lower())})
    return pd.DataFrame({"word": words, "lemmas": ["|".join(lemmas(w)) for w in words]})


def _spans(patterns, text: str) -> list[tuple[int, int]]:
    return [m.span() for p in patterns for m in p.finditer(text)]


def code_text(text: str, codebook: Codebook) -> list[dict]:
    """The theme hits in one answer: dicts with theme, keyword, lemma, start, end."""
    text = str(text or "")
    low = text.lower()
    words = [(m.group(0), m.start(), m.end()) for m in WORD.finditer(low)]
    hits = []
    for theme in codebook.themes:
        excluded = _spans(theme.exclude_patterns, low)
        found = []
        for word, start, end in words:
            cands = codebook.lexicon.get(word) or lemmas(word)
            lemma = next((m for t in theme.terms if (m := t.match(cands))), None)
            if lemma and not any(t.match(cands) for t in theme.exclude) and \
                    not any(a <= start and end <= b for a, b in excluded):
                found.append((start, end, lemma))
        for start, end in _spans(theme.patterns, low):
            if not any(a <= start and end <= b for a, b in excluded) and \
                    not any(s <= start < e for s, e, _ in found):
                found.append((start, end, ""))
        for start, end, lemma in sorted(found):
            hits.append({"theme": theme.id, "keyword": text[start:end], "lemma": lemma,
                         "start": start, "end": end})
    return hits


def code_answers(comments: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """Every theme hit in every answer: the answer's key columns plus theme, keyword,
    lemma, start, end (character offsets in `text`); one row per hit."""
    rows = []
    for rec in comments[ANSWER_KEY + ["text"]].itertuples(index=False):
        for hit in code_text(rec.text, codebook):
            rows.append({**dict(zip(ANSWER_KEY, rec[:len(ANSWER_KEY)])), **hit})
    cols = ANSWER_KEY + ["theme", "keyword", "lemma", "start", "end"]
    out = pd.DataFrame(rows, columns=cols)
    order = {t: i for i, t in enumerate(codebook.theme_ids)}
    out["_o"] = out["theme"].map(order)
    return (out.sort_values(ANSWER_KEY + ["_o", "start"], kind="stable")
            .drop(columns="_o").reset_index(drop=True))


def answer_themes(comments: pd.DataFrame, hits: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """One row per answer (its columns but the text), one 0/1 column per theme."""
    flags = (hits.drop_duplicates(ANSWER_KEY + ["theme"]).assign(hit=1)
             .pivot_table(index=ANSWER_KEY, columns="theme", values="hit", fill_value=0))
    flags = flags.reindex(columns=codebook.theme_ids, fill_value=0)
    keep = [c for c in comments.columns if c != "text" and c not in codebook.theme_ids]
    out = comments[keep].merge(flags.reset_index(), on=ANSWER_KEY, how="left")
    out[codebook.theme_ids] = out[codebook.theme_ids].fillna(0).astype(int)
    return out


def uncoded(comments: pd.DataFrame, hits: pd.DataFrame) -> pd.DataFrame:
    """The answers (all columns of `comments`) in which no theme was found."""
    coded = hits[ANSWER_KEY].drop_duplicates().assign(_coded=True)
    out = comments.merge(coded, on=ANSWER_KEY, how="left")
    return (out[out["_coded"].isna()].drop(columns="_coded")
            .sort_values(ANSWER_KEY, kind="stable").reset_index(drop=True))


def theme_counts(comments: pd.DataFrame, hits: pd.DataFrame, codebook: Codebook,
                 by: list[str]) -> pd.DataFrame:
    """Per group of `by` and theme: answers mentioning it, all answers, respondents, share.

    `respondents` is the number of distinct respondents who answered in the group, the
    count the privacy threshold applies to.
    """
    flags = answer_themes(comments, hits, codebook)
    long = flags.melt(id_vars=list(dict.fromkeys(ANSWER_KEY + by)), value_vars=codebook.theme_ids,
                      var_name="theme",
                      value_name="mentioned")
    out = long.groupby(by + ["theme"], as_index=False).agg(
        answers_with_theme=("mentioned", "sum"), answers=("mentioned", "size"))
    resp = comments.groupby(by)["respondent"].nunique().rename("respondents").reset_index()
    out = out.merge(resp, on=by, how="left")
    out["share"] = out["answers_with_theme"] / out["answers"]
    order = {t: i for i, t in enumerate(codebook.theme_ids)}
    return (out.assign(_o=out["theme"].map(order)).sort_values(by + ["_o"], kind="stable")
            .drop(columns="_o").reset_index(drop=True))


def cooccurrence(comments: pd.DataFrame, hits: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """Theme x theme: the number of answers in which both themes were found (diagonal: the
    theme's own count)."""
    flags = answer_themes(comments, hits, codebook)[codebook.theme_ids]
    return flags.T.dot(flags).astype(int)


def kwic(comments: pd.DataFrame, hits: pd.DataFrame, width: int = 40) -> pd.DataFrame:
    """Keyword-in-context lines: answer key, theme, left context, keyword, right context.

    The text comes from `comments`; pass comments that went through the privacy step
    (masked) so that no e-mail address or phone number reaches a report.
    """
    texts = comments.set_index(ANSWER_KEY)["text"]
    rows = []
    for rec in hits.itertuples(index=False):
        key = tuple(getattr(rec, k) for k in ANSWER_KEY)
        if key not in texts.index:
            continue
        text = str(texts.loc[key])
        start, end = int(rec.start), int(rec.end)
        left = text[max(0, start - width):start]
        rows.append({**dict(zip(ANSWER_KEY, key)), "theme": rec.theme,
                     "left": ("…" if start > width else "") + left,
                     "keyword": text[start:end],
                     "right": text[end:end + width] + ("…" if end + width < len(text) else "")})
    return pd.DataFrame(rows, columns=ANSWER_KEY + ["theme", "left", "keyword", "right"])
