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
unit = "w1-232"
processed = "data/processed"
raw = "data/raw"
language = ""

# %%
from research.report import context as report, show
R = report.setup(config, "reflection", unit, processed, raw, language)

# %% [markdown]
# ## Workshop feedback

# %%
from research.report import workshop_charts, workshop_consultants, workshops
from research.stats import workshops as workshop_stats
W = workshops.setup(R)
sc, summary = workshop_stats.scores(W)
show.heading(workshops.title(W, R), 1)

# %%
show.para(workshops.intro(W, R.L))

# %%
show.para(R.L("workshop.privacy_note", threshold=W.threshold), "note")

# %% tags=["researcher"]
show.para(R.L("workshop.quote_check"), "note")

# %%
show.heading(workshops.text(W, R.L, "workshop.participation_heading"))

# %%
show.table(workshops.participation_table(W, "role", R.L), R.language, R.L("workshop.participation_role", workshop=workshops.workshop_name(W, W.workshop)))

# %%
show.table(workshops.participation_table(W, "organisation", R.L), R.language, R.L("workshop.participation_organisation", workshop=workshops.workshop_name(W, W.workshop)))

# %%
show.heading(workshops.text(W, R.L, "workshop.scores_heading"))

# %%
show.table(workshops.comparison_table(summary, W, R.L), R.language, R.L("workshop.scores_caption", workshop=workshops.workshop_name(W, W.workshop)))

# %%
show.figure(workshop_charts.comparison_chart(summary, W, R.L))

# %%
show.para(workshops.text(W, R.L, "workshop.scores_note"), "note")

# %%
show.heading(workshops.text(W, R.L, "workshop.trend_heading"))

# %%
show.figure(workshop_charts.trend_chart(summary, W, R.L))

# %%
show.bullets(workshops.trend_statements(sc, summary, W, R.L))

# %%
show.heading(workshops.text(W, R.L, "workshop.likert_heading"))

# %%
show.figure(workshop_charts.likert(W, R.L))

# %%
show.heading(workshops.text(W, R.L, "workshop.themes_heading"))

# %%
show.para(workshops.text(W, R.L, "workshop.themes_note", codebook=W.codebook.title(R.language), version=W.codebook.version, threshold=W.threshold), "note")

# %%
show.table(workshops.theme_table(W, R.L), R.language, decimals=0)

# %%
show.para(workshops.comparison_note(W, R.L), "note")

# %%
show.table(workshops.theme_by_municipality(W, R.L), R.language, R.L("workshop.themes_by_municipality", workshop=workshops.workshop_name(W, W.workshop)), decimals=0)

# %% tags=["methods"]
show.heading(workshops.text(W, R.L, "workshop.kwic_heading"), 3)

# %% tags=["methods"]
show.para(workshops.text(W, R.L, "workshop.kwic_note", per_theme=3, threshold=W.threshold), "note")

# %% tags=["methods"]
show.table(workshops.kwic_table(W, R.L, per_theme=3), R.language)

# %% tags=["methods"]
uncoded = workshops.uncoded_table(W, R.L)
show.heading(workshops.text(W, R.L, "workshop.uncoded_heading"), 3)

# %% tags=["methods"]
show.para(workshops.uncoded_note(W, uncoded, R.L))

# %% tags=["methods"]
show.table(uncoded, R.language)

# %% tags=["methods"]
show.heading(workshops.text(W, R.L, "workshop.cooccurrence_heading"), 3)

# %% tags=["methods"]
show.para(workshops.text(W, R.L, "workshop.cooccurrence_note"), "note")

# %% tags=["methods"]
show.table(workshops.cooccurrence_table(W), R.language, decimals=0)

# %% tags=["methods"]
manual = workshops.manual_coding(W, R)
show.heading(workshops.text(W, R.L, "workshop.kappa_heading"), 3)

# %% tags=["methods"]
show.para(workshops.kappa_note(manual, R.L), "note")

# %% tags=["methods"]
show.table(workshops.kappa_table(manual, W, R.L), R.language, decimals=2)

# %%
display(*workshop_consultants.consultants_section(W, R.L))

# %% tags=["headline"]
from research.report import headline
show.headline(R.L("report.headline"), headline.reflection(W, sc, summary, R.L))
