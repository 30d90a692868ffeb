# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% tags=["parameters"]
config = "config/suupohja.yml"
unit = "232"
processed = "data/processed"
raw = "data/raw"
language = ""

# %%
from research.report import context as report, show, population
R = report.setup(config, "baseline", unit, processed, raw, language)

# %% [markdown]
# ## Section: population

# %%
pop = population.series(R.table("indicators"), R.municipalities, R.unit, R.subregion_code,
                        R.config.peers)
show.heading(R.L("population.title"))

# %%
show.para(population.summary(pop, R))

# %%
show.figure(population.index_chart(pop, R))

# %% [markdown]
# ## Section: official statistics profile

# %%
from research.report import statsreport
S = statsreport.build(R)
show.heading(R.L("stats.title"))

# %%
show.para(statsreport.intro(S, R))

# %%
show.heading(R.L("stats.peers_title"), 3)

# %%
show.para(statsreport.peers_intro(S, R))

# %%
show.bullets(statsreport.peer_reasons(S, R))

# %%
show.heading(R.L("stats.table_title"), 3)

# %% tags=["researcher"]
show.table(statsreport.theme_table(S, R), R.language, caption=R.L("stats.table_caption"))

# %% tags=["municipal"]
show.table(statsreport.plain_theme_table(S, R), R.language,
           caption=R.L("stats.plain_table_caption"))

# %%
show.heading(R.L("stats.scores_title"), 3)

# %%
show.figure(statsreport.score_figure(S, R))

# %%
show.heading(R.L("stats.strengths_title"), 3)

# %%
show.para(R.L("stats.strengths_intro"))

# %%
show.bullets(statsreport.strengths_text(S, R))

# %%
show.heading(R.L("stats.comparison_title"), 3)

# %%
show.figure(statsreport.comparison_figure(S, R))

# %%
show.heading(R.L("stats.trend_title"), 3)

# %%
show.figure(statsreport.trend_figure(S, R))

# %%
show.bullets(statsreport.caveats(S, R))

# %% [markdown]
# ## Section: vitality index

# %%
from research.report import vitality, vitality_charts
V = vitality.build(R)
units = vitality.focus(V, R)
show.heading(R.L("vitality.baseline_title"))

# %%
show.para(R.L("vitality.baseline_text") + " " + vitality.coverage_text(V, R))

# %%
show.para(vitality.summary(V, R, "municipality", units[0][1]))

# %%
show.figure(vitality_charts.index_chart(V, R, units, highlight=units[0]))

# %%
show.table(vitality.strengths_table(V, R, units[0][1], V.base_year), R.language, caption=R.L("vitality.caption_strengths", name=R.name(units[0][1]), year=V.base_year))

# %%
show.para(vitality.caveat(V, R), "note")

# %% [markdown]
# ## Section: survey

# %%
from research.stats import profile, scales
from research.report import survey_report, targets
ins, resp, wave = survey_report.load(R)
tab = survey_report.score_table(R, resp, ins, wave)
show.heading(R.L("survey.title"))

# %%
show.para(survey_report.intro(R, resp, ins, wave))

# %%
show.para(survey_report.caveat(tab, R), kind="note")

# %%
show.heading(survey_report.scores_title(tab, R), level=3)

# %%
show.para(survey_report.scores_summary(tab, R, ins))

# %%
show.figure(survey_report.scores_chart(tab, R, ins))

# %%
show.table(survey_report.scores_display(tab, R, ins), R.language, survey_report.scores_caption(R, ins), decimals=2)

# %%
show.heading(survey_report.likert_title(resp, R, wave), level=3)

# %%
show.figure(survey_report.likert(resp, R, ins, wave))

# %%
rel = scales.reliability(resp, ins, wave)
show.heading(survey_report.reliability_title(tab, R), level=3)

# %% tags=["methods"]
show.table(survey_report.reliability_display(rel, R, ins), R.language, R.L("survey.reliability_caption"), decimals=2)

# %% tags=["methods"]
show.para(survey_report.reliability_note(rel, R, ins, tab))

# %%
survey_report.open_answers(R.table("comments"), R, ins, wave, resp)

# %% [markdown]
# ## Section: development targets

# %%
weak = profile.strengths_weaknesses(S.profile, n=3, language=R.language)
dev = targets.development_targets(tab, resp, ins, R.unit, wave, R.language, R.config.min_group_size, statistics=weak)
show.heading(R.L("targets.title"))

# %%
show.para(R.L("targets.intro", name=R.unit_name))

# %%
show.table(targets.targets_display(dev, R.language), R.language)

# %%
show.para(survey_report.targets_caveat(R, resp, wave, dev), kind="note")

# %% tags=["headline"]
from research.report import headline
show.headline(R.L("report.headline"), headline.baseline(R, pop, tab, ins, dev))
