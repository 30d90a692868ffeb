"""`research new-region`: a ready programme config for any Finnish sub-region, or the country.

The municipalities are the sub-region's members in the classification year; the peers are
the municipalities of the same region and urban/rural group outside the sub-region (at most
eight, nearest in population first), so that the same reports can be made for another
region by writing one file and no code. `--country` writes a national programme: every
mainland municipality, `scope: country`, peers proposed, the vitality report ranking all
municipalities and sub-regions.
"""

from __future__ import annotations

import difflib
from pathlib import Path

from research.geo.classification import municipalities_table, normalise_name
from research.core.errors import UserError
from research.core.atomic import write_text

TEMPLATE = Path(__file__).resolve().parents[3] / "templates" / "region" / "config_template.yml"
COUNTRY_TEMPLATE = TEMPLATE.with_name("config_country_template.yml")
#: Åland's region code: not part of the mainland programme (nor of the index's country)
ALAND = "21"
MAX_PEERS = 8


def region_config_text(subregion: str, raw_dir: str | Path, year: int = 2017,
                       template: Path = TEMPLATE) -> str:
    """The config text for a sub-region code (e.g. '146' Järviseutu)."""
    table = municipalities_table(raw_dir)
    if year not in set(table["year"]):
        raise UserError(f"no classification for year {year} "
                        f"(years {table['year'].min()}-{table['year'].max()})")
    df = table[table["year"] == year]
    code = subregion.strip().upper().removeprefix("SK").zfill(3)
    members = df[df["subregion_code"] == code]
    if members.empty:
        names = dict(zip(df["subregion_code"], df["subregion_name"]))
        if code.isdigit():
            from research.core.config import _closest_code
            near = _closest_code(code, sorted(names))
        else:
            by_name = {normalise_name(n): c for c, n in names.items()}
            hit = difflib.get_close_matches(normalise_name(subregion), list(by_name), n=1,
                                            cutoff=0.0)
            near = by_name[hit[0]]
        raise UserError(f"'{subregion}' is not a sub-region code in the {year} classification;"
                        f" did you mean '{near}' ({names[near]})?")
    region = members["region_code"].iloc[0]
    groups = set(members["urban_rural_code"])
    pop = _population(raw_dir, year)
    candidates = df[(df["region_code"] == region) & (df["subregion_code"] != code)
                    & df["urban_rural_code"].isin(groups)].copy()
    median_pop = members["municipality_code"].map(pop).median()
    candidates["distance"] = (candidates["municipality_code"].map(pop) - median_pop).abs()
    peers = candidates.sort_values(["distance", "municipality_code"]).head(MAX_PEERS)
    peers = sorted(peers["municipality_code"])
    lines = "\n".join(f'  - "{m}"                     # {n}'
                      for m, n in zip(members["municipality_code"], members["name_fi"]))
    return template.read_text(encoding="utf-8").format(
        subregion_code=code, subregion_name=members["subregion_name"].iloc[0],
        region_code=region, region_name=members["region_name"].iloc[0],
        municipalities=lines, peers=", ".join(f'"{p}"' for p in peers),
        year=year, start_year=year, end_year=year + 1, final_year=year + 2)


def country_config_text(raw_dir: str | Path, year: int = 2017,
                        template: Path = COUNTRY_TEMPLATE) -> str:
    """The config text of a national programme: every mainland municipality of the `year`
    classification that is still a municipality in the latest one (a merged municipality
    has no statistics of its own after the merger)."""
    table = municipalities_table(raw_dir)
    if year not in set(table["year"]):
        raise UserError(f"no classification for year {year} "
                        f"(years {table['year'].min()}-{table['year'].max()})")
    latest = set(table.loc[table["year"] == table["year"].max(), "municipality_code"])
    df = table[(table["year"] == year) & (table["region_code"] != ALAND)
               & table["municipality_code"].isin(latest)].sort_values("municipality_code")
    lines = "\n".join(f'  - "{m}"                     # {n}'
                      for m, n in zip(df["municipality_code"], df["name_fi"]))
    return template.read_text(encoding="utf-8").format(
        n=len(df), municipalities=lines, year=year, start_year=year, end_year=year + 1,
        final_year=year + 2)


def _population(raw_dir: str | Path, year: int) -> dict[str, float]:
    import pandas as pd
    path = Path(raw_dir) / "statfin" / "sotkanet_vaesto_kunnat_2000_2022.csv"
    df = pd.read_csv(path, dtype={"municipality_code": str})
    df = df[df["year"] == min(year, int(df["year"].max()))]
    return dict(zip(df["municipality_code"], df["value"].astype(float)))


def write_region_config(subregion: str | None, out: str | Path, raw_dir: str | Path = "data/raw",
                        year: int = 2017) -> Path:
    """Write the config of a sub-region (or, with `subregion` None, of the whole country)
    atomically and check that it loads; return its path."""
    from research.core.config import load_config
    out = Path(out)
    text = (country_config_text(raw_dir, year) if subregion is None
            else region_config_text(subregion, raw_dir, year))
    write_text(out, text)
    load_config(out, raw_dir)
    return out
