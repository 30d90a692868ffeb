"""The report matrix: every unit of a config (phase x unit), filtered by phase and unit."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from research.core import units as unit_grammar
from research.core.config import Config
from research.core.errors import UserError

PHASES = ("baseline", "reflection", "evaluation", "vitality")


@dataclass(frozen=True)
class Unit:
    """One report: a phase's notebook run with one unit's parameters."""

    phase: str
    unit: str

    @property
    def id(self) -> unit_grammar.UnitId:
        return unit_grammar.parse(self.unit)

    @property
    def key(self) -> str:
        return f"{self.phase}/{self.unit}"

    @property
    def notebook_rel(self) -> str:
        return f"notebooks/{self.phase}/{self.unit}.ipynb"

    @property
    def html_rel(self) -> str:
        """The municipal rendering (for councils and officials)."""
        return f"html/{self.phase}/{self.unit}.html"

    @property
    def research_rel(self) -> str:
        """The researcher and consultant rendering (with the methods appendix)."""
        return f"html-research/{self.phase}/{self.unit}.html"


def phase_units(config: Config) -> list[Unit]:
    """Every unit of the config, in report order."""
    munis = config.municipalities
    workshops = [w["id"] for w in config.phases["reflection"]["workshops"]]
    ids = [("baseline", unit_grammar.municipality(m)) for m in munis]
    ids += [("reflection", unit_grammar.workshop(w, m)) for w in workshops
            for m in [*munis, None]]
    ids += [("evaluation", unit_grammar.municipality(m)) for m in munis]
    if config["scope"] == "subregion":  # a national programme has no sub-region to evaluate
        ids.append(("evaluation", unit_grammar.region()))
    ids.append(("vitality", unit_grammar.region()))
    return [Unit(phase, str(uid)) for phase, uid in ids]


def municipality_names(config: Config, raw, language: str = "fi") -> dict[str, str]:
    """{code: name} of the programme's municipalities, from the config's classification;
    in Swedish the classification's Swedish names (Teuva is Östermark)."""
    from research.geo.classification import known_codes, municipalities_table, name_column

    known, _ = known_codes(raw, int(config.data.get("classification_year", 2017)))
    if language == "sv":
        df = municipalities_table(raw).sort_values("year").drop_duplicates(
            "municipality_code", keep="last")
        column = name_column("municipality", language, df.columns)
        known = known | dict(zip(df["municipality_code"], df[column]))
    return {c: known.get(c, c) for c in config.municipalities}


def resolve_unit(wanted: str, names: dict[str, str]) -> str:
    """A `--unit` value as the unit grammar writes it: a programme municipality's name
    (any case, e.g. `kauhajoki`) becomes its code; codes and unit ids are left as they are.

    `names` is {code: name} of the programme's municipalities.
    """
    from research.geo.classification import normalise_name

    text = str(wanted).strip()
    if not text or text[0].isdigit() or text == unit_grammar.REGION or "-" in text:
        return text
    by_name = {normalise_name(n): c for c, n in names.items()}
    code = by_name.get(normalise_name(text))
    if code is None:
        valid = sorted(names.values())
        near = difflib.get_close_matches(text.title(), valid, n=1, cutoff=0.0)
        raise UserError(f"unknown municipality '{text}'" + (f"; did you mean '{near[0]}'?"
                                                             if near else "")
                        + f" (municipalities: {', '.join(valid)}; or a code: "
                        f"{', '.join(sorted(names))})")
    return code


def build_matrix(config: Config, phases: list[str] | None = None,
                 units: list[str] | None = None,
                 names: dict[str, str] | None = None) -> list[Unit]:
    """All units of the config, filtered by phase and by unit (a code matches its workshops;
    with `names`, {code: name} of the programme municipalities, a name matches as its code)."""
    for p in phases or []:
        if p not in PHASES:
            near = difflib.get_close_matches(p, PHASES, n=1, cutoff=0.0)
            raise UserError(f"unknown phase '{p}'; did you mean '{near[0]}'? "
                            f"(phases: {', '.join(PHASES)})")
    matrix = phase_units(config)
    if phases:
        matrix = [u for u in matrix if u.phase in phases]
    if units:
        chosen = []
        for wanted in units:
            wanted = resolve_unit(wanted, names or {})
            hits = [u for u in matrix if u.id.matches(wanted)]
            if not hits:
                valid = sorted({u.unit for u in matrix} | set(config.municipalities))
                pool = [v for v in valid if v.isdigit() == wanted.isdigit()] or valid
                near = difflib.get_close_matches(wanted, pool, n=1, cutoff=0.0)
                raise UserError(f"unknown unit '{wanted}'" + (f"; did you mean '{near[0]}'?"
                                                               if near else "")
                                + f" (units: {', '.join(valid)})")
            chosen += [u for u in hits if u not in chosen]
        matrix = [u for u in matrix if u in chosen]
    return matrix
