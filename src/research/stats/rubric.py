"""The evaluation workshop's rubric and scores: reading, checking, summarising, a demo.

The rubric (YAML, starter in `templates/region/evaluation_rubric.yml`) names the criteria
(usefulness, transferability, ownership, cost, ...) and the score range. The workshop's
scores are a CSV or XLSX with the columns `model, criterion, scorer, score`, one row per
scorer, operating model and criterion. `read_scores` checks every row against the rubric and
names the file, the row (the file's own line number, header = 1) and the column of the first
mistake. `summarise` gives per model and criterion the mean and its t interval over scorers,
and an overall score per model (each scorer's mean over the criteria, then the same).

The rubric also says which programme the scores belong to (`programme: {subregion: '141'}`
or `programme: {municipalities: ['232', ...]}`), so that a report for another programme never
shows them, and may give the operating models human names (`models: [{id, fi, en}]`).

`write_demo_rubric` writes a clearly synthetic, seeded example to `data/raw/evaluation/`.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy import stats

from research.core import yamlfile
from research.core.atomic import write_text
from research.core.errors import UserError
from research.core.schema import Bool, Check, Invalid, Key, ListOf, Map, Text, validate
from research.core.tables import provenance

SCORE_COLUMNS = ["model", "criterion", "scorer", "score"]
RUBRIC_FILE = "rubric.yml"
SCORES_FILE = "scores.csv"
TEMPLATE = Path("templates/region/evaluation_rubric.yml")


@dataclass(frozen=True)
class Rubric:
    """Score range and criteria (a table: criterion, name_fi, name_en, name_sv, order)."""

    path: Path
    scale_min: int
    scale_max: int
    criteria: pd.DataFrame
    #: model, name_fi, name_en, name_sv, order (empty when the rubric names no models)
    models: pd.DataFrame = None
    #: the sub-region code the scores belong to, or None
    subregion: str | None = None
    #: the municipality codes the scores belong to (may be empty)
    municipalities: tuple[str, ...] = ()
    #: the file says `synthetic: true` (demo data, not a real workshop's scores)
    synthetic: bool = False

    @property
    def ids(self) -> list[str]:
        return list(self.criteria["criterion"])

    def table(self) -> pd.DataFrame:
        """The processed `rubric_criteria` table."""
        return self.criteria.assign(scale_min=self.scale_min, scale_max=self.scale_max)

    def models_table(self, scores: pd.DataFrame) -> pd.DataFrame:
        """The processed `rubric_models` table: every scored model with its names (the id
        where the rubric names none) and the programme the scores belong to."""
        named = self.models if self.models is not None else pd.DataFrame(
            columns=MODEL_COLUMNS[:5])
        extra = sorted(set(scores["model"]) - set(named["model"]))
        rows = pd.DataFrame({"model": extra, "name_fi": extra, "name_en": extra, "name_sv": extra,
                             "order": range(len(named), len(named) + len(extra))})
        out = pd.concat([named, rows], ignore_index=True) if len(rows) else named.copy()
        return out.assign(subregion_code=self.subregion or "",
                          municipalities="|".join(self.municipalities))[MODEL_COLUMNS]


MODEL_COLUMNS = ["model", "name_fi", "name_en", "name_sv", "order", "subregion_code",
                 "municipalities"]


def _code(value) -> str:
    """A municipality or sub-region code as 3-digit text (YAML may give 5 or '005')."""
    text = str(value).strip()
    return text.zfill(3) if text.isdigit() else text


def belongs_to(models: pd.DataFrame, subregion: str, municipalities: list[str]) -> bool:
    """Whether rubric scores (the `rubric_models` table) belong to a programme: the same
    sub-region code, or the same set of municipality codes."""
    if models.empty:
        return False
    sub = str(models["subregion_code"].iloc[0] or "")
    own = {m for m in str(models["municipalities"].iloc[0] or "").split("|") if m}
    return ((sub != "" and sub == _code(subregion))
            or (bool(own) and own == {_code(m) for m in municipalities}))


def _scale(value) -> dict:
    if (not isinstance(value, dict) or not all(isinstance(value.get(k), int)
                                               and not isinstance(value.get(k), bool)
                                               for k in ("min", "max"))
            or value["min"] >= value["max"]):
        raise Invalid(f"expected whole numbers 'min' < 'max', got {value!r}")
    return value


def _named(what: str):
    """An entry with an id and fi/en names, optionally sv (a criterion or a model)."""
    def check(value) -> dict:
        if not isinstance(value, dict) or not all(isinstance(value.get(k), str) and value.get(k)
                                                  for k in ("id", "fi", "en")):
            raise Invalid(f"expected {what} with 'id', 'fi' and 'en' texts, got {value!r}")
        return value
    return Check(check)


SCHEMA = Map({
    "scale": Check(_scale),
    "criteria": ListOf(_named("a criterion"), non_empty=True,
                       empty_message="expected a list of criteria"),
    "models": Key(ListOf(_named("a model")), None),
    "programme": Key(Map({"subregion": Key(Text(), None),
                          "municipalities": Key(ListOf(Text("a municipality code")), [])}), {}),
    "synthetic": Key(Bool(), False),
})


def load_rubric(path: str | Path) -> Rubric:
    """Read and check a rubric YAML file."""
    path = Path(path)
    data = validate(SCHEMA, yamlfile.load(path, "evaluation rubric"), path)
    table = pd.DataFrame([{"criterion": c["id"], "name_fi": c["fi"], "name_en": c["en"],
                           "name_sv": c.get("sv") or c["fi"], "order": i}
                          for i, c in enumerate(data["criteria"])])
    dup = table["criterion"][table["criterion"].duplicated()]
    if len(dup):
        raise UserError(f"key 'criteria': criterion id '{dup.iloc[0]}' appears twice", file=path)
    models = None
    if data["models"] is not None:
        models = pd.DataFrame([{"model": m["id"], "name_fi": m["fi"], "name_en": m["en"],
                                "name_sv": m.get("sv") or m["fi"], "order": i}
                               for i, m in enumerate(data["models"])],
                              columns=MODEL_COLUMNS[:5])
    sub, muni = data["programme"]["subregion"], data["programme"]["municipalities"]
    scale = data["scale"]
    return Rubric(path, int(scale["min"]), int(scale["max"]), table, models,
                  _code(sub) if sub not in (None, "") else None,
                  tuple(sorted(_code(m) for m in muni)), data["synthetic"] is True)


def _read_sheet(path: Path) -> pd.DataFrame:
    empty = UserError(f"file is empty; expected a header row {', '.join(SCORE_COLUMNS)}",
                      file=path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            return pd.read_excel(path, dtype=str, keep_default_na=False)
        except pd.errors.EmptyDataError:
            raise empty from None
    if path.suffix.lower() == ".csv":
        from research.core.textfile import read_csv
        if not path.read_bytes().strip():
            raise empty
        return read_csv(path)
    raise UserError("expected a .csv or .xlsx file of scores", file=path)


def read_scores(path: str | Path, rubric: Rubric) -> pd.DataFrame:
    """The workshop's scores, checked row by row against the rubric.

    Returns `model, criterion, scorer, score` (score as float), sorted by model, criterion
    and scorer. Errors name the file, the row (header = 1) and the column.
    """
    path = Path(path)
    if not path.exists():
        raise UserError("scores file not found", file=path)
    df = _read_sheet(path)
    df.columns = [str(c).strip().lower() for c in df.columns]
    missing = [c for c in SCORE_COLUMNS if c not in df.columns]
    if missing:
        raise UserError(f"missing column(s) {', '.join(missing)}; expected the columns "
                        f"{', '.join(SCORE_COLUMNS)}", file=path, row=1)
    df = df[SCORE_COLUMNS].apply(lambda s: s.str.strip())
    known = rubric.ids
    for i, rec in enumerate(df.itertuples(index=False)):
        row = i + 2
        for col in SCORE_COLUMNS:
            if getattr(rec, col) == "":
                raise UserError("empty cell", file=path, row=row, column=col)
        if rubric.models is not None and rec.model not in set(rubric.models["model"]):
            raise UserError(f"unknown model '{rec.model}'; the rubric's models are "
                            f"{', '.join(rubric.models['model'])}", file=path, row=row,
                            column="model")
        if rec.criterion not in known:
            hint = difflib.get_close_matches(rec.criterion, known, n=1, cutoff=0.0)
            raise UserError(f"unknown criterion '{rec.criterion}'"
                            + (f"; did you mean '{hint[0]}'?" if hint else "")
                            + f" (criteria of the rubric: {', '.join(known)})",
                            file=path, row=row, column="criterion")
        try:
            score = float(rec.score.replace(",", "."))
        except ValueError:
            score = float("nan")
        if not np.isfinite(score) or not score.is_integer():
            raise UserError(f"score '{rec.score}' is not a whole number", file=path, row=row,
                            column="score")
        if not rubric.scale_min <= score <= rubric.scale_max:
            raise UserError(f"score {int(score)} is out of range; expected "
                            f"{rubric.scale_min} to {rubric.scale_max}", file=path, row=row,
                            column="score")
    dup = df.duplicated(["model", "criterion", "scorer"])
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        rec = df.iloc[i]
        raise UserError(f"scorer '{rec['scorer']}' scored model '{rec['model']}' on "
                        f"'{rec['criterion']}' twice", file=path, row=i + 2, column="scorer")
    df["score"] = df["score"].str.replace(",", ".").astype(float)
    return df.sort_values(["model", "criterion", "scorer"], kind="stable").reset_index(drop=True)


def t_interval(values, confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean and its t interval (NaN interval with fewer than two values)."""
    values = np.asarray(values, dtype=float)
    m = float(values.mean()) if len(values) else np.nan
    if len(values) < 2:
        return m, np.nan, np.nan
    half = stats.t.ppf(0.5 + confidence / 2, len(values) - 1) * stats.sem(values)
    return m, float(m - half), float(m + half)


def summarise(scores: pd.DataFrame, criteria: pd.DataFrame, min_n: int = 5,
              confidence: float = 0.95) -> pd.DataFrame:
    """Per model and criterion, and overall ('all'): n scorers, mean, ci_low, ci_high.

    The overall row averages each scorer's mean over the criteria, then over scorers. Groups
    with fewer than `min_n` scorers keep their n but show no mean.
    """
    order = {c: i for i, c in enumerate(criteria.sort_values("order")["criterion"])}
    overall = scores.groupby(["model", "scorer"], as_index=False)["score"].mean().assign(
        criterion="all")
    rows = []
    for (model, criterion), part in pd.concat([scores, overall]).groupby(
            ["model", "criterion"], sort=True):
        n = int(part["scorer"].nunique())
        mean, lo, hi = t_interval(part["score"], confidence) if n >= min_n else (np.nan,) * 3
        rows.append({"model": model, "criterion": criterion, "n": n, "mean": mean,
                     "ci_low": lo, "ci_high": hi, "order": order.get(criterion, len(order))})
    out = pd.DataFrame(rows).sort_values(["model", "order"], kind="stable")
    return out.drop(columns="order").reset_index(drop=True)


#: The synthetic demo's operating models and their true mean quality.
DEMO_MODELS = {"business_one_stop": 4.0, "joint_vitality_team": 3.6,
               "shared_procurement": 3.0, "youth_pathways": 3.3}
#: Their names in the reports.
DEMO_MODEL_NAMES = {
    "business_one_stop": ("Yritysten yhden luukun palvelu", "Business one-stop service",
                          "Företagens service med en lucka"),
    "joint_vitality_team": ("Yhteinen elinvoimatiimi", "Joint vitality team",
                            "Gemensamt livskraftsteam"),
    "shared_procurement": ("Yhteiset hankinnat", "Shared procurement", "Gemensam upphandling"),
    "youth_pathways": ("Nuorten polut", "Youth pathways", "Ungas vägar")}
#: The programme the demo scores belong to (Suupohja).
DEMO_PROGRAMME = {"subregion": "141", "municipalities": ["151", "218", "232", "846"]}


def _demo_rubric_text(template: str | Path) -> str:
    """The template followed by the demo's programme and model names."""
    extra = {"synthetic": True, "programme": DEMO_PROGRAMME,
             "models": [{"id": m, "fi": fi, "en": en, "sv": sv}
                        for m, (fi, en, sv) in DEMO_MODEL_NAMES.items()]}
    return (Path(template).read_text(encoding="utf-8").rstrip("\n")
            + "\n# SYNTHETIC demo: the programme the scores belong to, and the models' names\n"
            + yaml.safe_dump(extra, allow_unicode=True, sort_keys=False))


def write_demo_rubric(out_dir: str | Path = "data/raw/evaluation", seed: int = 2019,
                      n_scorers: int = 9, template: str | Path = TEMPLATE) -> list[Path]:
    """Write a synthetic rubric (a copy of the template) and seeded scores to `out_dir`.

    The scores are invented: every scorer scores every demo model on every criterion around
    the model's mean. Files are written atomically; returns their paths.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rubric = load_rubric(template)
    rng = np.random.default_rng(seed)
    rows = []
    for model, level in DEMO_MODELS.items():
        shift = dict(zip(rubric.ids, rng.normal(0, 0.4, len(rubric.ids))))
        for s in range(1, n_scorers + 1):
            for criterion in rubric.ids:
                raw = level + shift[criterion] + rng.normal(0, 0.8)
                score = int(np.clip(np.rint(raw), rubric.scale_min, rubric.scale_max))
                rows.append({"model": model, "criterion": criterion,
                             "scorer": f"synthetic-{s:02d}", "score": score})
    text = pd.DataFrame(rows, columns=SCORE_COLUMNS).to_csv(index=False, lineterminator="\n")
    paths = [out / RUBRIC_FILE, out / SCORES_FILE]
    write_text(paths[0], _demo_rubric_text(template))
    write_text(paths[1], text)
    return paths


def step_rubric(ctx) -> dict[str, pd.DataFrame]:
    """Prepare step: `data/raw/evaluation/{rubric.yml, scores.csv|scores.xlsx}` -> tables.

    Without an evaluation folder the tables are written empty, so reports can say that no
    workshop scores exist yet.
    """
    folder = Path(ctx.raw) / "evaluation"
    scores_path = next((folder / f for f in (SCORES_FILE, "scores.xlsx")
                        if (folder / f).exists()), None)
    if scores_path is None:
        return {"rubric_scores": pd.DataFrame(columns=SCORE_COLUMNS),
                "rubric_criteria": pd.DataFrame(columns=["criterion", "name_fi", "name_en",
                                                         "name_sv", "order", "scale_min",
                                                         "scale_max"]),
                "rubric_models": pd.DataFrame(columns=MODEL_COLUMNS)}
    rubric = load_rubric(folder / RUBRIC_FILE)
    if rubric.subregion is None and not rubric.municipalities:
        raise UserError("key 'programme': say which programme the scores belong to, e.g. "
                        "programme: {subregion: '141'} or programme: {municipalities: "
                        "['232', '846']}", file=rubric.path)
    scores = read_scores(scores_path, rubric)
    return {"rubric_scores": scores, "rubric_criteria": rubric.table(),
            "rubric_models": rubric.models_table(scores),
            "provenance": provenance("rubric", rubric.synthetic)}
