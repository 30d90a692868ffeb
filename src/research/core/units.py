"""The report-unit grammar, parsed and formatted in one place.

A unit names whom a report is about, independently of the phase:

- `232`: one municipality (a 3-digit code; `5` is read as `005`);
- `region`: the programme as a whole (its sub-region);
- `w1-232`: workshop `w1`, seen from one municipality;
- `w1-all`: workshop `w1`, the whole programme (the consultants' report).

`parse(text)` gives a `UnitId`, `str(unit_id)` gives the text back, so the runner, the report
context and the workshop reports never split a unit string (or a display name) themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

from research.core.errors import UserError

REGION = "region"
ALL = "all"
MUNICIPALITY = "municipality"
WORKSHOP = "workshop"


@dataclass(frozen=True)
class UnitId:
    """A parsed unit: its kind ('municipality', 'region', 'workshop') and its parts."""

    kind: str
    municipality: str | None = None
    workshop: str | None = None

    def __str__(self) -> str:
        if self.kind == MUNICIPALITY:
            return str(self.municipality)
        if self.kind == REGION:
            return REGION
        return f"{self.workshop}-{self.municipality or ALL}"

    @property
    def is_municipality(self) -> bool:
        return self.kind == MUNICIPALITY

    @property
    def is_workshop(self) -> bool:
        return self.kind == WORKSHOP

    @property
    def is_consultants(self) -> bool:
        """A workshop unit for the whole programme (`w1-all`)."""
        return self.kind == WORKSHOP and self.municipality is None

    def matches(self, wanted: str) -> bool:
        """Whether a `--unit` filter selects this unit: its text, or its workshops' part."""
        return str(self) == wanted or (self.kind == WORKSHOP
                                       and (self.municipality or ALL) == wanted)


def municipality(code: str) -> UnitId:
    return UnitId(MUNICIPALITY, municipality=_code(str(code)))


def region() -> UnitId:
    return UnitId(REGION)


def workshop(workshop_id: str, code: str | None) -> UnitId:
    """Workshop `workshop_id` for municipality `code`, or for everyone (`None` or 'all')."""
    who = None if code in (None, ALL) else _code(str(code))
    return UnitId(WORKSHOP, municipality=who, workshop=str(workshop_id))


def parse(text: str | int) -> UnitId:
    """The `UnitId` of a unit text; anything outside the grammar is a `UserError`."""
    text = str(text).strip()
    if text.isdigit():
        return municipality(text)
    if text == REGION:
        return region()
    wid, dash, who = text.partition("-")
    if dash and wid and (who == ALL or who.isdigit()):
        return workshop(wid, who)
    raise UserError(f"unit '{text}': expected a municipality code (232), '{REGION}', or a "
                    f"workshop and a code or '{ALL}' (w1-232, w1-{ALL})")


def _code(code: str) -> str:
    return code.zfill(3) if code.isdigit() else code
