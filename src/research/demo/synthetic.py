"""Synthetic demo data: seeded survey exports for the Suupohja municipalities.

`write_demo_survey(out_dir, seed)` writes what a survey tool would export for the baseline
(2017) and final (2019) waves of the target-state survey: one CSV per wave, ';'-separated,
question texts in Finnish as headers, the baseline in cp1252 and the final wave in UTF-8
with a BOM (both quirks occur in real exports). The file names start with `SYNTHETIC_`, a
README says the data describe no real person, and a `survey.yml` manifest lists files,
waves and instrument for `research prepare`.

What makes the data realistic enough to exercise the kit:

- group sizes grow with the square root of the municipality's population, per role, so
  some groups are below the privacy threshold (e.g. business people in Karijoki);
- municipality and role profiles differ per dimension, and the final wave improves on the
  baseline, unevenly (so that change and development targets have something to find);
- missing answers, "don't know" answers and Finnish open answers, a few with an e-mail
  address or phone number that the privacy step must mask;
- about two thirds of the baseline respondents answer the final wave too, under the same
  e-mail address (sometimes in other letter case), so paired comparisons are possible.

The same seed gives the same bytes. Helpers (`person_names`, `email_address`,
`likert_answers`, `write_csv_export`) are public for other generators (e.g. workshops).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd

from research.core.atomic import write_bytes
from research.core.instrument import Instrument, load_instrument

SEED = 2017
#: Population on 31 Dec 2016 (Statistics Finland), used only to size the synthetic groups.
POPULATION = {"232": 13610, "846": 5269, "151": 2032, "218": 1329}
NAMES = {"232": "Kauhajoki", "846": "Teuva", "151": "Isojoki", "218": "Karijoki"}
ROLES = ("office_holder", "elected", "expert", "business")
#: Expected respondents per role = coefficient x sqrt(population).
ROLE_SIZE = {"office_holder": 0.14, "elected": 0.165, "expert": 0.07, "business": 0.085}
ORGANISATIONS = {"office_holder": ("municipality", "municipality", "joint_authority"),
                 "elected": ("municipality",),
                 "expert": ("joint_authority", "association", "municipality"),
                 "business": ("company",)}
WAVES = (("baseline", 2017, "cp1252"), ("final", 2019, "utf-8-sig"))
#: Share of baseline respondents who answer the final wave too.
RETURNING = 0.65

# Profiles on the latent scale (0 = neutral answer 3): municipality and role offsets per
# dimension, and the programme's average improvement from baseline to final.
MUNICIPALITY_PROFILE = {
    "232": {"dynamic": 0.3, "coordinated": 0.1, "committed": 0.2, "anticipatory": 0.0,
            "leadership": 0.2},
    "846": {"dynamic": 0.0, "coordinated": 0.2, "committed": 0.3, "anticipatory": -0.5,
            "leadership": 0.0},
    "151": {"dynamic": -0.2, "coordinated": -0.4, "committed": 0.4, "anticipatory": -0.1,
            "leadership": -0.2},
    "218": {"dynamic": 0.1, "coordinated": -0.6, "committed": 0.1, "anticipatory": -0.3,
            "leadership": -0.5},
}
ROLE_PROFILE = {
    "office_holder": {"coordinated": 0.2, "anticipatory": 0.1},
    "elected": {"committed": 0.3, "leadership": 0.2},
    "expert": {"anticipatory": 0.3, "dynamic": -0.1},
    "business": {"committed": -0.6, "leadership": -0.7, "dynamic": -0.3},
}
IMPROVEMENT = {"dynamic": 0.2, "coordinated": 0.45, "committed": 0.15, "anticipatory": 0.3,
               "leadership": 0.35}

FIRST_NAMES = ("Aino", "Anna", "Antti", "Eeva", "Eino", "Elina", "Hannu", "Heikki", "Helena",
               "Ilkka", "Jaana", "Jari", "Johanna", "Juha", "Jukka", "Kaisa", "Kari", "Katja",
               "Kirsi", "Lauri", "Leena", "Marja", "Markku", "Matti", "Mika", "Minna", "Niina",
               "Outi", "Paavo", "Päivi", "Pekka", "Pirjo", "Riikka", "Sari", "Seppo", "Sirpa",
               "Tapio", "Timo", "Tuula", "Ville")
LAST_NAMES = ("Ala-Kauppila", "Hakala", "Harju", "Hautala", "Heikkilä", "Hietala", "Kangas",
              "Kivimäki", "Koivisto", "Korpela", "Lahti", "Laine", "Lehtinen", "Mäkelä",
              "Mäki-Petäjä", "Niemi", "Ojala", "Peltola", "Rinta-Jouppi", "Saarinen", "Salo",
              "Tuomela", "Viitala", "Yli-Rahko")

OPEN_STRENGTHS = (
    "Yhteistyö sujuu hyvin koulutoimessa ja sosiaalipalveluissa.",
    "Seudun kunnat tuntevat toisensa ja asioista voi soittaa suoraan.",
    "Elinkeinoyhtiön kautta yritysasiat hoituvat yhden luukun periaatteella.",
    "Yhteiset hankkeet ovat tuoneet rahoitusta, jota yksi kunta ei olisi saanut.",
    "Kunnanjohtajat tapaavat säännöllisesti.",
    "Matkailun ja markkinoinnin yhteistyö on hyvällä tolalla.",
)
OPEN_IMPROVE = (
    "Päätöksenteko on hidasta, asiat kiertävät monen hallituksen kautta.",
    "Tarvitaan yhteinen näkemys siitä, mihin seudun pitää panostaa kymmenen vuoden päästä.",
    "Luottamushenkilöt pitäisi ottaa mukaan valmisteluun aikaisemmin.",
    "Yrittäjien ääni ei kuulu seudullisessa kehittämisessä.",
    "Tiedonkulku kuntien välillä on sattumanvaraista.",
    "Oman kunnan etua ajetaan liikaa, kun pitäisi ajatella koko seutua.",
    "Ennakointitietoa on, mutta sitä ei käytetä päätöksissä.",
    "Hankkeiden tulokset jäävät usein hankkeen loppuessa hyllyyn.",
)
ADDITIONS = (
    "Tämä näkyy erityisesti pienissä kunnissa.",
    "Asiaan on tullut parannusta viime vuosina.",
    "Resurssit ovat kuitenkin tiukoilla.",
    "Hyvä esimerkki on seudullinen hyvinvointiryhmä.",
    "Nuorten näkökulma jää usein puuttumaan.",
)
CONTACT_NOTES = ("Voin kertoa lisää: {email}", "Soittakaa, jos haluatte kuulla lisää: {phone}")


def person_names(rng: np.random.Generator, n: int) -> list[tuple[str, str]]:
    """`n` (first, last) Finnish names; duplicates are possible, as in life."""
    first = rng.choice(len(FIRST_NAMES), size=n)
    last = rng.choice(len(LAST_NAMES), size=n)
    return [(FIRST_NAMES[f], LAST_NAMES[s]) for f, s in zip(first, last)]


def _ascii(text: str) -> str:
    table = str.maketrans({"ä": "a", "ö": "o", "å": "a", "Ä": "A", "Ö": "O", "Å": "A"})
    return text.translate(table).lower().replace(" ", "")


def email_address(first: str, last: str, domain: str, serial: int = 0) -> str:
    """A synthetic address on a reserved `.example` domain: `aino.hakala2@teuva.example`."""
    suffix = str(serial) if serial else ""
    return f"{_ascii(first)}.{_ascii(last)}{suffix}@{_ascii(domain)}.example"


def phone_number(rng: np.random.Generator) -> str:
    return f"040 {rng.integers(100, 1000)} {rng.integers(1000, 10000)}"


def likert_answers(rng: np.random.Generator, latent: np.ndarray, low: int = 1, high: int = 5,
                   noise: float = 0.7) -> np.ndarray:
    """Answers low..high around the scale's midpoint + `latent`, with item-level noise."""
    mid = (low + high) / 2
    raw = mid + latent + rng.normal(0.0, noise, size=np.shape(latent))
    return np.clip(np.rint(raw), low, high).astype(int)


def group_sizes(population: dict[str, int] = POPULATION) -> pd.DataFrame:
    """Expected respondents per municipality and role in the baseline wave."""
    rows = [{"municipality_code": code, "role": role,
             "n": max(1, int(round(ROLE_SIZE[role] * np.sqrt(pop))))}
            for code, pop in population.items() for role in ROLES]
    return pd.DataFrame(rows)


def _people(rng: np.random.Generator) -> pd.DataFrame:
    """The baseline respondents: municipality, role, organisation, e-mail, person effect."""
    rows = []
    used: set[str] = set()
    for g in group_sizes().itertuples():
        for first, last in person_names(rng, g.n):
            domain = (f"{last}-yritys" if g.role == "business" else NAMES[g.municipality_code])
            serial, address = 0, email_address(first, last, domain)
            while address in used:
                serial += 1
                address = email_address(first, last, domain, serial)
            used.add(address)
            rows.append({"email": address, "municipality_code": g.municipality_code,
                         "role": g.role,
                         "organisation": str(rng.choice(ORGANISATIONS[g.role])),
                         "effect": float(rng.normal(0.0, 0.7))})
    return pd.DataFrame(rows)


def _wave_people(rng: np.random.Generator, baseline: pd.DataFrame) -> pd.DataFrame:
    """The final wave: returning baseline respondents plus new ones of the same groups."""
    keep = rng.random(len(baseline)) < RETURNING
    returning = baseline[keep].copy()
    upper = rng.random(len(returning)) < 0.15      # some type their address in capitals
    returning.loc[upper, "email"] = returning.loc[upper, "email"].str.upper()
    fresh = _people(rng)
    fresh = fresh[rng.random(len(fresh)) < (0.9 - RETURNING)]
    fresh = fresh[~fresh["email"].str.casefold().isin(baseline["email"].str.casefold())]
    return pd.concat([returning, fresh], ignore_index=True)


def _answers(rng: np.random.Generator, people: pd.DataFrame, instrument: Instrument,
             improvement: float) -> pd.DataFrame:
    """Item answers (numbers, "don't know" text or empty) for every respondent."""
    out = {}
    dont_know = instrument.items[0].dont_know[1] if len(instrument.items[0].dont_know) > 1 \
        else instrument.items[0].dont_know[0]
    item_offset = rng.normal(0.0, 0.25, size=len(instrument.items))
    for j, item in enumerate(instrument.items):
        latent = np.array([
            MUNICIPALITY_PROFILE[m].get(item.scale, 0.0) + ROLE_PROFILE[r].get(item.scale, 0.0)
            + improvement * IMPROVEMENT.get(item.scale, 0.0) + e + item_offset[j]
            for m, r, e in zip(people["municipality_code"], people["role"], people["effect"])])
        answers = likert_answers(rng, latent, item.low, item.high)
        if item.reverse:
            answers = item.low + item.high - answers
        col = answers.astype(str).astype(object)
        p_dk = np.where(people["role"].eq("business") & (item.scale != "dynamic"), 0.12, 0.04)
        col[rng.random(len(people)) < p_dk] = dont_know
        col[rng.random(len(people)) < 0.03] = ""
        out[item.code] = col
    return pd.DataFrame(out, index=people.index)


def _open_answers(rng: np.random.Generator, people: pd.DataFrame) -> pd.DataFrame:
    def pick(options: tuple[str, ...], p: float) -> list[str]:
        texts = []
        for email in people["email"]:
            if rng.random() >= p:
                texts.append("")
                continue
            text = str(options[rng.integers(len(options))])
            if rng.random() < 0.3:
                text += " " + str(ADDITIONS[rng.integers(len(ADDITIONS))])
            if rng.random() < 0.08:
                note = CONTACT_NOTES[rng.integers(len(CONTACT_NOTES))]
                text += " " + note.format(email=email.lower(), phone=phone_number(rng))
            texts.append(text)
        return texts
    return pd.DataFrame({"open_strengths": pick(OPEN_STRENGTHS, 0.45),
                         "open_improve": pick(OPEN_IMPROVE, 0.6)}, index=people.index)


def demo_waves(seed: int = SEED, instrument: Instrument | None = None
               ) -> dict[str, pd.DataFrame]:
    """The synthetic answers per wave, with codes as columns (before export formatting)."""
    instrument = instrument or load_instrument(default_instrument())
    rng = np.random.default_rng(seed)
    baseline = _people(rng)
    final = _wave_people(rng, baseline)
    waves = {}
    for (wave, year, _), people, improvement in zip(WAVES, (baseline, final), (0.0, 1.0)):
        answers = _answers(rng, people, instrument, improvement)
        opens = _open_answers(rng, people)
        day = pd.Timestamp(f"{year}-03-06") + pd.to_timedelta(
            np.sort(rng.integers(0, 21 * 24 * 60, size=len(people))), unit="min")
        frame = pd.concat([people.reset_index(drop=True), answers.reset_index(drop=True),
                           opens.reset_index(drop=True)], axis=1)
        frame = frame.sample(frac=1.0, random_state=int(rng.integers(2**31))).reset_index(drop=True)
        frame.insert(0, "started", day.strftime("%d.%m.%Y %H:%M"))
        waves[wave] = frame
    return waves


def export_frame(frame: pd.DataFrame, instrument: Instrument, language: str = "fi"
                 ) -> pd.DataFrame:
    """A wave as a survey tool exports it: question texts as headers, answers as texts."""
    role = instrument.background_question("role")
    organisation = instrument.background_question("organisation")
    municipality = instrument.background_question("municipality")
    out = pd.DataFrame({
        "Aloitusaika": frame["started"],
        instrument.respondent.text(language): frame["email"],
        municipality.text(language): frame["municipality_code"].map(NAMES),
        role.text(language): [role.option_text(r, language) for r in frame["role"]],
        organisation.text(language): [organisation.option_text(o, language)
                                      for o in frame["organisation"]],
    })
    for item in instrument.items:
        out[item.text(language)] = frame[item.code]
    for question in instrument.open_questions:
        out[question.text(language)] = frame[question.code]
    return out


def write_csv_export(path: str | Path, table: pd.DataFrame, encoding: str = "utf-8-sig",
                     sep: str = ";") -> Path:
    """Write a table as a survey tool's CSV export, atomically (temp file, then rename)."""
    path = Path(path)
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=sep, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(list(table.columns))
    writer.writerows(table.astype(object).where(table.notna(), "").itertuples(index=False))
    write_bytes(path, buf.getvalue().encode(encoding))
    return path


def default_instrument() -> Path:
    """The starter instrument shipped in `templates/region/` (checkout or working directory)."""
    here = Path(__file__).resolve().parents[3] / "templates" / "region" / "survey_instrument.yml"
    return here if here.exists() else Path("templates/region/survey_instrument.yml")


def export_name(wave: str, year: int) -> str:
    return f"SYNTHETIC_suupohja_survey_{year}_{wave}.csv"


README = """# Survey exports (SYNTHETIC)

The files `SYNTHETIC_*.csv` in this folder are **synthetic demo data** written by
`research.demo.synthetic.write_demo_survey(seed={seed})` (`research synth`). They describe no real
person: names and e-mail addresses are made up on the reserved `.example` domain.
They imitate a survey tool's export of the target-state survey (instrument
`templates/region/survey_instrument.yml`): ';'-separated, question texts as headers,
{encodings}.

`survey.yml` lists the exports, their waves and the instrument; `research prepare` reads it.
Replace these files and the manifest with real exports to analyse a real survey.
"""

MANIFEST = """# Survey exports for `research prepare`: the instrument (path relative to the project root
# or to this folder) and each export with its wave. SYNTHETIC demo data (seed {seed}).
synthetic: true
seed: {seed}
instrument: templates/region/survey_instrument.yml
exports:
{exports}"""


def write_demo_survey(out_dir: str | Path = "data/raw/survey", seed: int = SEED,
                      instrument: str | Path | None = None) -> list[Path]:
    """Write the synthetic exports, README and manifest into `out_dir`; return the paths."""
    out_dir = Path(out_dir)
    ins = load_instrument(instrument or default_instrument())
    waves = demo_waves(seed, ins)
    written, entries = [], []
    for wave, year, encoding in WAVES:
        path = out_dir / export_name(wave, year)
        written.append(write_csv_export(path, export_frame(waves[wave], ins), encoding))
        entries.append(f"  - {{file: {path.name}, wave: {wave}, year: {year}}}\n")
    encodings = "the baseline in cp1252 and the final wave in UTF-8 with a BOM"
    for name, text in (("README.md", README.format(seed=seed, encodings=encodings)),
                       ("survey.yml", MANIFEST.format(seed=seed, exports="".join(entries)))):
        write_bytes(out_dir / name, text.encode("utf-8"))
        written.append(out_dir / name)
    return written


def demo_identifiers(seed: int = SEED) -> list[str]:
    """Every e-mail address in the demo exports (respondent ids and those in open answers),
    lower-cased and sorted: what no report may show."""
    waves = demo_waves(seed)
    emails = set()
    for frame in waves.values():
        emails |= set(frame["email"].str.lower())
    return sorted(emails)


def _rubric(out_dir, **kw):
    from research.stats.rubric import write_demo_rubric
    return write_demo_rubric(out_dir, **kw)


def _workshops(out_dir, **kw):
    from research.demo.workshop_demo import write_demo_workshops
    return write_demo_workshops(out_dir, **kw)


#: What `research synth` regenerates: (name, folder under data/raw, writer(out_dir, seed=)).
GENERATORS = [
    ("survey", "survey", write_demo_survey),
    ("workshops", "workshops", _workshops),
    ("rubric", "evaluation", _rubric),
]
