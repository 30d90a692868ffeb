"""Programme configuration: one YAML file per programme or region, validated with clear errors.

A config names the programme, its municipalities (3-digit codes), its sub-region, peer and
comparison municipalities, the research phases with their survey waves and workshops, the
report language and the privacy threshold. `load_config` checks every key against `SCHEMA`
and every municipality code against the classification, and on a mistake raises a
`UserError` that names the file, the key and the closest valid value.
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from research.core.errors import UserError

REQUIRED = object()

# A schema node is either a type name (str) or a dict {key: (node, default)}; a list node is
# ["list", item_node]. Type names: str, int, float, bool, date, language, municipality,
# subregion, phase-specific dicts. Defaults of REQUIRED must be present in the file.
WORKSHOP = {
    "id": ("str", REQUIRED),
    "date": ("date", REQUIRED),
    "title_fi": ("str", ""),
    "title_en": ("str", ""),
}

SCHEMA: dict[str, tuple[Any, Any]] = {
    "programme": ({
        "name_fi": ("str", REQUIRED),
        "name_en": ("str", REQUIRED),
        "start_year": ("int", REQUIRED),
        "end_year": ("int", REQUIRED),
    }, REQUIRED),
    "subregion": ("subregion", REQUIRED),
    "municipalities": (["list", "municipality"], REQUIRED),
    "peers": (["list", "municipality"], []),
    "n_peers": ("int", 8),
    "language": ("language", "fi"),
    "classification_year": ("int", 2017),
    "privacy": ({
        "min_group_size": ("int", 5),
    }, {}),
    "survey": ({
        "instrument": ("str", "templates/region/survey_instrument.yml"),
    }, {}),
    "phases": ({
        "baseline": ({
            "year": ("int", REQUIRED),
            "survey_wave": ("str", "baseline"),
        }, REQUIRED),
        "reflection": ({
            "workshops": (["list", WORKSHOP], []),
            "instrument": ("str", "templates/region/workshop_instrument.yml"),
            "codebook": ("str", "templates/region/workshop_codebook.yml"),
        }, {}),
        "evaluation": ({
            "year": ("int", REQUIRED),
            "survey_wave": ("str", "final"),
            "comparison": (["list", "municipality"], []),
            "indicator": ("str", "unemployment_rate"),
            "indicator_counts": (["list", "str"], ["unemployed", "labour_force"]),
            "bootstrap_draws": ("int", 999),
            "seed": ("int", 2019),
        }, REQUIRED),
        "vitality": ({
            "base_year": ("int", REQUIRED),
            "final_year": ("int", REQUIRED),
            "index": ("str", "config/vitality_index.yml"),
        }, REQUIRED),
    }, REQUIRED),
}

LANGUAGES = ("fi", "en")
#: the least privacy threshold a config may set (the default is 5)
MIN_GROUP_SIZE = 3
TYPE_WORDS = {"str": "text", "int": "a whole number", "float": "a number", "bool": "true or false",
              "date": "a date (YYYY-MM-DD)", "language": "one of fi, en",
              "municipality": "a 3-digit municipality code", "subregion": "a 3-digit sub-region code"}


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
        return self.data["programme"]["name_" + (language or self.language)]


def _closest(value: str, options: list[str]) -> str:
    match = difflib.get_close_matches(str(value), [str(o) for o in options], n=1, cutoff=0.0)
    return f"; did you mean '{match[0]}'?" if match else ""


class _Validator:
    def __init__(self, path: Path, municipalities: dict[str, str], subregions: dict[str, str]):
        self.path = path
        self.municipalities = municipalities
        self.subregions = subregions

    def fail(self, key: str, message: str) -> None:
        raise UserError(f"key '{key}': {message}", file=self.path)

    def check(self, node: Any, value: Any, key: str) -> Any:
        if isinstance(node, dict):
            return self.check_dict(node, value, key)
        if isinstance(node, list):
            if not isinstance(value, list):
                self.fail(key, f"expected a list, got {value!r}")
            return [self.check(node[1], v, f"{key}[{i}]") for i, v in enumerate(value)]
        return self.check_scalar(node, value, key)

    def check_dict(self, node: dict, value: Any, key: str) -> dict:
        if value is None:
            value = {}
        if not isinstance(value, dict):
            self.fail(key or "(top level)", f"expected a mapping of keys, got {value!r}")
        prefix = f"{key}." if key else ""
        for k in value:
            if k not in node:
                valid = sorted(node)
                hint = _closest(k, valid)
                self.fail(prefix + str(k), f"is not a known key{hint} "
                          f"(valid keys here: {', '.join(valid)})")
        out = {}
        for k, (sub, default) in node.items():
            if k in value:
                out[k] = self.check(sub, value[k], prefix + k)
            elif default is REQUIRED:
                self.fail(prefix + k, "is required but missing")
            elif isinstance(sub, dict):
                out[k] = self.check_dict(sub, default, prefix + k)
            else:
                out[k] = default
        return out

    def check_scalar(self, kind: str, value: Any, key: str) -> Any:
        word = TYPE_WORDS.get(kind, kind)
        if kind == "int":
            if isinstance(value, bool) or not isinstance(value, int):
                self.fail(key, f"expected {word}, got {value!r}")
            return value
        if kind == "float":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                self.fail(key, f"expected {word}, got {value!r}")
            return float(value)
        if kind == "bool":
            if not isinstance(value, bool):
                self.fail(key, f"expected {word}, got {value!r}")
            return value
        if kind == "date":
            if isinstance(value, dt.date):
                return value.isoformat()
            try:
                return dt.date.fromisoformat(str(value)).isoformat()
            except ValueError:
                self.fail(key, f"expected {word}, got {value!r}")
        if kind == "language":
            if value not in LANGUAGES:
                self.fail(key, f"expected {word}, got {value!r}{_closest(value, list(LANGUAGES))}")
            return value
        if kind in ("municipality", "subregion"):
            known = self.municipalities if kind == "municipality" else self.subregions
            code = _normalise_code(value)
            if code is None:
                by_name = {_plain(n): c for c, n in known.items()}.get(_plain(value))
                near = f"; did you mean '{by_name}' ({known[by_name]})?" if by_name else ""
                self.fail(key, f"expected {word} in quotes (e.g. '005'), got {value!r}{near}")
            if known and code not in known:
                hint = _closest_code(code, list(known))
                what = "municipality" if kind == "municipality" else "sub-region"
                self.fail(key, f"'{code}' is not a {what} code in the classification; "
                          f"did you mean '{hint}' ({known[hint]})?")
            return code
        if kind == "str":
            if not isinstance(value, (str, int, float)) or isinstance(value, bool):
                self.fail(key, f"expected {word}, got {value!r}")
            return str(value)
        raise AssertionError(f"unknown schema type {kind}")


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
    checked = _Validator(path, municipalities, subregions).check_dict(SCHEMA, data, "")
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
