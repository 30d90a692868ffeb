"""Report layer: the report context, sentences from labels, display tables, charts and the
`show` helpers that notebooks call."""
