"""Municipality classification: codes, names (fi/sv), sub-region, region, urban/rural group.

Built from Statistics Finland's classification as bundled in `data/raw/classification/`
(years 2017-2026), its list of abolished municipalities and its 2022 table of municipal
areas in Finnish, Swedish and English (the Swedish names of sub-regions and regions, which
the classification lacks; a code it does not list keeps its Finnish name). Lookups accept a code (`232`,
`KU232`, `'232 Kauhajoki'`) or a name in Finnish or Swedish, in any case, with or without
diacritics and surrounding spaces; municipalities merged away map to the receiving one.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from pathlib import Path

import pandas as pd

from research.core.errors import UserError

CLASSIFICATION_FILE = "classification/kuntaluokitus_2017_2026.csv"
ABOLISHED_FILE = "classification/tk_lakkautetut_kunnat_vuoteen_2022_asti.xlsx"
RECENT_MERGERS_FILE = "classification/mergers_since_2023.csv"
AREAS_FILE = "classification/tk_kunnat_ja_kuntapohjaiset_alueet_2022.xlsx"
#: (code column, Swedish name column) of the areas file, by the column they fill
_SWEDISH_AREAS = {"subregion_name_sv": ("Seutukuntakoodi", "Seutukunta ruotsiksi", "subregion"),
                  "region_name_sv": ("Maakunnan koodi", "Maakunnan nimi ruotsiksi", "region")}

_COLUMNS = {
    "kunta_code": "municipality_code", "municipality_name_fi": "name_fi",
    "municipality_name_sv": "name_sv", "seutukunta_code": "subregion_code",
    "seutukunta_name_fi": "subregion_name", "maakunta_code": "region_code",
    "maakunta_name_fi": "region_name", "kuntaryhmitys_code": "urban_rural_code",
    "kuntaryhmitys_name_fi": "urban_rural_name", "kielisuhde_code": "language_code",
}


def _raw_file(raw_dir: str | Path, name: str) -> Path:
    path = Path(raw_dir) / name
    if not path.exists():
        raise UserError("classification file is missing (it ships with the kit in data/raw)",
                        file=path)
    return path


@functools.lru_cache(maxsize=8)
def _read_classification(path: str) -> pd.DataFrame:
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df = df.rename(columns=_COLUMNS)[["year", *_COLUMNS.values()]]
    df["year"] = df["year"].astype(int)
    for col in df.columns.drop("year"):
        df[col] = df[col].astype(object).str.strip()
    return df


@functools.lru_cache(maxsize=8)
def _read_swedish_areas(path: str) -> dict[str, dict[str, str]]:
    """{column: {code: Swedish name}} of sub-regions and regions (2022 areas file)."""
    df = pd.read_excel(path, header=1, dtype=str).rename(columns=lambda c: str(c).strip())
    out = {}
    for column, (code, name, _) in _SWEDISH_AREAS.items():
        pairs = df[[code, name]].dropna().drop_duplicates(code)
        out[column] = dict(zip(pairs[code].str.strip(), pairs[name].str.strip()))
    return out


def municipalities_table(raw_dir: str | Path) -> pd.DataFrame:
    """The `municipalities` table: one row per year x municipality, 2017-2026, with the
    Swedish names of the sub-region and region (the Finnish name where none is known)."""
    df = _read_classification(str(_raw_file(raw_dir, CLASSIFICATION_FILE))).copy()
    swedish = _read_swedish_areas(str(_raw_file(raw_dir, AREAS_FILE)))
    for column, (_, _, area) in _SWEDISH_AREAS.items():
        names = df[f"{area}_code"].map(swedish[column])
        df[column] = names.where(names.notna(), df[f"{area}_name"])
    return df


#: the name columns of the municipalities table, by level: (Finnish, Swedish)
NAME_COLUMNS = {"municipality": ("name_fi", "name_sv"),
                "subregion": ("subregion_name", "subregion_name_sv"),
                "region": ("region_name", "region_name_sv")}


def name_column(level: str, language: str, columns=()) -> str:
    """The column of a level's names ('municipality', 'subregion', 'region') in a report
    language: the Swedish names in Swedish reports (where the table has them, e.g.
    Kristinestad, Sydösterbotten, Österbotten), the Finnish ones in Finnish and English."""
    finnish, swedish = NAME_COLUMNS[level]
    return swedish if language == "sv" and swedish in columns else finnish


def mergers_table(raw_dir: str | Path) -> pd.DataFrame:
    """Abolished municipality -> receiving municipality, chains resolved to today's code.

    Where an abolished municipality was split between several receivers, the first listed
    receiver is used (this only concerns splits before 1980).
    """
    raw = pd.read_excel(_raw_file(raw_dir, ABOLISHED_FILE), header=2, dtype=str)
    raw = raw.rename(columns=lambda c: str(c).strip())
    old = pd.DataFrame({
        "old_code": raw["Lakkautetun kunnan koodi"].str.strip().str.zfill(3),
        "old_name": raw["Lakkautettu kunta"].str.strip(),
        "new_code": raw["Liitoskunta / Liitoskunnat koodi"].str.strip().str.zfill(3),
        "new_name": raw["Liitoskunta / Liitoskunnat"].str.strip(),
        "year": pd.to_datetime(raw["Ajankohta"]).dt.year,
    })
    recent = pd.read_csv(_raw_file(raw_dir, RECENT_MERGERS_FILE), dtype={"old_code": str,
                                                                         "new_code": str})
    df = pd.concat([old, recent], ignore_index=True).dropna(subset=["old_code", "new_code"])
    df = df.drop_duplicates("old_code", keep="first")
    target = dict(zip(df["old_code"], df["new_code"]))
    names = dict(zip(df["old_code"], df["old_name"])) | dict(zip(df["new_code"], df["new_name"]))

    def final(code: str) -> str:
        seen = set()
        while code in target and code not in seen:
            seen.add(code)
            code = target[code]
        return code

    df["new_code"] = df["old_code"].map(final)
    df["new_name"] = df["new_code"].map(names)
    return df.sort_values("old_code").reset_index(drop=True)


def known_codes(raw_dir: str | Path, year: int = 2017) -> tuple[dict[str, str], dict[str, str]]:
    """{municipality code: name} and {sub-region code: name} of the given classification year.

    Codes of any year 2017-2026 are accepted, so that a config may name a municipality that
    was merged later.
    """
    df = municipalities_table(raw_dir)
    latest = df.sort_values("year").drop_duplicates("municipality_code", keep="last")
    munis = dict(zip(latest["municipality_code"], latest["name_fi"]))
    subs = df.sort_values("year").drop_duplicates("subregion_code", keep="last")
    return munis, dict(zip(subs["subregion_code"], subs["subregion_name"]))


def normalise_name(name: str) -> str:
    """Case-, diacritic- and space-insensitive form of a place name ('Storå ' -> 'stora')."""
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode()
    return re.sub(r"\s+", " ", text).strip().lower()


class Classifier:
    """Resolves codes and names of one classification year to today's municipality codes."""

    def __init__(self, municipalities: pd.DataFrame, mergers: pd.DataFrame, year: int):
        self.year = year
        self.table = municipalities[municipalities["year"] == year].reset_index(drop=True)
        if self.table.empty:
            raise UserError(f"the classification has no year {year} "
                            f"(years {municipalities['year'].min()}-{municipalities['year'].max()})")
        self.mergers = dict(zip(mergers["old_code"], mergers["new_code"]))
        self.codes = set(municipalities["municipality_code"])
        names: dict[str, str] = {}
        for _, row in municipalities.sort_values("year").iterrows():
            for col in ("name_fi", "name_sv"):
                names[normalise_name(row[col])] = row["municipality_code"]
        for code, name in zip(mergers["old_code"], mergers["old_name"]):
            names.setdefault(normalise_name(name), code)
        self.names = names

    @classmethod
    def from_raw(cls, raw_dir: str | Path, year: int = 2017) -> "Classifier":
        return cls(municipalities_table(raw_dir), mergers_table(raw_dir), year)

    def current(self, code: str) -> str:
        """The code that `code` has in the classification year, following mergers."""
        seen = set()
        while code in self.mergers and code not in seen and code not in self._year_codes:
            seen.add(code)
            code = self.mergers[code]
        return code

    @functools.cached_property
    def _year_codes(self) -> set[str]:
        return set(self.table["municipality_code"])

    def lookup(self, text: str) -> str | None:
        """A municipality's code from a code or name in any common form; None if unknown."""
        value = str(text).strip()
        m = re.fullmatch(r"(?:KU)?(\d{1,3})(?:\s+.*)?", value, flags=re.IGNORECASE)
        if m:
            code = m.group(1).zfill(3)
            if code in self.codes or code in self.mergers:
                return self.current(code)
            return None
        code = self.names.get(normalise_name(value))
        return self.current(code) if code else None

    def row(self, code: str) -> pd.Series:
        rows = self.table[self.table["municipality_code"] == code]
        if rows.empty:
            raise UserError(f"municipality code '{code}' is not in the {self.year} classification")
        return rows.iloc[0]

    def subregion_members(self, subregion: str) -> list[str]:
        rows = self.table[self.table["subregion_code"] == subregion]
        return sorted(rows["municipality_code"])
