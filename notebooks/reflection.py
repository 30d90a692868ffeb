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
from research import report, show, population
R = report.setup(config, "reflection", unit, processed, raw, language)

# %% [markdown]
# ## Section: workshop feedback (issue 6)
# (cells of this section go below this marker, above the next one)
