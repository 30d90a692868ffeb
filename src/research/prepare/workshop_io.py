"""Reading the reflection-workshop feedback exports in `research prepare`.

`data/raw/workshops/workshops.yml` (the manifest) names the feedback form the exports were
collected with and one export file per workshop:

    instrument: templates/region/workshop_instrument.yml   # beside the manifest or in the project
    manual_coding: manual_coding.csv    # optional: a researcher's coding of a sample
    workshops:
      - {id: w1, file: w1_palaute.csv}

Each export is read with the survey readers (`research.prepare.survey_io.read_export`) with the
workshop id as the wave, so the answers land in the `responses`, `comments` and
`respondents` tables beside the survey's; respondent identifiers are replaced by keyed
pseudonyms before anything is written. The manual coding becomes the `manual_coding` table,
and every word of the open answers gets its Finnish base forms in the `lemmas` table (the
lemmatiser's dictionary takes seconds to load, so reports look words up instead).
A project without a `workshops` folder simply has no workshop data.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from research.core import yamlfile
from research.core.errors import UserError
from research.core.schema import Check, Invalid, Key, ListOf, Map, Text, validate
from research.core.tables import provenance

MANIFEST = Path("workshops") / "workshops.yml"
WORKSHOP_ID = re.compile(r"[A-Za-z0-9_]+")


def _workshop_id(value) -> str:
    wid = str(value)
    if not WORKSHOP_ID.fullmatch(wid):
        raise Invalid(f"workshop id '{wid}' may contain only letters, digits and '_'")
    return wid


#: the manifest; other keys (`synthetic`, `seed`, `note` of the demo data) are kept as given
SCHEMA = Map({
    "instrument": Text(),
    "manual_coding": Key(Text(), None),
    "workshops": ListOf(Map({"id": Check(_workshop_id), "file": Text()}), non_empty=True,
                        empty_message="list at least one workshop"),
}, extra=True)


def read_manifest(path: str | Path) -> dict:
    """The checked manifest: {'instrument': Path, 'manual_coding': Path|None,
    'workshops': [(id, Path)]}; every mistake names the manifest and its line."""
    path = Path(path)
    raw = yamlfile.load(path, "workshop manifest")
    data = validate(SCHEMA, raw, path)
    workshops, seen = [], set()
    for entry, given in zip(data["workshops"], raw["workshops"]):
        line = yamlfile.line_of(given)
        wid = entry["id"]
        if wid in seen:
            raise UserError(f"workshop id '{wid}' is listed twice", file=path, row=line)
        seen.add(wid)
        export = path.parent / entry["file"]
        if not export.exists():
            raise UserError(f"the export of workshop '{wid}' is missing: {entry['file']}",
                            file=path, row=line)
        workshops.append((wid, export))
    manual = data.get("manual_coding")
    from research.prepare.survey_io import resolve_instrument

    return {"instrument": resolve_instrument(path, path.parent.parent, str(data["instrument"])),
            "manual_coding": path.parent / str(manual) if manual else None,
            "synthetic": data.get("synthetic") is True,
            "workshops": workshops}


def read_workshops(raw: str | Path, classifier=None, key: bytes | None = None
                   ) -> dict[str, pd.DataFrame]:
    """All workshop exports listed in the manifest as pseudonymised tidy tables."""
    from research.stats.agreement import MANUAL_FIXED, read_manual_coding
    from research.stats.codebook import lemma_table
    from research.core.labels import LANGUAGES, text
    from research.core.instrument import load_instrument
    from research.core.pseudonym import key_path, load_key, pseudonymise
    from research.prepare.survey_io import read_export

    manifest = read_manifest(Path(raw) / MANIFEST)
    instrument = load_instrument(manifest["instrument"])
    parts: dict[str, list[pd.DataFrame]] = {}
    for wid, export in manifest["workshops"]:
        for name, df in read_export(export, instrument, wid, classifier).items():
            parts.setdefault(name, []).append(df)
    tables = {name: pd.concat(dfs, ignore_index=True) for name, dfs in parts.items()}
    key = key if key is not None else load_key(key_path(raw))
    for df in tables.values():
        df["respondent"] = pseudonymise(df["respondent"], key)
    if "respondents" in tables and "organisation" not in tables["respondents"]:
        tables["respondents"]["organisation"] = None
    texts = list(tables["comments"]["text"])
    tables["manual_coding"] = (read_manual_coding(manifest["manual_coding"])
                               if manifest["manual_coding"] is not None else
                               pd.DataFrame(columns=MANUAL_FIXED + ["theme", "code"]))
    texts += list(tables["manual_coding"]["text"].unique())
    # the words that masking puts into reports' texts are looked up too
    texts += [text(key, lang) for key in ("privacy.masked_email", "privacy.masked_phone",
                                                 "privacy.masked_name")
              for lang in LANGUAGES]
    tables["lemmas"] = lemma_table(texts)
    tables["provenance"] = provenance("workshops", manifest["synthetic"])
    return tables


def step_workshops(ctx) -> dict[str, pd.DataFrame]:
    """Prepare step: the workshop feedback tables, or nothing when there is no manifest."""
    if not (ctx.raw / MANIFEST).exists():
        return {}
    return read_workshops(ctx.raw, ctx.classifier)
