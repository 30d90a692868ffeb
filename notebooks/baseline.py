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
from research import report, show, population
R = report.setup(config, "baseline", unit, processed, raw, language)

# %% [markdown]
# ## Section: population (pipeline)
# (cells of this section go below this marker, above the next one)

# %%
pop = population.series(R.table("indicators"), R.municipalities, R.unit if R.is_municipality else R.config.municipalities[0], R.config.subregion, R.config.peers)
show.heading(R.L("population.title"))

# %%
show.para(population.summary(pop, R))

# %%
show.figure(population.index_chart(pop, R))

# %% [markdown]
# ## Section: official statistics profile (issue 3)
# (cells of this section go below this marker, above the next one)

# %% [markdown]
# ## Section: vitality index (issue 4)
# (cells of this section go below this marker, above the next one)

# %% [markdown]
# ## Section: survey (issue 5)
# (cells of this section go below this marker, above the next one)

# %% [markdown]
# ## Section: development targets (issue 5)
# (cells of this section go below this marker, above the next one)
