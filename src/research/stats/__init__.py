"""Statistics: one function per statistic, DataFrames in, tidy DataFrames out.

No report text, no HTML and no plots here (enforced by tests/test_layers.py)."""
