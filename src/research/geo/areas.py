"""Recognising the area of a statistics row: municipality, sub-region, region or whole country.

Exports mix municipalities with aggregates (`SSS`, `WHOLE COUNTRY`, `SK141`, `MK14`,
`Suupohja sub-regional unit`, `Suupohjan seutukunta`, `South Ostrobothnia`). Aggregates must
be kept apart, not dropped and not mistaken for municipalities. `AreaResolver.resolve` turns
one cell into `(area_type, code)`; municipalities go through the classification (codes, code
and name, `KU232`, Finnish or Swedish names, abolished municipalities to the receiving one).
Names of regions in English and Swedish and whole-country labels come from
`data/raw/statfin/area_names.yml`, not from code.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import yaml

from research.geo.classification import Classifier, municipalities_table, normalise_name
from research.core.errors import UserError

AREA_NAMES_FILE = "statfin/area_names.yml"
#: area types of the `area_indicators` table; 'planned_*' are the areas of the proposed
#: 2017 regional reform (bill HE 15/2017 vp) that some exports list beside the real ones.
AREA_TYPES = ("country", "region", "subregion", "planned_region", "planned_subregion")
_PREFIXED = re.compile(r"(KU|SK|MK)\s*(\d{1,3})\b.*", flags=re.IGNORECASE)
_PLANNED = re.compile(r"\s*\(HE 15/2017 vp\)\s*$", flags=re.IGNORECASE)
_SUBREGION = re.compile(r"^(.*?)(?:\s+sub-regional unit|\s+seutukunta|\s+ekonomiska region)$",
                        flags=re.IGNORECASE)


class AreaResolver:
    """Maps area cells to (area_type, code); results are cached per distinct cell."""

    def __init__(self, classifier: Classifier, municipalities: pd.DataFrame,
                 names: dict | None = None):
        self.classifier = classifier
        names = names or {}
        self.country = {normalise_name(n) for n in names.get("country", ["SSS"])}
        regions: dict[str, str] = {}
        subregions: dict[str, str] = {}
        for _, row in municipalities.sort_values("year").iterrows():
            regions[normalise_name(row["region_name"])] = row["region_code"]
            for part in str(row["region_name"]).split(" - "):
                regions[normalise_name(part)] = row["region_code"]
            subregions[normalise_name(row["subregion_name"])] = row["subregion_code"]
            if row.get("subregion_name_sv"):
                subregions.setdefault(normalise_name(row["subregion_name_sv"]),
                                      row["subregion_code"])
        for code, labels in (names.get("regions") or {}).items():
            for label in labels:
                regions[normalise_name(label)] = str(code).zfill(2)
        self.regions = regions
        self.aliases = {normalise_name(k): str(v).zfill(3)
                        for k, v in (names.get("municipality_aliases") or {}).items()}
        self.subregions = subregions
        self._cache: dict[str, tuple[str, str] | None] = {}

    @classmethod
    def from_raw(cls, raw: str | Path, classifier: Classifier) -> "AreaResolver":
        path = Path(raw) / AREA_NAMES_FILE
        names = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}
        return cls(classifier, municipalities_table(raw), names)

    def resolve(self, text: str) -> tuple[str, str] | None:
        """(area_type, code): 'municipality' with the 3-digit code the source uses
        (callers map abolished ones with `Classifier.current`), 'subregion' 3 digits,
        'region' 2 digits, 'country' 'SSS' or a 'planned_*' area; None if unknown."""
        key = str(text)
        if key not in self._cache:
            self._cache[key] = self._resolve(key.strip())
        return self._cache[key]

    def _resolve(self, value: str) -> tuple[str, str] | None:
        if not value:
            return None
        planned = _PLANNED.search(value)
        if planned:
            inner = self._resolve(value[:planned.start()])
            if inner and inner[0] in ("region", "subregion"):
                return "planned_" + inner[0], inner[1]
            return None
        norm = normalise_name(value)
        if norm in self.country or norm.split(" ")[0] == "sss":  # 'SSS KOKO MAA'
            return "country", "SSS"
        m = _PREFIXED.fullmatch(value)
        if m:
            prefix, digits = m.group(1).upper(), m.group(2)
            if prefix == "KU":
                code = self._municipality(digits)
                return ("municipality", code) if code else None
            if prefix == "SK":
                return "subregion", digits.zfill(3)
            return "region", digits.zfill(2)
        m = _SUBREGION.match(value)
        if m:
            name = normalise_name(m.group(1))
            for candidate in (name, name[:-1] if name.endswith("n") else name):
                if candidate in self.subregions:
                    return "subregion", self.subregions[candidate]
            return None
        code = self._municipality(value) or self.aliases.get(norm)
        if code is None and " - " in value:  # bilingual 'Maarianhamina - Mariehamn'
            code = next((c for c in map(self._municipality, value.split(" - ")) if c), None)
        if code:
            return "municipality", code
        if norm in self.regions:
            return "region", self.regions[norm]
        if norm in self.subregions:
            return "subregion", self.subregions[norm]
        return None

    def _municipality(self, value: str) -> str | None:
        """The municipality's code as the source gives it (not yet following mergers, so that
        an abolished municipality and its receiver stay apart until they are merged)."""
        m = re.fullmatch(r"(?:KU)?(\d{1,3})(?:\s+.*)?", value.strip(), flags=re.IGNORECASE)
        if m:
            code = m.group(1).zfill(3)
            known = code in self.classifier.codes or code in self.classifier.mergers
            return code if known else None
        return self.classifier.names.get(normalise_name(value))

    def resolve_column(self, cells: pd.Series, lines: pd.Series, file, column: str
                       ) -> tuple[pd.Series, pd.Series]:
        """(area_type, area_code) for a column of cells; an unknown area fails with its line."""
        uniques = {c: self.resolve(c) for c in pd.unique(cells)}
        unknown = [c for c, r in uniques.items() if r is None]
        if unknown:
            i = cells[cells.isin(unknown)].index[0]
            raise UserError(f"unknown area name '{cells[i]}' (expected a municipality code or "
                            "name, or a sub-region, region or whole-country label)", file=file,
                            row=int(lines[i]), column=column)
        area_type = cells.map(lambda c: uniques[c][0])
        area_code = cells.map(lambda c: uniques[c][1])
        return area_type.astype(object), area_code.astype(object)
