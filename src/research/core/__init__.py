"""Core: config and its validation, YAML files, atomic writes, table schemas, report labels.

The lowest layer: it imports nothing else of the package."""
