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
# ## Section: workshop feedback (issue 6)
# (cells of this section go below this marker, above the next one)

# %%
from research.report import workshops
W = workshops.setup(R)
missing = workshops.missing_note(W, R.L)
sc, summary = workshops.scores(W) if not missing else (None, None)
show.heading(workshops.title(W, R), 1)

# %%
show.para(missing or workshops.intro(W, R.L))

# %%
show.para(R.L("workshop.privacy_note", threshold=W.threshold), "note")

# %%
show.heading(R.L("workshop.participation_heading")) if not missing else None

# %%
show.table(workshops.participation_table(W, "role", R.L), R.language, R.L("workshop.participation_role", workshop=W.workshop)) if not missing else None

# %%
show.table(workshops.participation_table(W, "organisation", R.L), R.language, R.L("workshop.participation_organisation", workshop=W.workshop)) if not missing else None

# %%
show.heading(R.L("workshop.scores_heading")) if not missing else None

# %%
show.table(workshops.comparison_table(summary, W, R.L), R.language, R.L("workshop.scores_caption", workshop=W.workshop)) if not missing else None

# %%
show.figure(workshops.comparison_chart(summary, W, R.L)) if not missing else None

# %%
show.para(R.L("workshop.scores_note"), "note") if not missing else None

# %%
show.heading(R.L("workshop.trend_heading")) if not missing else None

# %%
show.figure(workshops.trend_chart(summary, W, R.L)) if not missing else None

# %%
show.bullets(workshops.change_statements(workshops.trend(sc, summary, W.order, W.focus), W, R.L) if W.previous else [R.L("workshop.trend_first")]) if not missing else None

# %%
show.heading(R.L("workshop.likert_heading")) if not missing else None

# %%
show.figure(workshops.likert(W, R.L)) if not missing else None

# %%
show.heading(R.L("workshop.themes_heading")) if not missing else None

# %%
show.para(R.L("workshop.themes_note", codebook=W.codebook.title(R.language), version=W.codebook.version, threshold=W.threshold), "note") if not missing else None

# %%
show.table(workshops.theme_table(W, R.L), R.language, decimals=0) if not missing else None

# %%
show.table(workshops.theme_by_municipality(W, R.L), R.language, R.L("workshop.themes_by_municipality", workshop=W.workshop), decimals=0) if not missing else None

# %%
show.heading(R.L("workshop.kwic_heading"), 3) if not missing else None

# %%
show.para(R.L("workshop.kwic_note", per_theme=3, threshold=W.threshold), "note") if not missing else None

# %%
show.table(workshops.kwic_table(W, R.L, per_theme=3), R.language) if not missing else None

# %%
uncoded = workshops.uncoded_table(W, R.L) if not missing else None
show.heading(R.L("workshop.uncoded_heading"), 3) if not missing else None

# %%
show.para(workshops.uncoded_note(W, uncoded, R.L)) if not missing else None

# %%
show.table(uncoded, R.language) if not missing else None

# %%
show.heading(R.L("workshop.cooccurrence_heading"), 3) if not missing else None

# %%
show.para(R.L("workshop.cooccurrence_note"), "note") if not missing else None

# %%
show.table(workshops.cooccurrence_table(W), R.language, decimals=0) if not missing else None

# %%
manual = R.table("manual_coding") if not missing else None
show.heading(R.L("workshop.kappa_heading"), 3) if not missing else None

# %%
show.para(workshops.kappa_note(manual, R.L), "note") if not missing else None

# %%
show.table(workshops.kappa_table(manual, W, R.L), R.language, decimals=2) if not missing else None

# %%
display(*workshops.consultants_section(W, R.L)) if not missing else None
