"""Prepare: readers of raw exports (PxWeb CSV, PC-Axis, JSON-stat, survey and workshop
exports) and the steps of `research prepare` that turn data/raw into data/processed."""
