"""The composite (vitality) index, one module per COINr-style verb: framework, denominate,
impute (screen and impute), treat, normalise, aggregate, coherence, uncertainty, build (the
sequence of verbs, with the audit log) and export. No labels, no charts: DataFrames in,
tidy DataFrames out."""
