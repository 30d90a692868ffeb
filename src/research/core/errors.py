"""User-facing errors: a mistake in a user's file is reported as one clear message.

The command line catches `UserError`, prints its message without a traceback and exits
with code 2. Anything else is a bug in the kit and keeps its traceback. A message shows only
printable characters (control characters, NUL bytes and escape sequences from a damaged file
are escaped), so it cannot garble the terminal.
"""

from __future__ import annotations

from pathlib import Path


def printable(text: str) -> str:
    """`text` with every non-printable character escaped (`\\x00`, `\\u200b`)."""
    return "".join(ch if ch.isprintable() else
                   (f"\\x{ord(ch):02x}" if ord(ch) < 256 else f"\\u{ord(ch):04x}")
                   for ch in str(text))


def shown(value, limit: int = 40) -> str:
    """A value from a user's file, fit for a message: printable and at most `limit` long."""
    text = printable(value)
    return text if len(text) <= limit else text[:limit - 1] + "\u2026"


class UserError(Exception):
    """A problem in the user's input, described by file, row and column."""

    def __init__(self, message: str, *, file: str | Path | None = None,
                 row: int | None = None, column: str | None = None):
        self.message = message
        self.file = str(file) if file is not None else None
        self.row = row
        self.column = column
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        text = ": ".join([", ".join(where), self.message]) if where else self.message
        return printable(text)
