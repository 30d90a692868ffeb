"""Programme configuration: one YAML file per programme or region, validated with clear errors.

A config names the programme, its municipalities (3-digit codes), its sub-region, peer and
comparison municipalities, the research phases with their survey waves and workshops, the
report language and the privacy threshold. `load_config` checks every key against the
schema (`config_schema`, with `research.core.schema`) and every municipality code against
the classification, and on a mistake raises a
`UserError` that names the file, the key and the closest valid value.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from research.core.errors import UserError
from research.core.schema import (Bool, Check, Date, Float, Int, Invalid, Key, ListOf, Map, OneOf,
                                  Text, closest, validate)

#: the report languages: Finnish, English, Swedish
LANGUAGES = ("fi", "en", "sv")
#: what people write for a report language instead of its code
LANGUAGE_NAMES = {"fin": "fi", "suomi": "fi", "finnish": "fi", "finska": "fi", "eng": "en",
                  "english": "en", "englanti": "en", "engelska": "en", "se": "sv", "swe": "sv",
                  "sve": "sv", "svenska": "sv", "swedish": "sv", "ruotsi": "sv"}
#: what a programme covers: one sub-region (`subregion` names it) or the whole country
SCOPES = ("subregion", "country")
#: the code of the whole country (mainland) among the areas
COUNTRY = "SSS"
#: the least privacy threshold a config may set (the default is 5)
MIN_GROUP_SIZE = 3
CODE_WORDS = {"municipality": "a 3-digit municipality code",
              "subregion": "a 3-digit sub-region code"}


def config_schema(municipalities: dict[str, str], subregions: dict[str, str]) -> Map:
    """The schema of a programme config; codes are checked against the classification's
    `municipalities` and `subregions` ({code: name})."""
    municipality = Check(functools.partial(_code, "municipality", municipalities))
    subregion = Check(functools.partial(_code, "subregion", subregions))
    workshop = Map({"id": Text(), "date": Date(), "title_fi": Key(Text(), ""),
                    "title_en": Key(Text(), ""), "title_sv": Key(Text(), "")})
    return Map({
        "programme": Map({"name_fi": Text(), "name_en": Text(), "name_sv": Key(Text(), ""),
                          "start_year": Int(),
                          "end_year": Int()}),
        "scope": Key(OneOf(SCOPES), "subregion"),
        "subregion": Key(subregion, ""),
        "municipalities": ListOf(municipality),
        "max_compared": Key(Int(), 10),
        "peers": Key(ListOf(municipality), []),
        "n_peers": Key(Int(), 8),
        "language": Key(Check(_language), "fi"),
        "classification_year": Key(Int(), 2017),
        "privacy": Key(Map({"min_group_size": Key(Int(), 5)}), {}),
        "survey": Key(Map({
            "instrument": Key(Text(), "templates/region/survey_instrument.yml")}), {}),
        "phases": Map({
            "baseline": Map({"year": Int(), "survey_wave": Key(Text(), "baseline")}),
            "reflection": Key(Map({
                "workshops": Key(ListOf(workshop), []),
                "instrument": Key(Text(), "templates/region/workshop_instrument.yml"),
                "codebook": Key(Text(), "templates/region/workshop_codebook.yml"),
            }), {}),
            "evaluation": Map({
                "year": Int(),
                "survey_wave": Key(Text(), "final"),
                "comparison": Key(ListOf(municipality), []),
                "indicator": Key(Text(), "unemployment_rate"),
                "indicator_counts": Key(ListOf(Text()), ["unemployed", "labour_force"]),
                "bootstrap_draws": Key(Int(), 999),
                "seed": Key(Int(), 2019),
                # synthetic control: placebos whose pre-period RMSPE exceeds this multiple of
                # the treated unit's are left out of the restricted permutation p (Abadie et al.)
                "placebo_pre_rmspe_max": Key(Float(), 2.0),
            }),
            "vitality": Map({
                "base_year": Int(),
                "final_year": Int(),
                "index": Key(Text(), "config/vitality_index.yml"),
                "rank_all": Key(Bool(), False),
            }),
        }),
    })

@dataclass(frozen=True)
class Config:
    """A validated programme configuration; `data` holds every key with defaults filled in."""

    path: Path
    data: dict = field(repr=False)

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    @property
    def municipalities(self) -> list[str]:
        return list(self.data["municipalities"])

    @property
    def subregion(self) -> str:
        return self.data["subregion"]

    @property
    def area(self) -> tuple[str, str]:
        """(level, code) of the area the programme covers: its sub-region, or the country."""
        if self.data["scope"] == "country":
            return ("country", COUNTRY)
        return ("subregion", self.subregion)

    @property
    def language(self) -> str:
        return self.data["language"]

    @property
    def min_group_size(self) -> int:
        return int(self.data["privacy"]["min_group_size"])

    @property
    def peers(self) -> list[str]:
        return list(self.data["peers"])

    @property
    def phases(self) -> dict:
        return self.data["phases"]

    def resolve(self, path: str | Path) -> Path:
        """A path named in the config: relative to the project root (the folder that holds
        the config's `config/` folder), else to the config file's folder, the working
        directory, or the kit's own folder (its default templates and index framework).

        Notebooks run in `reports/notebooks/<phase>/`, so a relative path in a config must
        not depend on the working directory.
        """
        path = Path(path)
        if path.is_absolute():
            return path
        here = self.path.resolve().parent
        kit = Path(__file__).resolve().parents[3]
        for base in (here.parent, here, Path.cwd(), kit):
            if (base / path).exists():
                return base / path
        return here.parent / path

    def programme_name(self, language: str | None = None) -> str:
        """The programme's name in `language` (a Swedish name falls back to the Finnish)."""
        programme = self.data["programme"]
        return programme.get("name_" + (language or self.language)) or programme["name_fi"]


def workshop_title(workshop: dict, language: str) -> str:
    """A workshop's title in `language`: `title_<language>`, else the Finnish title, else
    its id."""
    return workshop.get(f"title_{language}") or workshop.get("title_fi") or workshop["id"]


def language_problem(value: Any) -> str | None:
    """None for a report language code, else what is wrong with it, in the config error
    style: "expected one of fi, en, sv, got 'se'; did you mean 'sv'?"."""
    if isinstance(value, str) and value in LANGUAGES:
        return None
    plain = str(value).strip().lower()
    hint = plain if plain in LANGUAGES else LANGUAGE_NAMES.get(plain)
    near = f"; did you mean '{hint}'?" if hint else (
        closest(value, LANGUAGES) if isinstance(value, str) else "")
    return f"expected one of {', '.join(LANGUAGES)}, got {value!r}{near}"


def _language(value: Any) -> str:
    problem = language_problem(value)
    if problem:
        raise Invalid(problem)
    return value


def _code(kind: str, known: dict[str, str], value: Any) -> str:
    """A municipality or sub-region code as 3-digit text, known to the classification."""
    code = _normalise_code(value)
    if code is None:
        by_name = {_plain(n): c for c, n in known.items()}.get(_plain(value))
        near = f"; did you mean '{by_name}' ({known[by_name]})?" if by_name else ""
        if str(value).strip().isdigit() and known:   # a digit too many: '2322'
            hint = _closest_code(str(value).strip(), list(known))
            near = f"; did you mean '{hint}' ({known[hint]})?"
        raise Invalid(f"expected {CODE_WORDS[kind]} in quotes (e.g. '005'), got {value!r}{near}")
    if known and code not in known:
        hint = _closest_code(code, list(known))
        what = "municipality" if kind == "municipality" else "sub-region"
        raise Invalid(f"'{code}' is not a {what} code in the classification; "
                      f"did you mean '{hint}' ({known[hint]})?")
    return code


def _closest_code(code: str, options: list[str]) -> str:
    """The valid code nearest to a mistyped one: fewest differing digits, then nearest."""
    return min(options, key=lambda o: (sum(a != b for a, b in zip(o, code)),
                                       abs(int(o) - int(code)), o))


def _plain(name: Any) -> str:
    from research.geo.classification import normalise_name
    return normalise_name(str(name))


def _normalise_code(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        value = str(value)
    if not isinstance(value, str):
        return None
    value = value.strip()
    for prefix in ("KU", "SK"):
        if value.upper().startswith(prefix):
            value = value[2:]
    return value.zfill(3) if value.isdigit() and len(value) <= 3 else None


def load_config(path: str | Path, raw_dir: str | Path = "data/raw") -> Config:
    """Read and validate a programme config; codes are checked against the classification."""
    from research.geo.classification import known_codes

    from research.core.yamlfile import load

    path = Path(path)
    data = load(path, "config file")
    year = (data or {}).get("classification_year", 2017) if isinstance(data, dict) else 2017
    municipalities, subregions = known_codes(raw_dir, year if isinstance(year, int) else 2017)
    checked = validate(config_schema(municipalities, subregions), data, path, rows=False)
    if checked["scope"] == "subregion" and not checked["subregion"]:
        raise UserError("key 'subregion': expected a 3-digit sub-region code in quotes (or "
                        "'scope: country' for a national programme)", file=path)
    if checked["max_compared"] < 1:
        raise UserError(f"key 'max_compared': expected at least 1, got "
                        f"{checked['max_compared']}", file=path)
    programme_codes = set(checked["municipalities"])
    if not programme_codes:
        raise UserError("key 'municipalities': list at least one municipality", file=path)
    for key in ("peers",):
        both = sorted(programme_codes & set(checked[key]))
        if both:
            raise UserError(f"key '{key}': {', '.join(both)} is also a programme municipality",
                            file=path)
    both = sorted(programme_codes & set(checked["phases"]["evaluation"]["comparison"]))
    if both:
        raise UserError(f"key 'phases.evaluation.comparison': {', '.join(both)} is also a "
                        "programme municipality; a comparison municipality must be outside "
                        "the programme", file=path)
    evaluation = checked["phases"]["evaluation"]
    if len(evaluation["indicator_counts"]) not in (0, 2):
        raise UserError("key 'phases.evaluation.indicator_counts': expected two indicator ids "
                        "(numerator, denominator) or an empty list", file=path)
    if evaluation["bootstrap_draws"] < 99:
        raise UserError("key 'phases.evaluation.bootstrap_draws': expected at least 99, got "
                        f"{evaluation['bootstrap_draws']}", file=path)
    size = checked["privacy"]["min_group_size"]
    if size < MIN_GROUP_SIZE:
        raise UserError(f"key 'privacy.min_group_size': expected a whole number of at least "
                        f"{MIN_GROUP_SIZE}, got {size!r} (smaller groups would be shown)",
                        file=path)
    vitality = checked["phases"]["vitality"]
    if vitality["final_year"] < vitality["base_year"]:
        raise UserError("key 'phases.vitality.final_year': must not be before base_year "
                        f"({vitality['base_year']})", file=path)
    ids = [w["id"] for w in checked["phases"]["reflection"]["workshops"]]
    if len(ids) != len(set(ids)):
        raise UserError("key 'phases.reflection.workshops': workshop ids must be unique",
                        file=path)
    return Config(path=path, data=checked)
