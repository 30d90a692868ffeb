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
from research.report import context as report, show
R = report.setup(config, "evaluation", unit, processed, raw, language)

# %% [markdown]
# ## Section: survey change

# %%
from research.report import evaluation as ev
S = ev.survey(R)
SR = ev.survey_results(S, R)
show.heading(R.L("evaluation.survey.title"))

# %% tags=["methods"]
show.para(ev.design_text(SR, R))

# %% tags=["researcher"]
show.table(ev.change_table(SR, R, "dimension"), R.language, ev.dimensions_caption(SR, R), decimals=2)

# %% tags=["municipal"]
show.table(ev.plain_change_table(SR, R, "dimension"), R.language,
           ev.dimensions_caption(SR, R, plain=True), decimals=2)

# %% tags=["researcher"]
show.para(ev.survey_summary(SR, R))

# %% tags=["researcher"]
show.table(ev.change_table(SR, R, "item"), R.language, R.L("evaluation.survey.items_caption"), decimals=2)

# %% tags=["municipal"]
show.table(ev.plain_change_table(SR, R, "item"), R.language, R.L("evaluation.survey.items_caption"), decimals=2)

# %% tags=["methods"]
show.table(ev.ordinal_table(SR, R), R.language, R.L("evaluation.survey.ordinal_caption"), decimals=2)

# %% tags=["methods"]
show.para(ev.ordinal_note(SR, R), "note")

# %% tags=["methods"]
M = ev.region_models(S, R)
show.heading(ev.models_title(M, R), 3)

# %% tags=["methods"]
show.para(ev.mixed_text(M, R))

# %% tags=["methods"]
show.table(ev.fixed_table(M, R), R.language, ev.fixed_caption(M, R), decimals=2)

# %% tags=["methods"]
show.para(ev.few_clusters_note(M, R), "note")

# %% [markdown]
# ## Section: indicator change

# %%
from research.report import evaluation_indicators as evi
V = evi.indicator_values(R)
D = evi.did_results(V, R)
show.heading(R.L("evaluation.did.title"))

# %%
show.para(evi.did_intro(D, R))

# %% tags=["researcher"]
show.table(evi.did_table(D, R), R.language, R.L("evaluation.did.caption"), decimals=2)

# %% tags=["municipal"]
show.table(evi.plain_did_table(D, R), R.language, R.L("evaluation.did.caption"), decimals=2)

# %% tags=["researcher"]
show.para(evi.did_text(D, R))

# %%
show.figure(evi.event_figure(D, R))

# %% tags=["methods"]
show.bullets(evi.pretrend_text(D, R))

# %%
SC = evi.synth_results(D, R)
show.heading(evi.synth_heading(SC, R), 3)

# %% tags=["methods"]
show.para(evi.synth_text(SC, R))

# %%
show.figure(evi.synth_figure(SC, R))

# %%
show.para(evi.caveat(R), "note")

# %% [markdown]
# ## Section: results and suitability

# %%
from research.report import evaluation_results as evr
RS = evr.rubric_summary(R)
show.heading(R.L("evaluation.rubric.title"))

# %%
show.table(evr.rubric_table(RS, R), R.language, evr.rubric_caption(R)) if RS is not None else show.para(R.L("evaluation.rubric.none"))

# %% tags=["researcher"]
show.heading(R.L("evaluation.summary.title", name=R.unit_name))

# %% tags=["researcher"]
show.bullets(evr.summary_points(SR, M, D, RS, R))

# %%
show.heading(R.L("evaluation.vitality.title"), 3)

# %%
show.para(evr.vitality_text(R))

# %% tags=["headline"]
from research.report import headline
show.headline(R.L("report.headline"), headline.evaluation(R, SR, D, RS))
