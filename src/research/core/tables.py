"""The tidy tables of `data/processed/`: their columns, reading them, writing them atomically.

Every table is a UTF-8 CSV. Codes (municipality, sub-region, region) are text with leading
zeros, so each table declares which columns are text. `write_tables` validates every table
before it touches the directory and replaces each file by a rename, so a failed run leaves
the previous tables whole. A `digest.json` beside them records each table's SHA-256; the
pipeline keys its "unchanged" check on it without re-reading the tables.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from research.core.atomic import temporary
from research.core.errors import UserError
from research.core.hashes import sha256_file

#: table name -> (key columns that must be unique together, all columns, text columns)
SCHEMAS: dict[str, dict] = {
    "municipalities": {
        "key": ["year", "municipality_code"],
        "columns": ["year", "municipality_code", "name_fi", "name_sv", "subregion_code",
                    "subregion_name", "region_code", "region_name", "urban_rural_code",
                    "urban_rural_name", "language_code"],
        "text": ["municipality_code", "name_fi", "name_sv", "subregion_code", "subregion_name",
                 "region_code", "region_name", "urban_rural_code", "urban_rural_name",
                 "language_code"],
    },
    "mergers": {
        "key": ["old_code"],
        "columns": ["old_code", "old_name", "new_code", "new_name", "year"],
        "text": ["old_code", "old_name", "new_code", "new_name"],
    },
    "indicators": {
        "key": ["municipality_code", "year", "indicator"],
        "columns": ["municipality_code", "year", "indicator", "value", "flag"],
        "text": ["municipality_code", "indicator", "flag"],
    },
    "area_indicators": {
        "key": ["area_type", "area_code", "year", "indicator"],
        "columns": ["area_type", "area_code", "year", "indicator", "value", "flag"],
        "text": ["area_type", "area_code", "indicator", "flag"],
    },
    "monthly_indicators": {
        "key": ["area_type", "area_code", "month", "indicator"],
        "columns": ["area_type", "area_code", "month", "indicator", "value", "flag"],
        "text": ["area_type", "area_code", "month", "indicator", "flag"],
    },
    "indicator_catalogue": {
        "key": ["indicator"],
        "columns": ["indicator", "name_fi", "name_en", "unit_fi", "unit_en", "theme",
                    "direction", "kind", "numerator", "denominator", "scale", "index", "weight",
                    "note"],
        "text": ["indicator", "name_fi", "name_en", "unit_fi", "unit_en", "theme", "kind",
                 "numerator", "denominator", "note"],
    },
    "responses": {
        "key": ["respondent", "wave", "item"],
        "columns": ["respondent", "municipality_code", "wave", "role", "item", "value"],
        "text": ["respondent", "municipality_code", "wave", "role", "item"],
    },
    "respondents": {
        "key": ["respondent", "wave"],
        "columns": ["respondent", "wave", "municipality_code", "role", "organisation"],
        "text": ["respondent", "wave", "municipality_code", "role", "organisation"],
    },
    "comments": {
        "key": ["respondent", "wave", "question"],
        "columns": ["respondent", "municipality_code", "wave", "question", "text"],
        "text": ["respondent", "municipality_code", "wave", "question", "text"],
    },
    "rubric_scores": {
        "key": ["model", "criterion", "scorer"],
        "columns": ["model", "criterion", "scorer", "score"],
        "text": ["model", "criterion", "scorer"],
    },
    "rubric_criteria": {
        "key": ["criterion"],
        "columns": ["criterion", "name_fi", "name_en", "order", "scale_min", "scale_max"],
        "text": ["criterion", "name_fi", "name_en"],
    },
    "rubric_models": {
        "key": ["model"],
        "columns": ["model", "name_fi", "name_en", "order", "subregion_code", "municipalities"],
        "text": ["model", "name_fi", "name_en", "subregion_code", "municipalities"],
    },
    "lemmas": {
        "key": ["word"],
        "columns": ["word", "lemmas"],
        "text": ["word", "lemmas"],
    },
    "provenance": {
        "key": ["dataset"],
        "columns": ["dataset", "synthetic"],
        "text": ["dataset"],
    },
    "manual_coding": {
        "key": ["sample_id", "theme"],
        "columns": ["sample_id", "wave", "question", "text", "theme", "code"],
        "text": ["sample_id", "wave", "question", "text", "theme"],
    },
}

DIGEST = "digest.json"


def provenance(dataset: str, synthetic: bool) -> pd.DataFrame:
    """The `provenance` row of a collected data set (survey, workshops, rubric): whether the
    exports `research prepare` read are marked synthetic (`synthetic: true` in their YAML)."""
    return pd.DataFrame({"dataset": [dataset], "synthetic": [bool(synthetic)]})


def table_path(processed: Path, name: str) -> Path:
    return Path(processed) / f"{name}.csv"


def read_table(processed: str | Path, name: str) -> pd.DataFrame:
    """Read one processed table with its text columns as text (codes keep leading zeros)."""
    path = table_path(Path(processed), name)
    if not path.exists():
        raise UserError(f"table '{name}' is missing; run `research prepare` first", file=path)
    schema = SCHEMAS.get(name, {})
    dtypes = {c: "string" for c in schema.get("text", [])}
    df = pd.read_csv(path, dtype=dtypes, keep_default_na=False, na_values=[""])
    if "value" in df.columns:
        df["value"] = df["value"].astype(float)
    for col in schema.get("text", []):
        if col in df.columns:
            df[col] = df[col].astype(object).where(df[col].notna(), None)
            if col == "flag":
                df[col] = df[col].fillna("")
    return df


def validate_table(name: str, df: pd.DataFrame) -> pd.DataFrame:
    """Check columns and key uniqueness; return the table in canonical column and row order."""
    schema = SCHEMAS.get(name)
    if schema is None:
        return df.reset_index(drop=True)
    missing = [c for c in schema["columns"] if c not in df.columns]
    if missing:
        raise UserError(f"table '{name}' lacks column(s) {', '.join(missing)}")
    df = df[schema["columns"]]
    dup = df.duplicated(schema["key"], keep=False)
    if dup.any():
        first = df.loc[dup, schema["key"]].iloc[0].to_dict()
        raise UserError(f"table '{name}' has {int(dup.sum())} rows with a duplicated key "
                        f"{schema['key']}, for example {first}")
    return df.sort_values(schema["key"], kind="stable").reset_index(drop=True)


def write_tables(processed: str | Path, tables: dict[str, pd.DataFrame]) -> dict[str, str]:
    """Validate all tables, then write each one by rename; return {name: sha256}.

    Nothing in `processed` changes unless every table validates and serialises.
    """
    processed = Path(processed)
    processed.mkdir(parents=True, exist_ok=True)
    checked = {name: validate_table(name, df) for name, df in sorted(tables.items())}
    staged: list[tuple[Path, Path]] = []
    try:
        for name, df in checked.items():
            tmp = temporary(table_path(processed, name))
            staged.append((tmp, table_path(processed, name)))
            df.to_csv(tmp, index=False, lineterminator="\n", float_format="%.10g")
        digest = read_digest(processed)
        for tmp, final in staged:
            digest[final.stem] = sha256_file(tmp)
        tmp_digest = temporary(processed / DIGEST)
        staged.append((tmp_digest, processed / DIGEST))
        tmp_digest.write_text(json.dumps(dict(sorted(digest.items())), indent=2),
                              encoding="utf-8")
        for tmp, final in staged:
            os.replace(tmp, final)
    except BaseException:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise
    return {name: digest[name] for name in checked}


def read_digest(processed: str | Path) -> dict[str, str]:
    """The SHA-256 of each processed table as recorded by the last `research prepare`."""
    path = Path(processed) / DIGEST
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))
