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
# Population development: the municipality against its sub-region and its peers.

# %%
pop = population.series(R.table("indicators"), R.municipalities, R.unit, R.config.subregion,
                        R.config.peers)
show.heading(R.L("population.title"))

# %%
show.para(population.summary(pop, R))

# %%
show.figure(population.index_chart(pop, R))
