"""The tidy tables of `data/processed/`: their columns, reading them, writing them atomically.

Every table is a UTF-8 CSV. Codes (municipality, sub-region, region) are text with leading
zeros, so each table declares which columns are text.

The tables of one `research prepare` form a *generation*: a folder `gen-<hash>/` holding every
table and its own `digest.json`. `write_tables` validates every table first, writes the new
generation into a hidden staging folder, renames it into place and only then switches the
pointer, the top-level `digest.json` (`{"generation", "tables": {name: sha256}, "rows"}`),
by one rename. A reader resolves the pointer once and sees one whole generation; a prepare
that fails, runs out of disk or is killed leaves the previous generation and pointer as they
were, and the next prepare removes its leftovers. The pipeline keys its "unchanged" check on
the pointer file without re-reading the tables. A folder whose `digest.json` has no
`generation` (a generation itself, or the flat layout of earlier versions) is read directly.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import pandas as pd

from research.core.atomic import temporary
from research.core.errors import UserError
from research.core.hashes import sha256_bytes, sha256_file

#: table name -> (key columns that must be unique together, all columns, text columns)
SCHEMAS: dict[str, dict] = {
    "municipalities": {
        "key": ["year", "municipality_code"],
        "columns": ["year", "municipality_code", "name_fi", "name_sv", "subregion_code",
                    "subregion_name", "subregion_name_sv", "region_code", "region_name",
                    "region_name_sv", "urban_rural_code", "urban_rural_name", "language_code"],
        "text": ["municipality_code", "name_fi", "name_sv", "subregion_code", "subregion_name",
                 "subregion_name_sv", "region_code", "region_name", "region_name_sv",
                 "urban_rural_code", "urban_rural_name", "language_code"],
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
        "columns": ["indicator", "name_fi", "name_en", "name_sv", "unit_fi", "unit_en",
                    "unit_sv", "theme", "direction", "kind", "numerator", "denominator", "scale",
                    "index", "weight", "note", "show"],
        "text": ["indicator", "name_fi", "name_en", "name_sv", "unit_fi", "unit_en", "unit_sv",
                 "theme", "kind", "numerator", "denominator", "note"],
    },
    "indicator_sources": {
        "key": ["indicator", "year", "source"],
        "columns": ["indicator", "year", "source", "last_period", "n", "publisher_fi",
                    "publisher_en", "publisher_sv", "topic_fi", "topic_en", "topic_sv"],
        "text": ["indicator", "source", "last_period", "publisher_fi", "publisher_en",
                 "publisher_sv", "topic_fi", "topic_en", "topic_sv"],
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
        "columns": ["criterion", "name_fi", "name_en", "name_sv", "order", "scale_min",
                    "scale_max"],
        "text": ["criterion", "name_fi", "name_en", "name_sv"],
    },
    "rubric_models": {
        "key": ["model"],
        "columns": ["model", "name_fi", "name_en", "name_sv", "order", "subregion_code",
                    "municipalities"],
        "text": ["model", "name_fi", "name_en", "name_sv", "subregion_code", "municipalities"],
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
GENERATION_PREFIX = "gen-"
STAGING_PREFIX = ".staging-"
#: seconds to sleep after each staged table (tests kill `prepare` in that window)
PAUSE_ENV = "RESEARCH_PREPARE_PAUSE"
#: errors of the disk, not of the kit: reported in one line
DISK_ERRORS = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is exceeded",
               errno.EROFS: "the file system is read-only", errno.EACCES: "permission denied",
               errno.EPERM: "permission denied"}


def _pointer(processed: Path) -> dict:
    path = Path(processed) / DIGEST
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise UserError("the digest of the processed tables is damaged; run `research prepare` "
                        "again", file=path) from None
    return data if isinstance(data, dict) else {}


def generation(processed: str | Path) -> Path:
    """The folder holding the current tables: the generation the pointer names, or
    `processed` itself (a generation folder, or the flat layout of earlier versions)."""
    processed = Path(processed)
    name = _pointer(processed).get("generation")
    if isinstance(name, str) and name.startswith(GENERATION_PREFIX) and "/" not in name:
        return processed / name
    return processed


def provenance(dataset: str, synthetic: bool) -> pd.DataFrame:
    """The `provenance` row of a collected data set (survey, workshops, rubric): whether the
    exports `research prepare` read are marked synthetic (`synthetic: true` in their YAML)."""
    return pd.DataFrame({"dataset": [dataset], "synthetic": [bool(synthetic)]})


def table_path(processed: Path, name: str) -> Path:
    return generation(processed) / f"{name}.csv"


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


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:  # some file systems cannot sync a folder
        pass
    finally:
        os.close(fd)


def _write_json(path: Path, data: dict) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2)
        fh.flush()
        os.fsync(fh.fileno())


def _stage(staging: Path, checked: dict[str, pd.DataFrame], carried: dict[str, Path]
           ) -> tuple[dict[str, str], dict[str, int]]:
    """Write every table into `staging`; return ({name: sha256}, {name: rows})."""
    digest, rows = {}, {}
    pause = float(os.environ.get(PAUSE_ENV) or 0)
    for name, old in sorted(carried.items()):
        target = staging / old.name
        try:
            os.link(old, target)
        except OSError:
            shutil.copy2(old, target)
        digest[name] = sha256_file(target)
    for name, df in checked.items():
        target = staging / f"{name}.csv"
        df.to_csv(target, index=False, lineterminator="\n", float_format="%.10g")
        os.chmod(target, 0o644)
        _fsync(target)
        digest[name], rows[name] = sha256_file(target), len(df)
        if pause:
            time.sleep(pause)
    digest = dict(sorted(digest.items()))
    _write_json(staging / DIGEST, digest)
    os.chmod(staging / DIGEST, 0o644)
    return digest, rows


def _generation_name(digest: dict[str, str]) -> str:
    text = json.dumps(digest, sort_keys=True).encode()
    return GENERATION_PREFIX + sha256_bytes(text)[:16]


def remove_leftovers(processed: str | Path, keep: tuple[str, ...] = ()) -> None:
    """Staging folders and temporary files of a killed or failed prepare, and generations
    other than the current one and `keep` (the previous one, for a run still reading it)."""
    processed = Path(processed)
    if not processed.is_dir():
        return
    current = generation(processed).name
    for entry in processed.iterdir():
        name = entry.name
        if name.startswith(STAGING_PREFIX) or (name.startswith(".") and ".tmp" in name):
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink(missing_ok=True)
        elif (name.startswith(GENERATION_PREFIX) and entry.is_dir()
              and name not in (current, *keep)):
            shutil.rmtree(entry, ignore_errors=True)


def _disk_error(exc: OSError, processed: Path) -> UserError:
    why = DISK_ERRORS[exc.errno]
    return UserError(f"cannot write the processed tables: {why}; nothing was changed (free "
                     "space or fix the folder and run `research prepare` again)", file=processed)


def write_tables(processed: str | Path, tables: dict[str, pd.DataFrame]) -> dict[str, str]:
    """Validate all tables, then write them as one new generation; return {name: sha256}.

    Tables of the current generation that `tables` does not name are carried over. Nothing
    that a reader sees changes unless every table validates and is written in full.
    """
    processed = Path(processed)
    checked = {name: validate_table(name, df) for name, df in sorted(tables.items())}
    try:
        processed.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        if exc.errno in DISK_ERRORS:
            raise _disk_error(exc, processed) from None
        raise
    with _locked(processed):
        return _write_generation(processed, checked)


@contextlib.contextmanager
def _locked(processed: Path):
    """One prepare at a time per folder (an advisory lock on the folder itself)."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks on folders
        yield
        return
    fd = os.open(processed, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UserError("another `research prepare` is writing into this folder; wait for "
                            "it to finish, then run again", file=processed) from None
        yield
    finally:
        os.close(fd)


def _write_generation(processed: Path, checked: dict[str, pd.DataFrame]) -> dict[str, str]:
    staging = tmp = None
    try:
        try:
            _pointer(processed)
        except UserError:  # a damaged pointer names no readable generation: start afresh
            (processed / DIGEST).unlink()
        remove_leftovers(processed, keep=(_pointer(processed).get("previous") or "",))
        old = read_digest(processed)
        old_dir = generation(processed)
        carried = {n: table_path(processed, n) for n in old
                   if n not in checked and table_path(processed, n).exists()}
        staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=processed))
        os.chmod(staging, 0o755)
        digest, rows = _stage(staging, checked, carried)
        rows = {**{n: c for n, c in read_rows(processed).items() if n in carried}, **rows}
        name = _generation_name(digest)
        final = processed / name
        if final.is_dir() and read_digest(final) == digest:
            shutil.rmtree(staging)
        else:
            if final.exists():
                shutil.rmtree(final)
            os.rename(staging, final)
        staging = None
        _fsync(processed)
        if old_dir.name != name or "generation" not in _pointer(processed):
            pointer = {"generation": name, "previous": (old_dir.name if old_dir != processed
                                                        else None),
                       "tables": digest, "rows": dict(sorted(rows.items()))}
            tmp = temporary(processed / DIGEST)
            _write_json(tmp, pointer)
            os.replace(tmp, processed / DIGEST)
            tmp = None
            _fsync(processed)
        if old_dir == processed:  # the flat layout of earlier versions: its tables go
            for n in old:
                (processed / f"{n}.csv").unlink(missing_ok=True)
        remove_leftovers(processed, keep=(old_dir.name,))
    except BaseException as exc:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.errno in DISK_ERRORS:
            raise _disk_error(exc, processed) from None
        raise
    return {n: digest[n] for n in checked}


def read_digest(processed: str | Path) -> dict[str, str]:
    """The SHA-256 of each processed table as recorded by the last `research prepare`."""
    data = _pointer(Path(processed))
    if isinstance(data.get("tables"), dict):
        return dict(data["tables"])
    return {k: v for k, v in data.items() if isinstance(v, str)}


def read_rows(processed: str | Path) -> dict[str, int]:
    """The number of rows of each table of the current generation (for the shrink check)."""
    rows = _pointer(Path(processed)).get("rows")
    if isinstance(rows, dict):
        return {k: int(v) for k, v in rows.items()}
    folder = generation(processed)
    out = {}
    for name in read_digest(processed):
        path = folder / f"{name}.csv"
        if path.exists():
            out[name] = len(pd.read_csv(path, dtype=str, keep_default_na=False))
    return out
