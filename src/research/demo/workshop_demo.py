"""Synthetic demo data for the reflection workshops: feedback exports as a survey tool writes them.

`write_demo_workshops(out_dir, seed=...)` writes, into `data/raw/workshops/`:

- `SYNTHETIC_w1_palaute.csv` ... one feedback export per workshop (semicolon-separated UTF-8 with BOM
  and Finnish question texts as headers, like a Webropol export);
- `manual_coding.csv`, a researcher's hand coding of a sample of open answers (for kappa);
- `workshops.yml`, the manifest that `research prepare` reads: workshop ids and files.

Everything is SYNTHETIC and says so in the manifest: the participants do not exist. The
numbers are chosen to be realistic for the Suupohja municipalities: Kauhajoki sends many
participants, Karijoki often fewer than the privacy threshold; some answers contain an
e-mail address or a phone number, so that the masking can be seen to work; open answers
use inflected and compound Finnish forms, and some match no theme at all.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import yaml

from research.core.atomic import write_text
from research.core.instrument import load_instrument

DEFAULT_SEED = 2017
INSTRUMENT = "templates/region/workshop_instrument.yml"
TEMPLATE = Path(__file__).resolve().parents[3] / INSTRUMENT
WORKSHOPS = ["w1", "w2", "w3", "w4"]
MUNICIPALITIES = {"232": "Kauhajoki", "846": "Teuva", "151": "Isojoki", "218": "Karijoki"}
#: mean participants per workshop and municipality (Poisson), and a level offset
PARTICIPANTS = {"232": 12, "846": 8, "151": 6, "218": 4}
OFFSET = {"232": 0.1, "846": 0.0, "151": -0.1, "218": -0.2}
#: scale level per workshop: goals get clearer, usefulness dips at w3, commitment recovers
LEVEL = {"goals": [2.9, 3.3, 3.6, 3.9], "participation": [3.6, 3.7, 3.6, 3.7],
         "cooperation": [3.1, 3.4, 3.6, 3.8], "usefulness": [3.5, 3.6, 3.0, 3.5],
         "commitment": [3.4, 3.3, 3.0, 3.5]}
ROLES = {"office_holder": ("Viranhaltija", 0.45), "elected": ("Luottamushenkilö", 0.25),
         "expert": ("Asiantuntija", 0.18), "business": ("Yrittäjä", 0.12)}
ORGANISATION = {"office_holder": "Kunta", "elected": "Kunta",
                "expert": "Kuntayhtymä tai seudullinen toimija", "business": "Yritys"}

#: open-answer phrases and the themes a researcher would code them with
PHRASES: list[tuple[str, tuple[str, ...]]] = [
    ("Seutuyhteistyön merkitys tuli hyvin esiin.", ("cooperation",)),
    ("Yhteistyö naapurikuntien kanssa tuntui luontevalta.", ("cooperation",)),
    ("Kuntien välistä yhteistyötä pitäisi syventää.", ("cooperation",)),
    ("Verkostoituminen muiden kuntien väen kanssa oli antoisaa.", ("cooperation",)),
    ("Yhteistyöryhmän perustaminen olisi seuraava askel.", ("cooperation",)),
    ("Asioita tehtiin yhdessä yli kuntarajojen.", ("cooperation",)),
    ("Tavoitteet jäivät vielä epäselviksi.", ("goals",)),
    ("Yhteisen vision hahmottaminen auttoi.", ("goals",)),
    ("Seutustrategian tavoitteiden pilkkominen käytännön tasolle.", ("goals", "concrete")),
    ("Suunta on nyt selkeämpi kuin alussa.", ("goals",)),
    ("Osallistujia olisi saanut olla enemmän.", ("participation",)),
    ("Kaikki pääsivät osallistumaan keskusteluun.", ("participation", "discussion")),
    ("Nuoret ja kuntalaiset pitäisi saada mukaan.", ("participation",)),
    ("Pienryhmissä käyty keskustelu oli antoisaa.", ("discussion",)),
    ("Avoin vuorovaikutus eri toimijoiden välillä.", ("discussion",)),
    ("Ryhmätöitä enemmän, luentoja vähemmän.", ("discussion",)),
    ("Keskustelulle jäi liian vähän aikaa.", ("discussion", "time")),
    ("Ennakkomateriaalit olisi hyvä saada aiemmin.", ("communication",)),
    ("Tiedonkulku kuntien välillä takkuaa.", ("communication",)),
    ("Viestintää kuntalaisille pitää parantaa.", ("communication",)),
    ("Aikataulu oli liian tiukka.", ("time",)),
    ("Kiireessä moni asia jäi käsittelemättä.", ("time",)),
    ("Iltapäivä venyi liian pitkäksi.", ("time",)),
    ("Tarvitaan konkreettisia toimenpiteitä.", ("concrete",)),
    ("Kokeilujen käynnistäminen vielä tänä vuonna.", ("concrete",)),
    ("Pilottihankkeen valmistelu kuntien kesken.", ("concrete",)),
    ("Päättäjien sitoutuminen on ratkaisevaa.", ("commitment",)),
    ("Valtuutettujen pitäisi olla paremmin mukana.", ("commitment", "participation")),
    ("Johdon tuki näkyi selvästi.", ("commitment",)),
    ("Yrittäjät pitää ottaa mukaan.", ("business", "participation")),
    ("Elinkeinoelämän näkökulma puuttui.", ("business",)),
    ("Yritysten tarpeet pitää nostaa esiin.", ("business",)),
    ("Konsulttien alustukset olivat selkeitä.", ("facilitation",)),
    ("Fasilitointi toimi hyvin.", ("facilitation",)),
    ("Vetäjä piti langat hyvin käsissään.", ("facilitation",)),
    ("Kaikki meni hyvin.", ()),
    ("Ei erityistä.", ()),
    ("Kiitos hyvästä päivästä!", ()),
    ("Kahvitarjoilu oli hyvä.", ()),
    ("Samaan aikaan oli muitakin menoja.", ()),
]
#: themes that grow more frequent from workshop to workshop (weights multiply by 1 + k*step)
RISING = {"concrete": 0.8, "time": 0.5, "goals": -0.2}
#: contact details planted in a few answers to prove the masking; no personal names (a name
#: in an open answer is not detected automatically, so the demo must not contain one)
PII = [" Lisätietoja: kehittamispalvelut@{town}.fi", " Soittakaa minulle 040 {a} {b}.",
       " Yhteystiedot: p. 050-{a}{b}."]


def _phrase_weights(workshop_index: int) -> np.ndarray:
    w = np.ones(len(PHRASES))
    for i, (_, themes) in enumerate(PHRASES):
        for theme in themes:
            w[i] *= max(0.1, 1 + RISING.get(theme, 0.0) * workshop_index)
    return w / w.sum()


def _open_answer(rng, weights, towns) -> tuple[str, set[str]]:
    k = 1 if rng.random() < 0.6 else 2
    idx = rng.choice(len(PHRASES), size=k, replace=False, p=weights)
    text = " ".join(PHRASES[i][0] for i in idx)
    themes = set().union(*(PHRASES[i][1] for i in idx))
    if rng.random() < 0.04:
        text += PII[int(rng.integers(len(PII)))].format(
            town=towns, a=int(rng.integers(100, 999)), b=int(rng.integers(1000, 9999)))
    return text, themes


def _likert(value: float) -> str:
    return str(int(np.clip(np.rint(value), 1, 5)))


def demo_exports(seed: int = DEFAULT_SEED, workshops=WORKSHOPS, instrument_path=TEMPLATE):
    """The demo exports in memory: ({workshop: rows as lists}, headers, coded sample rows)."""
    instrument = load_instrument(instrument_path)
    rng = np.random.default_rng(seed)
    headers = ([instrument.respondent.headers[0]]
               + [q.fi for q in instrument.background]
               + [i.fi for i in instrument.items] + [q.fi for q in instrument.open_questions])
    scales = [i.scale for i in instrument.items]
    exports, coded = {}, []
    role_codes = list(ROLES)
    role_p = np.array([p for _, p in ROLES.values()])
    for w_index, workshop in enumerate(workshops):
        level_index = min(w_index, 3)
        weights = _phrase_weights(w_index)
        rows, number = [], 0
        for code, town in MUNICIPALITIES.items():
            n = max(1, int(rng.poisson(PARTICIPANTS[code])))
            for _ in range(n):
                number += 1
                role = role_codes[int(rng.choice(len(role_codes), p=role_p))]
                person = rng.normal(0, 0.45)
                answers = []
                for item, scale in zip(instrument.items, scales):
                    draw = rng.random()
                    if draw < 0.03:
                        answers.append("")
                        continue
                    if draw < 0.06:
                        answers.append("EOS")
                        continue
                    value = LEVEL[scale][level_index] + OFFSET[code] + person + rng.normal(0, 0.6)
                    answers.append(_likert(6 - value if item.reverse else value))
                opens = []
                for question in instrument.open_questions:
                    if rng.random() < 0.35:
                        opens.append("")
                        continue
                    text, themes = _open_answer(rng, weights, town.lower())
                    opens.append(text)
                    coded.append((workshop, question.code, text, themes))
                organisation = ORGANISATION[role] if rng.random() > 0.08 else ""
                rows.append([f"{workshop.upper()}-{number:04d}", town, ROLES[role][0],
                             organisation, *answers, *opens])
        exports[workshop] = rows
    return exports, headers, coded


def _manual_sample(coded, rng, themes: list[str], size: int = 60) -> list[list]:
    """A researcher's coding of a random sample: the intended themes with a little noise."""
    pick = sorted(rng.choice(len(coded), size=min(size, len(coded)), replace=False))
    rows = []
    for n, i in enumerate(pick, start=1):
        workshop, question, text, truth = coded[i]
        if "@" in text or "040" in text or "050" in text:
            continue
        flags = [int(t in truth) for t in themes]
        flags = [1 - f if rng.random() < 0.02 else f for f in flags]
        rows.append([f"s{n:03d}", workshop, question, text, *flags])
    return rows


def _csv(headers, rows, delimiter=";") -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return buf.getvalue()


def write_demo_workshops(out_dir: str | Path = "data/raw/workshops", seed: int = DEFAULT_SEED,
                         workshops=WORKSHOPS, instrument_path=TEMPLATE) -> list[Path]:
    """Write the synthetic workshop-feedback exports, manual coding and manifest; return paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    exports, headers, coded = demo_exports(seed, workshops, instrument_path)
    written = []
    files = []
    for workshop, rows in exports.items():
        path = out / f"SYNTHETIC_{workshop}_palaute.csv"
        write_text(path, "\ufeff" + _csv(headers, rows))
        written.append(path)
        files.append({"id": workshop, "file": path.name})
    themes = [t for t in dict.fromkeys(t for _, ts in PHRASES for t in ts)]
    manual = _manual_sample(coded, np.random.default_rng(seed + 1), themes)
    path = out / "manual_coding.csv"
    write_text(path, _csv(["sample_id", "wave", "question", "text", *themes], manual, ","))
    written.append(path)
    manifest = {"synthetic": True, "seed": seed,
                "note": "SYNTHETIC demo data made by research.demo.workshop_demo; no real respondents.",
                "instrument": INSTRUMENT, "manual_coding": "manual_coding.csv",
                "workshops": files}
    path = out / "workshops.yml"
    write_text(path, "# SYNTHETIC workshop-feedback demo data: regenerate with "
                  "research.demo.workshop_demo.write_demo_workshops\n"
                  + yaml.safe_dump(manifest, allow_unicode=True, sort_keys=False))
    written.append(path)
    return written
