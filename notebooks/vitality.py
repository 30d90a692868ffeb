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
from research import report, show
R = report.setup(config, "vitality", unit, processed, raw, language)

# %% [markdown]
# ## Section: vitality index (issue 4)
# (cells of this section go below this marker, above the next one)
