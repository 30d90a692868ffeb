"""Action-research analysis kit for Finnish municipal development programmes.

Heavy libraries are imported by the modules that need them, so that the command line
starts fast (an unchanged rerun of `research run` must finish in a few seconds).
"""

__version__ = "0.1.0"
