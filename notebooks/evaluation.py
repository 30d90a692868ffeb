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
from research import report, show
R = report.setup(config, "evaluation", unit, processed, raw, language)

# %% [markdown]
# ## Section: survey change (issue 7)
# (cells of this section go below this marker, above the next one)

# %% [markdown]
# ## Section: indicator change (issue 7)
# (cells of this section go below this marker, above the next one)

# %% [markdown]
# ## Section: results and suitability (issue 7)
# (cells of this section go below this marker, above the next one)
