"""The composite vitality index, built COINr-style from named, logged steps."""
