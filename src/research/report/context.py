"""What a report notebook starts with: its config, unit, language, labels and tables.

`setup(...)` is the first call in every notebook after the parameters cell. It reads the
config and gives the notebook one object to ask for processed tables (read once, cached),
the unit's names and the report language, so that notebooks stay a few lines per cell.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from research.core import labels, units
from research.core.config import Config, load_config
from research.core.tables import DIGEST, read_table
from research.core.units import UnitId
from research.geo.classification import name_column


#: The processed tables read in this process, for the generation they were read from.
_READ: dict = {}


def _read(processed: Path, name: str) -> pd.DataFrame:
    """`read_table`, kept for the next notebook of the same kernel: the runner's warm kernel
    reads the indicators once, not once per report. Keyed by the generation's digest."""
    digest = Path(processed) / DIGEST
    if not digest.exists():
        return read_table(processed, name)
    key = (str(Path(processed).resolve()), digest.read_bytes())
    if _READ.get("key") != key:
        _READ.clear()
        _READ["key"] = key
    if name not in _READ:
        _READ[name] = read_table(processed, name)
    return _READ[name]


@dataclass
class Report:
    """The context of one report: config, phase, unit and language."""

    config: Config
    phase: str
    unit: str
    language: str
    processed: Path
    raw: Path
    _tables: dict = field(default_factory=dict, repr=False)

    def table(self, name: str) -> pd.DataFrame:
        """A processed table, read once per kernel (while the processed data stay the same
        generation); callers get a copy."""
        if name not in self._tables:
            self._tables[name] = _read(self.processed, name)
        return self._tables[name].copy()

    def L(self, key: str, **values) -> str:
        """A report label in the report's language."""
        return labels.text(key, self.language, **values)

    @property
    def year(self) -> int:
        return int(self.config["classification_year"])

    @property
    def municipalities(self) -> pd.DataFrame:
        """The latest classification rows, indexed by code (computed once per report)."""
        if "_latest_municipalities" not in self._tables:
            df = self.table("municipalities")
            self._tables["_latest_municipalities"] = (
                df[df["year"] == int(df["year"].max())].set_index("municipality_code"))
        return self._tables["_latest_municipalities"].copy()

    @property
    def classification(self) -> pd.DataFrame:
        """The classification rows of the config's `classification_year` (the latest year if
        the table lacks it) for today's municipalities, indexed by code: the peers and the
        comparison groups (sub-region, region, urban/rural class) of that year."""
        if "_classification" not in self._tables:
            df = self.table("municipalities")
            year = self.year if (df["year"] == self.year).any() else int(df["year"].max())
            rows = df[df["year"] == year].set_index("municipality_code")
            self._tables["_classification"] = rows[rows.index.isin(self.municipalities.index)]
        return self._tables["_classification"].copy()

    def name(self, code: str) -> str:
        """A municipality's name in the report language: the classification's Swedish name
        in Swedish reports (Kristinestad), the Finnish one otherwise (Kristiinankaupunki)."""
        m = self.municipalities
        return str(m.loc[code, name_column("municipality", self.language, m.columns)])

    @property
    def subregion_code(self) -> str:
        """The sub-region a report compares with: a municipality's own (in the config's
        classification year), else the config's ('' for a national programme)."""
        code = self.unit_id.municipality
        if code is not None and code in self.classification.index:
            return str(self.classification.loc[code, "subregion_code"])
        return self.config.subregion

    @property
    def subregion_name(self) -> str:
        """The name of `subregion_code` in the report language (the country's for a national
        programme)."""
        code = self.subregion_code
        if not code:
            return self.L("vitality.country")
        m = self.municipalities
        rows = m[m["subregion_code"] == code]
        column = name_column("subregion", self.language, m.columns)
        return str(rows[column].iloc[0]) if len(rows) else code

    @property
    def unit_id(self) -> UnitId:
        """The parsed unit (`research.core.units`)."""
        return units.parse(self.unit)

    @property
    def is_municipality(self) -> bool:
        return self.unit_id.is_municipality

    @property
    def unit_subject(self) -> str:
        """Whom the report is about: the municipality, the sub-region or the consultants."""
        uid = self.unit_id
        if uid.municipality is not None:
            return self.name(uid.municipality)
        if uid.kind == units.REGION:
            return self.subregion_name
        return self.L("report.consultants")

    @property
    def unit_name(self) -> str:
        uid = self.unit_id
        if uid.is_workshop:
            return f"{uid.workshop} · {self.unit_subject}"
        return self.unit_subject


def setup(config: str, phase: str, unit: str | int, processed: str = "data/processed",
          raw: str = "data/raw", language: str = "") -> Report:
    """The report context for a notebook run; `language` '' means the config's language."""
    cfg = load_config(config, raw_dir=raw)
    unit = str(units.parse(unit))
    lang = language or cfg.language
    if lang not in labels.LANGUAGES:
        raise ValueError(f"language: expected one of {', '.join(labels.LANGUAGES)}, "
                         f"got {lang!r}")
    return Report(config=cfg, phase=phase, unit=unit, language=lang,
                  processed=Path(processed), raw=Path(raw))
