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
# ## Section: survey change (issue 7)
# (cells of this section go below this marker, above the next one)

# %%
from research.report import evaluation as ev
S = ev.survey(R)
SR = ev.survey_results(R, S) if S else None
show.heading(R.L("evaluation.survey.title"))

# %%
show.para(ev.design_text(R, SR["link"]) if SR else ev.survey_none(R))

# %%
show.table(ev.change_table(R, SR["dimensions"], "dimension", S["names"]), R.language, R.L("evaluation.survey.dimensions_caption"), decimals=2) if SR else None

# %%
show.para(ev.survey_summary(R, SR["dimensions"])) if SR else None

# %%
show.table(ev.change_table(R, SR["items"], "item", S["item_names"]), R.language, R.L("evaluation.survey.items_caption"), decimals=2) if SR else None

# %%
show.table(ev.ordinal_table(R, SR["ordinal"], S["item_names"]), R.language, R.L("evaluation.survey.ordinal_caption"), decimals=2) if SR else None

# %%
show.para(R.L("evaluation.survey.ordinal_note") + " " + R.L("evaluation.survey.small_n", min_n=R.config.min_group_size), "note") if SR else None

# %%
M = ev.region_models(R, S) if (S and not R.is_municipality) else None
show.heading(R.L("evaluation.models.title"), 3) if M else None

# %%
show.para(ev.mixed_text(R, M["mixed"])) if M else None

# %%
show.table(ev.fixed_table(R, M["fixed"], S["names"]), R.language, ev.fixed_caption(R, M["fixed"]), decimals=2) if M else None

# %%
show.para(R.L("evaluation.models.few_clusters", G=int(M["fixed"]["n_clusters"].max())), "note") if M else None

# %% [markdown]
# ## Section: indicator change (issue 7)
# (cells of this section go below this marker, above the next one)

# %%
V = ev.indicator_values(R)
D = ev.did_results(R, V) if V is not None else None
show.heading(R.L("evaluation.did.title"))

# %%
show.para(ev.did_intro(R, D["panel"]) if D else R.L("evaluation.did.none", indicator=R.config.phases["evaluation"]["indicator"]))

# %%
show.table(ev.did_table(R, D["did"]), R.language, R.L("evaluation.did.caption"), decimals=2) if D else None

# %%
show.para(ev.did_text(R, D["did"])) if D else None

# %%
show.figure(ev.event_figure(R, D["event"])) if D else None

# %%
show.bullets(ev.pretrend_text(R, D["pretrend"])) if D else None

# %%
SC = ev.synth_results(R) if (D and not R.is_municipality) else None
show.heading(R.L("evaluation.synth.heading"), 3) if D else None

# %%
show.para(ev.synth_text(R, SC) if SC else R.L("evaluation.synth.region_only")) if D else None

# %%
show.figure(ev.synth_figure(R, SC)) if SC else None

# %%
show.para(ev.caveat(R), "note")

# %% [markdown]
# ## Section: results and suitability (issue 7)
# (cells of this section go below this marker, above the next one)

# %%
RS = ev.rubric_summary(R)
show.heading(R.L("evaluation.rubric.title"))

# %%
show.table(ev.rubric_table(R, RS), R.language, ev.rubric_caption(R)) if RS is not None else show.para(R.L("evaluation.rubric.none"))

# %%
show.heading(R.L("evaluation.summary.title", name=R.unit_name))

# %%
show.bullets(ev.summary_points(R, SR, D, RS))

# %%
show.heading(R.L("evaluation.vitality.title"), 3)

# %%
show.para(ev.vitality_text(R))
