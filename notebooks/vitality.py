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
unit = "region"
processed = "data/processed"
raw = "data/raw"
language = ""

# %%
from research.report import context as report, show
R = report.setup(config, "vitality", unit, processed, raw, language)

# %%
from research.report import vitality, vitality_audit, vitality_charts
V = vitality.build(R)
units = vitality.focus(V, R)
show.heading(R.L("vitality.title"))

# %%
show.para(vitality.summary(V, R, *R.config.area))

# %% tags=["methods"]
show.para(vitality_audit.audit_summary(V, R))

# %%
show.para(vitality.caveat(V, R), "note")

# %% tags=["methods"]
show.heading(R.L("vitality.heading_method"), 3)

# %% tags=["methods"]
show.bullets(vitality_audit.method_points(V, R))

# %% tags=["methods"]
show.heading(R.L("vitality.heading_indicators"), 3)

# %% tags=["methods"]
show.table(vitality_audit.framework_table(V, R), R.language, caption=R.L("vitality.caption_indicators"), decimals=2)

# %%
show.para(vitality.coverage_text(V, R))

# %% tags=["methods"]
show.table(vitality.coverage_display(V, R), R.language, caption=R.L("vitality.caption_coverage"))

# %%
show.heading(R.L("vitality.heading_trend"), 3)

# %%
show.figure(vitality_charts.index_chart(V, R, units, highlight=R.config.area))

# %%
show.heading(R.L("vitality.heading_themes"), 3)

# %%
show.figure(vitality_charts.theme_chart(V, R, units, highlight=R.config.area))

# %%
show.heading(R.L("vitality.heading_ranks"), 3)

# %%
show.table(vitality.rank_table(V, R, vitality.ranked_units(units)), R.language, caption=R.L("vitality.caption_ranks"))

# %%
show.figure(vitality_charts.rank_band_chart(V, R, units))

# %%
show.bullets(vitality.summaries(V, R, units))

# %%
show.heading(vitality.ranking_heading(R), 3)

# %%
show.table(vitality.ranking_table(V, R, "subregion"), R.language, caption=R.L("vitality.caption_ranking_subregion"))

# %%
show.table(vitality.ranking_table(V, R, "municipality"), R.language, caption=R.L("vitality.caption_ranking_municipality"))

# %%
show.heading(R.L("vitality.heading_strengths"), 3)

# %%
show.table(vitality.strengths_table(V, R, R.config.area[1], V.final_year, level=R.config.area[0]), R.language, caption=R.L("vitality.caption_strengths", name=R.subregion_name, year=V.final_year))

# %%
show.table(vitality.profile_table(V, R, units, V.final_year), R.language, caption=vitality.profile_caption(V, R, V.final_year))

# %% tags=["methods"]
show.heading(R.L("vitality.heading_audit"), 3)

# %% tags=["methods"]
show.table(vitality_audit.audit_table(V, R), R.language, caption=R.L("vitality.caption_audit"))

# %% tags=["methods"]
vitality_audit.imputed_display(V, R, R.config.municipalities)

# %% tags=["methods"]
show.heading(R.L("vitality.heading_coherence"), 3)

# %% tags=["methods"]
show.para(vitality_audit.coherence_text(V, R))

# %% tags=["methods"]
show.table(vitality_audit.coherence_table(V, R), R.language, caption=R.L("vitality.caption_coherence", year=V.base_year), decimals=2)

# %% tags=["methods"]
show.heading(R.L("vitality.heading_sensitivity"), 3)

# %% tags=["methods"]
show.para(vitality_audit.sensitivity_text(V, R))

# %% tags=["methods"]
show.table(vitality_audit.sensitivity_table(V, R), R.language, caption=R.L("vitality.caption_sensitivity"))

# %% tags=["headline"]
from research.report import headline
show.headline(R.L("report.headline"), headline.vitality(V, R, units))
