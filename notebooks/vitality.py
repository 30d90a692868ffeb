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
show.para(vitality.summary(V, R, "subregion", R.config.subregion))

# %%
show.para(vitality_audit.audit_summary(V, R))

# %%
show.para(vitality.caveat(V, R), "note")

# %%
show.heading(R.L("vitality.heading_method"), 3)

# %%
show.bullets(vitality_audit.method_points(V, R))

# %%
show.heading(R.L("vitality.heading_indicators"), 3)

# %%
show.table(vitality_audit.framework_table(V, R), R.language, caption=R.L("vitality.caption_indicators"), decimals=2)

# %%
show.para(vitality.coverage_text(V, R))

# %%
show.table(vitality.coverage_display(V, R), R.language, caption=R.L("vitality.caption_coverage"))

# %%
show.heading(R.L("vitality.heading_trend"), 3)

# %%
show.figure(vitality_charts.index_chart(V, R, units, highlight=("subregion", R.config.subregion)))

# %%
show.heading(R.L("vitality.heading_themes"), 3)

# %%
show.figure(vitality_charts.theme_chart(V, R, units, highlight=("subregion", R.config.subregion)))

# %%
show.heading(R.L("vitality.heading_ranks"), 3)

# %%
show.table(vitality.rank_table(V, R, units[:-1]), R.language, caption=R.L("vitality.caption_ranks"))

# %%
show.figure(vitality_charts.rank_band_chart(V, R, units))

# %%
show.bullets([vitality.summary(V, R, level, code, note=False) for level, code in units[:-2]])

# %%
show.heading(R.L("vitality.heading_strengths"), 3)

# %%
show.table(vitality.strengths_table(V, R, R.config.subregion, V.final_year, level="subregion"), R.language, caption=R.L("vitality.caption_strengths", name=R.subregion_name, year=V.final_year))

# %%
show.table(vitality.profile_table(V, R, units, V.final_year), R.language, caption=vitality.profile_caption(V, R, V.final_year))

# %%
show.heading(R.L("vitality.heading_audit"), 3)

# %%
show.table(vitality_audit.audit_table(V, R), R.language, caption=R.L("vitality.caption_audit"))

# %%
vitality_audit.imputed_display(V, R, R.config.municipalities)

# %%
show.heading(R.L("vitality.heading_coherence"), 3)

# %%
show.para(vitality_audit.coherence_text(V, R))

# %%
show.table(vitality_audit.coherence_table(V, R), R.language, caption=R.L("vitality.caption_coherence", year=V.base_year), decimals=2)

# %%
show.heading(R.L("vitality.heading_sensitivity"), 3)

# %%
show.para(vitality_audit.sensitivity_text(V, R))

# %%
show.table(vitality_audit.sensitivity_table(V, R), R.language, caption=R.L("vitality.caption_sensitivity"))
